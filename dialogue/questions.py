"""What a viewer message asks: a question, a follow-up, "what's my name?", or a fact about
the world (which only the show's knowledge may answer)."""

from __future__ import annotations

import re

from .bm25 import STOPWORDS

QUESTION = re.compile(r"\?\s*$|^(who|what|when|where|which|how|is|are|does|do|can)\b", re.I)
ASK_NAME = re.compile(
    r"\b(what'?s|what is|do you (know|remember)|remember|tell me) my name\b|\bwho am i\b|"
    r"¿?cómo me llamo|(recuerdas|te acuerdas de|sabes) mi nombre|我叫什么|记得我的名字", re.I)
FOLLOW_UP = re.compile(r"\b(?:it|there|that|then|and|what time|where)\b|^\W*\w+(?:\s+\w+)?\W*$|"
                       r"\b(?:y|eso|allí|ahí)\b|那|它|呢", re.I)
_ABOUT_SOMEONE = re.compile(
    r"\b(?:you|your|yourself|me|my)\b|\b(?:what|who|where) (?:do|did|am) i\b|"
    r"\b(?:tú|tu|te|ti|usted|mi|me|estás|eres|tienes|puedes|sabes|quieres)\b|你",
    re.I)

# A question about the host itself, its taste or what it can do ("What's your favourite
# winter sport?" was read as the passage about the winter games, "你会滑雪吗？" as the ski
# course): not "can you tell me", "do you know", which ask for the show's facts.
_ABOUT_HOST = re.compile(
    r"\b(?:your|ur) (?:favou?rite|fave|opinion|take|pick)\b|\bwould you rather\b|\bwhat do you think\b|"
    r"\b(?:are|do|did|have|were|would|will|can|could) you\b(?! (?:tell|know|say|show|give|explain|find|"
    r"help|recommend|repeat|please|check|look))|\byour(?:self)?\b|\byou(?:'re| are)\b|"
    r"\btu \w+(?: \w+)? favorit[oa]\b|\bqu[ée] (?:te parece|opinas)\b|"
    r"\b(?:eres|est[áa]s|tienes|te gusta|tu|t[úu])\b|你(?!知道|能告诉|可以告诉|能不能告诉)", re.I)


# "Who will win the final?": nobody knows yet, and no note of the show says.
_PREDICTION = re.compile(
    r"\bwho(?:'s| is)? (?:will|going to|gonna) win\b|\bwill (?:\w+ ){1,4}win\b|\bwho wins\b|"
    r"\bqui[ée]n (?:va a ganar|ganar[áa])\b|谁会赢|谁能赢|会赢吗", re.I)


def asks_prediction(text: str) -> bool:
    """A question about a result not known yet ("who will win?", "¿quién va a ganar?")."""
    return bool(_PREDICTION.search(text))


def about_host(text: str) -> bool:
    """A question about the host itself (its taste, its life, what it can do): small talk
    or the model answer it, and "I don't know" is not "I only know our show"."""
    return bool(_ABOUT_HOST.search(text))


# Words of a question about the show itself (its venues, tickets, schedule, press, travel).
_SHOW = re.compile(
    r"\b(?:tickets?|parking|park|badges?|accreditation|press|media|venues?|seats?|seating|arenas?|stadium|"
    r"slopes?|rink|hall|shuttles?|bus(?:es)?|trains?|schedule|programme|final|ceremony|mascot|merch\w*|"
    r"shop|food|restaurants?|toilets?|entrance|gates?|volunteers?|medals?|games|show|stream|broadcast|"
    r"commentary|booking|refunds?|doors|wifi|cloakroom|lost and found|"
    r"entradas?|aparcamiento|aparcar|acreditaci[óo]n|prensa|sede|estadio|horario|programa|ceremonia|mascota|"
    r"juegos|autob[úu]s|comida|tienda)\b|门票|停车|记者证|场馆|赛程|节目|开幕式|闭幕式|吉祥物|比赛|决赛|媒体",
    re.I)


# Chat around a question ("ok then how many countries are competing? lol"): words the
# documents never hold, which the verifier counts as missing facts.
_LEAD_FILLER = re.compile(
    r"^(?:\W*(?:ok(?:ay)?|so|and|well|hey|hi|hello|yo|vivi|then|alright|lol|haha\w*|btw|um+|uh+|hm+|oh|"
    r"also|but|wait|quick question|one more|another one)\b[\s,!.:-]*)+", re.I)
_TAIL_FILLER = re.compile(r"(?:[\s,]+(?:lol|haha\w*|lmao|pls|please|thanks|thx|vivi|btw)\b\W*)+$", re.I)


