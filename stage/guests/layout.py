"""Program layouts with guests: where the host and each guest go in the picture.

- ``host_pip``: the host full frame, guests picture-in-picture (bottom right, stacked up);
- ``side_by_side``: host and guests in equal columns, each filling its column;
- ``guest_pip``: the first guest full frame, the host picture-in-picture (bottom right),
  further guests stacked above it.

With no guest on air every layout is the host alone. Regions are pixel rectangles
``(x, y, w, h)``; index 0 is the host, then the guests in the order they went on air.
A tile is filled *cover*-style (scaled to fill, centre cropped), so a portrait camera in a
landscape tile loses its top and bottom rather than showing bars; a guest without a
picture gets a name card.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from vhuman.models.types import InputError

from .media import resize

LAYOUTS = ("host_pip", "side_by_side", "guest_pip")
PIP_SHARE = 0.32
"""A picture-in-picture tile's width as a share of the program's."""


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]


def check_layout(name: str) -> str:
    if name not in LAYOUTS:
        raise InputError(f"layout must be one of {', '.join(LAYOUTS)}, got {name!r}")
    return name


def _even(v: float) -> int:
    return max(2, int(v) // 2 * 2)


def regions(layout: str, width: int, height: int, guests: int) -> list[Rect]:
    """The host's region then each guest's (``guests`` on air)."""
    check_layout(layout)
    full = Rect(0, 0, width, height)
    if guests <= 0:
        return [full]
    margin = _even(min(width, height) * 0.03)
    pw = _even(width * PIP_SHARE)
    ph = _even(pw * 9 / 16) if width >= height else _even(pw * 4 / 3)
    stack = [Rect(width - margin - pw, height - margin - (i + 1) * ph - i * margin, pw, ph)
             for i in range(guests)]
    if layout == "host_pip":
        return [full, *stack]
    if layout == "guest_pip":
        return [stack[0], full, *stack[1:]]
    cols = guests + 1
    cw = width // cols
    return [Rect(i * cw, 0, cw if i < cols - 1 else width - i * cw, height)
            for i in range(cols)]


def cover(image: np.ndarray, w: int, h: int) -> np.ndarray:
    """``image`` scaled to fill ``w`` x ``h`` and centre cropped (crop first: only what is
    kept is resized)."""
    ih, iw = image.shape[:2]
    scale = max(w / iw, h / ih)
    cw, ch = min(iw, max(1, round(w / scale))), min(ih, max(1, round(h / scale)))
    x0, y0 = (iw - cw) // 2, (ih - ch) // 2
    crop = image[y0:y0 + ch, x0:x0 + cw]
    step = int(1.0 / scale)
    if step >= 2:  # a big reduction: skip pixels first, the filter then has less to read
        crop = crop[::step, ::step]
    return resize(crop, w, h)


@lru_cache(maxsize=32)
def name_card(name: str, role: str, w: int, h: int) -> np.ndarray:
    """A tile for a guest without a picture: initials in a circle and the name."""
    from PIL import Image, ImageDraw, ImageFont

    pic = Image.new("RGB", (w, h), (28, 36, 52))
    draw = ImageDraw.Draw(pic)
    r = max(6, min(w, h) // 5)
    cx, cy = w // 2, int(h * 0.42)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(58, 92, 150))
    initials = "".join(p[0] for p in name.split()[:2]).upper() or "?"
    font = ImageFont.load_default(size=max(8, r))
    tw = draw.textlength(initials, font=font)
    draw.text((cx - tw / 2, cy - r * 0.6), initials, font=font, fill=(240, 244, 250))
    label = f"{name} · {role}"
    small = ImageFont.load_default(size=max(8, h // 12))
    lw = draw.textlength(label, font=small)
    draw.text(((w - lw) / 2, cy + r + max(4, h // 20)), label, font=small, fill=(220, 226, 236))
    return np.asarray(pic)


@lru_cache(maxsize=32)
def _label(name: str, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """A small name strip for the bottom-left of a guest tile (premultiplied, alpha)."""
    from PIL import Image, ImageDraw, ImageFont

    size = max(8, min(h // 9, 22))
    font = ImageFont.load_default(size=size)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    tw = int(probe.textlength(name, font=font)) + size
    strip = Image.new("RGBA", (min(w, tw), int(size * 1.5)), (0, 0, 0, 150))
    ImageDraw.Draw(strip).text((size // 2, size // 6), name, font=font,
                               fill=(255, 255, 255, 255))
    rgba = np.asarray(strip, np.uint8)
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    return rgba[..., :3].astype(np.float32) * alpha, alpha


def tile(image: np.ndarray | None, name: str, role: str, rect: Rect) -> np.ndarray:
    """A guest's tile: their picture (cover) or their name card, with a name strip."""
    from vhuman.stage.picture import blend_patch

    if image is None:
        return name_card(name, role, rect.w, rect.h)
    pic = cover(image, rect.w, rect.h)
    colour, alpha = _label(name, rect.w, rect.h)
    return blend_patch(pic, colour, alpha, rect.h - colour.shape[0] - 2, 2)


