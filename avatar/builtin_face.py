"""The built-in character's head: skin, eyes, lids, brows, nose and a layered toon mouth.

The face is generated from a small set of parameters (:class:`FaceState`: jaw drop, lip
width/rounding/raise, eyelid edges, brow heights). Every morph target is "the face built
with these parameters minus the neutral face", so visemes and expressions stay consistent
with the geometry and each other.

The mouth is drawn in layers on a plane tangent to the face at the mouth (dark cavity, then
tongue, teeth, lips in front) — the toon-host look — so opening it never needs a hole in the
skin, and the jaw moves skin and mouth together along that plane (nothing pokes through).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vhuman.avatar.builtin_geometry import Piece, ellipsoid, grid_indices, orient_outward

HEAD_CENTER = np.array([0.0, 1.60, 0.0])
HEAD_RADII = np.array([0.115, 0.14, 0.12])
MOUTH_Y = 1.515
MOUTH_HALF_WIDTH = 0.021
EYE_Y = 1.597
EYE_X = 0.047
EYE_RADII = np.array([0.024, 0.030, 0.021])
BROW_Y = 1.648


@dataclass(frozen=True)
class FaceState:
    """Parameters of one face pose (metres / radians); the neutral pose is the default."""

    jaw: float = 0.0  # downward jaw travel at the chin
    width: float = 1.0  # mouth width factor
    upper: float = 0.0005  # upper lip raise above the mouth line
    lower: float = 0.0005  # lower lip drop (besides the jaw); negative tucks it up (FF)
    corners: float = 0.0  # mouth-corner raise (smile > 0, frown < 0)
    round: float = 0.0  # 0 wide .. 1 round (oh/ou)
    pout: float = 0.0  # lip protrusion
    lip_roll: float = 1.0  # lip thickness factor (pressed lips roll in: < 1)
    tongue: float = 0.0  # 0 rests low .. 1 raised to the teeth
    lid_left: float = 0.52  # upper-lid edge elevation (radians on the eyeball); low = closed
    lid_right: float = 0.52
    brow_inner: float = 0.0  # vertical offset of the inner brow ends
    brow_outer: float = 0.0


NEUTRAL = FaceState()
_CLOSED_LID = -0.62

# Viseme and expression poses (Oculus visemes; see vhuman.animation.vocabulary.VISEMES).
FACE_SHAPES: dict[str, FaceState] = {
    "viseme_sil": NEUTRAL,
    "viseme_PP": FaceState(upper=0.0, lower=-0.0002, lip_roll=0.65, pout=0.0015, width=0.95),
    "viseme_FF": FaceState(jaw=0.003, upper=0.0025, lower=-0.0045, width=1.0),
    "viseme_TH": FaceState(jaw=0.008, upper=0.0018, lower=0.0015, tongue=1.0),
    "viseme_DD": FaceState(jaw=0.010, upper=0.0015, lower=0.0015, tongue=0.7),
    "viseme_kk": FaceState(jaw=0.013, upper=0.0015, lower=0.0015, width=1.02),
    "viseme_CH": FaceState(jaw=0.006, upper=0.0025, lower=0.0020, width=0.85, round=0.45,
                           pout=0.004),
    "viseme_SS": FaceState(jaw=0.003, upper=0.0025, lower=0.0022, width=1.08, corners=0.001),
    "viseme_nn": FaceState(jaw=0.008, upper=0.0012, lower=0.0012, tongue=0.8),
    "viseme_RR": FaceState(jaw=0.008, upper=0.0018, lower=0.0018, width=0.85, round=0.5,
                           pout=0.003),
    "viseme_aa": FaceState(jaw=0.026, upper=0.0025, lower=0.003, width=1.08),
    "viseme_E": FaceState(jaw=0.012, upper=0.0025, lower=0.0025, width=1.22, corners=0.0015),
    "viseme_ih": FaceState(jaw=0.009, upper=0.002, lower=0.002, width=1.15, corners=0.001),
    "viseme_oh": FaceState(jaw=0.018, upper=0.003, lower=0.003, width=0.72, round=0.9,
                           pout=0.005),
    "viseme_ou": FaceState(jaw=0.006, upper=0.0032, lower=0.0032, width=0.52, round=1.0,
                           pout=0.009),
    "blink": FaceState(lid_left=_CLOSED_LID, lid_right=_CLOSED_LID),
    "blinkLeft": FaceState(lid_left=_CLOSED_LID),
    "blinkRight": FaceState(lid_right=_CLOSED_LID),
    "happy": FaceState(corners=0.005, width=1.12, upper=0.001, lower=0.0035, jaw=0.004,
                       lid_left=0.1, lid_right=0.1, brow_inner=0.004, brow_outer=0.003),
    "sad": FaceState(corners=-0.004, width=0.92, lid_left=0.25, lid_right=0.25,
                     brow_inner=0.008, brow_outer=-0.003),
    "angry": FaceState(corners=-0.003, width=0.9, lid_left=0.22, lid_right=0.22,
                       brow_inner=-0.008, brow_outer=0.002, lip_roll=0.8),
    "surprised": FaceState(jaw=0.014, upper=0.003, lower=0.003, width=0.8, round=0.7,
                           lid_left=0.72, lid_right=0.72, brow_inner=0.011, brow_outer=0.009),
    "relaxed": FaceState(corners=0.002, lid_left=0.08, lid_right=0.08, brow_inner=0.001),
    "browUp": FaceState(brow_inner=0.009, brow_outer=0.008),
    "browDown": FaceState(brow_inner=-0.006, brow_outer=-0.002),
    "smile": FaceState(corners=0.005, width=1.12, upper=0.0008, lower=0.0012),
    "jawOpen": FaceState(jaw=0.03, upper=0.001, lower=0.001),
}


def _taper(dy: np.ndarray) -> np.ndarray:
    """Narrow the lower half of the head towards a soft V chin (toon proportions)."""
    return 1.0 - 0.30 * np.power(np.clip(-dy, 0.0, 1.0), 1.6)


def head_point(theta: np.ndarray, phi: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Point on the head surface at elevation ``theta`` / azimuth ``phi`` (from +Z)."""
    dy = np.sin(theta)
    x = np.cos(theta) * np.sin(phi) * _taper(dy) * HEAD_RADII[0]
    z = np.cos(theta) * np.cos(phi) * HEAD_RADII[2]
    return HEAD_CENTER + scale * np.stack([x, dy * HEAD_RADII[1], z], -1)


