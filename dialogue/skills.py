"""Skills before words: what a viewer asks the host to do, it does (or says it cannot).

:class:`Skills` answers a message, before any model is asked, when it is a request the
host can carry out or a question with an exact answer: sing a song of the show's
repertoire (a ``sing:<song>`` tag the chat responder hands to ``Performer.sing``), dance,
wave / cheer / bow and other gestures, a shout-out to a named person (after a name check),
a joke from the persona's bank (never twice a show), a quiz round, arithmetic, units,
the date and time, date arithmetic (days until an event of the schedule, the day in N days),
what is on now and next in a running show (``on_air``, set by the show runner), the host's own facts from the persona, "what can you do". It refuses
to repeat or translate bait, and declines advice (medical, legal, financial, political).
Lines are in the viewer's language (English, Spanish, Chinese).
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from vhuman.models.types import Emotion

from .calc import answer_arithmetic, answer_conversion, answer_when
from .crosslingual import to_english
from .dates import answer_day_offset, answer_days_until
from .on_air import OnAir, answer_on_air
from .persona import Persona
from .schedule import Event
from .skill_lines import LINES, line

log = logging.getLogger(__name__)


@dataclass
class SkillLine:
    """One sentence a skill says, with the body's action tags and the skill's name."""

    text: str
    skill: str
    emotion: Emotion = Emotion.HAPPY
    tags: list[str] = field(default_factory=list)
    intensity: float = 0.6


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


_SAY = _rx(r"(?:^|[.!?]\s*|\b(?:please|pls|now|can you|could you|will you|just)\s+)"
           r"(?:say|repeat(?: after me)?)\b\s*[:,]?\s*[\"'“‘]?(?P<x>[^\"'”’]+)[\"'”’]?\s*[.!?]*$|"
           r"^\s*(?:di|repite)\s*:?\s*(?P<y>.+)$|(?:跟我说|跟我念|说一句)[:：]?(?P<z>.+)$")
_TRANSLATE = _rx(r"\btranslate\b|\btraduce\b|\btraducir\b|翻译")
_ADVICE = _rx(
    r"\b(?:vote|voting|election|president|politic\w*|religio\w*|invest\w*|stocks?|"
    r"bitcoin|crypto\w*|savings|mortgage|loan|lawyer|sue|lawsuit|legal|ibuprofen|medicine|"
    r"medication|dose|pills?|doctor|diagnos\w*|headache)\b|"
    r"\b(?:votar|elecci[óo]n|pol[íi]tic\w*|invertir|acciones|bitcoin|abogado|demandar|medicina|"
    r"pastillas?|dosis)\b|股票|投资|投票|选举|政治|比特币|吃药|药|律师|起诉")
_JOKE = _rx(r"\b(?:joke|jokes|make me laugh|something funny|another one)\b|\bchistes?\b|笑话|逗我笑")
_SING = _rx(r"\b(?:sing|song|singing)\b|\bcant(?:a|as|ar|anos|ánanos|ame)\b|\bcanci[óo]n\b|唱|歌")
_DANCE = _rx(r"\b(?:dance|dancing|groove|boogie)\b|\bbail(?:a|ar|as|e|emos|ando)\b|跳舞|跳个舞|跳支舞")
_QUIZ = _rx(r"\b(?:quiz|trivia)\b|\bconcurso de preguntas\b|\bpreguntas?\b.*\bjuego|问答|知识竞赛|猜谜")
_CAN_DO = _rx(r"\bwhat can you do\b|\bwhat do you do\b|\bqu[ée] sabes hacer\b|\bqu[ée] puedes hacer\b|你会(做)?什么|你能做什么")
_NAME = r"[A-ZÀ-Ý][\w'-]+(?:\s+[A-ZÀ-Ý][\w'-]+)?"
_SHOUT = re.compile(  # the phrases in any case, the name capitalised
    rf"(?i:\b(?:say (?:hi|hello)|shout[- ]?out|greet|(?:say )?happy birthday)\b)(?:.*?)(?:(?i:\bmy\s+)(?P<rel>[a-z]+)\s+)?(?P<name>{_NAME})|"
    rf"(?i:\bsaluda(?:r)?\s+a\s+)(?:(?i:mi\s+)(?P<rel2>[a-zá-ú]+)\s+)?(?P<name2>{_NAME})|"
    r"(?:跟|给|向)我?(?P<rel3>妈妈|爸爸|奶奶|爷爷|姐姐|妹妹|哥哥|弟弟|朋友|老婆|老公)?打个?招呼.*?(?:叫|是)(?P<name3>[\u4e00-\u9fff]{1,4})",
)
_MY_PERSON = re.compile(r"(?i:\bmy\s+(?:mom|mum|mother|dad|father|sister|brother|son|daughter|friend|"
                        r"wife|husband|grandma|grandpa|grandmother|grandfather|aunt|uncle|cousin|kid|"
                        r"boyfriend|girlfriend)\s+|\bmi\s+(?:madre|padre|mam[áa]|pap[áa]|herman[oa]|hij[oa]|amig[oa]|"
                        r"abuel[oa]|novi[oa]|espos[oa]|prim[oa]|t[íi][oa])\s+)([A-ZÀ-Ý][\w'-]+)")
_SHOUT_HER = _rx(r"\b(?:give (?:her|him|them) a (?:shout[- ]?out|wave)|say (?:hi|hello|happy birthday) to (?:her|him|them)|"
                 r"wish (?:her|him|them) (?:a )?(?:happy|good|great|lovely) \w+|greet (?:her|him|them)|"
                 r"(?:her|him|them) a (?:happy|good) \w+)\b|"
                 r"\b(?:sal[úu]da(?:lo|la|los|las)|felic[íi]ta(?:lo|la|los|las)|des[ée]a(?:le|les) (?:un )?feliz)\b|"
                 r"(?:祝|跟|向|给)(?:他|她|他们)(?:说|问好|打招呼|生日快乐)")
_GESTURES = {
    "wave": _rx(r"\bwave\b|\bsaluda con la mano\b|挥手|挥挥手|招手"),
    "cheer": _rx(r"\bcheer\b|\bclap\b|\banima\b|\baplaude\b|加油|鼓掌"),
    "bow": _rx(r"\bbow\b|\breverencia\b|鞠躬"),
    "spin": _rx(r"\bspin\b|\bturn around\b|\bgiro\b|\bgira\b|转圈|转个圈"),
    "jump": _rx(r"\bjump\b|\bsalta\b|\bsalto\b(?! mortal)|跳一下|跳起来"),
    "heart": _rx(r"\bheart\b|\bcorazón\b|比心"),
}
_CANNOT = _rx(
    r"\b(?:backflip|back flip|flip|cartwheel|somersault|cook|drive|call me|text me|email|buy|order|"
    r"draw|paint|hug me|come to|meet me|play (?:a )?(?:game|video)|fly)\b|\bsalto mortal\b|\bvoltereta\b|"
    r"\bcocina\b|\bll[áa]mame\b|后空翻|空翻|做饭|打电话|画画")
_ABOUT_ME = _rx(r"\b(?:what'?s your name|who are you|are you (?:an? )?(?:real|ai|a\.i\.|human|robot|bot|person|"
                r"real person|computer|program|chatbot|virtual)|what are you|tell me about yourself)\b|"
                r"\bc[óo]mo te llamas\b|\bqui[ée]n eres\b|\beres (?:una? )?(?:ia|robot|humana?|real|persona)\b|"
                r"你叫什么|你是谁|你是真人|你是(?:机器人|人工智能|AI|ai)")
_SPEAKS = _rx(r"\b(?:can|do) you (?:speak|talk in|understand) (\w+)\b|\bwhat languages? (?:do|can) you (?:speak|talk)\b|"
              r"\bhablas (\w+)\b|\bqu[ée] idiomas hablas\b|你会说(\w{1,3}?)吗|你会(?:说)?(?:哪些|什么)语言")
_LANGUAGE_WORDS = {
    "en": ("english", "inglés", "ingles", "英语", "英文"), "es": ("spanish", "español", "espanol", "castellano", "西班牙语"),
    "zh": ("chinese", "mandarin", "chino", "mandarín", "中文", "汉语", "普通话"), "fr": ("french", "francés", "frances", "法语"),
    "de": ("german", "alemán", "aleman", "德语"), "pt": ("portuguese", "portugués", "portugues", "葡萄牙语"),
    "ja": ("japanese", "japonés", "japones", "日语"), "it": ("italian", "italiano", "意大利语"),
}
_LANGUAGE_NAMES = {
    "en": {"en": "English", "es": "Spanish", "zh": "Chinese", "fr": "French", "de": "German", "pt": "Portuguese",
           "ja": "Japanese", "it": "Italian"},
    "es": {"en": "inglés", "es": "español", "zh": "chino", "fr": "francés", "de": "alemán", "pt": "portugués",
           "ja": "japonés", "it": "italiano"},
    "zh": {"en": "英语", "es": "西班牙语", "zh": "中文", "fr": "法语", "de": "德语", "pt": "葡萄牙语", "ja": "日语",
           "it": "意大利语"},
}
_HOW_LONG = _rx(r"\bhow long have you been (?:hosting|doing)\b|\bcu[áa]nto tiempo llevas\b|你主持多久")
_PUN_NAMES = ("mike hunt", "hugh jass", "ben dover", "amanda hugginkiss", "seymour butz", "phil mccracken",
              "mike oxlong", "hugh g rection", "harry balls", "jenny talia", "moe lester", "ima hogg",
              "dixie normous", "heywood jablome", "anita bath", "barry mccockiner", "al coholic")


def _load_bank(name: str) -> Any:
    return yaml.safe_load(resources.files("vhuman.dialogue").joinpath(f"data/{name}").read_text("utf-8"))


class Skills:
    """The host's skills for one show; remembers which jokes were told and open quizzes."""

    def __init__(self, persona: Persona, songs: dict[str, Path] | None = None, moderator: Any = None,
                 rng: random.Random | None = None) -> None:
        self.persona = persona
        self.songs = dict(songs or {})
        self.moderator = moderator
        self.rng = rng or random.Random(0)
        self.jokes: dict[str, list[str]] = {k: list(v) for k, v in (persona.jokes or _load_bank("jokes.yaml")).items()}
        self.quiz: list[dict[str, Any]] = list(_load_bank("quiz.yaml"))
        self._told: set[str] = set()
        self._asked: set[int] = set()
        self._pending: dict[str, dict[str, Any]] = {}
        self._last_value: dict[str, Fraction] = {}
        self._last: dict[str, str] = {}  # the skill each viewer's last message got
        self._called: str | None = None  # the name the current viewer gave for themself
        self._named: dict[str, str] = {}  # the last person each viewer named ("my sister Jo")
        self.schedule: Callable[[], list[Event]] = list  # the show's dated events (the brain's KB)
        self.english: str | None = None  # this message in English, when it was translated
        self.on_air: Callable[[], OnAir | None] = lambda: None  # a running show's position
        self.languages: Callable[[], tuple[str, ...]] = lambda: ("en",)  # what the host answers in

    def answer(self, text: str, lang: str, viewer: str | None, kind: str,
               called: str | None = None) -> list[SkillLine] | None:
        """The skill's lines for ``text`` (None: no skill applies; the brain goes on).
        ``called``: the name the viewer gave for themself, said in their shout-outs."""
        lang = lang if lang in LINES else "en"
        self._called = called
        self.english = to_english(text, lang) if lang in ("zh", "es") else None
        who = viewer or ""
        named = _MY_PERSON.search(text)
        if named:
            self._named[who] = named.group(1)
        pending = self._pending.pop(who, None)
        if pending is not None and kind not in ("request",) and not _JOKE.search(text):
            return self._check_quiz(pending, text, lang)
        if kind in ("sad", "abuse"):
            return None
        out = self._first_skill(text, lang, who, kind)
        self._last[who] = out[0].skill if out else ""
        return out

    def _first_skill(self, text: str, lang: str, who: str, kind: str) -> list[SkillLine] | None:
        for step in (self._live, self._shout_out, self._say_this, self._decline_advice, self._exact, self._about_me, self._speaks, self._can_do,
                     self._joke, self._sing, self._dance, self._quiz,
                     self._gesture, self._cannot):
            out = step(text, lang, who, kind)
            if out is not None:
                return out
        return None

    # --- each skill: (text, lang, viewer, kind) -> lines | None ---------------------------

    def _live(self, text: str, lang: str, who: str, kind: str) -> list[SkillLine] | None:
        said = answer_on_air(text, lang, self.on_air()) if kind in ("question", "chat") else None
        return [SkillLine(said, "on_air", Emotion.HAPPY, ["point"], 0.6)] if said else None

    def _say_this(self, text: str, lang: str, who: str, kind: str) -> list[SkillLine] | None:
        if kind != "request":
            return None
        if _TRANSLATE.search(text):
            return [SkillLine(line("no_translate", lang), "decline", Emotion.CALM, ["shrug"], 0.4)]
        m = _SAY.search(text)
        if not m or _SHOUT.search(text):
            return None
        said = (m.group("x") or m.group("y") or m.group("z") or "").strip(" \"'“”‘’.!")
        if not said or len(said.split()) > 8 or len(said) > 60 or not self._harmless(said):
            return [SkillLine(line("no_repeat", lang), "decline", Emotion.CALM, ["shrug"], 0.4)]
        return [SkillLine(said[:1].upper() + said[1:] + "!", "say", Emotion.EXCITED, ["cheer"], 0.7)]

    def _harmless(self, words: str) -> bool:
        """Passes moderation, names no one, says nothing about anyone being anything."""
        if re.search(r"\b(?:is|are|es|son)\s+(?:a|an|un|una)?\s*\w+|是|\b(?:hate|odio|kill|matar)\b|恨|杀",
                     words, re.I):
            return False
        if re.search(r"\b(?:crook|thief|liar|cheat\w*|fraud|idiot|stupid|ladr[óo]n|mentiroso|tramposo)\b|骗子|小偷",
                     words, re.I):
            return False
        if self.moderator is not None and not self.moderator.check_output(words).allowed:
            return False
        return True

    def _decline_advice(self, text: str, lang: str, who: str, kind: str) -> list[SkillLine] | None:
        if kind in ("question", "request") and _ADVICE.search(text):
            return [SkillLine(line("advice", lang), "decline", Emotion.CALM, ["shrug"], 0.4)]
        return None

    def _exact(self, text: str, lang: str, who: str, kind: str) -> list[SkillLine] | None:
        maths = answer_arithmetic(text, lang, self._last_value.get(who))
        if maths is not None:
            self._last_value[who] = maths[1]
            return [SkillLine(maths[0], "math", Emotion.HAPPY, ["think"], 0.5)]
        days = answer_days_until(text, lang, self.schedule(), english=self.english)
        for found in (days, answer_day_offset(text, lang), answer_conversion(text, lang),
                      answer_when(text, lang)):
            if found is not None:
                return [SkillLine(found, "math", Emotion.HAPPY, ["nod"], 0.5)]
        return None

    def _about_me(self, text: str, lang: str, who: str, kind: str) -> list[SkillLine] | None:
        if _HOW_LONG.search(text):
            return [SkillLine(line("how_long", lang, name=self.persona.name), "self", Emotion.HAPPY, ["shrug"])]
        if _ABOUT_ME.search(text):
            return [SkillLine(line("about_me", lang, name=self.persona.name), "self", Emotion.HAPPY, ["wave"])]
        return None

    def _speaks(self, text: str, lang: str, who: str, kind: str) -> list[SkillLine] | None:
        """"Can you speak French?": the languages the host answers in on this show, never a
        guess (the model's draws were refused and "you've got me thinking" was said)."""
        m = _SPEAKS.search(text)
        if m is None:
            return None
        word = next((g for g in m.groups() if g), "").lower()
        asked = next((c for c, words in _LANGUAGE_WORDS.items() if word in words), None)
        if word and asked is None:
            return None  # "do you speak to the athletes?"
        names = _LANGUAGE_NAMES.get(lang, _LANGUAGE_NAMES["en"])
        known = [names[c] for c in self.languages() if c in names]
        said = (" y " if lang == "es" else "和" if lang == "zh" else " and ").join(
            [("、" if lang == "zh" else ", ").join(known[:-1]), known[-1]] if len(known) > 1 else known)
        key = "speak_list" if asked is None else "speak_yes" if asked in self.languages() else "speak_no"
        return [SkillLine(line(key, lang, langs=said, asked=names.get(asked or "", word)), "languages",
                          Emotion.HAPPY, ["nod"])]

    def _can_do(self, text: str, lang: str, who: str, kind: str) -> list[SkillLine] | None:
        if _CAN_DO.search(text):
            return [SkillLine(line("can_do", lang), "can_do", Emotion.HAPPY, ["point"])]
        return None

    def _joke(self, text: str, lang: str, who: str, kind: str) -> list[SkillLine] | None:
        asked = re.search(r"joke|chiste|笑话|make me laugh|something funny|逗我笑", text, re.I)
        again = re.search(r"another one|otro|再来一个", text, re.I) and self._last.get(who) == "joke"
        if not (asked and kind in ("request", "question") or again):
            return None
        fresh = [j for j in self.jokes.get(lang) or self.jokes.get("en", []) if j not in self._told]
        if not fresh:
            return [SkillLine(line("no_jokes", lang), "joke", Emotion.HAPPY, ["shrug"])]
        joke = fresh[self.rng.randrange(len(fresh))]
        self._told.add(joke)
        return [SkillLine(joke, "joke", Emotion.HAPPY, ["laugh"], 0.7)]

    def _sing(self, text: str, lang: str, who: str, kind: str) -> list[SkillLine] | None:
        if not _SING.search(text) or kind not in ("request", "question") or kind == "question" and not \
                re.search(r"\b(?:can|could|will|would) you sing|puedes cantar|cantas algo|能唱|会唱|唱首", text, re.I):
            return None
        if not self.songs:
            return [SkillLine(line("no_songs", lang), "sing", Emotion.HAPPY, ["dance"])]
        title = sorted(self.songs)[self.rng.randrange(len(self.songs))]
        return [SkillLine(line("sing", lang, song=title.replace("_", " ")), "sing", Emotion.HAPPY,
                          [f"sing:{title}"], 0.7)]

    def _dance(self, text: str, lang: str, who: str, kind: str) -> list[SkillLine] | None:
        short = len(text.split()) <= 3 or len(text) <= 8
        if _DANCE.search(text) and (kind in ("request", "question") or kind == "chat" and short):
            return [SkillLine(line("dance", lang), "dance", Emotion.EXCITED, ["dance"], 0.8)]
        return None

    def _quiz(self, text: str, lang: str, who: str, kind: str) -> list[SkillLine] | None:
        if not _QUIZ.search(text) or kind not in ("request", "question"):
            return None
        fresh = [i for i in range(len(self.quiz)) if i not in self._asked] or list(range(len(self.quiz)))
        index = fresh[self.rng.randrange(len(fresh))]
        self._asked.add(index)
        item = self.quiz[index]
        self._pending[who] = item
        return [SkillLine(item["q"].get(lang) or item["q"]["en"], "quiz", Emotion.EXCITED, ["point"], 0.7)]

    def _check_quiz(self, item: dict[str, Any], text: str, lang: str) -> list[SkillLine]:
        right = any(str(a).casefold() in text.casefold() for a in item["a"])
        answer = item["say"].get(lang) or item["say"]["en"]
        key = "quiz_right" if right else "quiz_wrong"
        return [SkillLine(line(key, lang, answer=answer), "quiz", Emotion.EXCITED if right else Emotion.HAPPY,
                          ["cheer" if right else "nod"], 0.7)]

    def _shout_out(self, text: str, lang: str, who: str, kind: str) -> list[SkillLine] | None:
        m = _SHOUT.search(text)
        name = None
        if m:
            name = m.group("name") or m.group("name2") or m.group("name3")
        elif _SHOUT_HER.search(text):
            name = self._named.get(who)  # this viewer's own family or friend, never another's
            if name is None:
                return [SkillLine(line("who", lang), "shoutout", Emotion.HAPPY, ["nod"], 0.5)]
        if not name or name.lower() in ("vivi", self.persona.name.lower(), "me", "everyone", "everybody"):
            return None
        if not self.name_ok(name):
            return [SkillLine(line("bad_name", lang), "shoutout", Emotion.CALM, ["shrug"], 0.4)]
        greeter = self._called or who or line("a_viewer", lang)
        key = "birthday" if re.search(r"birthday|cumplea|生日", text, re.I) else "shoutout"
        return [SkillLine(line(key, lang, name=name, viewer=greeter), "shoutout", Emotion.HAPPY,
                          ["wave"], 0.8)]

    def name_ok(self, name: str) -> bool:
        """A name fit for air: not a pun name, nothing moderation blocks, even run together."""
        low = " ".join(name.lower().split())
        if low in _PUN_NAMES or any(low.replace(" ", "") == p.replace(" ", "") for p in _PUN_NAMES):
            return False
        if self.moderator is not None:
            for form in (name, name.replace(" ", "")):
                if not self.moderator.check_output(form).allowed:
                    return False
        return len(name) <= 30

    def _gesture(self, text: str, lang: str, who: str, kind: str) -> list[SkillLine] | None:
        if kind != "request" and not (kind == "chat" and (len(text.split()) <= 3 or len(text) <= 8)):
            return None
        for gesture, rx in _GESTURES.items():
            if rx.search(text):
                return [SkillLine(line(f"gesture_{gesture}", lang), "gesture", Emotion.EXCITED, [gesture], 0.8)]
        return None

    def _cannot(self, text: str, lang: str, who: str, kind: str) -> list[SkillLine] | None:
        if kind == "request" and _CANNOT.search(text):
            return [SkillLine(line("cannot", lang), "cannot", Emotion.HAPPY, ["shrug"], 0.5)]
        return None


