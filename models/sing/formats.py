"""Score loaders: MusicXML / MIDI (through music21) and a small YAML form.

``load_score(path)`` picks the loader by suffix. The vocal part is the top part (in score
order) among those with nearly the most lyric-bearing notes: in a choir score where every
part has the words, the soprano carries the melody. Every other part is kept (as MIDI
bytes) for the backing track. Chord symbols (lead sheets) are not notes to sing. Repeats
are written out (music21's ``expandRepeats``) and the second time through a repeated
section sings the second verse.
The YAML form::

    title: Twinkle Twinkle
    tempo: 100          # quarter notes per minute
    key: C major        # optional, informational
    time: 4/4
    notes:              # [pitch, beats, lyric]; "r" is a rest; "_" or no lyric: melisma
      - [C4, 1, "twin-"]
      - [C4, 1, "-kle"]
      - [G4, 2, "star"]
      - [r, 1]
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from vhuman.models.sing.score import Score, ScoreNote, beat_grid
from vhuman.models.types import InputError, VhumanError

logger = logging.getLogger(__name__)

MUSIC21_SUFFIXES = (".musicxml", ".xml", ".mxl", ".mid", ".midi", ".kar")
MIDI_SUFFIXES = (".mid", ".midi", ".kar")
FILL_REST = 4.0  # s: the vocal part resting this long is filled from another part that sings
MIDI_ARTICULATION_GAP = 0.15  # s (and at most 0.3 quarter notes): a silence this short
# between two MIDI notes is the player letting go of the note, not a breath
KARAOKE_MARKS = "/\\"  # karaoke lyrics: "/" starts a new line, "\\" a new verse
YAML_SUFFIXES = (".yaml", ".yml")
_PITCH = re.compile(r"^([A-Ga-g])([#b♯♭]*)(-?\d)$")
_STEP = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
EXTENDERS = {"_", "~", ""}
VERSE_NUMBER = re.compile(r"^\d{1,2}[.)]\s+")  # "1. Ich": the verse's number, not sung
VOICE_SHARE = 0.75  # a part with this share of the most lyric notes can be the vocal part


def load_score(path: str | Path, *, verse: int = 1) -> Score:
    """Read a song; InputError names the file (and the measure) for anything unusable."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise InputError(f"score file not found: {p}")
    suffix = p.suffix.lower()
    if suffix in YAML_SUFFIXES:
        score = _load_yaml(p)
    elif suffix in MUSIC21_SUFFIXES:
        score = _load_music21(p, verse)
    else:
        raise InputError(f"{p}: unknown score format {suffix!r}; expected one of "
                         f"{', '.join(MUSIC21_SUFFIXES + YAML_SUFFIXES)}")
    score.validate()
    return score


def split_lyric(text: str | None, syllabic: str | None = None) -> tuple[str | None, bool]:
    """(syllable text without hyphens, whether it ends its word); None for an extender."""
    if text is None:
        return None, True
    raw = str(text).strip()
    if raw in EXTENDERS:
        return None, True
    word_goes_on = raw.endswith("-") or syllabic in ("begin", "middle")
    clean = VERSE_NUMBER.sub("", raw).strip("-").strip()
    if not clean:
        return None, True
    return clean, not word_goes_on


