"""The built-in host's outfit on the torso: jacket, shirt, lapels, tie, collars, badge.

The jacket is a lofted torso; everything in front of it (the shirt seen in the V of the
jacket, lapels, tie, collar points, name badge) is a :func:`~avatar.builtin_geometry.slab`
lifted a few millimetres off the jacket's surface, each layer higher than the one below,
with its border sunk into the layer underneath. No two surfaces are coplanar, so nothing
depth-fights in any view, and every piece is skinned with the same torso bones as the
jacket, so the layers move together.
"""

from __future__ import annotations

import numpy as np

from vhuman.avatar.builtin_geometry import Piece, bone_weights, ellipsoid, loft, slab, sweep

Array = np.ndarray
Bones = dict[str, tuple[Array, Array]]

# Jacket rings: (height, half width, half depth, centre z). The top rings pull in under
# the shirt collar, so the torso meets the neck at an angle instead of hugging it.
TORSO_ROWS = np.array([
    (0.86, 0.160, 0.112, 0.000), (0.92, 0.152, 0.106, 0.000), (1.00, 0.137, 0.095, 0.002),
    (1.07, 0.135, 0.097, 0.004), (1.15, 0.146, 0.105, 0.006), (1.22, 0.157, 0.108, 0.006),
    (1.28, 0.166, 0.103, 0.004), (1.325, 0.168, 0.095, 0.000), (1.355, 0.150, 0.085, -0.002),
    (1.38, 0.112, 0.073, -0.004), (1.398, 0.070, 0.058, -0.006), (1.41, 0.032, 0.032, -0.008),
])
V_APEX = 1.155  # lowest point of the jacket's V opening
V_TOP = 1.392  # where the V meets the collar
V_HALF = 0.047  # half width of the V at the top


def torso_surface(x: Array, y: Array, offset: Array | float) -> Array:
    """Front of the jacket as a height field, pushed ``offset`` out along its normal."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)

    def z_of(xx: Array, yy: Array) -> Array:
        rx = np.interp(yy, TORSO_ROWS[:, 0], TORSO_ROWS[:, 1])
        rz = np.interp(yy, TORSO_ROWS[:, 0], TORSO_ROWS[:, 2])
        cz = np.interp(yy, TORSO_ROWS[:, 0], TORSO_ROWS[:, 3])
        return cz + rz * np.sqrt(np.clip(1.0 - (xx / rx) ** 2, 1e-4, 1.0))

    e = 1e-4
    z = z_of(x, y)
    gx = (z_of(x + e, y) - z_of(x - e, y)) / (2 * e)
    gy = (z_of(x, y + e) - z_of(x, y - e)) / (2 * e)
    n = np.stack([-gx, -gy, np.ones_like(z)], -1)
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    return np.stack([x, y, z], -1) + np.asarray(offset, np.float64)[..., None] * n


def v_half_width(y: Array) -> Array:
    """Half width of the jacket's V opening at height ``y`` (0 below the apex)."""
    t = np.clip((np.asarray(y) - V_APEX) / (V_TOP - V_APEX), 0.0, 1.0)
    return V_HALF * np.power(t, 0.85)


def torso_weights(piece: Piece, bones: Bones) -> Piece:
    """Skin weights for the jacket and all it carries: arms move only shoulders and sides.

    Plain distance weights would let the arm bones pull the front of the chest (it is as
    near the shoulder as the spine there), dragging lapels and the badge when arms lower.
    """
    x, y = piece.positions[:, 0].astype(np.float64), piece.positions[:, 1].astype(np.float64)
    gain = {}
    for side, s in (("left", 1.0), ("right", -1.0)):
        t = np.clip((s * x - 0.115) / 0.05, 0, 1) * np.clip((y - 1.22) / 0.06, 0, 1)
        for bone in (f"{side}Shoulder", f"{side}UpperArm"):
            gain[bone] = t * t * (3 - 2 * t)
    return bone_weights(piece, bones, gain=gain)


