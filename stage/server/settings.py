"""Server settings from the environment (``VHUMAN_*``), a ``.env`` file or code.

API keys map a secret to a role: ``VHUMAN_API_KEYS='{"k1": "host", "k2": "reporter"}'``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ..chat.queue import ChatPolicy
from .keys import well_formed_key
from .media import MediaPolicy

Role = Literal["host", "reporter", "viewer"]


class ServerSettings(BaseSettings):
    """Everything ``create_app`` needs; every field can come from ``VHUMAN_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="VHUMAN_", env_file=".env",
                                      env_file_encoding="utf-8", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    api_keys: dict[str, Role] = Field(default_factory=dict,
                                      description="secret -> role (host|reporter|viewer)")
    allow_anonymous_viewers: bool = Field(
        default=True, description="viewers may chat and watch without a key")
    cors_origins: list[str] = Field(default_factory=list)
    database_url: str = "sqlite:///vhuman.db"
    redis_url: str | None = Field(default=None, description="cluster mode (redis://...): "
                                  "stateless API replica; shows run on `vhuman worker`s")
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    ws_max_message_bytes: int = Field(default=8 * 1024, ge=256)
    metrics_public: bool = True
    session_ttl_s: float = Field(default=8 * 3600.0, gt=0, le=30 * 86400,
                                 description="how long a control room / press desk "
                                 "sign-in lasts")
    header_timeout_s: float = Field(default=10.0, gt=0, description="a client must send "
                                    "its request line and headers within this")
    gil_switch_interval_s: float = Field(
        default=0.0005, ge=0, le=0.1, description="how long a thread may hold the GIL "
        "before the event loop gets a turn (0: Python's 5 ms); the live performer's threads "
        "share it with the loop")
    max_connections: int = Field(default=4096, ge=16, description="concurrent connections "
                                 "and requests; beyond it new ones get 503")
    max_connections_per_address: int = Field(
        default=64, ge=1, description="open HTTP connections from one client address "
        "(across all API replicas in scale-out, counted in Redis); more are answered 503 "
        "and closed at once (trusted proxies are exempt; WebSockets have their own cap)")
    body_timeout_s: float = Field(default=15.0, gt=0, description="a client must send its "
                                  "whole request body within this after the headers")
    trusted_proxies: list[str] = Field(
        default_factory=list, description="addresses or networks (10.0.0.0/8) of reverse "
        "proxies whose X-Forwarded-For / X-Forwarded-Proto are believed; from anyone else "
        "those headers are ignored")

    default_show: str = "main"
    rundown: Path | None = Field(default=None,
                                 description="rundown loaded into the default show")
    autostart: bool = Field(default=True,
                            description="start the rundown once the default show is ready")
    warm_up: bool = Field(default=True, description="load voices and language models before "
                                                    "a show reports ready (else on first use)")
    echo_chat: bool = Field(default=True,
                            description="broadcast accepted chat to viewer pages")
    chat_priority: int = 10
    knowledge_dir: Path | None = Field(default=None,
                                       description="documents for the Q&A engine")
    qa_threshold: float | None = Field(
        default=None, ge=0.0, le=1.0,
        description="this desk's Q&A threshold: answer when the calibrated probability of "
                    "being right is at least this, else say the documents do not say it "
                    "(default: the shipped one, chosen for 0.90 precision of what is answered)")
    tts_backend: str = Field(default="piper", description="voice for spoken Q&A answers and "
                                                        "for shows whose rundown names none")
    live_width: int = Field(default=512, ge=32, le=4096, description="live video width")
    live_height: int = Field(default=512, ge=32, le=4096, description="live video height")
    live_fps: float = Field(default=30.0, ge=1, le=120)
    live_background: str | None = Field(
        default=None, description="live background colour (#rrggbb; 'green' for OBS's Chroma "
                                  "Key on the viewer page or RTMP) or image path")

    # What requests may reach (rundowns and control calls sent to the API; the operator's
    # own --rundown and settings are trusted): see stage/server/media.py.
    media_root: Path = Field(default=Path("."), description="rundowns, music, avatars and "
                             "pictures named in API requests must be inside this folder")
    output_root: Path = Field(default=Path("recordings"), description="recordings named "
                              "in API requests are written inside this folder only")
    rtmp_allowed_hosts: list[str] = Field(
        default_factory=list, description="hosts (host or host:port) a rundown sent to the "
                                          "API may stream to over rtmp:// or rtmps://")
    max_media_bytes: int = Field(default=50_000_000, ge=1024,
                                 description="largest media file a request may name")
    max_rundown_bytes: int = Field(default=2_000_000, ge=1024)
    file_read_timeout_s: float = Field(default=5.0, gt=0)

    chat_max_age_s: float = Field(default=20.0, gt=0)
    chat_max_size: int = Field(default=200, ge=1)
    chat_max_chars: int = Field(default=500, ge=1)
    chat_rate_burst: float = Field(default=3.0, ge=1)
    chat_rate_per_s: float = Field(default=0.5, gt=0)
    chat_dedup_s: float = Field(default=30.0, ge=0)
    # Per connection / client address, whatever viewer names it claims (floods, bots).
    ws_rate_burst: float = Field(default=10.0, ge=1)
    ws_rate_per_s: float = Field(default=2.0, gt=0)
    http_chat_per_ip_burst: float = Field(default=60.0, ge=1)
    http_chat_per_ip_per_s: float = Field(default=20.0, gt=0)
    ws_max_per_address: int = Field(default=32, ge=1,
                                    description="open sockets (chat, parameter stream) "
                                                "per client address")
    completions_per_ip_burst: float = Field(default=5.0, ge=1)
    completions_per_ip_per_s: float = Field(
        default=0.5, gt=0, description="/v1/chat/completions calls per client address")
    webrtc_max_peers: int = Field(default=200, ge=1, description="video viewers in all")
    webrtc_max_per_address: int = Field(default=4, ge=1,
                                        description="video viewers per client address")
    webrtc_connect_timeout_s: float = Field(
        default=20.0, gt=0, description="an offer whose browser has not connected by then "
                                        "is dropped")
    ws_allowed_origins: list[str] = Field(
        default_factory=list, description="browser origins (https://site.example) that may "
                                          "open sockets besides this server's own; '*' any")

    # Twitch / IRC chat bridge into the default show (off unless irc_channel is set).
    irc_host: str = "irc.chat.twitch.tv"
    irc_port: int = Field(default=6697, ge=1, le=65535)
    irc_tls: bool = True
    irc_channel: str | None = None
    irc_nick: str = "vhumanbot"
    irc_password: str | None = Field(default=None, description="Twitch: oauth:<token>")
    irc_reply: bool = Field(default=True, description="post the character's answers back")

    @field_validator("api_keys")
    @classmethod
    def _keys_long_enough(cls, keys: dict[str, Role]) -> dict[str, Role]:
        short = [k[:3] + "…" for k in keys if len(k) < 8]
        if short:
            raise ValueError(f"api keys must be at least 8 characters: {short}")
        if not all(well_formed_key(k) for k in keys):
            raise ValueError("api keys must be printable ASCII without spaces, quotes, "
                             "commas, semicolons or backslashes (at most 512 characters)")
        return keys

    def media_policy(self) -> MediaPolicy:
        return MediaPolicy.create(self.media_root, self.output_root, self.rtmp_allowed_hosts,
                                  max_file_bytes=self.max_media_bytes,
                                  read_timeout_s=self.file_read_timeout_s)

    def chat_policy(self) -> ChatPolicy:
        return ChatPolicy(max_age_s=self.chat_max_age_s, max_size=self.chat_max_size,
                          max_chars=self.chat_max_chars, rate_burst=self.chat_rate_burst,
                          rate_per_s=self.chat_rate_per_s, dedup_window_s=self.chat_dedup_s)


Settings = ServerSettings
"""Short alias (the CLI imports ``Settings``)."""
