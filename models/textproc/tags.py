"""The one pattern for inline ``[tags]`` in text: ``[happy]``, ``[wave]``, ``[thumbs up]``,
``[sad 0.9]``, ``[pause 300ms]``.

Voice markup, reply tags, rundown lines and gesture cues all read tags with this pattern;
each decides which names it understands. Groups: ``name`` (one or more words),
``value`` (an optional number) and ``unit`` (``ms`` or ``s``).
"""

from __future__ import annotations

import re

TAG_PATTERN = re.compile(
    r"\[\s*(?P<name>[A-Za-z][\w\-]{0,40}(?:[ ][A-Za-z][\w\-]{0,40})*?)"
    r"(?:\s+(?P<value>[0-9.]+)\s*(?P<unit>ms|s)?)?\s*\]")

__all__ = ["TAG_PATTERN"]