def parse_pitch(value: Any, where: str) -> float | None:
    """``"C#4"`` / ``"Bb3"`` / a MIDI number → MIDI number; ``"r"``/``"rest"`` → None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    s = str(value).strip()
    if s.lower() in ("r", "rest", "-"):
        return None
    m = _PITCH.match(s)
    if not m:
        raise InputError(f"{where}: cannot read pitch {value!r} (expected e.g. C4, F#3, Bb4 or r)")
    step, accidentals, octave = m.groups()
    alter = sum(1 if a in "#♯" else -1 for a in accidentals)
    return float(12 * (int(octave) + 1) + _STEP[step.upper()] + alter)


def _load_yaml(path: Path) -> Score:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: unreadable score YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("notes"), list):
        raise InputError(f"{path}: a YAML score needs a 'notes' list of [pitch, beats, lyric]")
    try:
        tempo = float(data.get("tempo", 100))
    except (TypeError, ValueError):
        raise InputError(f"{path}: tempo must be a number, got {data.get('tempo')!r}") from None
    if not 20 <= tempo <= 400:
        raise InputError(f"{path}: tempo must be within 20..400 BPM, got {tempo:g}")
    time_sig = str(data.get("time", "4/4"))
    try:
        num, den = (int(x) for x in time_sig.split("/"))
    except ValueError:
        raise InputError(f"{path}: time must look like 4/4, got {time_sig!r}") from None
    beat_ql = 4.0 / den  # quarter notes per written beat
    bar_ql = num * beat_ql
    spq = 60.0 / tempo  # seconds per quarter note
    pickup = float(data.get("pickup", 0.0))  # beats before the first bar line
    notes: list[ScoreNote] = []
    ql = 0.0
    for k, item in enumerate(data["notes"]):
        measure = int(np.floor((ql - pickup * beat_ql) / bar_ql + 1e-9)) + 1
        where = f"{path}: measure {measure} (note {k + 1})"
        if not isinstance(item, (list, tuple)) or not 2 <= len(item) <= 3:
            raise InputError(f"{where}: each note is [pitch, beats] or [pitch, beats, lyric], "
                             f"got {item!r}")
        midi = parse_pitch(item[0], where)
        try:
            beats = float(item[1])
        except (TypeError, ValueError):
            raise InputError(f"{where}: length must be a number of beats, got {item[1]!r}") from None
        if beats <= 0:
            raise InputError(f"{where}: length must be positive, got {beats:g}")
        raw = item[2] if len(item) == 3 else None
        tied = raw is not None and str(raw).strip() == "~"
        lyric, word_end = split_lyric(None if raw is None else str(raw))
        if midi is None:
            lyric = None
        notes.append(ScoreNote(ql * spq, beats * beat_ql * spq, midi, lyric, word_end,
                               measure, tied))
        ql += beats * beat_ql
    beats_s, before = beat_grid(ql * spq, beat_ql * spq, pickup * beat_ql * spq)
    return Score(notes=notes, tempo=tempo / beat_ql, beats=beats_s, beats_per_bar=num,
                 downbeat_phase=before % num, title=str(data.get("title", path.stem)),
                 key=_yaml_key(data.get("key"), path), source=str(path))


def _yaml_key(value: Any, path: Path) -> str:
    """``key: G`` / ``"E minor"`` / ``f#`` checked and written out (``"G major"``)."""
    if value is None:
        return ""
    import music21

    text = str(value).strip()
    parts = text.split()
    try:
        tonic = parts[0]
        mode = parts[1].lower() if len(parts) > 1 else ("minor" if tonic.islower() else "major")
        k = music21.key.Key(tonic.replace("b", "-") if len(tonic) > 1 else tonic, mode)
    except Exception:  # music21 raises several kinds for nonsense
        raise InputError(f"{path}: cannot read key {text!r} (expected e.g. C, G major, "
                         "E minor)") from None
    return f"{k.tonic.name.replace('-', 'b')} {k.mode}"


