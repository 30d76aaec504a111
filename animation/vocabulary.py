"""The motion vocabulary every avatar is driven in: the 15 visemes, the internal expression
shapes and the VRM humanoid bone names (the voice side never needs them)."""

from __future__ import annotations

from enum import Enum


class Viseme(str, Enum):
    """The 15 Oculus/Meta visemes: the engine's internal mouth-shape vocabulary."""

    SIL = "sil"
    PP = "PP"
    FF = "FF"
    TH = "TH"
    DD = "DD"
    KK = "kk"
    CH = "CH"
    SS = "SS"
    NN = "nn"
    RR = "RR"
    AA = "aa"
    E = "E"
    IH = "ih"
    OH = "oh"
    OU = "ou"


VISEMES: tuple[Viseme, ...] = tuple(Viseme)
"""The visemes in their canonical order (index = column of a viseme track)."""

EXPRESSION_SHAPES: tuple[str, ...] = (
    "blink",
    "blinkLeft",
    "blinkRight",
    "happy",
    "sad",
    "angry",
    "surprised",
    "relaxed",
    "browUp",
    "browDown",
    "smile",
    "jawOpen",
)
"""Internal non-viseme face shapes (morph names on the built-in avatar: ``viseme_<v>``
for visemes, these names as they are for expressions)."""


def viseme_shape_name(viseme: Viseme) -> str:
    """Morph-target name of a viseme on the built-in avatar (Ready-Player-Me style)."""
    return f"viseme_{viseme.value}"


HUMANOID_BONES: tuple[str, ...] = (
    "hips",
    "spine",
    "chest",
    "upperChest",
    "neck",
    "head",
    "leftEye",
    "rightEye",
    "jaw",
    "leftShoulder",
    "leftUpperArm",
    "leftLowerArm",
    "leftHand",
    "rightShoulder",
    "rightUpperArm",
    "rightLowerArm",
    "rightHand",
    "leftUpperLeg",
    "leftLowerLeg",
    "leftFoot",
    "leftToes",
    "rightUpperLeg",
    "rightLowerLeg",
    "rightFoot",
    "rightToes",
)
"""VRM humanoid bone names used as the motion vocabulary (finger bones optional)."""
