"""Which language a text is in: a script check plus function words, for short texts.

Chat messages and reply sentences are short ("hola!", "你好"), where statistical detectors
guess wildly; a script check (Han, kana, Hangul, Cyrillic, Arabic...) plus function-word and
accent counts for the Latin-script languages is reliable on them and costs microseconds.
``None`` means "not sure" (an emoji, a name, a number). Used by the dialogue brain (reply
language) and by the voice (which voice can say a sentence).
"""

from __future__ import annotations

import re

LANGUAGE_NAMES: dict[str, str] = {
    "en": "English", "es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese",
    "it": "Italian", "nl": "Dutch", "zh": "Chinese", "ja": "Japanese", "ko": "Korean",
    "ru": "Russian", "ar": "Arabic", "hi": "Hindi",
}

_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),  # kana first: Japanese also uses Han
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")),
    ("zh", re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
)

_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the a an is are was what who how why when where you your my i me it this "
                    "that do does did can will to of and in on for with have has not so".split()),
    "es": frozenset("el la los las un una es son qué que quién cómo como por cuándo dónde tú "
                    "te mi yo de y en con para muy está estás eres hola gracias sí pero también "
                    "del al se lo le nos hoy mañana buenas buenos me llamo soy estoy tengo "
                    "quiero gusta puedo puedes desde saludos bien mucho muchas nada ahora "
                    "siempre nunca aquí este esta todo todos vamos".split()),
    "fr": frozenset("le la les un une est sont que qui quoi comment pourquoi quand où tu vous "
                    "mon je et en avec pour très bonjour merci oui mais aussi du des au ce".split()),
    "de": frozenset("der die das ein eine ist sind was wer wie warum wann wo du sie mein ich "
                    "und mit für sehr hallo danke ja aber auch nicht ist heute".split()),
    "pt": frozenset("o a os as um uma é são que quem como porque quando onde você meu eu e em "
                    "com para muito olá obrigado obrigada sim mas também não hoje".split()),
    "it": frozenset("il lo la gli le un una è sono che chi come perché quando dove tu mio io e "
                    "con per molto ciao grazie sì ma anche non oggi".split()),
}
_ACCENTS: dict[str, re.Pattern[str]] = {
    "es": re.compile(r"[ñ¿¡]|ción\b|[áéíóú]"),
    "fr": re.compile(r"[çœ]|[èêëàâîôûù]"),
    "de": re.compile(r"[äöüß]"),
    "pt": re.compile(r"[ãõ]|ção\b"),
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language, or None when there is too little to tell."""
    for code, pattern in _SCRIPTS:
        if pattern.search(text):
            return code
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return None
    # a word several languages share ("me", "a", "come") counts for each as a share
    scores: dict[str, float] = {code: 0.0 for code in _FUNCTION_WORDS}
    for w in words:
        owners = [code for code, vocab in _FUNCTION_WORDS.items() if w in vocab]
        for code in owners:
            scores[code] += 1.0 / len(owners)
    for code, pattern in _ACCENTS.items():
        scores[code] = scores.get(code, 0.0) + 1.5 * len(pattern.findall(text.lower()))
    best = max(scores, key=lambda c: scores[c])
    if scores[best] <= 0:
        # No function word: an English-looking ASCII message is English, else unknown.
        return "en" if len(words) >= 2 and text.isascii() else None
    ties = [c for c, v in scores.items() if v == scores[best]]
    if len(ties) > 1:
        return "en" if "en" in ties else None
    return best


def language_name(code: str) -> str:
    """English name of a language code (the code itself when unknown)."""
    return LANGUAGE_NAMES.get(code, code)
