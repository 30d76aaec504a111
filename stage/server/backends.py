"""Default backends for ``vhuman serve``: the live performer, the dialogue brain and the
Q&A engine, each imported lazily so a missing piece fails with a clear message."""

from __future__ import annotations

import functools
import importlib
import logging
import threading
from pathlib import Path
from typing import Any

from vhuman.dialogue.moderation import default_moderator
from vhuman.models.types import VhumanError

from ..show.api import build_live_performer, live_performer_factory
from ..show.rundown import Rundown
from .settings import ServerSettings
from .state import Backends, BrainFactory

log = logging.getLogger(__name__)


def _songs(rundown: Rundown | None) -> dict[str, Any]:
    """The show's repertoire for "sing for us!": its sing segments' scores, by file name."""
    songs: dict[str, Any] = {}
    for segment in getattr(rundown, "segments", None) or ():
        score = getattr(segment, "score", None)
        if getattr(segment, "type", "") == "sing" and score is not None:
            songs[Path(score).stem] = Path(score)
    return songs


def _brain_factory(qa: Any = None) -> BrainFactory | None:
    for module_name in ("vhuman.dialogue", "vhuman.dialogue.brain"):
        try:
            brain_cls = importlib.import_module(module_name).Brain
        except (ImportError, AttributeError):
            continue

        def make(show_id: str, rundown: Rundown | None, cls: Any = brain_cls) -> Any:
            # Each show's brain moderates what it is asked (the OpenAI-compatible endpoint
            # bypasses the chat queue) and checks what it says; it remembers viewers
            # (names, preferences, last turns) for the life of the show.
            from vhuman.dialogue import Memory, Moderator

            # The show's knowledge (facts only from it) and songs go to its skills.
            extras = {"memory": Memory(), "moderator": Moderator(), "qa": qa,
                      "songs": _songs(rundown)}
            if rundown is None or rundown.persona is None:
                return cls(**extras)
            return cls(persona=rundown.persona, **extras)
        return make
    log.warning("dialogue.Brain is not available: chat will be queued but not answered")
    return None


class _SharedLLM:
    """The default language model, loaded once for every show's brain."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._llm: Any | None = None

    def warm(self, brain: Any) -> None:
        """Load the brain's model now instead of on the first viewer's message: the
        brain's own ``warm_up()`` when it has one, else the shared default model is
        handed to a brain that would load it lazily (``llm`` still None)."""
        if callable(getattr(brain, "warm_up", None)):
            brain.warm_up()
            return
        if getattr(brain, "llm", False) is not None:
            return  # a backend is set already (or the brain has none to load)
        with self._lock:
            if self._llm is None:
                from vhuman.models.llm import default_llm

                self._llm = default_llm()
        brain.llm = self._llm


def _qa_engine(settings: ServerSettings) -> Any | None:
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
