"""VRM expression rules at run time: expressions as a whole, binary, overrides, material binds.

Face weights arrive in the engine's vocabulary (``happy``, ``smile``, ``blink``,
``viseme_aa``...). On a VRM avatar several of them show through one VRM expression (a
smile is 0.7 of ``happy``), so they are first mixed into one weight per VRM expression
(``vrm:happy``), clamped to [0, 1]. Then VRM 1.0's rules apply to those weights (as
three-vrm does):

- an ``isBinary`` expression shows fully above 0.5 and not at all below;
- an expression with ``overrideBlink``/``overrideMouth``/``overrideLookAt`` = ``block``
  silences that group while it shows, ``blend`` scales the group by ``1 - weight``;
- a binary expression that an override reduced below 1 is off (binary stays binary);
- ``overrideLookAt`` also holds the eye bones' gaze (the rig scales their rotation).

:func:`material_frames` then turns the effective weights into per-frame material state:
base and emissive colours and texture transforms (offset, scale), each the material's own
value plus ``weight x (target - own)`` of every bind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from vhuman.avatar.character import Character, ShapeBinding
from vhuman.avatar.shapes import VRM_PREFIX

log = logging.getLogger(__name__)

BLINK = ("blink", "blinkLeft", "blinkRight")
LOOK_AT = ("lookUp", "lookDown", "lookLeft", "lookRight")
VRM_MOUTH = ("aa", "ih", "ou", "ee", "oh")


def _group(name: str) -> str | None:
    whole = name.startswith(VRM_PREFIX)
    base = name[len(VRM_PREFIX):] if whole else name
    if base in BLINK:
        return "blink"
    if base in LOOK_AT:
        return "look_at"
    if (whole and base in VRM_MOUTH) or (
            not whole and ((base.startswith("viseme_") and base != "viseme_sil")
                           or base == "jawOpen")):
        return "mouth"
    return None


class ExpressionRules:
    """The rules of one avatar for one clip vocabulary (``names``).

    ``out_names`` is the vocabulary of the effective weights: ``names``, except that shapes
    shown through VRM expressions are replaced by those expressions (``vrm:<name>``)."""

    def __init__(self, character: Character, names: tuple[str, ...]) -> None:
        self.names = names
        given = [character.shapes.get(n) or ShapeBinding() for n in names]
        exprs = sorted({e for s in given for e in s.expressions})
        self.mix: np.ndarray | None = None
        self.out_names = tuple(names)
        if exprs:
            plain = [n for n, s in zip(names, given, strict=True) if not s.expressions]
            self.out_names = tuple(plain) + tuple(VRM_PREFIX + e for e in exprs)
            self.mix = np.zeros((len(names), len(self.out_names)), np.float32)
            for i, (n, s) in enumerate(zip(names, given, strict=True)):
                if s.expressions:
                    for e, w in s.expressions.items():
                        self.mix[i, len(plain) + exprs.index(e)] += w
                else:
                    self.mix[i, plain.index(n)] = 1.0
            self.whole = np.arange(len(self.out_names)) >= len(plain)
        shapes = [character.shapes.get(n) or ShapeBinding() for n in self.out_names]
        self.active = self.mix is not None or any(s.has_rules for s in shapes)
        self.binary = np.array([s.is_binary for s in shapes], bool)
        self.groups = [_group(n) for n in self.out_names]
        self.overrides = [
            {"blink": s.override_blink, "look_at": s.override_look_at, "mouth": s.override_mouth}
            for s in shapes
        ]

    def expression_weights(self, weights: np.ndarray) -> np.ndarray:
        """Requested weights (T, M) in ``names`` order -> (T, M_out) in ``out_names`` order,
        one weight per VRM expression clamped to [0, 1]."""
        w = np.asarray(weights, np.float32)
        if self.mix is None:
            return w
        out = w @ self.mix
        out[:, self.whole] = np.clip(out[:, self.whole], 0.0, 1.0)
        return out

    def _output(self, weights: np.ndarray) -> np.ndarray:
        w = np.asarray(weights, np.float32)
        return np.where(self.binary[None], (w > 0.5).astype(np.float32), w)

    def multipliers(self, weights: np.ndarray) -> dict[str, np.ndarray]:
        """(T,) factor per overridable group (``blink``, ``look_at``, ``mouth``) that the
        expressions showing in ``weights`` (T, M, ``names`` order) leave to it."""
        out = self._output(self.expression_weights(weights))
        mult = {g: np.ones(out.shape[0], np.float32) for g in ("blink", "look_at", "mouth")}
        for k, rules in enumerate(self.overrides):
            for group, mode in rules.items():
                if mode == "block":
                    mult[group] *= (out[:, k] <= 0).astype(np.float32)
                elif mode == "blend":
                    mult[group] *= np.clip(1.0 - out[:, k], 0.0, 1.0)
        return mult

    def apply(self, weights: np.ndarray) -> np.ndarray:
        """Effective weights (T, M_out, ``out_names`` order) from requested ones (T, M)."""
        if not self.active:
            return weights
        out = self._output(self.expression_weights(weights))
        mult = self.multipliers(weights)
        eff = out.copy()
        for k, group in enumerate(self.groups):
            if group is not None:
                eff[:, k] *= mult[group]
        eff = np.where(self.binary[None] & (eff < 1.0), 0.0, eff)
        return eff.astype(np.float32)


def hold_gaze(q: Any, eyes: list[int], rules: ExpressionRules, weights: np.ndarray) -> Any:
    """Normalized rotations ``q`` (T, B, 4 torch) with the ``eyes`` columns scaled towards
    rest by what ``overrideLookAt`` expressions in ``weights`` (T, M) leave of the gaze."""
    if not rules.active or not eyes:
        return q
    keep = rules.multipliers(weights)["look_at"]
    if bool((keep >= 1.0).all()):
        return q
    import torch

    from vhuman.animation.skinning import quat_slerp

    w = torch.as_tensor(keep, dtype=q.dtype, device=q.device)[:, None].expand(-1, len(eyes))
    ident = torch.zeros_like(q[:, eyes])
    ident[..., 3] = 1.0
    q = q.clone()
    q[:, eyes] = quat_slerp(ident, q[:, eyes], w)
    return q


@dataclass
class MaterialFrames:
    """Per-frame material state: ``colors`` (T, N, 4) base colour, ``emissive`` (T, N, 3),
    ``uv`` (T, N, 4) texture offset u, v and scale u, v, for the character's N materials."""

    colors: np.ndarray
    emissive: np.ndarray
    uv: np.ndarray

    def frame(self, t: int) -> MaterialFrames:
        return MaterialFrames(self.colors[t:t + 1], self.emissive[t:t + 1], self.uv[t:t + 1])


