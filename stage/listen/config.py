"""How a show listens: recogniser, languages, confidence floor and turn-taking thresholds.

One :class:`ListenConfig` is shared by ``vhuman listen``, the live show and ``bench
listen``, so a file is heard exactly as a show would hear it. It loads from a mapping
(the ``listen:`` section of a YAML settings file) and validates every field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vhuman.dialogue.turns import TurnSettings
from vhuman.models.asr import Recognizer, get_recognizer, get_vad
from vhuman.models.types import InputError

from .echo import EchoSuppressor
from .listener import Listener

ROLES = ("guest", "reporter", "host")
"""Who may speak: a guest talks with the host, a reporter asks the press desk (grounded
Q&A), the host operator can interrupt the character."""


@dataclass(frozen=True)
class DeviceSpec:
    """An audio input on the show's machine (``vhuman listen --device`` names) and who
    speaks into it."""

    device: str = "default"
    speaker: str = "studio"
    role: str = "host"

    @classmethod
    def from_mapping(cls, data: Any) -> DeviceSpec:
        if isinstance(data, str):
            return cls(device=data)
        if not isinstance(data, Mapping):
            raise InputError("listen.devices: each entry is a device name or a mapping")
        unknown = sorted(set(data) - {"device", "speaker", "role"})
        if unknown:
            raise InputError(f"listen.devices: unknown key(s) {', '.join(unknown)}; "
                             "known: device, speaker, role")
        spec = cls(**{k: str(v) for k, v in data.items()})
        if spec.role not in ROLES:
            raise InputError(f"listen.devices: role {spec.role!r}; one of {', '.join(ROLES)}")
        return spec


@dataclass(frozen=True)
class ListenConfig:
    recognizer: str = "whisper"  # whisper | server
    model: str = "base"  # packaged whisper model
    url: str | None = None  # recognizer server (…/v1) when recognizer == "server"
    languages: tuple[str, ...] = ()  # understood languages (empty: every brain language)
    language: str | None = None  # force one language (None: detected per turn)
    min_confidence: float = 0.3
    threads: int = 1  # CPU threads per recognition
    workers: int = 2  # recognitions at once (a turn's final never waits behind a partial)
    partials: bool = True
    window: str = "fit"  # whisper's encoder window: fit (the audio heard) | full (30 s)
    beam: int = 1  # whisper's beam size (1: greedy)
    devices: tuple[DeviceSpec, ...] = ()  # local inputs a show (vhuman show / serve) opens
    turns: TurnSettings = field(default_factory=TurnSettings)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> ListenConfig:
        data = dict(data or {})
        turns = TurnSettings.from_mapping(data.pop("turns", None))
        known = {"recognizer", "model", "url", "languages", "language", "min_confidence",
                 "threads", "workers", "partials", "window", "beam", "devices"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"listen: unknown setting(s) {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(known | {'turns'}))}")
        if "languages" in data:
            data["languages"] = tuple(str(x) for x in data["languages"] or ())
        if "devices" in data:
            data["devices"] = tuple(DeviceSpec.from_mapping(d) for d in data["devices"] or ())
        config = cls(turns=turns, **data)
        config.validate()
        return config

    @classmethod
    def load(cls, path: str | Path) -> ListenConfig:
        """The ``listen:`` section of a YAML file (or the whole file when it has none)."""
        import yaml

        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"{path}: cannot read listen settings: {exc}") from None
        if not isinstance(data, dict):
            raise InputError(f"{path}: listen settings must be a mapping")
        return cls.from_mapping(data.get("listen", data))

    def validate(self) -> None:
        if self.recognizer not in ("whisper", "server"):
            raise InputError(f"listen.recognizer: {self.recognizer!r}; use whisper | server")
        if self.recognizer == "server" and not self.url:
            raise InputError("listen.url: required with recognizer: server")
        if not 0.0 <= self.min_confidence <= 1.0:
            raise InputError("listen.min_confidence: must be in 0..1")
        if self.window not in ("fit", "full"):
            raise InputError(f"listen.window: {self.window!r}; use fit | full")
        for name in ("threads", "workers"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 1 <= value <= 16:
                raise InputError(f"listen.{name}: {value!r}; use a whole number 1..16")
        if not isinstance(self.beam, int) or not 1 <= self.beam <= 10:
            raise InputError(f"listen.beam: {self.beam!r}; use a whole number 1..10")

    def with_turns(self, **changes: float) -> ListenConfig:
        return replace(self, turns=replace(self.turns, **changes))

    def build_recognizer(self) -> Recognizer:
        """The configured recogniser (loaded once per process and shared)."""
        if self.recognizer == "server":
            return get_recognizer("server", url=self.url, languages=self.languages or None)
        beam = {"beam_size": self.beam} if self.beam != 1 else {}  # one cached model
        return get_recognizer("whisper", model=self.model, threads=self.threads,
                              workers=self.workers,
                              languages=self.languages or None, window=self.window, **beam)

    def build_listener(self, *, speaker: str = "guest", role: str = "guest",
                       echo: EchoSuppressor | None = None,
                       partials: bool | None = None, background: bool = False) -> Listener:
        """A listener for one stream with these settings (its own VAD state);
        ``background``: recognise partials and pauses on its own thread (live streams)."""
        if role not in ROLES:
            raise InputError(f"role: {role!r}; one of {', '.join(ROLES)}")
        return Listener(self.build_recognizer(), get_vad("silero"), self.turns,
                        speaker=speaker, role=role, language=self.language,
                        min_confidence=self.min_confidence,
                        partials=self.partials if partials is None else partials, echo=echo,
                        background=background)
