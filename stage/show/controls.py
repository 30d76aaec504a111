"""What a host can do to a running show, wherever it runs: the protocol that the
:class:`~stage.show.runner.ShowRunner` and a scale-out show's remote runner both follow."""

from __future__ import annotations

from typing import Any, Protocol

from vhuman.models.types import Emotion

from ..performer import SpeechHandle


class ShowControls(Protocol):
    """A running show's state and its host controls."""

    @property
    def state(self) -> str:
        """``ready`` | ``running`` | ``paused`` | ``stopped`` | ``finished``."""
        ...

    def status(self) -> dict[str, Any]:
        """A JSON-able snapshot: state, segment, clock."""
        ...

    async def pause(self) -> None: ...

    async def resume(self) -> None: ...

    async def skip(self) -> None: ...

    async def stop(self) -> None: ...

    async def host_say(self, text: str, *, emotion: Emotion | None = None,
                       priority: int | None = None) -> SpeechHandle:
        """Say this now, cutting the segment when ``priority`` beats its own."""
        ...
