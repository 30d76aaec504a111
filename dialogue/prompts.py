"""Building the chat messages for the model: fixed system rules, viewer text as data.

The viewer's message is quoted inside the user turn, with brackets and role markers
neutralized, so it can never pose as a system instruction or close the quote.
"""

from __future__ import annotations

import random
import re

from vhuman.models.llm import LLMMessage

from .language import language_name
from .memory import ViewerRecord
from .persona import Persona

_NEUTRALIZE = re.compile(r"<\|[^|>]*\|>|\[/?(?:inst|sys)\]|\"\"\"", re.I)


def quote_viewer_text(text: str) -> str:
    """Viewer text made safe to embed in a prompt (special tokens and quotes removed)."""
    return _NEUTRALIZE.sub(" ", text).replace("\n", " ").strip()


def build_messages(
    persona: Persona,
    message: str,
    viewer: ViewerRecord | None = None,
    history: list[tuple[str, str]] | None = None,
    show_notes: dict[str, str] | None = None,
    said: str | None = None,
    prefill: bool = True,
    language: str | None = None,
    caller_notes: list[str] | None = None,
) -> list[LLMMessage]:
    """The fixed system prompt + recent turns + per-viewer facts and the quoted message.

    The system message is the persona's alone, the same for every viewer, so a backend
    keeps its KV cache as a prefix; what is known about this viewer, show notes and the
    reply language go into the last user turn. ``said``: what the character has already
    said aloud (an opener). With ``prefill`` it becomes the start of the assistant turn,
    which the model continues; without, the user turn tells the model not to repeat it.
    """
    context = []
    who = viewer.name if viewer is not None and viewer.name else "A viewer"
    if viewer is not None and viewer.name:
        facts = dict(list(viewer.preferences.items())[:5])
        name = facts.pop("name", None)
        if name and name != viewer.name:
            context.append(f"The viewer {viewer.name} said their name is {name}.")
        if facts:
            prefs = ", ".join(f"{k}: {v}" for k, v in facts.items())
            context.append(f"What you know about {viewer.name}: {prefs}.")
    if show_notes:
        notes = "; ".join(f"{k}: {v}" for k, v in list(show_notes.items())[-4:])
        context.append(f"Show notes: {notes}.")
    if caller_notes:
        # An API client's system messages: notes under the persona, never in its place.
        joined = " ".join(quote_viewer_text(n) for n in caller_notes)[:600]
        context.append(f"Notes from the app (stay {persona.name}): {joined}")
    messages: list[LLMMessage] = [{"role": "system", "content": persona.system_prompt()}]
    for role, text in (history or [])[-4:]:
        messages.append({"role": "user" if role == "viewer" else "assistant",
                         "content": quote_viewer_text(text) if role == "viewer" else text})
    content = f"{who} says: {quote_viewer_text(message)}"
    if context:
        content = "(" + " ".join(context) + ")\n" + content
    if language and language != "en":
        content += f"\n(Reply in {language_name(language)}.)"
    if said and not prefill:
        content += f'\n(You have already said: "{said}" Continue from there; do not repeat it.)'
    messages.append({"role": "user", "content": content})
    if said and prefill:
        messages.append({"role": "assistant", "content": said})
    return messages


def fill(template: str, viewer: str | None) -> str:
    """A persona template with ``{viewer}`` filled (or smoothly removed when anonymous)."""
    if viewer:
        return template.replace("{viewer}", viewer)
    text = re.sub(r",?\s*\{viewer\}\s*,?", " ", template)
    text = re.sub(r"\s+([,.!?])", r"\1", re.sub(r"\s+", " ", text)).strip()
    return text[:1].upper() + text[1:]


def pick(options: tuple[str, ...], rng: random.Random) -> str:
    return options[rng.randrange(len(options))]
