"""A show listens to audio devices on its own machine (the studio microphone).

The listen settings name them (``listen: devices: [{device: default, speaker: Studio,
role: host}]``), or ``vhuman show RUNDOWN --listen-device default@Studio/host``. Each
device is opened the way ``vhuman listen --device`` opens it (FFmpeg through PyAV:
``default`` is ALSA's default input, ``alsa:hw:1,0`` another card, ``lavfi:amovie=a.wav``
a file played as if it were a microphone) and feeds a :class:`ListenSession`, exactly as a
browser microphone does: echo suppression against the program, barge-in, turns answered
by the show's brain (or Q&A for a reporter), every turn in the show log. A device that
fails to open or stops is logged and its session closed; the show goes on.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from vhuman.dialogue.moderation import ChatModerator
from vhuman.models.types import InputError

from ..chat.responder import ChatResponder
from ..performer import Performer
from ..store import Store
from .config import ROLES, DeviceSpec, ListenConfig
from .desk import VoiceDesk
from .device import device_audio, open_device
from .session import ListenSession

log = logging.getLogger(__name__)

__all__ = ["DeviceSpec", "LocalMicrophone", "open_local_microphones", "parse_device_spec"]


def parse_device_spec(text: str) -> DeviceSpec:
    """``DEVICE[@SPEAKER[/ROLE]]``: ``default``, ``alsa:hw:1,0@Studio/host``,
    ``lavfi:amovie=q.wav@Ana/guest`` (speaker ``studio`` and role ``host`` by default)."""
    device, _, who = text.rpartition("@") if "@" in text else (text, "", "")
    speaker, _, role = who.partition("/")
    spec = DeviceSpec(device=device.strip() or "default", speaker=speaker.strip() or "studio",
                      role=role.strip() or "host")
    if spec.role not in ROLES:
        raise InputError(f"--listen-device {text!r}: role must be one of {', '.join(ROLES)}")
    return spec


class LocalMicrophone:
    """One device feeding one listening session from a reader thread."""

    def __init__(self, spec: DeviceSpec, session: ListenSession) -> None:
        self.spec = spec
        self.session = session
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: str | None = None
        self.samples = 0

    async def start(self) -> None:
        container = await asyncio.to_thread(open_device, self.spec.device)
        await self.session.start()
        self._thread = threading.Thread(target=self._read, args=(container,), daemon=True,
                                        name=f"mic-{self.spec.speaker}")
        self._thread.start()

    def _read(self, container: Any) -> None:
        try:
            for samples in device_audio(container, self.spec.device, stop=self._stop):
                self.samples += samples.size
                self.session.push(samples)
        except Exception as exc:  # noqa: BLE001 - a broken device must not take the show
            log.exception("device %s failed", self.spec.device)
            self.error = str(exc)
        finally:
            container.close()
        log.info("device %s stopped after %.1f s", self.spec.device, self.samples / 16000)

    async def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 10.0)
        await self.session.close()

    def status(self) -> dict[str, Any]:
        return {**self.session.status(), "device": self.spec.device, "device_error": self.error}


async def open_local_microphones(
        config: ListenConfig, specs: Sequence[DeviceSpec], performer: Performer, *,
        responder: ChatResponder | None = None, qa: Any | None = None,
        moderator: ChatModerator | None = None, store: Store | None = None,
        show_id: str = "default",
        make_desk: Callable[[DeviceSpec], VoiceDesk] | None = None) -> list[LocalMicrophone]:
    """Open each device in ``specs`` into its own session on ``performer``; a device that
    cannot be opened is logged and skipped (the others still listen)."""
    if specs:
        await asyncio.to_thread(config.build_recognizer)  # loads once, off the event loop
    mics: list[LocalMicrophone] = []
    for spec in specs:
        desk = make_desk(spec) if make_desk is not None else VoiceDesk(
            performer, responder=responder, qa=qa, moderator=moderator, store=store,
            show_id=show_id)
        session = ListenSession(config, desk, speaker=spec.speaker, role=spec.role,
                                performer=performer)
        mic = LocalMicrophone(spec, session)
        try:
            await mic.start()
        except InputError as exc:
            log.error("show %s: cannot listen to %s: %s", show_id, spec.device, exc)
            continue
        log.info("show %s listens to %s as %s (%s)", show_id, spec.device, spec.speaker,
                 spec.role)
        mics.append(mic)
    return mics


async def close_local_microphones(mics: Sequence[LocalMicrophone]) -> None:
    for mic in mics:
        try:
            await mic.close()
        except Exception:  # noqa: BLE001 - closing goes on
            log.exception("closing %s failed", mic.spec.device)


def show_attachment(config: ListenConfig, specs: Sequence[DeviceSpec]
                    ) -> Callable[[Any], Awaitable[Callable[[], Awaitable[None]]]]:
    """For ``run_show_async(attach=...)``: open the devices on the show's runner (its
    performer, brain, Q&A, chat moderation and store); returns their closer."""
    async def attach(runner: Any) -> Callable[[], Awaitable[None]]:
        moderator = runner.chat.moderator if runner.chat is not None else None
        mics = await open_local_microphones(
            config, specs, runner.performer, responder=runner.responder, qa=runner.qa,
            moderator=moderator, store=runner.store, show_id=runner.show_id)

        async def close() -> None:
            await close_local_microphones(mics)
        return close
    return attach