def _load_music21(path: Path, verse: int) -> Score:
    try:
        import music21
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise VhumanError("music21 is not installed: pip install music21") from exc
    is_midi = path.suffix.lower() in MIDI_SUFFIXES
    try:
        karaoke = _karaoke_as_lyrics(path.read_bytes()) if is_midi else None
        if karaoke is not None:
            parsed = music21.converter.parse(karaoke, format="midi")
        else:
            parsed = music21.converter.parse(str(path), format="midi" if is_midi else None)
    except Exception as exc:  # music21 raises many kinds on corrupt files
        raise InputError(f"{path}: unreadable score: {exc}") from exc
    parsed = _expand_repeats(parsed, path)
    parts = list(getattr(parsed, "parts", [])) or [parsed]
    counts = [_lyric_count(p) for p in parts]
    if not parts or max(counts, default=0) == 0:
        raise InputError(f"{path}: no lyrics found in {len(parts)} part(s); the vocal part "
                         "needs a syllable under each sung note (MusicXML lyrics or MIDI lyric "
                         "events)")
    voice = next(p for p, c in zip(parts, counts, strict=True) if c >= VOICE_SHARE * max(counts))
    seconds = _seconds_map(parsed)
    notes = _part_notes(voice, seconds, verse, is_midi, path)
    for other, count in zip(parts, counts, strict=True):
        if count and other is not voice:  # a solo verse, then the choir: one line sung
            notes = _fill_long_rests(notes, _part_notes(other, seconds, verse, is_midi, path))
    ts = parsed.recurse().getElementsByClass("TimeSignature").first()
    bpb = int(ts.beatCount) if ts is not None else 4
    beat_ql = float(ts.beatDuration.quarterLength) if ts is not None else 1.0
    first_bar = _first_downbeat_ql(voice)
    total_ql = float(voice.highestTime)
    spq = seconds(1.0) - seconds(0.0)
    beats_s, before = beat_grid(seconds(total_ql), beat_ql * spq, seconds(first_bar))
    key = parsed.recurse().getElementsByClass("KeySignature").first()
    key_name = ""
    if key is not None:
        try:
            key_name = key.asKey().name.replace("-", "b")
        except Exception:  # noqa: BLE001 - the key is informational
            key_name = ""
    return Score(notes=notes, tempo=60.0 / (beat_ql * spq), beats=beats_s, beats_per_bar=bpb,
                 downbeat_phase=before % max(bpb, 1), title=_title(parsed, path), key=key_name,
                 source=str(path), other_parts_midi=_other_parts_midi(parsed, voice, path))


def _part_notes(voice: Any, seconds: Any, verse: int, is_midi: bool, path: Path
                ) -> list[ScoreNote]:
    """The notes and rests of one part, with the syllable starting on each note."""
    notes: list[ScoreNote] = []
    flat = (voice.stripTies(inPlace=False).recurse().notesAndRests
            .getElementsNotOfClass("Harmony"))  # chord symbols are not sung
    passes = _measure_passes(voice)
    raw_midi_lyrics: list[tuple[int, str]] = []  # (index in notes, the event's text)
    last_end = 0.0
    for el in flat:
        if el.duration.isGrace:
            continue
        ql0 = float(el.getOffsetInHierarchy(voice))
        ql1 = ql0 + float(el.quarterLength)
        start, end = seconds(ql0), seconds(ql1)
        measure = int(el.measureNumber or 0)
        if start < last_end - 1e-6:  # a second voice or chord overlap: keep the first line
            logger.debug("%s: measure %d: overlapping note skipped", path, measure)
            continue
        if el.isRest:
            notes.append(ScoreNote(start, end - start, None, measure=measure))
        elif not el.pitches:  # an unpitched (drum) note has nothing to sing
            continue
        else:
            pitch = max(el.pitches, key=lambda p: p.ps)  # a chord in the voice: its top note
            lyric_obj = _verse_lyric(el, verse, passes(ql0))
            text = lyric_obj.text if lyric_obj is not None else None
            syllabic = lyric_obj.syllabic if lyric_obj is not None else None
            if is_midi and text is not None:
                raw_midi_lyrics.append((len(notes), text))
                text = text.strip().strip(KARAOKE_MARKS)
            lyric, word_end = split_lyric(text, syllabic)
            tied = el.tie is not None and el.tie.type in ("stop", "continue")
            notes.append(ScoreNote(start, end - start, float(pitch.ps), lyric, word_end,
                                   measure, tied))
        last_end = end
    _karaoke_word_ends(notes, raw_midi_lyrics)
    if is_midi:
        gap = min(MIDI_ARTICULATION_GAP, 0.3 * (seconds(1.0) - seconds(0.0)))
        notes = _bridge_midi_gaps(notes, gap)
    return notes


