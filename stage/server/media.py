"""What files and hosts a request may reach: the media root, the output root, RTMP hosts.

Paths in a rundown sent to the API or in a control call (rundown, music, avatar, product
image, output) resolve inside ``VHUMAN_MEDIA_ROOT`` (inputs) or ``VHUMAN_OUTPUT_ROOT``
(recordings), symlinks followed before the check. An input must be a regular file under
``max_file_bytes``; it is opened without blocking (a FIFO or device is refused, never
waited on) and read on a small pool of its own with a timeout, so no path can stall the
event loop's shared pool. RTMP/RTMPS outputs go only to ``VHUMAN_RTMP_ALLOWED_HOSTS``.
Every refusal names the field and says the same thing whether the file is missing,
outside the root or unreadable: no error is an oracle for what exists, and none quotes a
file's content.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from vhuman.models.types import InputError

T = TypeVar("T")
RECORDING_SUFFIXES = (".mp4", ".mov", ".m4v", ".mkv", ".webm", ".flv")
_FILE_IO = ThreadPoolExecutor(max_workers=4, thread_name_prefix="vhuman-files")
"""File reads and rundown parsing for requests: apart from the loop's default pool."""


def _refuse(field: str, message: str) -> InputError:
    return InputError(f"{field}: {message}" if field else message)


@dataclass(frozen=True)
class MediaPolicy:
    """The roots and allow-lists requests are held to (see the module docstring)."""

    media_root: Path
    output_root: Path
    rtmp_hosts: tuple[str, ...] = ()
    max_file_bytes: int = 2_000_000
    read_timeout_s: float = 5.0

    @classmethod
    def create(cls, media_root: Path | str, output_root: Path | str,
               rtmp_hosts: Iterable[str] = (), *, max_file_bytes: int = 2_000_000,
               read_timeout_s: float = 5.0) -> MediaPolicy:
        return cls(Path(media_root).expanduser().resolve(),
                   Path(output_root).expanduser().resolve(),
                   tuple(h.strip().lower() for h in rtmp_hosts if h.strip()),
                   max_file_bytes, read_timeout_s)

    # -- inputs ----------------------------------------------------------------------
    def _inside(self, value: str, root: Path, field: str, what: str) -> Path:
        if not isinstance(value, str) or not value or "\x00" in value or "://" in value:
            raise _refuse(field, f"not a {what} inside the media root")
        candidate = Path(value)
        candidate = candidate if candidate.is_absolute() else root / candidate
        try:
            resolved = candidate.resolve()
        except (OSError, RuntimeError):
            raise _refuse(field, f"not a {what} inside the media root") from None
        if not resolved.is_relative_to(root):
            raise _refuse(field, f"not a {what} inside the media root")
        return resolved

    def media_file(self, value: str, field: str, what: str = "readable file") -> Path:
        """``value`` as a regular file inside the media root, under the size cap."""
        path = self._inside(value, self.media_root, field, what)
        try:
            info = path.stat()
        except (OSError, ValueError):
            raise _refuse(field, f"not a {what} inside the media root") from None
        if not stat.S_ISREG(info.st_mode) or not os.access(path, os.R_OK):
            raise _refuse(field, f"not a {what} inside the media root")
        if info.st_size > self.max_file_bytes:
            raise _refuse(field, f"file is larger than {self.max_file_bytes} bytes")
        return path

    def read_bytes(self, value: str, field: str,
                   limit: int | None = None) -> tuple[Path, bytes]:
        """Read a media file (blocking; call through :meth:`run`): opened non-blocking,
        checked as a regular file on the open descriptor, read up to the cap."""
        limit = min(limit or self.max_file_bytes, self.max_file_bytes)
        path = self.media_file(value, field)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        try:
            fd = os.open(path, flags)
        except OSError:
            raise _refuse(field, "not a readable file inside the media root") from None
        try:
            info = os.fstat(fd)  # the file opened, not whatever the name points at now
            if not stat.S_ISREG(info.st_mode):
                raise _refuse(field, "not a readable file inside the media root")
            chunks, total = [], 0
            while total <= limit:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
        except OSError:
            raise _refuse(field, "not a readable file inside the media root") from None
        finally:
            os.close(fd)
        if total > limit:
            raise _refuse(field, f"file is larger than {limit} bytes")
        return path, b"".join(chunks)

    def read_text(self, value: str, field: str, limit: int | None = None) -> tuple[Path, str]:
        path, data = self.read_bytes(value, field, limit)
        try:
            return path, data.decode("utf-8")
        except UnicodeDecodeError:
            raise _refuse(field, "file is not UTF-8 text") from None

    async def run(self, fn: Callable[..., T], *args: object, field: str = "file") -> T:
        """Run blocking file work on the files pool, given up after ``read_timeout_s``."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(_FILE_IO, fn, *args)
        try:
            return await asyncio.wait_for(future, self.read_timeout_s)
        except TimeoutError:
            raise _refuse(field, f"reading the file took longer than "
                             f"{self.read_timeout_s:g} s") from None

    def image(self, value: str, field: str) -> str:
        """A picture reference: an http(s) URL as it is, else a media file."""
        parts = urlsplit(value) if isinstance(value, str) else None
        if parts is not None and parts.scheme in ("http", "https") and parts.netloc:
            return value
        return str(self.media_file(value, field, "picture"))

    # -- outputs ---------------------------------------------------------------------
    def output(self, value: str, field: str) -> str:
        """An output a request may open: an RTMP(S) URL to an allowed host, or a
        recording file inside the output root (sub-folders are created there only)."""
        if not isinstance(value, str) or not value.strip():
            raise _refuse(field, "expected a file name or an rtmp:// URL")
        if "://" in value:
            parts = urlsplit(value)
            if parts.scheme.lower() not in ("rtmp", "rtmps"):
                raise _refuse(field, "only rtmp:// and rtmps:// streams are allowed")
            host = (parts.hostname or "").lower()
            hostport = f"{host}:{parts.port}" if parts.port else host
            if not host or not ({host, hostport} & set(self.rtmp_hosts)):
                raise _refuse(field, "this RTMP host is not in rtmp_allowed_hosts")
            return value
        if "\x00" in value:
            raise _refuse(field, "not a recording path inside the output root")
        candidate = Path(value)
        if not candidate.is_absolute():
            candidate = self.output_root / candidate
        try:
            resolved = candidate.resolve()
        except (OSError, RuntimeError):
            raise _refuse(field, "not a recording path inside the output root") from None
        if not resolved.is_relative_to(self.output_root) or resolved == self.output_root:
            raise _refuse(field, "not a recording path inside the output root")
        if resolved.suffix.lower() not in RECORDING_SUFFIXES:
            raise _refuse(field, f"a recording must end in "
                             f"{', '.join(RECORDING_SUFFIXES)}")
        if resolved.exists() and not resolved.is_file():
            raise _refuse(field, "not a recording path inside the output root")
        return str(resolved)