def core_question(text: str) -> str:
    """``text`` without the chat before and after its question ("ok then", "lol", "vivi");
    the text itself when nothing would be left."""
    core = _TAIL_FILLER.sub("", _LEAD_FILLER.sub("", text)).strip()
    if core and not re.search(r"[?？]\s*$", core) and re.search(r"[?？]\s*$", text.strip()):
        core += "?"
    return core if re.search(r"\w", core) else text


def about_show(text: str) -> bool:
    """A question about the show itself (tickets, venues, press, travel, schedule): one the
    show's notes should answer, so "I don't know" is said in the show's terms."""
    return bool(_SHOW.search(text))


def is_factual(text: str) -> bool:
    """A question about the world (not about the host, the viewer or us): its answer must
    come from the show's knowledge."""
    return not _ABOUT_SOMEONE.search(text)


# A word that points back at what was just talked about ("do I need to book it?").
_BACK = re.compile(r"\b(?:it|that|there|them|those|they|this one|that one)\b|^\W*(?:and|so|what about|y|¿y)\b|"
                   r"\b(?:eso|ah[íi]|all[íi]|lo|la)\b|它|那|这个", re.I)
_YES_NO_NEED = re.compile(r"^\W*(?:do|must|should|will) (?:i|we) (?:need to|have to|)\s*|"
                          r"^\W*(?:is it|is that) (?:necessary|required|needed)|^\W*do (?:i|we) need", re.I)
_NEEDS = re.compile(r"\b(?:must|need(?:s|ed)?|required|have to|has to|only)\b", re.I)
_GENERIC = frozenset("need needs know tell get go say want think like please".split())
_SUBJECT_END = re.compile(r"\s(?:at|is|are|in|must|can|has|have|will|was|were|for|on)\s")


# A follow-up that asks only where or when the thing just named happens.
_HAPPENS = frozenset("played play held hold happen happens happening take takes place located hosted staged "
                     "start starts begin begins time day date".split())
_WHERE = re.compile(r"\bwhere\b", re.I)
_WHEN = re.compile(r"\b(?:when|what time|what day)\b", re.I)
_PLACE = re.compile(r"\b(?:in|at) the (?:[A-Z][\w'-]*)(?: [A-Z]?[\w'-]+)*?(?=[,.;]|$| (?:on|at|from|with|and)\b)")
_DATE_SAID = re.compile(r"\bon \d{1,2} [A-Z][a-z]+(?: \d{4})?(?: at \d{1,2}:\d{2})?")


def words_missing(question: str, said: str) -> list[str]:
    """The question's content words that ``said`` does not have (by their first letters)."""
    have = {w[:4] for w in _content(said)}
    return [w for w in _content(question) if w[:4] not in have]


def asks_if_needed(text: str) -> bool:
    """"Do I need to book parking?": a yes/no question about a requirement."""
    return bool(_YES_NO_NEED.search(text))


def is_follow_up(text: str) -> bool:
    """A short message that only makes sense with the question before it ("and where?",
    "do I need to book it?")."""
    words = len(text.split())
    return words <= 3 and bool(FOLLOW_UP.search(text)) or words <= 8 and bool(_BACK.search(text))


def _content(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z]+", text.lower())
            if w not in STOPWORDS and w not in _GENERIC and len(w) > 2]


def follow_up_from(text: str, said: str) -> str | None:
    """The answer to a follow-up (``text``) found in what the host just said from the show's
    knowledge (``said``): the sentence, or its clause, that has the follow-up's words
    ("do I need to book it?" after "Parking ... must be booked in advance for 15 euros per
    day." -> "Yes, parking must be booked in advance for 15 euros per day."). None: not
    there."""
    words = _content(text)
    if set(words) <= _HAPPENS:  # "and where is it played?": the place or time the host just said
        asked = _WHERE.search(text) and _PLACE.search(said) or _WHEN.search(text) and _DATE_SAID.search(said)
        if asked:
            return f"That's {asked.group(0)}."
    if not words:
        return None
    for sentence in re.split(r"(?<=[.!?])\s+", " ".join(said.split())):
        if not all(w[:4] in {x[:4] for x in _content(sentence)} for w in words):
            continue  # the follow-up's words are all in the sentence, if not in one clause
        clauses = [c.strip(" ,.") for c in re.split(r",(?!\d)|\band\b", sentence)]
        if _YES_NO_NEED.search(text):
            need = next((c for c in clauses if _NEEDS.search(c)), None)
            if need is None:
                continue
            subject = _SUBJECT_END.split(sentence, maxsplit=1)[0].strip()
            if need is clauses[0] or len(subject.split()) > 4:
                return f"Yes: {sentence.strip()}"
            return f"Yes, {subject[:1].lower() + subject[1:]} {need}."
        return f"From my notes: {sentence.strip()}"
    return None
