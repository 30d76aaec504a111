"""Caption files beside a recording: ``out.mp4`` -> ``out.vtt`` and ``out.srt``.

WebVTT through ``webvtt-py`` (each cue in a voice span naming its speaker, a ``<lang>``
span when its language differs from the file's), SubRip through ``srt``. The file's
language is the one most of its cues are in; it is written in a ``NOTE`` of the WebVTT
file (WebVTT has no language header; players take the track's language from the page).
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from .track import Cue, wrap

log = logging.getLogger(__name__)


def caption_paths(media: str | Path) -> tuple[Path, Path]:
    """The ``.vtt`` and ``.srt`` files that go with ``media``."""
    path = Path(media)
    return path.with_suffix(".vtt"), path.with_suffix(".srt")


def main_language(cues: Sequence[Cue], default: str = "en") -> str:
    counts = Counter(c.language for c in cues)
    return counts.most_common(1)[0][0] if counts else default


def _stamp(seconds: float) -> str:
    ms = int(round(max(0.0, seconds) * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def _vtt_text(cue: Cue, language: str) -> str:
    lines = [html.escape(line, quote=False) for line in cue.text.split("\n")]
    if cue.language != language:
        lines = [f"<lang {cue.language}>{line}</lang>" for line in lines]
    speaker = html.escape(cue.speaker, quote=False).replace(">", "")
    return "\n".join(f"<v {speaker}>{line}</v>" for line in lines)


def vtt_text(cues: Sequence[Cue]) -> str:
    """The WebVTT document of ``cues``."""
    import webvtt

    language = main_language(cues)
    doc = webvtt.WebVTT(header_comments=[f"language: {language}"])
    for i, cue in enumerate(sorted(cues, key=lambda c: c.start), 1):
        end = max(cue.end, cue.start + 0.001)
        doc.captions.append(webvtt.Caption(_stamp(cue.start), _stamp(end),
                                           _vtt_text(cue, language), identifier=str(i)))
    return doc.content


def srt_text(cues: Sequence[Cue]) -> str:
    """The SubRip document of ``cues`` (speaker names as ``Name:`` when several speak)."""
    import srt

    speakers = {c.speaker for c in cues}
    subs = []
    for i, cue in enumerate(sorted(cues, key=lambda c: c.start), 1):
        text = cue.text if len(speakers) < 2 else f"{cue.speaker}: {cue.text}"
        end = max(cue.end, cue.start + 0.001)
        subs.append(srt.Subtitle(i, dt.timedelta(seconds=round(cue.start, 3)),
                                 dt.timedelta(seconds=round(end, 3)), text))
    return srt.compose(subs, reindex=False)


def write_captions(media: str | Path, cues: Sequence[Cue]) -> tuple[Path, Path]:
    """Write ``.vtt`` and ``.srt`` beside ``media``; returns their paths."""
    vtt, srt_path = caption_paths(media)
    vtt.write_text(vtt_text(cues), encoding="utf-8")
    srt_path.write_text(srt_text(cues), encoding="utf-8")
    log.info("captions: %d cues in %s and %s", len(cues), vtt.name, srt_path.name)
    return vtt, srt_path


def translation_paths(media: str | Path, language: str) -> tuple[Path, Path]:
    """The second track's files: ``out.mp4`` -> ``out.es.vtt`` and ``out.es.srt``."""
    path = Path(media)
    return (path.with_suffix(f".{language}.vtt"), path.with_suffix(f".{language}.srt"))


def translated_cues(cues: Sequence[Cue], translate: Callable[[str, str], str | None],
                    language: str) -> list[Cue]:
    """``cues`` in ``language``, same times and speakers; a cue without a translation
    keeps its original words (and language)."""
    out = []
    for cue in cues:
        text = translate(cue.text.replace("\n", " "), cue.language)
        if text:
            out.append(replace(cue, text="\n".join(wrap(text.split())), language=language))
        else:
            out.append(cue)
    return out


def write_translation(media: str | Path, cues: Sequence[Cue],
                      translate: Callable[[str, str], str | None],
                      language: str) -> tuple[Path, Path]:
    """The second caption track beside ``media`` (``out.<language>.vtt`` / ``.srt``)."""
    vtt, srt_path = translation_paths(media, language)
    done = translated_cues(cues, translate, language)
    vtt.write_text(vtt_text(done), encoding="utf-8")
    srt_path.write_text(srt_text(done), encoding="utf-8")
    log.info("captions: %d cues translated into %s in %s", len(done), language, vtt.name)
    return vtt, srt_path
