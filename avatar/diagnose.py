"""What the engine could not resolve about an avatar, in words a user can act on.

``vhuman avatar inspect`` lists these warnings; ``say``, ``avatar play`` and the live
engine log them once when they load the avatar, so a mouth that can never move or a body
with nothing to drive does not go unnoticed.
"""

from __future__ import annotations

import logging

from vhuman.animation.vocabulary import VISEMES, viseme_shape_name
from vhuman.avatar.character import Character

log = logging.getLogger(__name__)

_ARMS = ("leftUpperArm", "leftLowerArm", "rightUpperArm", "rightLowerArm")
_FINGER_WORDS = ("index", "thumb", "middle", "ring", "pinky", "little")


def moves(character: Character, shape: str) -> bool:
    """Whether the avatar shows ``shape`` at all: morphs, material binds, a jaw rotation or
    VRM expressions behind it (an empty binding is the neutral mouth, not a shape)."""
    b = character.shapes.get(shape)
    if b is None:
        return False
    if b.expressions:
        return any(moves(character, f"vrm:{e}") for e in b.expressions)
    return bool(b.morphs or b.materials or b.jaw_open)


def has_fingers(character: Character, side: str) -> bool:
    """Whether the ``side`` hand has named finger joints below it."""
    sk = character.skeleton
    hand = sk.humanoid.get(f"{side}Hand")
    if hand is None:
        return False
    parents = sk.parents.tolist()
    for j in range(hand + 1, sk.num_joints):
        k = j
        while k > hand:
            k = parents[k]
        if k == hand and any(w in sk.names[j].lower() for w in _FINGER_WORDS):
            return True
    return False


def avatar_warnings(character: Character) -> list[str]:
    """One line per thing the engine could not resolve, most serious first."""
    from vhuman.avatar.rest_pose import rest_pose

    out: list[str] = []
    hum = character.skeleton.humanoid
    mouth = [v for v in VISEMES if v.value != "sil" and moves(character, viseme_shape_name(v))]
    if not mouth:
        out.append("lip-sync impossible: no mouth shapes (visemes, ARKit, VRM vowels) and no "
                   "jaw bone; the mouth will not move")
    elif all(character.meta.get("shape_source", {}).get(viseme_shape_name(v)) == "jaw"
             for v in mouth):
        out.append("lip-sync by jaw rotation only: no mouth shapes, lips never close on p/b/m")
    if "hips" not in hum:
        out.append("no humanoid skeleton (no hips bone): the body will not move, only the "
                   "whole figure")
    elif not all(b in hum for b in _ARMS):
        missing = ", ".join(b for b in _ARMS if b not in hum)
        out.append(f"arm bones not found ({missing}): gestures will not show on those arms")
    if "hips" in hum and "head" not in hum:
        out.append("no head bone: nods and head turns are lost; cameras frame by the mesh")
    if not moves(character, "blink"):
        out.append("no blink shape: the eyes never blink")
    emotions = ("happy", "sad", "angry", "surprised")
    if not any(moves(character, e) for e in emotions):
        out.append("no expression shapes: emotions show only in posture and voice")
    if "hips" in hum and not (has_fingers(character, "left") or has_fingers(character, "right")):
        out.append("no finger joints: hand poses (point, thumbs up, fist) show as the rest hand")
    facing = rest_pose(character).facing
    if facing.method == "assumed":
        out.append("facing could not be measured: assumed to face +Z")
    return out


SERIOUS = ("lip-sync impossible", "no humanoid skeleton", "arm bones not found",
           "facing could not")
"""Warnings that change what a viewer sees in every clip (logged as warnings; the others,
which the built-in host shares, are logged as information)."""


def log_warnings(character: Character) -> list[str]:
    """Log :func:`avatar_warnings` once per loaded character; returns them."""
    found = avatar_warnings(character)
    if not character.meta.get("_warned"):
        character.meta["_warned"] = True
        for w in found:
            level = logging.WARNING if w.startswith(SERIOUS) else logging.INFO
            log.log(level, "avatar %s: %s", character.name, w)
    return found
