"""Map the engine's face vocabulary (15 visemes + expressions) onto what an avatar has.

For each internal shape the first route that works wins:

1. ``direct`` — a morph of the same name (``viseme_aa``, ``blink``...; the built-in
   character), or ``oculus`` — an Oculus/VRChat viseme in any case or prefix (``viseme_I``,
   ``V_I``, ``visemeI``, ``vrc.v_ih``; Ready-Player-Me), which always beats combinations,
2. ``vrm`` — a VRM expression (visemes by the nearest of VRM's five vowels),
3. ``arkit`` — a weighted combination of the 52 ARKit blendshapes,
4. ``jaw`` — jaw-bone rotation (radians) when the face has no mouth morphs at all.

A VRM avatar's expressions also appear whole, as ``vrm:<name>`` (their morph and material
binds, ``isBinary`` and overrides); shapes on the ``vrm`` route name the expressions they
mix (``ShapeBinding.expressions``), so each expression gets one weight per frame.

``sil`` is always present (the neutral mouth: an empty binding).
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from vhuman.animation.vocabulary import EXPRESSION_SHAPES, VISEMES, viseme_shape_name
from vhuman.avatar.character import Character, ShapeBinding

log = logging.getLogger(__name__)

INTERNAL_SHAPES: tuple[str, ...] = tuple(viseme_shape_name(v) for v in VISEMES) + tuple(
    EXPRESSION_SHAPES)

VRM_PREFIX = "vrm:"
"""Prefix of a whole VRM expression's shape name (``vrm:happy``)."""

# Nearest VRM expression(s) for each internal shape; {} = neutral (closed lips).
VRM_MAP: dict[str, dict[str, float]] = {
    "viseme_sil": {}, "viseme_PP": {}, "viseme_FF": {"ih": 0.3}, "viseme_TH": {"ih": 0.4},
    "viseme_DD": {"ih": 0.5}, "viseme_kk": {"aa": 0.4}, "viseme_CH": {"ou": 0.5},
    "viseme_SS": {"ih": 0.5}, "viseme_nn": {"ih": 0.3}, "viseme_RR": {"ou": 0.5},
    "viseme_aa": {"aa": 1.0}, "viseme_E": {"ee": 1.0}, "viseme_ih": {"ih": 1.0},
    "viseme_oh": {"oh": 1.0}, "viseme_ou": {"ou": 1.0},
    "blink": {"blink": 1.0}, "blinkLeft": {"blinkLeft": 1.0}, "blinkRight": {"blinkRight": 1.0},
    "happy": {"happy": 1.0}, "sad": {"sad": 1.0}, "angry": {"angry": 1.0},
    "surprised": {"surprised": 1.0}, "relaxed": {"relaxed": 1.0}, "smile": {"happy": 0.7},
    "jawOpen": {"aa": 1.0},
}


def _pair(name: str, w: float) -> dict[str, float]:
    return {f"{name}Left": w, f"{name}Right": w}


