"""Languages in dialogue: detection (see :mod:`models.text.language`) and short lines
for replying in the viewer's language."""

from __future__ import annotations

from vhuman.models.text.language import LANGUAGE_NAMES, detect_language, language_name

__all__ = ["ENGLISH_NOTICE", "LANGUAGE_NAMES", "OPENERS", "detect_language", "language_name"]

# Instant acknowledgements in other languages, by message kind (see dialogue.opener).
OPENERS: dict[str, dict[str, tuple[str, ...]]] = {
    "es": {
        "question": ("¡Buena pregunta, {viewer}!", "Mmm, déjame pensar, {viewer}."),
        "request": ("¡Vale, {viewer}, allá voy!", "¡Claro que sí, {viewer}!"),
        "sympathy": ("Ay, {viewer}, lo siento mucho.", "Oh, {viewer}, te mando un abrazo."),
        "abusive": ("Vaya, {viewer}.", "Entendido, {viewer}."),
        "praise": ("¡Gracias, {viewer}, qué amable!", "¡Ay, {viewer}, me alegras el día!"),
        "excited": ("¡Qué emoción, {viewer}!",),
        "chat": ("¡Hola, {viewer}!", "¡Qué bien, {viewer}!"),
    },
    "zh": {
        "question": ("好问题，{viewer}！", "嗯，让我想想，{viewer}。"),
        "request": ("好的，{viewer}，马上来！",),
        "sympathy": ("哎，{viewer}，我很难过听到这个。", "{viewer}，给你一个大大的拥抱。"),
        "abusive": ("好吧，{viewer}。",),
        "praise": ("谢谢你，{viewer}，你真好！",),
        "excited": ("太棒了，{viewer}！",),
        "chat": ("你好，{viewer}！",),
    },
    "fr": {
        "question": ("Bonne question, {viewer} !",),
        "request": ("D'accord, {viewer} !",),
        "sympathy": ("Oh, {viewer}, je suis désolée.",),
        "abusive": ("Bon, {viewer}.",),
        "praise": ("Merci, {viewer}, c'est gentil !",),
        "excited": ("Génial, {viewer} !",),
        "chat": ("Salut, {viewer} !",),
    },
    "de": {
        "question": ("Gute Frage, {viewer}!",),
        "request": ("Okay, {viewer}, los geht's!",),
        "sympathy": ("Oh, {viewer}, das tut mir leid.",),
        "abusive": ("Na gut, {viewer}.",),
        "praise": ("Danke, {viewer}, wie lieb!",),
        "excited": ("Super, {viewer}!",),
        "chat": ("Hallo, {viewer}!",),
    },
}

# Said when the character cannot answer in the viewer's language (no model or voice for
# it): in that language, so the viewer knows an English answer follows.
ENGLISH_NOTICE: dict[str, str] = {
    "es": "¡Hola {viewer}! Te respondo en inglés.",
    "zh": "你好{viewer}！我用英语回答你。",
    "fr": "Salut {viewer} ! Je te réponds en anglais.",
    "de": "Hallo {viewer}! Ich antworte auf Englisch.",
    "pt": "Olá {viewer}! Vou responder em inglês.",
    "it": "Ciao {viewer}! Ti rispondo in inglese.",
    "ja": "{viewer}さん、英語で答えますね。",
    "ko": "{viewer}님, 영어로 대답할게요.",
    "ru": "Привет, {viewer}! Я отвечу по-английски.",
}
