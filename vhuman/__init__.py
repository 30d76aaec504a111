"""vhuman — an engine for live virtual humans.

The front door for scripts; each name is imported on first use, so ``import vhuman`` stays
cheap::

    import vhuman
    character = vhuman.load_avatar()                      # the built-in host (or a .glb/.vrm path)
    vhuman.render_clip("Welcome to the show!", "hello.mp4", emotion="happy")
    vhuman.run_show("examples/shows/talk_show.yaml", ["out/show.mp4"])
    vhuman.serve()                                        # HTTP/WebSocket API on 127.0.0.1:8000

The packages below follow the data: ``vhuman.dialogue`` (what is said) → ``vhuman.models``
(voice, language and text models) → ``vhuman.animation`` (motion over time) →
``vhuman.avatar`` (the character and its rendering) → ``vhuman.stage`` (live runtime,
outputs, shows, server, CLI).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> "module:attribute", resolved lazily by ``__getattr__``
_FRONT_DOOR: dict[str, str] = {
    "load_avatar": "vhuman.avatar.loader:load_avatar",
    "Character": "vhuman.avatar.character:Character",
    "render_clip": "vhuman.stage.say:render_clip",
    "RenderOptions": "vhuman.stage.say:RenderOptions",
    "load_rundown": "vhuman.stage.show.loader:load_rundown",
    "run_show": "vhuman.stage.show.api:run_show",
    "serve": "vhuman.stage.server.app:serve",
    "create_app": "vhuman.stage.server.app:create_app",
    "Brain": "vhuman.dialogue.brain:Brain",
    "QAEngine": "vhuman.dialogue.qa:QAEngine",
    "load_persona": "vhuman.dialogue.persona:load_persona",
}

__all__ = ["Brain", "Character", "QAEngine", "RenderOptions", "__version__", "create_app",
           "load_avatar", "load_persona", "load_rundown", "render_clip", "run_show", "serve"]

if TYPE_CHECKING:
    from vhuman.avatar.character import Character
    from vhuman.avatar.loader import load_avatar
    from vhuman.dialogue.brain import Brain
    from vhuman.dialogue.persona import load_persona
    from vhuman.dialogue.qa import QAEngine
    from vhuman.stage.say import RenderOptions, render_clip
    from vhuman.stage.server.app import create_app, serve
    from vhuman.stage.show.api import run_show
    from vhuman.stage.show.loader import load_rundown


def __getattr__(name: str) -> Any:
    target = _FRONT_DOOR.get(name)
    if target is None:
        raise AttributeError(f"module 'vhuman' has no attribute {name!r}")
    module_name, _, attribute = target.partition(":")
    value = getattr(importlib.import_module(module_name), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
