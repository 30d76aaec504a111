"""BVH motion-capture files: a strict, line-numbered parser and FK to world rotations.

Errors name the file and line. Rotation channels compose in the order they are listed
(``Zrotation Xrotation Yrotation`` -> ``R = Rz · Rx · Ry``), in degrees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vhuman.animation import quat as Q
from vhuman.models.types import InputError

_AXES = {"Xrotation": (1, 0, 0), "Yrotation": (0, 1, 0), "Zrotation": (0, 0, 1)}
_POS = {"Xposition": 0, "Yposition": 1, "Zposition": 2}


@dataclass
class BvhJoint:
    name: str
    parent: int
    offset: np.ndarray
    channels: list[str] = field(default_factory=list)
    channel_start: int = 0


@dataclass
class BvhMotion:
    """Parsed BVH: joints in file order (parents first), frames (F, C) of channel values."""

    joints: list[BvhJoint]
    frames: np.ndarray
    frame_time: float
    source: str = "<bvh>"

    @property
    def names(self) -> list[str]:
        return [j.name for j in self.joints]

    @property
    def fps(self) -> float:
        return 1.0 / self.frame_time

    def rest_positions(self) -> np.ndarray:
        """(J, 3) world joint positions with zero rotations."""
        pos = np.zeros((len(self.joints), 3))
        for i, j in enumerate(self.joints):
            pos[i] = j.offset + (pos[j.parent] if j.parent >= 0 else 0.0)
        return pos

    def local_rotations(self) -> np.ndarray:
        """(F, J, 4) local rotations from the rotation channels."""
        f = self.frames.shape[0]
        out = Q.identity(f, len(self.joints)).astype(np.float64)
        for i, j in enumerate(self.joints):
            q = Q.identity(f).astype(np.float64)
            for k, ch in enumerate(j.channels):
                if ch in _AXES:
                    ang = np.radians(self.frames[:, j.channel_start + k])
                    q = Q.mul(q, Q.axis_angle(_AXES[ch], ang))
            out[:, i] = q
        return out

    def world(self) -> tuple[np.ndarray, np.ndarray]:
        """World rotations (F, J, 4) and positions (F, J, 3) per frame."""
        rot = self.local_rotations()
        f, n = rot.shape[:2]
        wr = np.zeros_like(rot)
        wp = np.zeros((f, n, 3))
        for i, j in enumerate(self.joints):
            local_t = np.broadcast_to(j.offset, (f, 3)).copy()
            for k, ch in enumerate(j.channels):
                if ch in _POS:
                    local_t[:, _POS[ch]] = self.frames[:, j.channel_start + k]
            if j.parent < 0:
                wr[:, i] = rot[:, i]
                wp[:, i] = local_t
            else:
                wr[:, i] = Q.mul(wr[:, j.parent], rot[:, i])
                wp[:, i] = wp[:, j.parent] + Q.rotate(wr[:, j.parent], local_t)
        return wr, wp


def parse_bvh(text: str, source: str = "<bvh>") -> BvhMotion:
    """Parse BVH text; raises :class:`InputError` naming ``source`` and the line."""
    lines = text.splitlines()
    joints: list[BvhJoint] = []
    stack: list[int] = []
    n_channels = 0
    i = 0
    pending: BvhJoint | None = None
    in_end = False

    def err(msg: str) -> InputError:
        return InputError(f"{source}:{i + 1}: {msg}")

    while i < len(lines):
        tok = lines[i].split()
        if not tok:
            i += 1
            continue
        key = tok[0].upper()
        if key == "HIERARCHY":
            pass
        elif key in ("ROOT", "JOINT"):
            if len(tok) < 2:
                raise err(f"{key} needs a joint name")
            if key == "ROOT" and joints:
                raise err("only one ROOT is supported")
            parent = stack[-1] if stack else -1
            if key == "JOINT" and parent < 0:
                raise err("JOINT outside of ROOT")
            pending = BvhJoint(" ".join(tok[1:]), parent, np.zeros(3))
            joints.append(pending)
        elif key == "END":
            in_end = True
        elif key == "{":
            if in_end:
                stack.append(-2)
            elif pending is not None:
                stack.append(len(joints) - 1)
                pending = None
            else:
                raise err("unexpected '{'")
        elif key == "}":
            if not stack:
                raise err("unbalanced '}'")
            if stack.pop() == -2:
                in_end = False
        elif key == "OFFSET":
            try:
                off = np.array([float(x) for x in tok[1:4]])
            except ValueError:
                raise err("OFFSET needs three numbers") from None
            if off.size != 3:
                raise err("OFFSET needs three numbers")
            if not in_end:
                if not stack or stack[-1] < 0:
                    raise err("OFFSET outside a joint")
                joints[stack[-1]].offset = off
        elif key == "CHANNELS":
            if not stack or stack[-1] < 0:
                raise err("CHANNELS outside a joint")
            try:
                count = int(tok[1])
            except (IndexError, ValueError):
                raise err("CHANNELS needs a count") from None
            names = tok[2:]
            if len(names) != count or any(c not in _AXES and c not in _POS for c in names):
                raise err(f"bad CHANNELS line: {' '.join(tok)}")
            j = joints[stack[-1]]
            j.channels, j.channel_start = names, n_channels
            n_channels += count
        elif key == "MOTION":
            i += 1
            break
        else:
            raise err(f"unexpected token {tok[0]!r}")
        i += 1
    else:
        raise InputError(f"{source}: no MOTION section")
    if stack:
        raise InputError(f"{source}: unbalanced braces in HIERARCHY")
    if not joints:
        raise InputError(f"{source}: no joints in HIERARCHY")
    header: dict[str, str] = {}
    while i < len(lines) and len(header) < 2:
        line = lines[i].strip()
        if line:
            key, _, value = line.partition(":")
            header[key.strip().lower()] = value.strip()
        i += 1
    try:
        n_frames = int(header["frames"])
        frame_time = float(header["frame time"])
    except (KeyError, ValueError):
        raise InputError(f"{source}:{i}: MOTION needs 'Frames:' and 'Frame Time:'") from None
    if frame_time <= 0:
        raise InputError(f"{source}:{i}: Frame Time must be positive")
    rows = []
    for k in range(i, len(lines)):
        if not lines[k].strip():
            continue
        try:
            vals = [float(x) for x in lines[k].split()]
        except ValueError:
            raise InputError(f"{source}:{k + 1}: motion line has a non-number") from None
        if len(vals) != n_channels:
            raise InputError(f"{source}:{k + 1}: expected {n_channels} values, got {len(vals)}")
        rows.append(vals)
    if len(rows) < n_frames:
        raise InputError(f"{source}: header says {n_frames} frames, file has {len(rows)}")
    frames = np.asarray(rows[:n_frames], np.float64).reshape(n_frames, n_channels)
    return BvhMotion(joints, frames, frame_time, source)


def load_bvh(path: str | Path) -> BvhMotion:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"BVH file not found: {p}")
    try:
        text = p.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read BVH file {p}: {exc}") from None
    return parse_bvh(text, str(p))
