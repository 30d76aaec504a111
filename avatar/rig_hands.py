"""Hand poses on avatars with finger joints: fist, point, thumbs up, open.

Gestures carry hand-pose channels (``animation.clip.HAND_SHAPES``: ``rightHandPoint``...,
weights 0..1). Fingers are not humanoid bones, so the rig finds each hand's finger chains
by joint name (thumb, index, middle, ring, little/pinky; up to three segments each) and
bends them in the T-pose's world axes, where the measured rest pose has every hand palm
down pointing along +-X: fingers curl about Z towards the palm, the thumb about X across
it. Blending: each finger's curl is the weighted sum of the poses asking for it, opened
by ``Open`` and clamped to [0, 1]. A hand without finger joints keeps its rest shape.
"""

from __future__ import annotations

import numpy as np
import torch

from vhuman.animation import quat as Q
from vhuman.animation.clip import HAND_POSES
from vhuman.avatar.character import Character

FINGERS: dict[str, tuple[str, ...]] = {
    "thumb": ("thumb",), "index": ("index",), "middle": ("middle",), "ring": ("ring",),
    "little": ("pinky", "little", "small"),
}
CURL_DEG: dict[str, tuple[float, float, float]] = {
    "thumb": (25.0, 35.0, 35.0), "index": (70.0, 95.0, 60.0), "middle": (75.0, 95.0, 60.0),
    "ring": (80.0, 95.0, 60.0), "little": (85.0, 95.0, 60.0),
}
"""Degrees each segment (proximal, intermediate, distal) bends in a full curl."""
POSE_CURL: dict[str, dict[str, float]] = {
    "Fist": {"thumb": 1.0, "index": 1.0, "middle": 1.0, "ring": 1.0, "little": 1.0},
    "Point": {"thumb": 1.0, "index": 0.0, "middle": 1.0, "ring": 1.0, "little": 1.0},
    "ThumbsUp": {"thumb": 0.0, "index": 1.0, "middle": 1.0, "ring": 1.0, "little": 1.0},
}
"""Curl (0 straight .. 1 full) of each finger per pose; ``Open`` straightens them all."""


def finger_chains(character: Character) -> dict[str, dict[str, list[int]]]:
    """side -> finger -> joints (proximal first, at most 3) found below each hand."""
    sk = character.skeleton
    parents = np.asarray(sk.parents).tolist()
    out: dict[str, dict[str, list[int]]] = {}
    for side in ("left", "right"):
        hand = sk.humanoid.get(f"{side}Hand")
        if hand is None:
            continue
        below = []
        for j in range(hand + 1, sk.num_joints):
            k = j
            while k > hand:
                k = parents[k]
            if k == hand:
                below.append(j)
        chains = {}
        for finger, words in FINGERS.items():
            joints = [j for j in below if any(w in sk.names[j].lower() for w in words)]
            if joints:
                chains[finger] = joints[:3]
        if chains:
            out[side] = chains
    return out


class HandPoser:
    """Finger rotations of one rig for the hand-pose channels of a clip."""

    def __init__(self, character: Character, world_rot: torch.Tensor,
                 parent_rot: torch.Tensor) -> None:
        self.chains = finger_chains(character)
        self.world_rot = world_rot  # (J, 4) T-pose world rotations
        self.parent_rot = parent_rot  # (J, 4) T-pose world rotations of the parents

    def curls(self, names: list[str] | tuple[str, ...], morph: np.ndarray, side: str
              ) -> dict[str, np.ndarray] | None:
        """finger -> (T,) curl for ``side`` from the clip's channels, or None (no pose)."""
        cols = {p: names.index(f"{side}Hand{p}") for p in HAND_POSES
                if f"{side}Hand{p}" in names}
        if not cols or not bool(np.any(morph[:, list(cols.values())] > 0)):
            return None
        t = morph.shape[0]
        opened = np.clip(morph[:, cols["Open"]], 0.0, 1.0) if "Open" in cols else np.zeros(t)
        out = {}
        for finger in FINGERS:
            c = np.zeros(t)
            for pose, k in cols.items():
                c += np.clip(morph[:, k], 0.0, 1.0) * POSE_CURL.get(pose, {}).get(finger, 0.0)
            out[finger] = np.clip(c, 0.0, 1.0) * (1.0 - opened)
        return out

    def apply(self, rotations: torch.Tensor, names: list[str] | tuple[str, ...],
              morph: np.ndarray) -> None:
        """Set the finger joints' local rotations (T, J, 4) in place for the poses asked."""
        for side, chains in self.chains.items():
            curls = self.curls(names, morph, side)
            if curls is None:
                continue
            sign = -1.0 if side == "left" else 1.0
            for finger, joints in chains.items():
                axis = (1.0, 0.0, 0.0) if finger == "thumb" else (0.0, 0.0, sign)
                for seg, j in enumerate(joints):
                    angle = curls[finger] * np.radians(CURL_DEG[finger][seg])
                    q = torch.as_tensor(Q.axis_angle(axis, angle), dtype=rotations.dtype)
                    local = _mul(_conj(self.parent_rot[j]), _mul(q, self.world_rot[j]))
                    rotations[:, j] = local / torch.linalg.norm(local, dim=-1, keepdim=True)


def _conj(q: torch.Tensor) -> torch.Tensor:
    return q * torch.tensor([-1.0, -1.0, -1.0, 1.0], dtype=q.dtype)


def _mul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    from vhuman.animation.skinning import quat_multiply

    a, b = torch.broadcast_tensors(a, b)
    return quat_multiply(a, b)
