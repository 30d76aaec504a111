"""Model files shipped inside PyPI packages: found without importing the package, and
checked against a pinned sha256 before use.

A file that verified is remembered in the cache (path → size, mtime, expected sha256), so
a large model is hashed again only when it changes on disk or its pinned hash does.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import threading
from pathlib import Path

from vhuman.models.cache import cache_dir
from vhuman.models.types import VhumanError

log = logging.getLogger(__name__)
_lock = threading.Lock()


def package_file(package: str, inner: str, *, what: str, install: str) -> Path:
    """``inner`` inside the installed ``package``; :class:`VhumanError` with the install
    hint when the package or the file is missing (``what`` names the model in the error)."""
    spec = importlib.util.find_spec(package)  # found without importing the package
    if spec is None or spec.origin is None:
        raise VhumanError(f"{what} is not installed: {install}")
    path = Path(spec.origin).parent / inner
    if not path.is_file():
        raise VhumanError(f"{what}: {path} is missing; reinstall: {install}")
    return path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def _stamps_file() -> Path:
    return cache_dir("verified.json")


def sha256_matches(path: Path, expected: str) -> bool:
    """Whether ``path`` hashes to ``expected`` (remembered once true, until it changes)."""
    stat = path.stat()
    stamp = [stat.st_size, stat.st_mtime_ns, expected]
    key = str(path.resolve())
    with _lock:
        try:
            stamps = json.loads(_stamps_file().read_text())
        except (OSError, ValueError):
            stamps = {}
        if stamps.get(key) == stamp:
            return True
    if sha256_file(path) != expected:
        return False
    with _lock:
        stamps[key] = stamp
        try:
            target = _stamps_file()
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f"verified.json.tmp{os.getpid()}")
            tmp.write_text(json.dumps(stamps))
            tmp.replace(target)
        except OSError as exc:  # an unwritable cache only costs a hash next time
            log.warning("cannot remember the model check: %s", exc)
    return True


def verify_sha256(path: Path, expected: str, *, what: str, install: str) -> Path:
    """``path`` when it hashes to ``expected``; else :class:`VhumanError` naming the file,
    both hashes and the reinstall command."""
    if not sha256_matches(path, expected):
        actual = sha256_file(path)
        raise VhumanError(f"{what}: {path} has sha256 {actual[:16]}..., expected "
                          f"{expected[:16]}...: the package changed; reinstall: {install}")
    return path