def material_frames(character: Character, names: tuple[str, ...], weights: np.ndarray
                    ) -> MaterialFrames | None:
    """Material state for effective face ``weights`` (T, M) in ``names`` order, or None when
    no shape in ``names`` binds a material."""
    mats = character.materials
    binds = [(k, b) for k, n in enumerate(names)
             for b in (character.shapes.get(n) or ShapeBinding()).materials
             if 0 <= b.material < len(mats)]
    if not binds:
        return None
    t = weights.shape[0]
    colors = np.tile(np.array([m.base_color for m in mats], np.float32), (t, 1, 1))
    emissive = np.tile(np.array([m.emissive for m in mats], np.float32), (t, 1, 1))
    uv = np.tile(np.array([m.uv_transform[:4] for m in mats], np.float32), (t, 1, 1))
    base_c, base_e, base_uv = colors[0].copy(), emissive[0].copy(), uv[0].copy()
    for k, b in binds:
        w = (weights[:, k] * b.weight)[:, None]
        target = np.asarray(b.target, np.float32)
        if b.kind == "color":
            colors[:, b.material] += w * (target - base_c[b.material])
        elif b.kind == "emissionColor":
            emissive[:, b.material] += w * (target[:3] - base_e[b.material])
        elif b.kind == "uv":
            uv[:, b.material] += w * (target - base_uv[b.material])
        else:
            log.debug("material bind %s of %s is not drawn by this renderer", b.kind, names[k])
    return MaterialFrames(np.clip(colors, 0.0, 1.0), np.maximum(emissive, 0.0), uv)