# ARKit blendshape combinations per internal shape (weights 0..1).
ARKIT_MAP: dict[str, dict[str, float]] = {
    "viseme_sil": {},
    "viseme_PP": {**_pair("mouthPress", 0.5), "mouthRollLower": 0.3, "mouthRollUpper": 0.3,
                  "mouthClose": 0.2},
    "viseme_FF": {"mouthRollLower": 0.6, **_pair("mouthUpperUp", 0.25), "jawOpen": 0.05},
    "viseme_TH": {"jawOpen": 0.12, "tongueOut": 0.5, **_pair("mouthUpperUp", 0.1)},
    "viseme_DD": {"jawOpen": 0.18, **_pair("mouthStretch", 0.2)},
    "viseme_kk": {"jawOpen": 0.22, **_pair("mouthStretch", 0.25)},
    "viseme_CH": {"jawOpen": 0.1, "mouthFunnel": 0.45, "mouthPucker": 0.2},
    "viseme_SS": {"jawOpen": 0.05, **_pair("mouthStretch", 0.35), **_pair("mouthSmile", 0.15)},
    "viseme_nn": {"jawOpen": 0.12, **_pair("mouthStretch", 0.15)},
    "viseme_RR": {"jawOpen": 0.1, "mouthFunnel": 0.35, "mouthPucker": 0.3},
    "viseme_aa": {"jawOpen": 0.6, **_pair("mouthLowerDown", 0.3), **_pair("mouthUpperUp", 0.1)},
    "viseme_E": {"jawOpen": 0.3, **_pair("mouthStretch", 0.4), **_pair("mouthSmile", 0.2)},
    "viseme_ih": {"jawOpen": 0.2, **_pair("mouthStretch", 0.3), **_pair("mouthSmile", 0.1)},
    "viseme_oh": {"jawOpen": 0.4, "mouthFunnel": 0.6, "mouthPucker": 0.2},
    "viseme_ou": {"jawOpen": 0.1, "mouthPucker": 0.8, "mouthFunnel": 0.3},
    "blink": {"eyeBlinkLeft": 1.0, "eyeBlinkRight": 1.0},
    "blinkLeft": {"eyeBlinkLeft": 1.0},
    "blinkRight": {"eyeBlinkRight": 1.0},
    "happy": {**_pair("mouthSmile", 0.8), **_pair("cheekSquint", 0.5), **_pair("eyeSquint", 0.3)},
    "sad": {**_pair("mouthFrown", 0.7), "browInnerUp": 0.6, "mouthShrugLower": 0.2},
    "angry": {**_pair("browDown", 0.8), **_pair("noseSneer", 0.4), **_pair("mouthFrown", 0.3),
              **_pair("eyeSquint", 0.2)},
    "surprised": {"browInnerUp": 0.8, **_pair("browOuterUp", 0.7), **_pair("eyeWide", 0.7),
                  "jawOpen": 0.3},
    "relaxed": {**_pair("mouthSmile", 0.3), **_pair("eyeSquint", 0.15)},
    "browUp": {"browInnerUp": 0.7, **_pair("browOuterUp", 0.7)},
    "browDown": _pair("browDown", 0.8),
    "smile": _pair("mouthSmile", 1.0),
    "jawOpen": {"jawOpen": 1.0},
}

# Jaw rotation (radians at full weight) per viseme when there are no mouth morphs.
JAW_MAP: dict[str, float] = {
    "viseme_sil": 0.0, "viseme_PP": 0.0, "viseme_FF": 0.04, "viseme_TH": 0.08,
    "viseme_DD": 0.1, "viseme_kk": 0.12, "viseme_CH": 0.08, "viseme_SS": 0.05,
    "viseme_nn": 0.08, "viseme_RR": 0.09, "viseme_aa": 0.32, "viseme_E": 0.18,
    "viseme_ih": 0.14, "viseme_oh": 0.25, "viseme_ou": 0.1, "jawOpen": 0.4,
}

_MOUTH_WORDS = ("viseme", "mouth", "jaw", "lip", "vrc.v_", "mth")


# Oculus / VRChat viseme spellings -> the engine's viseme (I, O, U are RPM's ih, oh, ou)
_OCULUS = re.compile(r"^(?:vrc[._])?(?:viseme|v)[_\-. ]?"
                     r"(sil|pp|ff|th|dd|kk|ch|ss|nn|rr|aa|e|ih|i|oh|o|ou|u)$")
_OCULUS_NAMES = {"sil": "sil", "pp": "PP", "ff": "FF", "th": "TH", "dd": "DD", "kk": "kk",
                 "ch": "CH", "ss": "SS", "nn": "nn", "rr": "RR", "aa": "aa", "e": "E",
                 "ih": "ih", "i": "ih", "oh": "oh", "o": "oh", "ou": "ou", "u": "ou"}


def oculus_viseme(name: str) -> str | None:
    """The internal viseme shape (``viseme_ih``) an Oculus-style morph name stands for."""
    m = _OCULUS.match(_norm(name))
    return f"viseme_{_OCULUS_NAMES[m.group(1)]}" if m else None


def _norm(name: str) -> str:
    """Case-insensitive key without a mesh prefix (``Wolf3D_Head.viseme_aa`` → viseme_aa)."""
    return name.rsplit(".", 1)[-1].replace(" ", "").lower()


