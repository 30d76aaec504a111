"""Animation-parameter stream over WebSocket: the live pose, frame by frame.

A web client (three.js + three-vrm) can render the same performance client-side from
this stream. Mount ``params_router(performers)`` on the app; clients connect to
``WS /params?performer=NAME&format=json|binary``.

The first message is always JSON ``hello``: ``{"type": "hello", "format", "fps",
"morphs": [...], "bones": [...], "vrm_expressions": {morph: vrm_name}}``. Then one
message per video tick:

- ``json``: ``{"type": "frame", "i", "t", "speaking", "morph": {name: w},
  "bones": {name: [x, y, z, w]}, "root": [x, y, z]}`` — morphs at 0 are left out.
- ``binary`` (little-endian): ``uint32 i, float32 t, uint32 flags (bit0 speaking),
  float32[M] morph, float32[B*4] bone quaternions (xyzw), float32[3] root`` in the order
  of the hello's ``morphs`` / ``bones`` (about 0.5 KB a frame vs ~1.5 KB of JSON).

Bone rotations are normalized humanoid rotations (three-vrm's *normalized* bones:
``vrm.humanoid.getNormalizedBoneNode(name).quaternion.set(x, y, z, w)``); morphs map to
VRM expressions with ``vrm_expressions`` (``viseme_aa`` → ``aa`` ...). A slow client
loses frames (counted as ``output_dropped_frames_total{output="params-N"}``), never the
show; ``stage/web/params.html`` is a tiny example client.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import struct
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from fastapi import WebSocket  # resolved by name: FastAPI reads the string annotations

from vhuman.models.types import InputError

from .base import AsyncTickQueue, Tick, new_metrics

if TYPE_CHECKING:  # stage.live imports this package: no runtime cycle
    from vhuman.stage.metrics import Metrics

log = logging.getLogger(__name__)

VRM_EXPRESSIONS: dict[str, str] = {
    "viseme_aa": "aa", "viseme_E": "ee", "viseme_ih": "ih", "viseme_oh": "oh",
    "viseme_ou": "ou", "blink": "blink", "blinkLeft": "blinkLeft",
    "blinkRight": "blinkRight", "happy": "happy", "sad": "sad", "angry": "angry",
    "surprised": "surprised", "relaxed": "relaxed",
}
"""Internal morph name → VRM 1.0 preset expression (others have no preset)."""

_HEADER = struct.Struct("<IfI")
_client_ids = itertools.count(1)


def hello_message(tick: Tick, fmt: str) -> dict[str, Any]:
    """The first message: vocabulary and format of the frames that follow."""
    pose = tick.pose
    return {"type": "hello", "format": fmt, "fps": tick.fps,
            "morphs": list(pose.morph_names), "bones": list(pose.bone_names),
            "vrm_expressions": {k: v for k, v in VRM_EXPRESSIONS.items()
                                if k in pose.morph_names}}


def frame_json(tick: Tick) -> dict[str, Any]:
    """One tick as a JSON-able dict (morphs at ~0 omitted, 4 decimals)."""
    pose = tick.pose
    morph = {n: round(float(w), 4) for n, w in zip(pose.morph_names, pose.morph[0], strict=True)
             if w > 1e-4}
    bones = {n: [round(float(c), 5) for c in q]
             for n, q in zip(pose.bone_names, pose.rotations[0], strict=True)}
    return {"type": "frame", "i": tick.index, "t": round(tick.pts, 4),
            "speaking": tick.speaking, "morph": morph, "bones": bones,
            "root": [round(float(c), 5) for c in pose.root_offset[0]]}


def frame_binary(tick: Tick) -> bytes:
    """One tick packed as described in the module docstring."""
    pose = tick.pose
    body = np.concatenate([pose.morph[0], pose.rotations[0].reshape(-1),
                           pose.root_offset[0]]).astype("<f4")
    return _HEADER.pack(tick.index, tick.pts, 1 if tick.speaking else 0) + body.tobytes()


def decode_binary(data: bytes, num_morphs: int, num_bones: int) -> dict[str, Any]:
    """Inverse of :func:`frame_binary` (for clients and tests)."""
    index, pts, flags = _HEADER.unpack_from(data)
    values = np.frombuffer(data, "<f4", offset=_HEADER.size)
    expected = num_morphs + 4 * num_bones + 3
    if values.size != expected:
        raise InputError(f"params frame has {values.size} floats, expected {expected}")
    return {"i": index, "t": pts, "speaking": bool(flags & 1), "morph": values[:num_morphs],
            "rotations": values[num_morphs:num_morphs + 4 * num_bones].reshape(num_bones, 4),
            "root": values[-3:]}


def params_router(performers: Mapping[str, Any] | Callable[[str], Any], *,
                  metrics: Metrics | None = None) -> Any:
    """FastAPI router with the ``/params`` WebSocket."""
    from fastapi import APIRouter, WebSocketDisconnect

    router = APIRouter()
    metrics = metrics or new_metrics()

    def find(name: str | None) -> Any:
        if callable(performers) and not isinstance(performers, Mapping):
            return performers(name or "default")
        if name:
            return performers.get(name)
        return next(iter(performers.values()), None)

    @router.websocket("/params")
    async def params(ws: WebSocket) -> None:
        fmt = ws.query_params.get("format", "json")
        perf = find(ws.query_params.get("performer"))
        await ws.accept()
        if fmt not in ("json", "binary") or perf is None:
            reason = ("format must be json or binary" if perf is not None
                      else "no such performer on stage")
            await ws.send_json({"type": "error", "detail": reason})
            await ws.close(code=1008)
            return
        name = f"params-{next(_client_ids)}"
        sub = AsyncTickQueue(asyncio.get_running_loop(), name, max_queue=8, metrics=metrics)
        perf.add_output(sub)
        metrics.inc("params_clients_total", help="parameter-stream clients connected")
        try:
            tick = await sub.get()
            await ws.send_json(hello_message(tick, fmt))
            while True:
                if fmt == "json":
                    await ws.send_text(json.dumps(frame_json(tick), separators=(",", ":")))
                else:
                    await ws.send_bytes(frame_binary(tick))
                tick = await sub.get()
        except (WebSocketDisconnect, RuntimeError, ConnectionError) as exc:
            log.info("params client %s left (%s)", name, type(exc).__name__)
        finally:
            perf.remove_output(sub)
            sub.close()

    return router
