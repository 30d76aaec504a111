"""What a running show tells its host's brain about where it is ("what's next?")."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from vhuman.dialogue.on_air import OnAir

from .rundown import (
    ChatSegment,
    DanceSegment,
    InterviewSegment,
    PauseSegment,
    PromoSegment,
    QASegment,
    SegmentBase,
    SingSegment,
)


def describe(seg: SegmentBase) -> str:
    """A segment in words a viewer understands ("a song: ode to joy", "an interview
    with Dr. Lee about snow")."""
    if isinstance(seg, SingSegment):
        return f"a song: {seg.score.stem.replace('_', ' ').replace('-', ' ')}"
    if isinstance(seg, DanceSegment):
        return f"a {seg.style} dance" if seg.style else "a dance"
    if isinstance(seg, ChatSegment):
        return "chat time: your questions in the chat"
    if isinstance(seg, QASegment):
        return "questions from the press"
    if isinstance(seg, InterviewSegment):
        return f"an interview with {seg.guest} about {seg.topic}"
    if isinstance(seg, PromoSegment):
        return f"a look at the {seg.product.name}"
    if isinstance(seg, PauseSegment):
        return "a short break"
    if seg.notes:
        return seg.notes.strip().rstrip(".")
    return seg.id.replace("-", " ").replace("_", " ") or "the show"


def on_air(segments: Sequence[SegmentBase], current: SegmentBase | None, loops: bool) -> OnAir | None:
    """Where the show is: the current segment and the next (the first again when it loops)."""
    if current is None:
        return None
    following = segments[current.index + 1:current.index + 2] or (segments[:1] if loops else [])
    return OnAir(describe(current), describe(following[0]) if following else None)


def attach(brain: object, source: Callable[[], OnAir | None]) -> None:
    """Let ``brain`` (a :class:`~dialogue.brain.Brain`; others are left alone) answer
    "what's next?" from ``source``."""
    from vhuman.dialogue.brain import Brain

    if isinstance(brain, Brain):
        brain.skills.on_air = source