class TileCache:
    """Guest tiles made from the same camera picture for the same region are made once:
    cameras send 5-30 pictures a second, the program shows 30."""

    def __init__(self) -> None:
        self._tiles: dict[tuple[str, Rect], tuple[np.ndarray | None, np.ndarray]] = {}

    def get(self, image: np.ndarray | None, name: str, role: str, rect: Rect) -> np.ndarray:
        key = (name, rect)
        hit = self._tiles.get(key)
        if hit is not None and hit[0] is image:
            return hit[1]
        made = tile(image, name, role, rect)
        if len(self._tiles) > 32:
            self._tiles.clear()
        self._tiles[key] = (image, made)
        return made


def compose(host: np.ndarray, layout: str, guests: list[tuple[np.ndarray | None, str, str]],
            border: tuple[int, int, int] = (255, 255, 255),
            cache: TileCache | None = None) -> np.ndarray:
    """The program picture: ``host`` (H, W, 3|4) with ``guests`` ((picture or None, name,
    role), in on-air order) placed by ``layout``. ``cache`` reuses unchanged tiles."""
    height, width = host.shape[:2]
    if not guests:
        return host
    rects = regions(layout, width, height, len(guests))
    out = np.empty_like(host)
    host_rect = rects[0]
    if (host_rect.w, host_rect.h) == (width, height):
        out[...] = host
    else:
        out[..., :3] = 16
        if out.shape[2] == 4:
            out[..., 3] = 255
        out[host_rect.y:host_rect.y + host_rect.h, host_rect.x:host_rect.x + host_rect.w,
            :3] = cover(host[..., :3], host_rect.w, host_rect.h)
    for (image, name, role), rect in zip(guests, rects[1:], strict=True):
        pic = cache.get(image, name, role, rect) if cache is not None else \
            tile(image, name, role, rect)
        out[rect.y:rect.y + rect.h, rect.x:rect.x + rect.w, :3] = pic
        if out.shape[2] == 4:
            out[rect.y:rect.y + rect.h, rect.x:rect.x + rect.w, 3] = 255
    if layout != "side_by_side":
        for rect in rects:  # a thin frame around picture-in-picture tiles
            if (rect.w, rect.h) != (width, height):
                _frame(out, rect, border)
    return out


def _frame(out: np.ndarray, r: Rect, colour: tuple[int, int, int]) -> None:
    c = np.array(colour, np.uint8)
    out[r.y:r.y + 2, r.x:r.x + r.w, :3] = c
    out[r.y + r.h - 2:r.y + r.h, r.x:r.x + r.w, :3] = c
    out[r.y:r.y + r.h, r.x:r.x + 2, :3] = c
    out[r.y:r.y + r.h, r.x + r.w - 2:r.x + r.w, :3] = c


def side_of(layout: str, width: int, height: int, guests: int, index: int = 0) -> float:
    """Where guest ``index`` is on screen horizontally: -1 (left edge) .. 1 (right edge)."""
    if guests <= 0:
        return 0.0
    r = regions(layout, width, height, guests)[1 + index]
    return (r.x + r.w / 2) / width * 2 - 1