def face_z(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Depth of the front of the head at (x, y): the face as a height field."""
    dy = np.clip((y - HEAD_CENTER[1]) / HEAD_RADII[1], -0.999, 0.999)
    ct = np.sqrt(1.0 - dy**2)
    sx = HEAD_RADII[0] * _taper(dy) * ct
    sp = np.clip(x / sx, -0.999, 0.999)
    return HEAD_CENTER[2] + HEAD_RADII[2] * ct * np.sqrt(1.0 - sp**2)


def _on_face(x: np.ndarray, y: np.ndarray, offset: float) -> np.ndarray:
    """Points on the face surface pushed out by ``offset`` along the surface normal."""
    e = 1e-4
    z = face_z(x, y)
    gx = (face_z(x + e, y) - face_z(x - e, y)) / (2 * e)
    gy = (face_z(x, y + e) - face_z(x, y - e)) / (2 * e)
    n = np.stack([-gx, -gy, np.ones_like(z)], -1)
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    return np.stack([x, y, z], -1) + offset * n


_SLOPE = float((face_z(np.array(0.0), np.array(MOUTH_Y + 1e-4))
                - face_z(np.array(0.0), np.array(MOUTH_Y - 1e-4))) / 2e-4)


def _mouth_plane(x: np.ndarray, y: np.ndarray, offset: float) -> np.ndarray:
    """Points on the plane tangent (vertically) to the face along the mouth line."""
    z = face_z(x, np.full_like(x, MOUTH_Y)) + _SLOPE * (y - MOUTH_Y) + offset
    return np.stack([x, y, z], -1)


def _band(x: np.ndarray, bottom: np.ndarray, top: np.ndarray, rows: int) -> np.ndarray:
    """(rows, U, 2) grid between two curves sampled at the same x."""
    s = np.linspace(0.0, 1.0, rows)[:, None]
    y = bottom[None] + s * (top - bottom)[None]
    return np.stack([np.broadcast_to(x, y.shape), y], -1)


def mouth_layers(st: FaceState, cols: int = 29) -> dict[str, np.ndarray]:
    """2D-then-3D vertex grids of the mouth layers for one face state."""
    u = np.linspace(-1.0, 1.0, cols)
    wide = np.power(np.clip(1 - u**4, 0, 1), 0.7)
    circle = np.sqrt(np.clip(1 - u**2, 0, 1))
    f = (1 - st.round) * wide + st.round * circle
    half = MOUTH_HALF_WIDTH * st.width
    x = half * u * (1.0 - 0.15 * st.round * (1 - circle))
    line = MOUTH_Y + st.corners * u**2
    jaw_profile = np.power(np.clip(1 - u**2, 0, 1), 0.6)
    top_in = line + st.upper * f
    bot_in = line - st.lower * f - st.jaw * jaw_profile
    bot_in = np.minimum(bot_in, top_in)
    lip_t = (0.6 + 0.4 * circle) * st.lip_roll
    top_out = top_in + 0.0042 * lip_t + 0.0008 * st.round * circle
    bot_out = bot_in - 0.0052 * lip_t - 0.0008 * st.round * circle
    opening = top_in - bot_in
    teeth_top = np.minimum(top_in, line + 0.006)
    teeth_bot = np.clip(line - 0.0012, bot_in, teeth_top)
    low_top = np.clip(line - st.jaw * jaw_profile - 0.0008, bot_in, top_in)
    low_bot = np.clip(line - st.jaw * jaw_profile - 0.0045, bot_in, low_top)
    tongue_top = np.minimum(bot_in + opening * (0.3 + 0.55 * st.tongue), top_in)
    inner = np.abs(u) < 0.8
    pout = st.pout * circle

    def layer(bottom: np.ndarray, top: np.ndarray, rows: int, off: float, lip: bool) -> np.ndarray:
        g = _band(x, bottom, top, rows)
        p = _mouth_plane(g[..., 0], g[..., 1], off)
        s = np.linspace(0, 1, rows)[:, None]
        fade = (1 - s) if lip else 0.6 * np.ones_like(s)
        p[..., 2] += pout[None] * fade
        return p

    def squeeze(y: np.ndarray, ref: np.ndarray) -> np.ndarray:
        return np.where(inner, y, ref)  # corners collapse: teeth/tongue stay inside

    return {
        "cavity": layer(bot_in, top_in, 7, 0.0008, False),
        "tongue": layer(bot_in, squeeze(tongue_top, bot_in), 4, 0.0013, False),
        "teeth": np.concatenate([
            layer(teeth_bot, squeeze(teeth_top, teeth_bot), 3, 0.0018, False),
            layer(low_bot, squeeze(low_top, low_bot), 3, 0.0018, False),
        ]),
        "lips": np.concatenate([
            layer(top_in, top_out, 5, 0.0024, True),
            layer(bot_in, bot_out, 5, 0.0024, True),
        ]),
    }


def _grid_tris(grid: np.ndarray, blocks: int = 1) -> np.ndarray:
    """Triangles of ``blocks`` stacked (rows, cols) grids, facing +Z."""
    rows, cols = grid.shape[0] // blocks, grid.shape[1]
    tris = [grid_indices(rows, cols, offset=b * rows * cols) for b in range(blocks)]
    out = np.concatenate(tris)
    p = grid.reshape(-1, 3)
    return orient_outward(p, out, p[out].mean(axis=1) - np.array([0, 0, 1.0]))


def _eye_dir(h: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.stack([np.cos(v) * np.sin(h), np.sin(v), np.cos(v) * np.cos(h)], -1)


def eye_center(side: float) -> np.ndarray:
    """Rest position of an eye joint (side +1 = character's left, +X)."""
    x = side * EYE_X
    z = float(face_z(np.array(x), np.array(EYE_Y))) - EYE_RADII[2] + 0.0045
    return np.array([x, EYE_Y, z])


def _disc(center_h: float, center_v: float, rh: float, rv: float, rings: int, seg: int
          ) -> tuple[np.ndarray, np.ndarray]:
    """Angles (h, v) of a polar patch plus its triangles (centre vertex first)."""
    r = np.linspace(0, 1, rings + 1)[1:]
    a = np.linspace(0, 2 * np.pi, seg, endpoint=False)
    rr, aa = np.meshgrid(r, a, indexing="ij")
    h = np.concatenate([[center_h], (center_h + rh * rr * np.cos(aa)).ravel()])
    v = np.concatenate([[center_v], (center_v + rv * rr * np.sin(aa)).ravel()])
    i = np.arange(seg)
    tris = [np.stack([np.zeros(seg, int), 1 + i, 1 + (i + 1) % seg], 1)]
    tris.append(grid_indices(rings, seg, wrap=True, offset=1))
    return np.stack([h, v], -1), np.concatenate(tris)


def eye_pieces(side: float) -> list[Piece]:
    """Eyeball, iris, pupil and highlights of one eye, rigid on its eye joint."""
    c = eye_center(side)
    joint = "leftEye" if side > 0 else "rightEye"
    pieces = [ellipsoid(f"{joint}_white", "eye_white", c, EYE_RADII, 22, 12)]
    specs = [("iris", 0.0, 0.0, 0.52, 0.58, 1.004), ("pupil", 0.0, -0.04, 0.22, 0.27, 1.008),
             ("highlight", 0.2 * side, 0.26, 0.10, 0.11, 1.012),
             ("highlight", -0.14 * side, -0.22, 0.05, 0.05, 1.012)]
    for mat, h0, v0, rh, rv, scale in specs:
        hv, tris = _disc(h0, v0, rh, rv, 5 if mat == "iris" else 3, 24)
        p = c + scale * EYE_RADII * _eye_dir(hv[:, 0], hv[:, 1])
        tris = orient_outward(p, tris, np.broadcast_to(c, (len(tris), 3)))
        pieces.append(Piece(f"{joint}_{mat}", mat, p.astype(np.float32), tris))
    return [p.bind_rigid(joint) for p in pieces]


def _lid(side: float, edge: float, cols: int = 25, rows: int = 9) -> dict[str, np.ndarray]:
    c = eye_center(side)
    h = np.linspace(-1.25, 1.25, cols)
    e = edge - 0.10 * (h / 1.25) ** 2 + 0.03 * side * h
    t = np.linspace(0, 1, rows)[:, None]
    v = 1.35 + t * (e[None] - 1.35)
    lid = c + 1.16 * EYE_RADII * _eye_dir(np.broadcast_to(h, v.shape), v)
    lv = e[None] + np.linspace(0, 1, 4)[:, None] * (0.17 + 0.06 * np.clip(side * h, 0, None))
    lash = c + 1.175 * EYE_RADII * _eye_dir(np.broadcast_to(h, lv.shape), lv)
    return {"lid": lid, "lash": lash}


def _brow(side: float, st: FaceState, cols: int = 14) -> np.ndarray:
    u = np.linspace(0, 1, cols)
    x = side * (0.017 + 0.068 * u)
    y = BROW_Y + 0.010 * np.sin(np.pi * (0.15 + 0.8 * u)) + st.brow_inner * (1 - u)
    y = y + st.brow_outer * u
    t = 0.0052 * (1.0 - 0.55 * u)
    g = _band(x, y - t / 2, y + t / 2, 3)
    return _on_face(g[..., 0], g[..., 1], 0.0022)


def _skin(st: FaceState, lat: int = 44, lon: int = 64) -> np.ndarray:
    theta = np.linspace(-np.pi / 2, np.pi / 2, lat + 1)[1:-1]
    phi = np.linspace(-np.pi, np.pi, lon, endpoint=False)
    th, ph = np.meshgrid(theta, phi, indexing="ij")
    p = head_point(th, ph).reshape(-1, 3)
    below = np.clip((MOUTH_Y - 0.003 - p[:, 1]) / 0.014, 0, 1)
    attach = below**2 * (3 - 2 * below) * np.exp(-((p[:, 0] / 0.06) ** 4))
    attach *= np.clip((p[:, 2] - 0.0) / 0.04, 0, 1)
    p = p + st.jaw * attach[:, None] * np.array([0.0, -1.0, -_SLOPE])
    poles = np.array([head_point(np.array(-np.pi / 2), np.array(0.0)),
                      head_point(np.array(np.pi / 2), np.array(0.0))])
    return np.concatenate([p, poles])


def _skin_tris(lat: int = 44, lon: int = 64) -> np.ndarray:
    rows = lat - 1
    i = np.arange(lon)
    bp, tp = rows * lon, rows * lon + 1
    last = (rows - 1) * lon
    tris = np.concatenate([grid_indices(rows, lon, wrap=True),
                           np.stack([np.full(lon, bp), i, (i + 1) % lon], 1),
                           np.stack([np.full(lon, tp), last + (i + 1) % lon, last + i], 1)])
    p = _skin(NEUTRAL)
    return orient_outward(p, tris, np.broadcast_to(HEAD_CENTER, (len(tris), 3)))


def _face_geometry(st: FaceState) -> dict[str, np.ndarray]:
    """All morphable face vertices for one state, keyed by piece name."""
    out = {"skin": _skin(st)}
    for name, grid in mouth_layers(st).items():
        out[name] = grid.reshape(-1, 3)
    for side, label, edge in ((1.0, "left", st.lid_left), (-1.0, "right", st.lid_right)):
        lid = _lid(side, edge)
        out[f"lid_{label}"] = lid["lid"].reshape(-1, 3)
        out[f"lash_{label}"] = lid["lash"].reshape(-1, 3)
        out[f"brow_{label}"] = _brow(side, st).reshape(-1, 3)
    return out


_MATERIAL = {"skin": "skin", "cavity": "mouth", "tongue": "tongue", "teeth": "teeth",
             "lips": "lips", "lid_left": "skin", "lid_right": "skin", "lash_left": "lash",
             "lash_right": "lash", "brow_left": "hair_dark", "brow_right": "hair_dark"}


def face_pieces() -> list[Piece]:
    """Morphing face pieces (rigid on ``head``) with one morph per entry of FACE_SHAPES."""
    base = _face_geometry(NEUTRAL)
    states = {name: _face_geometry(st) for name, st in FACE_SHAPES.items()}
    grids = mouth_layers(NEUTRAL)
    shapes = {"cavity": (grids["cavity"], 1), "tongue": (grids["tongue"], 1),
              "teeth": (grids["teeth"], 2), "lips": (grids["lips"], 2)}
    lid = _lid(1.0, NEUTRAL.lid_left)
    pieces = []
    for name, pos in base.items():
        if name == "skin":
            tris = _skin_tris()
        elif name in shapes:
            tris = _grid_tris(shapes[name][0], shapes[name][1])
        elif name.startswith(("lid", "lash")):
            side = 1.0 if name.endswith("left") else -1.0
            grid = lid["lid" if name.startswith("lid") else "lash"]
            tris = grid_indices(grid.shape[0], grid.shape[1])
            tris = orient_outward(pos, tris, np.broadcast_to(eye_center(side), (len(tris), 3)))
        else:
            grid = _brow(1.0, NEUTRAL)
            tris = grid_indices(grid.shape[0], grid.shape[1])
            tris = orient_outward(pos, tris, pos[tris].mean(axis=1) - np.array([0, 0, 1.0]))
        morphs = {m: (g[name] - pos).astype(np.float32) for m, g in states.items()}
        morphs = {m: d for m, d in morphs.items() if np.abs(d).max() > 1e-7}
        piece = Piece(f"face_{name}", _MATERIAL[name], pos.astype(np.float32), tris,
                      morphs=morphs)
        pieces.append(piece.bind_rigid("head"))
    return pieces


def static_face_pieces() -> list[Piece]:
    """Nose and blush: head-bound parts of the face without morphs (hair: builtin_hair)."""
    nose_y = 1.556
    nose = ellipsoid("nose", "skin", [0, nose_y, float(face_z(np.array(0.0),
                     np.array(nose_y))) - 0.004], [0.0075, 0.010, 0.009], 16, 10)
    pieces = [nose]
    for side in (1.0, -1.0):
        hv, tris = _disc(0.0, 0.0, 1.0, 1.0, 3, 20)
        x = side * 0.064 + 0.017 * hv[:, 0]
        y = 1.562 + 0.009 * hv[:, 1]
        p = _on_face(x, y, 0.0009)
        tris = orient_outward(p, tris, p[tris].mean(axis=1) - np.array([0, 0, 1.0]))
        pieces.append(Piece(f"blush_{side:+.0f}", "blush", p.astype(np.float32), tris))
    return [p.bind_rigid("head") for p in pieces]