def _grid(x_of: object, y0: float, y1: float, rows: int, cols: int) -> Array:
    """(rows, cols, 2) points: y from y0 to y1, x = x_of(u, y) for u in 0..1 across."""
    y = np.linspace(y0, y1, rows)[:, None] * np.ones((1, cols))
    u = np.ones((rows, 1)) * np.linspace(0.0, 1.0, cols)[None]
    return np.stack([x_of(u, y), y], -1)  # type: ignore[operator]


def _shirt(bones: Bones) -> list[Piece]:
    """The shirt in the V (layer 1), the tie (layer 2) and the collar points (layer 3)."""
    def shirt_x(u: Array, y: Array) -> Array:
        return (2 * u - 1) * (v_half_width(y) + 0.007)

    pieces = [slab("shirt_front", "shirt", torso_surface,
                   _grid(shirt_x, V_APEX - 0.006, V_TOP + 0.006, 14, 9), 0.0022)]

    def tie_x(u: Array, y: Array) -> Array:
        t = (y - (V_APEX + 0.01)) / (V_TOP - V_APEX)
        half = np.where(t < 0.12, 0.016 * np.sqrt(np.clip(t / 0.12, 0, 1)), 0.016 - 0.05 * (t - 0.12) ** 2)
        return (2 * u - 1) * np.maximum(half, 0.0004)

    tie_lift = lambda u: 0.0045 + 0.0015 * np.sin(np.pi * u)  # noqa: E731 - a rounded ridge
    g = _grid(tie_x, V_APEX + 0.01, 1.372, 12, 5)
    pieces.append(slab("tie", "tie", torso_surface, g, tie_lift(g[..., 0] * 0 + np.linspace(0, 1, 5))))

    def knot_x(u: Array, y: Array) -> Array:
        return (2 * u - 1) * (0.0085 + 0.004 * (y - 1.366) / 0.03)

    g = _grid(knot_x, 1.366, 1.397, 5, 5)
    pieces.append(slab("tie_knot", "tie", torso_surface, g, 0.0068 + 0.002 * np.sin(
        np.pi * np.linspace(0, 1, 5))[None]))
    for s in (1.0, -1.0):
        # a collar point: from the neck (top) down to a tip beside the knot
        def wing_x(u: Array, y: Array, s: float = s) -> Array:
            t = (y - 1.352) / (1.398 - 1.352)
            inner = 0.011 + 0.003 * t
            outer = inner + 0.002 + 0.030 * np.sqrt(np.clip(t, 0, 1))
            return s * (inner + u * (outer - inner))

        g = _grid(wing_x, 1.352, 1.398, 6, 5)
        lift = 0.0075 + 0.0025 * np.linspace(0, 1, 6)[:, None] * np.ones((1, 5))
        pieces.append(slab(f"collar_point_{s:+.0f}", "shirt", torso_surface, g, lift))
    return [torso_weights(p, bones) for p in pieces]


def _lapels(bones: Bones) -> list[Piece]:
    """Notched lapels along the V, rolled (higher at the inner edge), layer 4."""
    pieces = []
    for s in (1.0, -1.0):
        def lapel_x(u: Array, y: Array, s: float = s) -> Array:
            v = np.clip((y - V_APEX) / (V_TOP - V_APEX), 0, 1)
            inner = v_half_width(y) - 0.003
            width = 0.006 + 0.040 * np.sin(np.pi * np.clip(v / 1.3, 0, 1)) ** 1.2
            notch = 0.014 * np.exp(-(((v - 0.80) / 0.045) ** 2))
            return s * (inner + u * np.maximum(width - notch, 0.004))

        g = _grid(lapel_x, V_APEX - 0.004, V_TOP + 0.004, 22, 6)
        lift = 0.0098 - 0.0042 * np.linspace(0, 1, 6)[None] * np.ones((22, 1))
        pieces.append(slab(f"lapel_{s:+.0f}", "lapel", torso_surface, g, lift))
    return [torso_weights(p, bones) for p in pieces]


