"""Default backends for ``vhuman serve``: the live performer, the dialogue brain and the
Q&A engine, each imported lazily so a missing piece fails with a clear message."""

from __future__ import annotations

import functools
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vhuman.dialogue.moderation import default_moderator
from vhuman.models.types import VhumanError

from ..show.api import build_live_performer, live_performer_factory
from ..show.rundown import Rundown
from .settings import ServerSettings
from .state import Backends, BrainFactory

if TYPE_CHECKING:
    from vhuman.dialogue.answers import Answerer
    from vhuman.dialogue.qa import QAEngine
    from vhuman.dialogue.reply import ReplyStream
    from vhuman.models.llm import LLMBackend

log = logging.getLogger(__name__)


def _songs(rundown: Rundown | None) -> dict[str, Any]:
    """The show's repertoire for "sing for us!": its sing segments' scores, by file name."""
    songs: dict[str, Any] = {}
    for segment in getattr(rundown, "segments", None) or ():
        score = getattr(segment, "score", None)
        if getattr(segment, "type", "") == "sing" and score is not None:
            songs[Path(score).stem] = Path(score)
    return songs


def _brain_factory(qa: Answerer | None = None) -> BrainFactory:
    def make(show_id: str, rundown: Rundown | None) -> ReplyStream:
        # Each show's brain moderates what it is asked (the OpenAI-compatible endpoint
        # bypasses the chat queue) and checks what it says; it remembers viewers
        # (names, preferences, last turns) for the life of the show. The show's knowledge
        # (facts only from it) and songs go to its skills.
        from vhuman.dialogue import Brain, Memory, Moderator

        persona = rundown.persona if rundown is not None else None
        extras: dict[str, Any] = {"memory": Memory(), "moderator": Moderator(), "qa": qa,
                                  "songs": _songs(rundown)}
        return Brain(**extras) if persona is None else Brain(persona=persona, **extras)
    return make


class _SharedLLM:
    """The default language model, loaded once for every show's brain."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._llm: LLMBackend | None = None

    def warm(self, brain: ReplyStream) -> None:
        """Load the show's brain's model now instead of on the first viewer's message;
        a brain that would load the default model gets the shared one. A brain of
        another kind (remote, a test fake) has nothing to load."""
        from vhuman.dialogue.brain import Brain

        if not isinstance(brain, Brain):
            return
        if brain.wants_default_llm:
            try:
                with self._lock:
                    if self._llm is None:
                        from vhuman.models.llm import default_llm

                        self._llm = default_llm()
                brain.llm = self._llm
            except Exception as exc:  # noqa: BLE001 - the brain's own warm-up reports it
                log.warning("shared language model unavailable: %s", exc)
        brain.warm_up()


def _qa_engine(settings: ServerSettings) -> QAEngine | None:
    if settings.knowledge_dir is None:
        return None
    try:
        from vhuman.dialogue.knowledge import KnowledgeBase
        from vhuman.dialogue.qa import QAEngine
    except ImportError as exc:
        raise VhumanError(f"Q&A needs the dialogue package: {exc}") from None
    store_dir = settings.knowledge_dir / ".vhuman-index"
    kb = KnowledgeBase.build(settings.knowledge_dir, store_dir)
    return QAEngine(kb, threshold=settings.qa_threshold)


def default_backends(settings: ServerSettings) -> Backends:
    """Live performer per show, dialogue brain per show, one shared Q&A engine."""
    live = live_performer_factory()
    if live is build_live_performer:
        from vhuman.stage.live import LiveConfig

        config = LiveConfig(fps=settings.live_fps, width=settings.live_width,
                            height=settings.live_height, voice=settings.tts_backend,
                            background=settings.live_background)
        config.validate()
        live = functools.partial(build_live_performer, config=config)

    def performer(show_id: str, rundown: Rundown | None) -> Any:
        return live(rundown, list(rundown.outputs) if rundown else [])  # type: ignore[arg-type]

    qa = _qa_engine(settings)
    return Backends(performer_factory=performer, brain_factory=_brain_factory(qa),
                    qa=qa, moderator_factory=default_moderator,
                    brain_warm_up=_SharedLLM().warm)
