"""On-screen cards drawn into the live picture (a promo product card, a text card).

``show_overlay(card)`` takes the show's card dicts: ``{"type": "product", "name",
"price", "currency", "selling_points": [...], "position": "left"|"right"}``, ``{"type":
"card", "text"}`` or a plain ``{"title", "price"}``. :func:`draw_card` lays one out with
Pillow as an RGBA patch (rounded translucent panel, title, price, bullet points, wrapped
to the frame); :class:`OverlayPainter` caches the patch per card and alpha-composites it
onto each frame in numpy (about a millisecond at 512²), so the card costs nothing to
re-lay out per frame. The same frames go to every output, the card included.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from typing import Any

import numpy as np

from vhuman.models.types import InputError, VhumanError
from vhuman.stage.picture import blend_patch

log = logging.getLogger(__name__)

PANEL = (16, 22, 34, 200)
TITLE = (255, 255, 255, 255)
PRICE = (255, 196, 64, 255)
TEXT = (225, 232, 240, 255)


@lru_cache(maxsize=16)
def _font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def _wrap(draw: Any, text: str, font: Any, width: float) -> list[str]:
    """Greedy word wrap to ``width`` pixels (a word longer than a line gets its own)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and draw.textlength(trial, font=font) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines


def card_fields(card: dict[str, Any]) -> tuple[str, str, list[str]]:
    """(title, price text, body lines) of a card; ``InputError`` for malformed fields."""
    title = str(card.get("name") or card.get("title") or "").strip()
    price = card.get("price")
    price_text = ""
    if price not in (None, ""):
        currency = str(card.get("currency") or "").strip()
        price_text = f"{price} {currency}".strip() if isinstance(price, (int, float)) \
            else str(price).strip()
    points = card.get("selling_points") or []
    if not isinstance(points, (list, tuple)):
        raise InputError("overlay card: selling_points must be a list of strings")
    lines = [str(p).strip() for p in points if str(p).strip()]
    if card.get("text"):
        lines.insert(0, str(card["text"]).strip())
    return title, price_text, lines


def draw_card(card: dict[str, Any], width: int, height: int) -> tuple[np.ndarray, int, int]:
    """``card`` laid out for a ``width`` x ``height`` frame: (RGBA patch, top, left)."""
    try:
        from PIL import Image, ImageDraw
    except ImportError as exc:  # pragma: no cover - pillow ships with the live extra
        raise VhumanError("overlay cards need Pillow: pip install pillow") from exc
    title, price, lines = card_fields(card)
    if not (title or price or lines):
        raise InputError("overlay card has nothing to show (name/title, price, text or "
                         "selling_points)")
    unit = max(10, height // 28)
    pad = unit // 2 + 2
    panel_w = int(width * (0.44 if width >= height else 0.6))
    inner = panel_w - 2 * pad
    canvas = Image.new("RGBA", (panel_w, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    rows: list[tuple[str, Any, tuple[int, ...], int]] = []
    for text in _wrap(draw, title, _font(int(unit * 1.25)), inner)[:3]:
        rows.append((text, _font(int(unit * 1.25)), TITLE, int(unit * 1.5)))
    if price:
        rows.append((price, _font(int(unit * 1.15)), PRICE, int(unit * 1.45)))
    for line in lines[:6]:
        wrapped = _wrap(draw, line, _font(unit), inner - unit)
        for i, text in enumerate(wrapped[:3]):
            rows.append((("• " if i == 0 else "  ") + text, _font(unit), TEXT, int(unit * 1.3)))
    panel_h = min(height - 2 * pad, 2 * pad + sum(r[3] for r in rows))
    draw.rounded_rectangle((0, 0, panel_w - 1, panel_h - 1), radius=unit // 2, fill=PANEL)
    y = pad
    for text, font, colour, step in rows:
        if y + step > panel_h - pad // 2:
            break  # the card is taller than the frame: cut rather than overflow
        draw.text((pad, y), text, font=font, fill=colour)
        y += step
    patch = np.asarray(canvas, np.uint8)[:panel_h].copy()
    margin = max(4, width // 40)
    left = margin if str(card.get("position", "right")).lower() == "left" \
        else width - panel_w - margin
    top = height - panel_h - margin
    return patch, max(0, top), max(0, left)


class OverlayPainter:
    """Composites cards onto frames of one size, laying each card out once."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self._key: str | None = None
        self._patch: tuple[np.ndarray, np.ndarray, int, int] | None = None
        self.errors = 0

    def _prepare(self, card: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, int, int] | None:
        key = json.dumps(card, sort_keys=True, default=str)
        if key != self._key:
            self._key = key
            try:
                rgba, top, left = draw_card(card, self.width, self.height)
                alpha = rgba[..., 3:4].astype(np.float32) / 255.0
                self._patch = (rgba[..., :3].astype(np.float32) * alpha, alpha, top, left)
            except (InputError, VhumanError) as exc:
                self.errors += 1
                log.warning("overlay card not drawn: %s", exc)
                self._patch = None
        return self._patch

    def paint(self, image: np.ndarray, card: dict[str, Any] | None) -> np.ndarray:
        """A copy of ``image`` (RGB or RGBA uint8) with ``card`` drawn on it."""
        if not card:
            return image
        prepared = self._prepare(card)
        if prepared is None:
            return image
        colour, alpha, top, left = prepared
        return blend_patch(image, colour, alpha, top, left)