def _badge(bones: Bones) -> list[Piece]:
    """A name badge on the left chest with a coloured emblem, two buttons, pocket flaps."""
    def badge_x(u: Array, y: Array) -> Array:
        return 0.080 + 0.042 * u

    g = _grid(badge_x, 1.192, 1.214, 4, 7)
    badge = slab("badge", "badge", torso_surface, g, 0.0032)
    mark = torso_surface(np.array(0.0885), np.array(1.203), np.array(0.0045))
    emblem = ellipsoid("badge_emblem", "accent", mark, [0.0055, 0.0055, 0.0018], 14, 8)
    pieces = [badge, emblem]
    for k, y in enumerate((1.105, 1.035)):
        c = torso_surface(np.array(0.0), np.array(y), np.array(0.0008))
        pieces.append(ellipsoid(f"button_{k}", "button", c, [0.0085, 0.0085, 0.0042], 12, 6))
    for s in (1.0, -1.0):  # hip pocket flaps
        def flap_x(u: Array, y: Array, s: float = s) -> Array:
            return s * (0.062 + 0.060 * u + 0.004 * (y - 1.0) / 0.02)

        g = _grid(flap_x, 0.985, 1.008, 4, 8)
        pieces.append(slab(f"pocket_{s:+.0f}", "lapel", torso_surface, g, 0.003))
    return [torso_weights(p, bones) for p in pieces]


def _collars(neck_bones: Bones, torso_bones: Bones) -> list[Piece]:
    """Shirt collar band round the neck and the jacket collar behind it."""
    c = np.array([[0.0, 1.388, -0.007], [0.0, 1.412, -0.007], [0.0, 1.428, -0.007]])
    r = np.array([[0.052, 0.050], [0.047, 0.046], [0.0445, 0.0435]])
    band = bone_weights(loft("collar_band", "shirt", c, r, "y", 36, 2, cap_depth=0.12), neck_bones)
    # jacket collar: a band swept round the back of the neck, leaning out, ends in front
    beta = np.pi + np.linspace(-2.1, 2.1, 29)
    rise = 0.016 * np.cos((beta - np.pi) / 2.1 * np.pi / 2)
    out = np.stack([np.sin(beta), np.zeros_like(beta), np.cos(beta)], 1)
    path = np.array([0.0, 1.388, -0.010]) + 0.064 * out + rise[:, None] * [0.0, 1.0, 0.0]
    side = np.cos(0.45) * np.array([0.0, 1.0, 0.0]) + np.sin(0.45) * out
    collar = sweep("jacket_collar", "lapel", path, side, np.full(29, 0.019), 0.0042, 12)
    return [band, torso_weights(collar, torso_bones)]


def outfit_pieces(torso_bones: Bones, neck_bones: Bones, pants_bones: Bones) -> list[Piece]:
    """Jacket, pants top and everything worn on the torso, skinned."""
    c = np.stack([np.zeros(len(TORSO_ROWS)), TORSO_ROWS[:, 0], TORSO_ROWS[:, 3]], 1)
    jacket = torso_weights(loft("jacket", "jacket", c, TORSO_ROWS[:, 1:3], "y", 48, 2,
                                cap_depth=0.25), torso_bones)
    rows = np.array([(0.835, 0.100, 0.080), (0.86, 0.128, 0.092), (0.90, 0.138, 0.095),
                     (0.96, 0.126, 0.086)])
    c = np.stack([np.zeros(4), rows[:, 0], np.zeros(4)], 1)
    pants = bone_weights(loft("hips", "pants", c, rows[:, 1:], "y", 28, 2, cap_depth=0.3),
                         pants_bones)
    return ([jacket, pants] + _shirt(torso_bones) + _lapels(torso_bones) + _badge(torso_bones)
            + _collars(neck_bones, torso_bones))
