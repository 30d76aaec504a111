"""Small BVH texts built in code for the retargeting tests."""

from __future__ import annotations

import numpy as np

# (name, parent, offset in cm) for a Mixamo-named T-pose with an extra unknown joint
JOINTS = [
    ("Hips", None, (0, 95, 0)),
    ("Spine", "Hips", (0, 10, 0)),
    ("Spine1", "Spine", (0, 12, 0)),
    ("Spine2", "Spine1", (0, 12, 0)),
    ("Neck", "Spine2", (0, 13, 0)),
    ("Head", "Neck", (0, 10, 0)),
    ("LeftShoulder", "Spine2", (2, 9, 0)),
    ("LeftArm", "LeftShoulder", (13, 0, 0)),
    ("LeftForeArm", "LeftArm", (28, 0, 0)),
    ("LeftHand", "LeftForeArm", (25, 0, 0)),
    ("RightShoulder", "Spine2", (-2, 9, 0)),
    ("RightArm", "RightShoulder", (-13, 0, 0)),
    ("RightForeArm", "RightArm", (-28, 0, 0)),
    ("RightHand", "RightForeArm", (-25, 0, 0)),
    ("LeftUpLeg", "Hips", (9, -5, 0)),
    ("LeftLeg", "LeftUpLeg", (0, -42, 0)),
    ("LeftFoot", "LeftLeg", (0, -40, 0)),
    ("RightUpLeg", "Hips", (-9, -5, 0)),
    ("RightLeg", "RightUpLeg", (0, -42, 0)),
    ("RightFoot", "RightLeg", (0, -40, 0)),
    ("Tail", "Hips", (0, 0, -10)),
]


def make_bvh(frames: np.ndarray, joints: list = JOINTS, frame_time: float = 1 / 30) -> str:
    """BVH text: every joint has ZXY rotation channels, the root also positions.

    ``frames`` (F, 3 + 3 * J): root position then Z, X, Y degrees per joint.
    """
    children: dict[str | None, list[int]] = {}
    for i, (_, parent, _) in enumerate(joints):
        children.setdefault(parent, []).append(i)
    out = ["HIERARCHY"]

    def emit(i: int, depth: int) -> None:
        name, parent, off = joints[i]
        pad = "  " * depth
        out.append(f"{pad}{'ROOT' if parent is None else 'JOINT'} {name}")
        out.append(pad + "{")
        out.append(f"{pad}  OFFSET {off[0]} {off[1]} {off[2]}")
        chans = "Xposition Yposition Zposition " if parent is None else ""
        n = 6 if parent is None else 3
        out.append(f"{pad}  CHANNELS {n} {chans}Zrotation Xrotation Yrotation")
        kids = children.get(name, [])
        for k in kids:
            emit(k, depth + 1)
        if not kids:
            out.append(f"{pad}  End Site")
            out.append(pad + "  {")
            out.append(f"{pad}    OFFSET 0 5 0")
            out.append(pad + "  }")
        out.append(pad + "}")

    emit(0, 0)
    out.append("MOTION")
    out.append(f"Frames: {frames.shape[0]}")
    out.append(f"Frame Time: {frame_time}")
    out += [" ".join(f"{v:.5f}" for v in row) for row in frames]
    return "\n".join(out) + "\n"


def column(joint: str, axis: str, joints: list = JOINTS) -> int:
    """Column of a joint's rotation channel (axis 'Z', 'X' or 'Y') in ``make_bvh`` frames."""
    i = [j[0] for j in joints].index(joint)
    return 3 + 3 * i + "ZXY".index(axis)
