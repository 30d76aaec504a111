"""Small talk the host answers itself, in persona, without the model.

A small model's small talk is the weakest part of a reply ("Oh, nice, Jon!" to a
compliment, "I'd rather not guess" to "Do you like snow?"). :class:`SmallTalk` answers the
kinds of small talk a host hears most with lines that use what the viewer said:

- opinion questions ("What do you think of the snow today?", "How do you like hosting?",
  "¿Qué te parece el programa?", "你觉得下雪怎么样？"): a feeling the persona holds — it
  likes what its show is about — and a question back; never a fact;
- "how are you?" / "¿qué tal tu día?" / "你今天好吗？": how the host feels on the show;
- a viewer saying where they are from, what they love, who they watch with, that it is
  their first time, that they are tired or cold: a warm line that names it, often with a
  question back;
- praise and thanks: thanks that fit them.

Lines exist in English, Spanish and Chinese; each viewer never hears the same line twice in
a row, and the show says each kind's lines in turn (the least recently said first), so the
chat sees them repeat as rarely as possible. Topics the host keeps out of (politics, religion, money, health, loss) get no line:
the brain's other answers handle them.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from vhuman.models.emotion import classify_emotion
from vhuman.models.types import Emotion

from .kinds import RELATIONS_EN, RELATIONS_ES, RELATIONS_ZH, names_bad_news
from .memory import extract_preferences
from .small_talk_lines import LINES

_SENSITIVE = re.compile(
    r"\b(?:politic\w*|president|election|vote|religio\w*|god|church|war|attack|died|death|dead|"
    r"accident|crash|disaster|injur\w*|money|stocks?|invest\w*|crypto\w*|bitcoin|drugs?|sex\w*|"
    r"pol[íi]tic\w*|religi[óo]n|guerra|muerte|dinero|accidente)\b|政治|宗教|战争|死|钱|股票|事故",
    re.I)
# Bad news in an opinion question: "I love it" would be wrong, so the line is left to others.
_BAD_NEWS = re.compile(
    r"\b(?:cancel\w*|postpone\w*|delay\w*|lost|losing|loss|defeat\w*|injur\w*|sick|ill|bad|worst|"
    r"terrible|awful|horrible|scandal\w*|strike|fight\w*|fire|flood\w*|storm|accident\w*|problem\w*|"
    r"cancelad[oa]|suspendid[oa]|perdi\w*|derrota|lesi[óo]n|malo|peor)\b|取消|推迟|输了|受伤|糟糕|最差",
    re.I)
_NOT_OBJECTS = frozenset("it that this them those these him her you me us everything what when where "
                         "which who why how if whether".split())

_HOW_ARE_YOU = re.compile(
    r"^\W*(?:(?:hey|hi|hello|so|and)\W+)?(?:vivi\W+)?(?:how are you(?: doing| today| tonight)?|how're you|"
    r"how(?:'s| is| was) your (?:day|night|evening|show)|how(?:'s| is) it going|how are things)\b|"
    r"qu[ée] tal (?:tu d[íi]a|est[áa]s|te va|tu noche)|c[óo]mo est[áa]s|c[óo]mo te va|c[óo]mo va tu d[íi]a|"
    r"你(?:今天)?(?:好吗|怎么样|过得(?:怎么样|好吗))|今天过得(?:怎么样|好吗)|最近好吗", re.I)
_ABOUT_HOSTING = re.compile(
    r"\b(?:how do you (?:like|feel about) (?:hosting|your job|this job|being (?:a|the) host|the show|this show)|"
    r"do you (?:like|love|enjoy) (?:hosting|your job|this job|being (?:a|the) host)|"
    r"(?:is|do you find) hosting fun|(?:get|ever get|getting) (?:tired|bored|sick) of (?:hosting|your job|the show|this show))\b|"
    r"\b(?:te cansas|te aburres) de presentar|主持(?:会)?累吗|"
    r"te gusta (?:presentar|tu trabajo|ser presentadora)|qu[ée] te parece presentar|"
    r"你喜欢(?:主持|你的工作|当主持人)|主持(?:开心|好玩)吗|你觉得主持怎么样", re.I)
_OPINION_EN = re.compile(
    r"\b(?:what do you think (?:of|about)|how do you (?:like|feel about)|do you (?:like|love|enjoy)|"
    r"are you (?:a fan of|into)|what(?:'s| is) your (?:opinion|take) on|what do you reckon (?:of|about))\s+"
    r"(?P<x>[^?.!]{2,60})", re.I)
_OPINION_ES = re.compile(
    r"\b(?:qu[ée] te (?P<pl>parecen?)|te (?P<pl2>gustan?)|qu[ée] opinas (?:de|sobre)|te encanta[n]?)\s+"
    r"(?P<x>[^?.!¿¡]{2,60})", re.I)
_OPINION_ZH = re.compile(r"你觉得(?P<x>.{1,12}?)(?:怎么样|如何|好吗)|你喜欢(?P<y>.{1,12}?)吗|你怎么看(?P<z>.{1,12}?)[？?]?$")
# "Who is your favourite skater?", "what's your favourite winter sport?": the host names no
# favourite it was not given (the persona lists none; naming a real athlete would be a claim
# about them, and the small model picked "swimming" for a winter host or said "that one's
# beyond me"): it says it loves them all, warmly, and asks the viewer's. "My favourite"
# questions are memory, not this.
_FAVOURITE = re.compile(
    r"\b(?:who|what|which)(?:'s|’s| is| are)? (?:your|ur) (?:all[- ]time )?(?:favou?rite|fave) "
    r"(?P<x>[a-z][a-z -]{1,30}?)\s*(?:[?.!]|$|\b(?:at|in|of|on|this|tonight|so far)\b)|"
    r"\bdo you have a (?:favou?rite|fave) (?P<x2>[a-z][a-z -]{1,30}?)\s*(?:[?.!]|$)|"
    r"\b(?:what|which)(?:'s|’s| is) (?:your|ur) (?:favou?rite|fave)\s*(?:one\s*)?(?:[?.!]|$)|"
    r"\bwhich (?:one )?do you (?:like|love|prefer)(?: (?:the )?(?:most|best|more))?\s*[?.!,]|"
    r"\b(?:which|what) (?P<x3>[a-z][a-z -]{1,30}?) do you (?:like|love|prefer) (?:the )?(?:most|best)\b|"
    r"\b(?:cu[áa]l|qui[ée]n) es tu \w+(?: \w+)? favorit[oa]\b|\btienes (?:un|una) \w+ favorit[oa]\b|"
    r"\bqu[ée] \w+(?: \w+)? te gusta(?:n)? m[áa]s\b|"
    r"你最喜欢的[\u4e00-\u9fff]{1,8}?是(?:谁|什么|哪)|你最喜欢(?:哪个|哪位|哪一个|什么)[\u4e00-\u9fff]{1,8}", re.I)
_PAIR = re.compile(r"(?:^\W*|,\s*)(?P<a>[a-z][\w-]*(?: [a-z][\w-]*)?) or (?P<b>[a-z][\w-]*(?: [a-z][\w-]*)?)\s*[,?]", re.I)
_WHICH = re.compile(
    r"^\W*(?:which|what)\b(?! do you think| is your (?:opinion|take)|'s your (?:opinion|take))|"
    r"\b(?:qu[ée]|cu[áa]l(?:es)?) (?:\w+ )?te gusta|\bte gusta m[áa]s\b|喜欢(?:什么|哪)|什么|哪", re.I)
_FIRST_TIME = re.compile(
    r"\b(?:first time (?:watching|here|tuning in|on the stream|seeing (?:the|this|your) show)|"
    r"(?:just|only) found (?:the|this|your) (?:show|stream)|new here)\b|"
    r"primera vez (?:que veo|viendo|aqu[íi])|soy nuev[oa] aqu[íi]|第一次(?:看|来)", re.I)
_WITH_PERSON = re.compile(
    r"\bwatching with my (?P<rel>mom|mum|mother|dad|father|sister|brother|son|daughter|friend|wife|husband|"
    r"grandma|grandpa|kids?|family|boyfriend|girlfriend)(?:\s+(?P<name>[A-ZÀ-Ý][\w'-]+))?")
# "watching from a cabin in Norway with my dad": where, and with whom.
_FROM_WITH = re.compile(
    r"\b(?:watching|tuning in|here|streaming this) from (?P<place>[^,.!?]{3,40}?)\s+with my (?P<rel>" + RELATIONS_EN + r")\b",
    re.I)
_FROM_WITH_ES = re.compile(
    r"\b(?:viendo|veo|te veo|os veo|vemos) (?:el programa |esto )?desde (?P<place>[^,.!?¡¿]{3,40}?)\s+"
    r"con mi (?P<rel>" + RELATIONS_ES + r")\b", re.I)
_FROM_WITH_ZH = re.compile(r"我和(?P<rel>" + RELATIONS_ZH + r")(?:在|从)(?P<place>[\u4e00-\u9fff]{2,12}?)(?:看|一起看)")
# A viewer upset with the judging or a result ("the judges were unfair to the Japanese
# skater", "do you think she should have won?"): heard, and no side taken (never "Oh, nice!",
# a hug as for bad news, or the model's verdict).
_GRIEVANCE = re.compile(
    r"(?=.*\b(?:judg(?:es|ing|ed)|referees?|refs?|umpires?|officials?|scor(?:es|ed|ing)|decisions?|calls?|"
    r"results?|jury|var|medal|gold|silver|won|win|lost|deserved?)\b)"
    r"(?=.*\b(?:unfair|robbed|robbery|rigged|biased|blind|disgrace\w*|scandal\w*|corrupt|wrong|terrible|"
    r"awful|joke|deserved?|should(?:'ve| have) (?:won|gotten|got|been)|disappoint\w*)\b)|"
    r"(?=.*\b(?:jueces|[áa]rbitros?|jurado|resultado|decisi[óo]n|medalla|oro|gan[óa]r?)\b)"
    r"(?=.*\b(?:injust[oa]s?|injusticia|robo|rob[óo]|amaña\w*|vergüenza|merec[íi]a|deber[íi]a haber ganado)\b)|"
    r"(?=.*(?:裁判|评委|判罚|打分|金牌|冠军))(?=.*(?:不公平|黑哨|偏心|不公正|应该赢|该赢|太差))", re.I | re.S)
# "my brother competes in the ski jump tomorrow": good luck to them.
_ROOTING = re.compile(
    r"\bmy (?P<rel>" + RELATIONS_EN + r")(?:'s| is)? (?:competes|competing|compete|racing|races|skates|skating|"
    r"jumps|jumping|plays|playing|in the (?:final|race|team)|on the team|representing)\b|"
    r"\bmi (?P<rel_es>" + RELATIONS_ES + r") (?:compite|corre|patina|salta|juega|est[áa] en la final)\b|"
    r"我(?P<rel_zh>" + RELATIONS_ZH + r")(?:今天|明天|今晚)?(?:要)?(?:参加|比赛|参赛|上场|出战)", re.I)
_NERVOUS = re.compile(r"\b(?:nervous|nerves|anxious|scared|worried|nervios[oa]?|nerviosismo)\b|紧张|担心", re.I)
_MALE = {"dad", "father", "brother", "son", "grandpa", "grandfather", "husband", "boyfriend", "uncle"}
_FEMALE = {"mom", "mum", "mother", "sister", "daughter", "grandma", "grandmother", "wife", "girlfriend", "aunt"}
_MALE_ES = {"padre", "papá", "papa", "hermano", "hijo", "abuelo", "novio", "marido", "tío", "tio", "primo", "amigo"}
_FEMALE_ES = {"madre", "mamá", "mama", "hermana", "hija", "abuela", "novia", "mujer", "tía", "tia", "prima", "amiga"}
_REL_ES = {"dad": "padre", "father": "padre", "mom": "madre", "mum": "madre", "mother": "madre",
           "brother": "hermano", "sister": "hermana", "son": "hijo", "daughter": "hija", "grandpa": "abuelo",
           "grandma": "abuela", "wife": "mujer", "husband": "marido", "friend": "amigo"}
# "he loves ski jumping" (about the person the viewer named), "a mi padre le encanta el esquí", "他很喜欢跳台滑雪"
_THEIR_LIKES = re.compile(
    r"^\W*(?:(?P<p>he|she)|my (?P<rel>" + RELATIONS_EN + r"))(?:'s| is)? (?:really |absolutely |totally )?"
    r"(?:loves?|likes?|adores?|is (?:a )?(?:big |huge )?fan of|is (?:really )?into|is crazy about)\s+(?P<x>[^.,!?]{2,40})",
    re.I)
_THEIR_LIKES_ES = re.compile(
    r"^\W*(?:a (?:[ée]l|ella|mi (?P<rel>" + RELATIONS_ES + r")) )?le (?:encanta|gusta|gustan|encantan) (?:mucho )?(?P<x>[^.,!?¡¿]{2,40})",
    re.I)
_THEIR_LIKES_ZH = re.compile(r"^(?:他|她|我(?P<rel>" + RELATIONS_ZH + r"))(?:很|最|超|特别)?(?:喜欢|爱)(?P<x>[\u4e00-\u9fff]{1,8})")
_SAYS_HI = re.compile(
    r"^\W*(?:(?P<p>he|she|they)|my (?P<rel>" + RELATIONS_EN + r"))(?: also| too)? says? (?:hi|hello|hey)\b|"
    r"^\W*(?:(?:[ée]l|ella)|mi (?P<rel_es>" + RELATIONS_ES + r"))? ?(?:te )?(?:saluda|manda (?:un )?saludos?)|"
    r"^(?:他|她|我(?P<rel_zh>" + RELATIONS_ZH + r"))(?:也)?(?:向你|跟你)?(?:问好|说你好|打招呼)", re.I)
_LIKES_ES = re.compile(r"\bme (?:encanta|encantan|gusta|gustan) (?:mucho )?(?P<x>[^.,!?¡¿]{2,40})", re.I)
_LIKES_ZH = re.compile(r"我(?:很|最|超|特别)?(?:喜欢|爱)(?P<x>[\u4e00-\u9fff]{1,8}?)(?:[，。！!,.]|$)")
_TIRED = re.compile(
    r"\b(?:tired|exhausted|worn out|sleepy|knackered|long day|long shift|night shift|cansad[oa]s?|agotad[oa]s?|"
    r"d[íi]a (?:tan )?largo)\b|累|困|加班", re.I)
# A small accident at home ("my cat just knocked over my hot chocolate haha"): "Oh no", never
# "Yay!" (the model's answer) or "nice"; an injury is not this.
_MISHAP = re.compile(
    r"\b(?:knocked (?:over|down)|spill(?:ed|t)|dropped|broke|burn(?:ed|t)|tripped|slipped|fell (?:off|over|asleep)|"
    r"locked (?:myself )?out|forgot (?:my|the)|missed (?:the|my) (?:bus|train|start|goal)|"
    r"se me (?:cay[óo]|rompi[óo]|derram[óo]|olvid[óo])|tir[óo] (?:mi|el|la)|derram[ée])\b|"
    r"打翻|洒了|摔(?:坏|碎)|弄坏|忘带", re.I)
_MINE = re.compile(r"\b(?:i|i'm|my|me|we|our|mi|mis)\b|\bse me\b|我", re.I)  # the viewer's own, not the goalie's
_INJURY = re.compile(
    r"\b(?:arm|leg|wrist|ankle|knee|hip|bone|head|back|finger|hurt|injur\w*|hospital|blood|bleeding|"
    r"brazo|pierna|tobillo|hueso|herid[oa]|sangre)\b|骨折|受伤|流血|医院", re.I)
_COLD = re.compile(r"\b(?:cold|freezing|chilly|fr[íi]o|helad[oa])\b|好冷|太冷|冷死", re.I)
_FUNNY = re.compile(r"\b(?:funn\w*|hilarious|jokes?|laugh\w*|divertid[oa]|graciosa?)\b|好笑|搞笑|有趣", re.I)
_SINGING = re.compile(r"\b(?:sing\w*|song|voice|cant\w*|canci[óo]n|voz)\b|唱|歌|声音", re.I)

_STYLE: dict[str, tuple[Emotion, float, list[str]]] = {
    "how_are_you": (Emotion.HAPPY, 0.6, ["wave"]),
    "praise": (Emotion.HAPPY, 0.7, ["heart"]),
    "thanks": (Emotion.HAPPY, 0.6, ["bow"]),
    "city": (Emotion.HAPPY, 0.6, ["wave"]),
    "first_time": (Emotion.HAPPY, 0.7, ["wave"]),
    "with_person": (Emotion.HAPPY, 0.6, ["wave"]),
    "place": (Emotion.HAPPY, 0.7, ["wave"]),
    "their": (Emotion.HAPPY, 0.6, ["nod"]),
    "says": (Emotion.HAPPY, 0.6, ["wave"]),
    "name": (Emotion.HAPPY, 0.7, ["wave"]),
    "birthday": (Emotion.EXCITED, 0.8, ["cheer"]),
    "tired": (Emotion.CALM, 0.4, ["nod"]),
    "cold": (Emotion.CALM, 0.4, ["nod"]),
    "mishap": (Emotion.SURPRISED, 0.5, ["shrug"]),
    "grievance": (Emotion.CALM, 0.4, ["nod"]),
    "rooting": (Emotion.EXCITED, 0.6, ["cheer"]),
}


@dataclass
class SmallTalkLine:
    """A line of small talk: text, its kind (``opinion``, ``city``, ``praise``...), emotion,
    intensity and gestures."""

    text: str
    kind: str
    emotion: Emotion = Emotion.HAPPY
    intensity: float = 0.6
    tags: list[str] = field(default_factory=list)


def _clean_object(raw: str) -> str:
    """The thing asked about, as the host says it back ("my hat" -> "your hat")."""
    words = re.sub(r"\s+", " ", raw).strip(" ,;:'\"").split()
    while words and words[-1].lower() in ("today", "tonight", "now", "so", "far", "vivi", "then", "here",
                                             "lol", "haha", "lmao", "btw", "please", "pls", "tho", "though"):
        words.pop()
    if words and words[0].lower() == "to":
        words.pop(0)  # "do you like to dance" -> "dance"
    swap = {"my": "your", "i": "you", "me": "you", "our": "your"}
    return " ".join(swap.get(w.lower(), w) for w in words)


class SmallTalk:
    """Picks small-talk lines; remembers each viewer's last one so it is never said twice
    in a row to them, and when the show last said each line, to anyone: the least recent
    goes first."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng or random.Random(0)
        self._last: dict[str, str] = {}
        self._used: dict[str, int] = {}  # line -> when the show last said it (to anyone)
        self._said = 0
        self._people: dict[str, str] = {}  # the family member or friend each viewer last named
        self._who = ""

    def answer(self, text: str, language: str, viewer: str | None, kind: str,
               named: bool = True) -> SmallTalkLine | None:
        """The line for ``text`` (a message of ``kind`` in ``language``), or None when it is
        not small talk this class answers. ``named``: say the viewer's name (False right
        after a greeting that already did)."""
        lang = language if language in LINES else "en"
        if _SENSITIVE.search(text):
            return None
        heartfelt = self._heartfelt(text, lang)
        if heartfelt is not None:  # before the bad-news and no-cheer gates: these lines are not cheers
            return self._line(heartfelt, viewer, lang, text, named)
        if _BAD_NEWS.search(text):
            return None
        feeling, strength = classify_emotion(text)
        if feeling in (Emotion.SAD, Emotion.ANGRY) and strength >= 0.3 and kind not in ("praise", "thanks") \
                and not (_TIRED.search(text) or _COLD.search(text)):
            return None  # "how do you feel about the cancelled match?": no cheerful line
        self._who = viewer or ""
        found = self._match(text, lang, kind)
        return None if found is None else self._line(found, viewer, lang, text, named)

    def _line(self, found: tuple[str, dict[str, str]], viewer: str | None, lang: str, text: str,
              named: bool) -> SmallTalkLine:
        """The line of kind ``found`` (key, values), filled, with its voice and gesture."""
        key, values = found
        said = _fill(self._pick(viewer or "", lang, key, text), viewer if named else None, values)
        emotion, intensity, tags = _STYLE.get(key.split("_")[0], (Emotion.HAPPY, 0.6, ["nod"]))
        return SmallTalkLine(said, key, emotion, intensity, list(tags))

    def _match(self, text: str, lang: str, kind: str) -> tuple[str, dict[str, str]] | None:
        if kind in ("sad", "abuse", "request"):
            return None
        named = re.search(r"\bmy (" + RELATIONS_EN + r")\b", text, re.I) or \
            re.search(r"\bmi (" + RELATIONS_ES + r")\b", text, re.I) or re.search(r"我(?:和|跟)?(" + RELATIONS_ZH + ")", text)
        if named:  # "he" in a later message is this person
            self._people[self._who] = named.group(1).lower()
        if kind == "praise":
            return ("praise_funny" if _FUNNY.search(text) else
                    "praise_singing" if _SINGING.search(text) else "praise"), {}
        if kind == "thanks":
            return "thanks", {}
        if _HOW_ARE_YOU.search(text):
            return "how_are_you", {}
        if _ABOUT_HOSTING.search(text):
            return "hosting", {}
        favourite = _FAVOURITE.search(text)
        if favourite:
            pair = _PAIR.search(text)
            if pair and lang == "en":
                first = _clean_object(pair.group("a"))  # capitalised only as the message's first word
                first = first[:1].lower() + first[1:] if pair.start("a") == len(text) - len(text.lstrip(" ¿¡\"'")) else first
                return "favourite_pair", {"x": first, "y": _clean_object(pair.group("b"))}
            thing = _clean_object(favourite.group("x") or favourite.group("x2") or favourite.group("x3") or "")
            return ("favourite", {"x": thing}) if thing and lang == "en" else ("favourite_plain", {})
        opinion = self._opinion(text, lang)
        if opinion is not None:
            return opinion
        if kind != "chat":
            return None
        if _FIRST_TIME.search(text):
            return "first_time", {}
        if _MISHAP.search(text) and not _INJURY.search(text) and _MINE.search(text):
            return "mishap", {}
        if _TIRED.search(text):
            return "tired", {}
        if _COLD.search(text):
            return "cold", {}
        place = (_FROM_WITH_ZH if lang == "zh" else _FROM_WITH_ES if lang == "es" else _FROM_WITH).search(text)
        if place:
            return "place_with", {"place": _clean_object(place.group("place")), "rel": place.group("rel").lower()}
        hi = _SAYS_HI.search(text)
        if hi:
            rel = (hi.group("rel") or hi.group("rel_es") or hi.group("rel_zh") or self._people.get(self._who) or "")
            rel = rel.lower()
            if lang == "es":
                rel = _REL_ES.get(rel, rel)
            return ("says_hi", {"rel": rel}) if rel else ("says_hi_plain", {})
        theirs = self._their_likes(text, lang)
        if theirs is not None:
            return theirs
        person = _WITH_PERSON.search(text)
        if person:
            name = person.group("name")
            if name and re.search(r"birthday|cumplea|生日", text, re.I):
                return "birthday", {"name": name}
            return ("with_named", {"name": name}) if name else ("with_person", {"rel": person.group("rel")})
        prefs = extract_preferences(text)
        if prefs.get("city"):
            return "city", {"x": prefs["city"]}
        liked = prefs.get("likes") or prefs.get("sport") or next(
            (v for k, v in prefs.items() if k.startswith("favourite ")), None)
        if liked is None:
            m = _LIKES_ES.search(text) if lang == "es" else _LIKES_ZH.search(text) if lang == "zh" else None
            liked = m.group("x").strip() if m else None
        if liked and liked.split()[0].lower() not in _NOT_OBJECTS and len(liked.split()) <= 5:
            return "likes", {"x": _clean_object(liked)}
        if prefs.get("name"):  # "my name is Clara": the brain already calls them by it
            return "name", {}
        return None

    def _heartfelt(self, text: str, lang: str) -> tuple[str, dict[str, str]] | None:
        """A grievance about the judging or a result, or a family member competing: lines that
        are said whatever the message's mood (nervous, angry), never a cheer."""
        if names_bad_news(text):
            return None  # "the ref was terrible and my dad is in hospital": the hospital first
        if _GRIEVANCE.search(text):
            return "grievance", {}
        m = _ROOTING.search(text)
        if m is None:
            return None
        rel = (m.group("rel") or m.group("rel_es") or m.group("rel_zh") or "").lower()
        if lang == "es":
            rel = _REL_ES.get(rel, rel)
        male, female = rel in _MALE | _MALE_ES, rel in _FEMALE | _FEMALE_ES
        values = {"rel": rel, "obj": "him" if male else "her" if female else "them",
                  "lo": "lo" if male else "la" if female else "los"}
        return ("rooting_nervous" if _NERVOUS.search(text) else "rooting"), values

    def _their_likes(self, text: str, lang: str) -> tuple[str, dict[str, str]] | None:
        """"He loves ski jumping" about the person this viewer named ("my dad"), in any language."""
        m = (_THEIR_LIKES_ZH if lang == "zh" else _THEIR_LIKES_ES if lang == "es" else _THEIR_LIKES).search(text)
        if not m:
            return None
        x = _clean_object(m.group("x"))
        if not x or x.split()[0].lower() in _NOT_OBJECTS or len(x.split()) > 5:
            return None
        rel = (m.group("rel") or self._people.get(self._who) or "").lower()
        pron = (m.groupdict().get("p") or "").lower()
        if pron == "he" and rel in _FEMALE or pron == "she" and rel in _MALE:
            rel = ""  # "she" is not the dad named before
        male = pron == "he" or not pron and rel in _MALE
        female = pron == "she" or not pron and rel in _FEMALE
        values = {"x": x, "pron": "he" if male else "she" if female else "they",
                  "obj": "him" if male else "her" if female else "them"}
        if not rel:
            return "their_likes_plain", values
        return "their_likes", values | {"rel": _REL_ES.get(rel, rel) if lang == "es" else rel}

    def _opinion(self, text: str, lang: str) -> tuple[str, dict[str, str]] | None:
        if _WHICH.search(text):
            return None  # "which sport do you like most?" asks for a choice, not a feeling
        if lang == "zh":
            m = _OPINION_ZH.search(text)
            if not m:
                return None
            thing = next(g for g in m.groups() if g is not None)
            return ("opinion_you", {}) if thing in ("我", "我们") else ("opinion", {"x": thing})
        if lang == "es":
            m = _OPINION_ES.search(text)
            if not m:
                return None
            plural = (m.group("pl") or m.group("pl2") or "").endswith("n")
            return ("opinion_pl" if plural else "opinion"), {"x": m.group("x")}
        m = _OPINION_EN.search(text)
        if not m:
            return None
        thing = _clean_object(m.group("x"))
        first = thing.split()[0].lower() if thing else ""
        if first in ("you", "me", "us") and len(thing.split()) == 1:
            return "opinion_you", {}
        if not thing or first in _NOT_OBJECTS or len(thing.split()) > 5:
            return "opinion_plain", {}
        return "opinion", {"x": thing}

    def _pick(self, who: str, lang: str, key: str, message: str = "") -> str:
        options = LINES[lang].get(key) or LINES["en"][key]
        said = _words(message)
        own = [o for o in options if not (len(said) >= 3 and said in _words(o))] or list(options)
        last = self._last.get(who)  # never the viewer's own words back, nor the last line
        fresh = [o for o in own if o != last] or own
        oldest = min(self._used.get(o, -1) for o in fresh)  # the show's least recent lines
        fresh = [o for o in fresh if self._used.get(o, -1) == oldest]
        choice = fresh[self.rng.randrange(len(fresh))]
        self._last[who] = choice
        self._said += 1
        self._used[choice] = self._said
        return choice


def _words(text: str) -> str:
    """``text`` as its lower-case words (CJK characters one by one), space-joined."""
    return " " + " ".join(re.findall(r"[\u3400-\u9fff]|[^\W\d_]+", text.casefold())) + " "


def _fill(template: str, viewer: str | None, values: dict[str, str]) -> str:
    """``template`` with the viewer's name (or without it, smoothly) and the values."""
    text = template
    for key, value in values.items():  # {x} as said, {X} capitalised
        text = text.replace("{" + key.capitalize() + "}", value[:1].upper() + value[1:])
        text = text.replace("{" + key + "}", value)
    text = re.sub(r"\{(?!viewer\})\w+\}", "", text)  # a value the line needs and the match lacks
    if viewer:
        return text.replace("{viewer}", viewer)
    text = re.sub(r"[,，]\s*\{viewer\}\s*", "", text)
    text = re.sub(r"\{viewer\}[,，]?\s*", "", text)
    text = re.sub(r"\s+([,.!?])", r"\1", text).strip()
    text = re.sub(r"([.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
    return text[:1].upper() + text[1:]