def _fill_long_rests(notes: list[ScoreNote], other: list[ScoreNote]) -> list[ScoreNote]:
    """``notes`` with each long rest (``FILL_REST`` s or more) filled with what ``other``
    sings there, if it sings words there: the solo verse before the choir's refrain, a line
    another part sings alone. The filled notes move by octaves to sit nearest the line's own
    pitch, so a tenor's entry does not drag the melody's range down."""
    sung = [n.midi for n in notes if n.midi is not None]
    if not sung or not any(n.lyric for n in other):
        return notes
    centre = float(np.median(sung))
    out: list[ScoreNote] = []
    k = 0
    while k < len(notes):
        if not notes[k].is_rest:
            out.append(notes[k])
            k += 1
            continue
        j = k
        while j < len(notes) and notes[j].is_rest:
            j += 1
        a, b = notes[k].start, notes[j - 1].end
        fill = [n for n in other if n.start >= a - 1e-6 and n.end <= b + 1e-6]
        first = next((i for i, n in enumerate(fill) if n.lyric is not None), None)
        if b - a < FILL_REST or first is None:
            out.extend(notes[k:j])
        else:
            fill = fill[first:]
            pitches = [n.midi for n in fill if n.midi is not None]
            shift = 12.0 * round((centre - float(np.median(pitches))) / 12.0)
            if fill[0].start > a + 1e-6:
                out.append(ScoreNote(a, fill[0].start - a, None, measure=notes[k].measure))
            out.extend(replace(n, midi=None if n.midi is None else n.midi + shift) for n in fill)
            if b > fill[-1].end + 1e-6:
                out.append(ScoreNote(fill[-1].end, b - fill[-1].end, None,
                                     measure=notes[j - 1].measure))
        k = j
    return out


def _karaoke_word_ends(notes: list[ScoreNote], raw: list[tuple[int, str]]) -> None:
    """MIDI lyrics written karaoke-style, one event per syllable with a space where a word
    ends (``"Lei" "se " "fle" "hen "``, or ``"Can" "do" " pen" "so"``) and ``/`` or ``\\``
    starting a line: join the syllables into words (in place). Files whose events carry no
    spaces keep the hyphen convention (``"twin-" "-kle"``)."""
    if not any(t != t.strip() or t[:1] in KARAOKE_MARKS for _, t in raw):
        return
    for k, (i, text) in enumerate(raw):
        nxt = raw[k + 1][1] if k + 1 < len(raw) else " "
        ends = (text != text.rstrip() or text.rstrip()[-1:] in KARAOKE_MARKS
                or nxt[:1].isspace() or nxt[:1] in KARAOKE_MARKS)
        if notes[i].lyric is not None and not text.strip().endswith("-"):
            notes[i] = replace(notes[i], word_end=ends)


def _bridge_midi_gaps(notes: list[ScoreNote], gap: float) -> list[ScoreNote]:
    """A performed MIDI file lets go of each note a little before the next (``Twin`` 0.42 s,
    silence 0.06 s, ``kle``): a gap up to ``gap`` s, or one inside a word, is articulation,
    not a breath, so the note before it is held to the next note instead of ending the
    phrase after every syllable."""
    out: list[ScoreNote] = []
    in_word = False  # the syllable being sung goes on into the next one
    for k, n in enumerate(notes):
        nxt = notes[k + 1] if k + 1 < len(notes) else None
        if (n.is_rest and out and not out[-1].is_rest and nxt is not None and not nxt.is_rest
                and (n.duration <= gap + 1e-6 or in_word)):
            out[-1] = replace(out[-1], duration=n.end - out[-1].start)
            continue
        if not n.is_rest and n.lyric is not None:
            in_word = not n.word_end
        out.append(n)
    return out


