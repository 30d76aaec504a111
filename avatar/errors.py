"""Errors raised while loading avatars: they name the file and what is wrong with it."""

from __future__ import annotations

from vhuman.models.types import InputError


class AvatarError(InputError):
    """An avatar file cannot be used (corrupt, truncated, unsupported, out of limits).

    An :class:`~models.types.InputError` (hence a ``VhumanError``): the message names the
    file and the offending field, e.g. ``host.glb: accessors[3].count: 7 exceeds ...``.
    """