def build_shapes(character: Character, vrm_expressions: dict[str, list[tuple[int, int, float]]]
                 | None = None, vrm_rules: dict[str, ShapeBinding] | None = None
                 ) -> tuple[dict[str, ShapeBinding], dict[str, str]]:
    """(internal name -> binding, internal name -> route) for ``character``.

    ``vrm_rules`` (expression -> material binds and binary/override rules) ride along
    with the VRM route: an expression made only of texture-transform or material-colour
    binds is an expression too."""
    morphs: dict[str, list[tuple[int, int]]] = {}
    oculus: dict[str, list[tuple[int, int]]] = {}
    for p, part in enumerate(character.meshes):
        for k, name in enumerate(part.morph_names):
            morphs.setdefault(_norm(name), []).append((p, k))
            shape = oculus_viseme(name)
            if shape is not None:
                oculus.setdefault(shape, []).append((p, k))
    vrm = vrm_expressions or {}
    has_mouth_morphs = any(any(w in n for w in _MOUTH_WORDS) for n in morphs) or any(
        e in vrm for e in ("aa", "ih", "ou", "ee", "oh"))
    jaw = character.skeleton.humanoid.get("jaw")
    shapes: dict[str, ShapeBinding] = {}
    routes: dict[str, str] = {}
    for shape in INTERNAL_SHAPES:
        direct = morphs.get(shape.lower())
        if direct:
            shapes[shape], routes[shape] = ShapeBinding([(p, k, 1.0) for p, k in direct]), "direct"
            continue
        if shape in oculus:
            shapes[shape] = ShapeBinding([(p, k, 1.0) for p, k in oculus[shape]])
            routes[shape] = "oculus"
            continue
        binding = _combine_vrm(VRM_MAP.get(shape), {k.lower(): v for k, v in vrm.items()},
                               {k.lower(): v for k, v in (vrm_rules or {}).items()})
        if binding is not None:
            shapes[shape], routes[shape] = binding, "vrm"
            continue
        arkit = {n: [(p, k, 1.0) for p, k in v] for n, v in morphs.items()}
        binding = _combine(ARKIT_MAP.get(shape), arkit)
        if binding is not None:
            shapes[shape], routes[shape] = binding, "arkit"
            continue
        if not has_mouth_morphs and jaw is not None and shape in JAW_MAP:
            shapes[shape], routes[shape] = ShapeBinding(jaw_open=JAW_MAP[shape]), "jaw"
    if "viseme_sil" not in shapes:
        shapes["viseme_sil"], routes["viseme_sil"] = ShapeBinding(), "neutral"
    shapes.update(vrm_expression_shapes(vrm, vrm_rules or {}))
    spelled = {k.lower(): k for k in vrm}
    for shape, route in routes.items():
        if route == "vrm":
            recipe = VRM_MAP.get(shape) or {}
            shapes[shape].expressions = {spelled[e.lower()]: w for e, w in recipe.items()
                                         if e.lower() in spelled}
    return shapes, routes


def vrm_expression_shapes(vrm: dict[str, list[tuple[int, int, float]]],
                          rules: dict[str, ShapeBinding]) -> dict[str, ShapeBinding]:
    """Every VRM expression as a whole, keyed ``vrm:<name>``: its morph binds, material
    binds, ``isBinary`` and override rules."""
    out = {}
    for name, binds in vrm.items():
        rule = rules.get(name) or ShapeBinding()
        out[VRM_PREFIX + name] = ShapeBinding(
            list(binds), materials=list(rule.materials), is_binary=rule.is_binary,
            override_blink=rule.override_blink, override_look_at=rule.override_look_at,
            override_mouth=rule.override_mouth)
    return out


def _combine(recipe: dict[str, float] | None, available: dict[str, list[tuple[int, int, float]]]
             ) -> ShapeBinding | None:
    """A binding summing the recipe's parts that exist; None if none of them exists.

    An empty recipe (the neutral mouth) only counts when the avatar offers that route.
    """
    if recipe is None or not available:
        return None
    if not recipe:
        return ShapeBinding()
    morphs: list[tuple[int, int, float]] = []
    for name, w in recipe.items():
        for p, k, bw in available.get(name.lower(), []):
            morphs.append((p, k, w * bw))
    return ShapeBinding(morphs) if morphs else None


def _combine_vrm(recipe: dict[str, float] | None, morphs: dict[str, list[tuple[int, int, float]]],
                 rules: dict[str, ShapeBinding]) -> ShapeBinding | None:
    """Like :func:`_combine` for VRM expressions, carrying material binds (scaled by the
    recipe weight) and the binary/override rules of the recipe's main expression."""
    binding = _combine(recipe, morphs)
    if recipe is None or not morphs or (binding is not None and not recipe):
        return binding
    out = binding or ShapeBinding()
    for name, w in recipe.items():
        rule = rules.get(name.lower())
        if rule is not None:
            out.materials += [replace(m, weight=m.weight * w) for m in rule.materials]
    main = rules.get(max(recipe, key=lambda n: recipe[n]).lower())
    if main is not None:
        out.is_binary, out.override_blink = main.is_binary, main.override_blink
        out.override_look_at, out.override_mouth = main.override_look_at, main.override_mouth
    return out if (out.morphs or out.materials) else None