def _karaoke_as_lyrics(data: bytes) -> bytes | None:
    """A karaoke MIDI file (``.kar``: the words as text events, often on a track of their
    own, ``@`` header lines) rewritten with the words as lyric events on the melody's notes,
    which is where music21 reads lyrics; a file whose lyric events are Latin-1 (``Trä``)
    rewritten with them in UTF-8, the only encoding music21 reads; None when neither
    applies."""
    from music21.midi import DeltaTime, MetaEvents, MidiEvent, MidiFile

    mf = MidiFile()
    mf.readstr(data)

    def timed(track: Any) -> list[tuple[int, Any]]:
        tick, out = 0, []
        for ev in track.events:
            if ev.isDeltaTime():
                tick += ev.time
            else:
                out.append((tick, ev))
        return out

    tracks = [timed(t) for t in mf.tracks]
    lyric_events = [ev for tr in tracks for _, ev in tr
                    if ev.type == MetaEvents.LYRIC and (ev.data or b"").strip()]
    if lyric_events:  # music21 reads them, as UTF-8 only: Latin-1 syllables would be lost
        latin = [ev for ev in lyric_events if _decode_text(ev.data) != ev.data.decode(
            "utf-8", errors="ignore")]  # not valid UTF-8
        for ev in latin:
            ev.data = _decode_text(ev.data).encode("utf-8")
        return bytes(mf.writestr()) if latin else None
    words = [(tick, _decode_text(ev.data)) for tr in tracks for tick, ev in tr
             if ev.type == MetaEvents.TEXT_EVENT and ev.data and not ev.data.startswith(b"@")]
    words = [(t, w) for t, w in words if w.strip(" " + KARAOKE_MARKS)]
    if len(words) < 4:  # a comment or two, not the words of a song
        return None
    tol = max(1, int(mf.ticksPerQuarterNote or 480) // 8)
    onsets = [sorted({t for t, ev in tr if ev.isNoteOn() and ev.velocity and ev.channel != 10})
              for tr in tracks]  # drums (channel 10) never carry the tune

    def near(ticks: list[int], t: int) -> int | None:
        k = int(np.searchsorted(ticks, t))
        best = min((ticks[j] for j in (k - 1, k) if 0 <= j < len(ticks)),
                   key=lambda x: abs(x - t), default=None)
        return best if best is not None and abs(best - t) <= tol else None

    def fit(i: int) -> float:  # words on its notes, less its notes without words
        matched = {near(onsets[i], t) for t, _ in words} - {None}
        return len(matched) - 0.5 * (len(onsets[i]) - len(matched))

    melody = max(range(len(tracks)), key=fit)
    at: dict[int, str] = {}
    for t, w in words:
        tick = near(onsets[melody], t)
        if tick is None:
            logger.debug("karaoke word %r at tick %d has no melody note", w, t)
            continue
        at[tick] = at.get(tick, "") + w
    track = mf.tracks[melody]
    events = tracks[melody] + [(t, MidiEvent(track, type=MetaEvents.LYRIC)) for t in sorted(at)]
    for t, ev in events[len(tracks[melody]):]:
        ev.data = at[t].encode("utf-8")
    events.sort(key=lambda te: (te[0], 0 if te[1].type == MetaEvents.LYRIC else 1))
    track.events = []
    last = 0
    for t, ev in events:
        track.events.append(DeltaTime(track, time=t - last))
        track.events.append(ev)
        last = t
    return bytes(mf.writestr())


def _decode_text(data: bytes) -> str:
    """MIDI text: UTF-8 when it is valid UTF-8, else Latin-1 (what old karaoke files use)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _lyric_count(part: Any) -> int:
    """Notes of ``part`` with a lyric that has text (chord symbols and empty lyrics aside)."""
    return sum(1 for n in part.recurse().notes.getElementsNotOfClass("Harmony")
               if any((lyr.text or "").strip() for lyr in n.lyrics))


def _verse_lyric(el: Any, verse: int, repeat_pass: int = 1) -> Any:
    """The lyric sung on ``el``: verse ``verse`` the first time through a repeated section,
    the next verse the second time, ...; a note with one line of words sings it each time."""
    if not el.lyrics:
        return None
    wanted = verse + repeat_pass - 1
    for lyr in el.lyrics:
        if lyr.number == wanted:
            return lyr
    if repeat_pass > 1:
        return _verse_lyric(el, verse)
    return el.lyrics[0] if verse == 1 else None


def _expand_repeats(parsed: Any, path: Path) -> Any:
    """The score as performed: repeats, first/second endings, D.C./D.S. written out."""
    if not parsed.recurse().getElementsByClass(("Repeat", "RepeatExpression")):
        return parsed
    try:
        return parsed.expandRepeats()
    except Exception as exc:  # noqa: BLE001 - music21 raises several kinds on odd repeats
        logger.warning("%s: repeats not expanded (sung straight through): %s", path, exc)
        return parsed


def _measure_passes(part: Any) -> Callable[[float], int]:
    """Quarter-length offset → how many times its measure number has come so far (1, 2...)."""
    starts: list[float] = []
    passes: list[int] = []
    seen: dict[tuple[Any, Any], int] = {}
    for m in part.getElementsByClass("Measure"):
        key = (m.number, m.numberSuffix)
        seen[key] = seen.get(key, 0) + 1
        starts.append(float(m.offset))
        passes.append(seen[key])

    def repeat_pass(ql: float) -> int:
        k = int(np.searchsorted(starts, ql + 1e-9, side="right")) - 1
        return passes[k] if k >= 0 else 1

    return repeat_pass


def _seconds_map(parsed: Any):  # -> Callable[[float], float]
    """Quarter-length offset → seconds through the score's tempo marks (120 BPM if none)."""
    bounds = parsed.metronomeMarkBoundaries()
    starts = [float(b[0]) for b in bounds] or [0.0]
    spq = [float(b[2].secondsPerQuarter()) for b in bounds] or [0.5]
    acc = [0.0]
    for k in range(1, len(starts)):
        acc.append(acc[-1] + (starts[k] - starts[k - 1]) * spq[k - 1])

    def seconds(ql: float) -> float:
        k = max(0, int(np.searchsorted(starts, ql, side="right")) - 1)
        return acc[k] + (ql - starts[k]) * spq[k]

    return seconds


def _first_downbeat_ql(part: Any) -> float:
    measures = list(part.getElementsByClass("Measure"))
    if measures and float(getattr(measures[0], "paddingLeft", 0.0) or 0.0) > 0 and len(measures) > 1:
        return float(measures[1].offset)  # a pickup bar: the first full bar is the downbeat
    return 0.0


def _title(parsed: Any, path: Path) -> str:
    """The song's name: a song from a collection (work "Liederkreis, Op.39", movement
    "Mondnacht") is named by its movement; music21 fills a missing movement name with the
    file name, which is not a title."""
    meta = getattr(parsed, "metadata", None)
    if meta is None:
        return path.stem
    movement = str(getattr(meta, "movementName", None) or "").strip()
    if movement and movement not in (path.name, path.stem):
        return movement
    title = getattr(meta, "title", None)
    return str(title) if title else path.stem


def _other_parts_midi(parsed: Any, voice: Any, path: Path) -> bytes | None:
    """Every part but the vocal one as a MIDI file (bytes), for FluidSynth; None if none."""
    import music21

    others = [p for p in getattr(parsed, "parts", []) if p is not voice]
    if not others:
        return None
    backing = music21.stream.Score()
    for mm in parsed.recurse().getElementsByClass("MetronomeMark"):
        backing.insert(float(mm.getOffsetInHierarchy(parsed)), music21.tempo.MetronomeMark(
            number=mm.number, referent=mm.referent))
    for p in others:
        backing.insert(0, p)
    try:
        mf = music21.midi.translate.streamToMidiFile(backing)
        return bytes(mf.writestr())
    except Exception as exc:  # an odd part must not stop the singing
        logger.warning("%s: could not turn the accompaniment into MIDI: %s", path, exc)
        return None
