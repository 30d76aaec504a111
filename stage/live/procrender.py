"""A renderer in its own process, so GL and skinning never hold this process's GIL.

Measured here: while a thread renders the avatar with moderngl on llvmpipe, a 10 ms sleep
in another thread of the same process overshoots by 10 ms (median) and up to ~110 ms,
because the frame read-back waits for the rasteriser with the GIL held; with the same
renderer in a child process the overshoot stays under 10 ms. The audio clock thread must
not be held like that, so :class:`ProcessRenderer` runs any :class:`FrameRenderer` factory
in a spawned child process: poses (a few KB) go down a pipe, pictures come back through
shared memory, one slot per frame of a batch. The parent's render thread just waits on
the pipe (GIL released). The child runs at a lower priority (``nice``) with one torch
thread; if it dies, the next call starts a new one (the stream repeats pictures meanwhile).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import sys
from collections.abc import Callable, Generator, Sequence
from functools import partial
from multiprocessing import shared_memory
from typing import Any

import numpy as np

from vhuman.animation.clip import MotionClip
from vhuman.models.types import InputError, VhumanError

from .render import FrameRenderer

log = logging.getLogger(__name__)


def _pack(pose: MotionClip) -> tuple[Any, ...]:
    return (pose.fps, list(pose.morph_names), pose.morph, list(pose.bone_names),
            pose.rotations, pose.root_offset)


def _unpack(packed: tuple[Any, ...]) -> MotionClip:
    fps, morph_names, morph, bone_names, rotations, root_offset = packed
    return MotionClip(fps=fps, morph_names=morph_names, morph=morph, bone_names=bone_names,
                      rotations=rotations, root_offset=root_offset)


def _serve(conn: Any, factory: Callable[[], FrameRenderer], shm_name: str,
           shape: tuple[int, int, int], slots: int, nice: int,
           torch_threads: int | None) -> None:
    """The child: build the renderer, then render batches into shared memory slots."""
    from .renderloop import render_poses

    try:  # the spawning thread may be niced already (the render thread): reach ``nice``
        current = os.nice(0)
        if nice > current:
            os.nice(nice - current)
    except OSError:
        pass
    shm = shared_memory.SharedMemory(name=shm_name)
    frames = np.ndarray((slots, *shape), np.uint8, buffer=shm.buf)
    try:
        renderer = factory()
        if torch_threads and "torch" in sys.modules:
            import torch

            torch.set_num_threads(torch_threads)
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        del frames
        shm.close()
        return
    conn.send(("ready", os.getpid()))
    try:
        while True:
            msg = conn.recv()
            if msg[0] == "close":
                break
            if msg[0] == "scale":
                renderer.set_scale(msg[1])
                continue
            poses = [_unpack(p) for p in msg[1]]
            sent = 0
            try:
                for k, image in enumerate(render_poses(renderer, poses)):
                    frames[k] = image
                    conn.send(("done", k))
                    sent += 1
            except Exception as exc:  # noqa: BLE001
                for _ in range(sent, len(poses)):  # one answer per pose, whatever happens
                    conn.send(("error", f"{type(exc).__name__}: {exc}"))
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        try:
            renderer.close()
        finally:
            del frames
            shm.close()


class ProcessRenderer:
    """A :class:`FrameRenderer` whose ``factory`` runs in a child process.

    ``factory`` must be picklable (a top-level function or a ``functools.partial``);
    :meth:`avatar` builds one for :class:`~stage.live.render.AvatarRenderer`.
    """

    def __init__(self, factory: Callable[[], FrameRenderer], width: int, height: int, *,
                 channels: int = 3, nice: int = 5, torch_threads: int | None = 1,
                 max_batch: int = 8, start_timeout: float = 180.0) -> None:
        if channels not in (3, 4):
            raise InputError(f"ProcessRenderer channels must be 3 or 4, got {channels}")
        if max_batch < 1:
            raise InputError(f"ProcessRenderer max_batch must be >= 1, got {max_batch}")
        self.width, self.height = width, height
        self.shape = (height, width, channels)
        self.factory, self.nice, self.torch_threads = factory, nice, torch_threads
        self.max_batch, self.start_timeout = max_batch, start_timeout
        self.restarts = 0
        self._scale = 1.0
        self._shm = shared_memory.SharedMemory(create=True,
                                               size=max_batch * height * width * channels)
        self._frames = np.ndarray((max_batch, *self.shape), np.uint8, buffer=self._shm.buf)
        self._proc: Any = None
        self._conn: Any = None
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    @classmethod
    def avatar(cls, avatar: str | None = None, width: int = 512, height: int = 512, *,
               nice: int = 5, torch_threads: int | None = 1, **options: Any) -> ProcessRenderer:
        """The built-in (or ``avatar``) character rendered in a child process."""
        from .render import AvatarRenderer

        channels = 4 if options.get("transparent") else 3
        return cls(partial(AvatarRenderer, avatar, width, height, **options), width, height,
                   channels=channels, nice=nice, torch_threads=torch_threads)

    def _start(self) -> None:
        ctx = mp.get_context("spawn")  # no fork: the parent has threads and GL state
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, name="vhuman-render", daemon=True,
                                 args=(child, self.factory, self._shm.name, self.shape,
                                       self.max_batch, self.nice, self.torch_threads))
        self._proc.start()
        child.close()
        if not self._conn.poll(self.start_timeout):
            self._kill()
            raise VhumanError(f"render process did not start within {self.start_timeout:.0f} s")
        try:
            kind, detail = self._conn.recv()
        except (EOFError, OSError):
            kind, detail = "error", f"it exited with code {self._proc.exitcode}"
        if kind != "ready":
            self._kill()
            raise VhumanError(f"render process failed to start: {detail}")
        log.info("render process %s ready", detail)
        if self._scale < 1.0:  # a restarted child keeps the quality it was asked for
            self._conn.send(("scale", self._scale))

    def _kill(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(5)
        self._proc = None

    def _ensure(self) -> None:
        if self._proc is None or not self._proc.is_alive():
            self.restarts += 1
            log.warning("render process gone; starting a new one (restart %d)", self.restarts)
            self._start()

    def set_scale(self, scale: float) -> None:
        """The child renders at ``scale`` from its next batch (upscaled there)."""
        self._scale = scale
        if self._proc is not None and self._proc.is_alive():
            try:
                self._conn.send(("scale", scale))
            except (OSError, BrokenPipeError):
                self._kill()

    def render(self, pose: MotionClip) -> np.ndarray:
        frames = self.render_batch([pose])
        try:
            return next(frames)
        finally:
            frames.close()

    def render_batch(self, poses: Sequence[MotionClip]) -> Generator[np.ndarray, None, None]:
        """Pictures of ``poses`` in order, each yielded as the child finishes it."""
        for start in range(0, len(poses), self.max_batch):
            chunk = poses[start:start + self.max_batch]
            self._ensure()
            self._conn.send(("render", [_pack(p) for p in chunk]))
            answered = 0
            try:
                for _ in chunk:
                    try:
                        kind, detail = self._conn.recv()
                    except (EOFError, OSError) as exc:
                        self._kill()
                        raise VhumanError(f"render process died: {exc}") from exc
                    answered += 1
                    if kind == "error":
                        raise VhumanError(f"render process: {detail}")
                    yield self._frames[detail].copy()
            finally:  # stopped early (interrupt): collect the answers still coming
                while answered < len(chunk) and self._proc is not None:
                    try:
                        self._conn.recv()
                    except (EOFError, OSError):
                        self._kill()
                        break
                    answered += 1

    def close(self) -> None:
        if self._proc is not None:
            try:
                self._conn.send(("close",))
                self._proc.join(10)
            except (OSError, BrokenPipeError):
                pass
            self._kill()
        self._frames = np.zeros((0, *self.shape), np.uint8)
        try:
            self._shm.close()
            self._shm.unlink()
        except FileNotFoundError:
            pass
