"""Soft three-point studio lighting shared by the renderers.

A warm key light from the camera's upper left, a cool fill from the right, a rim light
from behind, and a hemispheric ambient (sky above, ground bounce below). Directions point
from the character towards the light, in world axes (the character faces +Z).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _unit(v: tuple[float, float, float]) -> tuple[float, float, float]:
    a = np.asarray(v, np.float64)
    a = a / np.linalg.norm(a)
    return (float(a[0]), float(a[1]), float(a[2]))


@dataclass(frozen=True)
class Light:
    """A directional light: ``direction`` towards the light; linear RGB ``color``."""

    direction: tuple[float, float, float]
    color: tuple[float, float, float]
    intensity: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "direction", _unit(self.direction))

    @property
    def radiance(self) -> tuple[float, float, float]:
        r, g, b = self.color
        return (r * self.intensity, g * self.intensity, b * self.intensity)


@dataclass(frozen=True)
class Lighting:
    """Key/fill/rim lights, hemispheric ambient, exposure and toon banding (0..1)."""

    key: Light = field(default_factory=lambda: Light((-0.55, 0.6, 0.8), (1.0, 0.9, 0.78), 1.5))
    fill: Light = field(default_factory=lambda: Light((0.8, 0.15, 0.6), (0.72, 0.82, 1.0), 0.45))
    rim: Light = field(default_factory=lambda: Light((0.25, 0.7, -0.9), (0.9, 0.95, 1.0), 0.8))
    sky: tuple[float, float, float] = (0.3, 0.32, 0.38)
    ground: tuple[float, float, float] = (0.15, 0.13, 0.12)
    exposure: float = 1.0
    toon: float = 0.3

    @property
    def lights(self) -> tuple[Light, Light, Light]:
        return (self.key, self.fill, self.rim)


def studio_lighting(toon: float = 0.3, exposure: float = 1.0) -> Lighting:
    """The default soft studio look (``toon`` > 0 gives gently banded key shading)."""
    return Lighting(toon=toon, exposure=exposure)
