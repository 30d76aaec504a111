"""What a producer winces at in a model-written sentence, beyond plain echoes and labels.

:func:`sentence_fault` is shared by the reply judge (a sentence that fails is never
spoken) and the grader (a reply that contains one gets a 0). It names:

- ``tone:light-to-sad-news``: after sad news, an exclamation, cheer, a probing or "what
  else" question, or talk of the show ("What else do we know?", "What do you think might
  have caused this?");
- ``assistant-speak``: the viewer served like a customer or thanked like an assistant
  ("Thank you for providing this informative response", "If you have any other questions,
  feel free to ask", "有什么我可以帮忙的吗");
- ``leak``: instruction fragments read out (``"Thank you!" - hugo's reply in one short
  sentence.``, "No medical, legal or financial ...", a sentence that is only a quotation);
- ``invented:claim``: claims about the world the model made up ("it's known as",
  "refers to", "is a type of", a quoted term the viewer never wrote, "has always been",
  "the world's best", "for ten years", "五年来");
- ``invented:about-viewer``: a guess about the viewer's life that the message does not
  support ("It sounds like you're feeling refreshed from playing with ..."), or about what
  they want or feel, stated as fact ("Mika might be looking for guidance", "you must be so
  excited", "seguro que estás feliz", "你一定很开心"; asking is fine), or a family member
  of theirs the message never mentioned ("Your mother enjoys...");
- ``invented:about-show``: a claim about the host's own show, history or identity, which
  only the persona states ("this is my new show", "Este es mi nuevo programa", "我的新节目",
  "Soy el herman de Madrid");
- ``third-person``: the viewer narrated ("Maya might be sharing bad news", "hugo's reply",
  "Pete thinks...", "he"/"she"/"他" for a viewer who named no one else);
- ``echo``: a paraphrased echo, most of the sentence's words the viewer's own
  ("Desde Madrid con mi herman.");
- ``fragment``: a sentence that stops before it says anything ("I'm.", "The games
  seems."), or that starts mid-thought after a finished one ("especially
  Curling.");
- ``invented:person``: someone the message never named "agrees" or "says" ("Emma agrees:");
- ``violence``: talk of killing or threats ("...会杀所有人？"), whoever raised it;
- and, for statements read aloud: the viewer's Chinese said back (:func:`cjk_echo`),
  homework-helper speak ("Could you explain what the author...", ``assistant-speak``), the
  viewer's words turned into a claim about "we/us" (:func:`we_claim`,
  ``invented:about-viewer``) and broken sentences (:func:`broken`, ``fragment``).
"""

from __future__ import annotations

import re

from .evaluation import _CHEER, _SYMPATHY

_LIGHT = re.compile(
    r"\bwhat else\b|\banything else\b|\bwhat do you think\b|\b(?:might|may) have caused\b|"
    r"\bwhy do you think\b|\bdo you have any\b|\b(?:games?|show|stream|quiz|festival|trivia|"
    r"season|skiing|hockey|juegos?|programa|concurso)\b|\bpoema?\b|\bpoem\b|这句诗|节目|比赛|游戏|"
    r"[?？]\s*$", re.I)
_COMFORT = re.compile(
    r"\b(?:hope|wish|wonderful|special|beautiful|memor\w*|lov\w*|car(?:e|es|ing)|rest|here for|with you|"
    r"proud|strength|brave|better|soon|gentle|kind|thinking of|sending|hold|cherish|miss\w*|"
    r"espero|ojalá|recuerdos?|cariño|contigo|fuerza|ánimo|mejor|pronto|abrazo)\b|"
    r"希望|会好|陪着你|拥抱|抱抱|保重|别难过|心疼|想念|回忆|加油|一切都会", re.I)
_SERVING = re.compile(
    r"\bthank(?:s| you) for (?:providing|this|that|your|the) (?:\w+ )?(?:response|answer|"
    r"information|input|feedback|question|query|request)\b|\binformative\b|"
    r"\b(?:i'?m|i am) glad (?:it|that|this|i) (?:was|could be|could) (?:helpful|help)\b|"
    r"\bglad (?:i could|to) help\b|\bfeel free to (?:ask|reach|let)\b|"
    r"\bif you have any (?:other |more |further |specific )?questions\b|\blet me know if\b|"
    r"\b(?:is there )?anything else (?:i can|you'?d like|you would like)\b|"
    r"\bdo you have any (?:specific |other )?questions\b|\bwhat can i do for you\b|"
    r"\b(?:what else )?you need help with\b|\bhelp you with\b|"
    r"\bassistance\b|\banything (?:specific|particular) (?:you'?d|you would|you want)\b|"
    r"\b(?:could|can|would) you (?:please )?explain\b|\bexplain (?:this|that|it) (?:for|to) me\b|"
    r"\bthe (?:author|writer|passage|text)\b|\bthis (?:statement|passage|sentence|quote|text|excerpt)\b|\b(?:trying|tries|try) to (?:convey|say|express)\b|"
    r"\bpodr[íi]as? explicar(?:me)?\b|\bme (?:lo )?puedes explicar\b|\bel autor\b|\bel texto\b|"
    r"\balgo (?:espec[íi]fico|en concreto) (?:en lo )?que\b|"
    r"(?:你|您)(?:能|可以)(?:给我)?解释|请(?:你)?解释|作者(?:想|要|在)|这段(?:话|文字)|需要(?:什么)?帮助|"
    r"有什么(?:我)?可以帮(?:忙|你|助)|还有什么(?:问题|需要)|请问有什么|"
    r"\ben qu[ée] (?:más )?(?:te )?puedo ayudar|\bsi tienes (?:alguna|más|otra)s? preguntas?", re.I)
_INSTRUCTION = re.compile(
    r"\b(?:in|with) (?:one|a|two|1|2) (?:short )?sentences?\b|\bone short sentence\b|"
    r"\b\w+'s (?:reply|answer|response)\b|^\s*[-–—]\s|\bspoken aloud\b|\bemotion tag\b|"
    r"\bstay in character\b|\bpersona\b|\b(?:medical|m[ée]dic[oa]s?),? legal,? (?:or|o|and|y) "
    r"(?:financial|financier[oa]s?)\b|一到两句|用一句话|简短地回答|[(（]\s*(?:回复|回答|用)?中文\s*[)）]|"
    r"回复中文|\((?:in |en )?(?:english|chinese|spanish|inglés|chino|español)\)", re.I)
_ONLY_QUOTE = re.compile(r"^\s*[\"“«][^\"”»]+[\"”»]\s*[.!?]?\s*$")
_CLAIM = re.compile(
    r"\b(?:is|are|was|it'?s) (?:known|called) as\b|\bknown (?:as|under|for)\b|\brefers? to\b|"
    r"\bnicknames?\b|\bis an? (?:type|kind|form|sort) of\b|\bwhich means\b|\bstands for\b|"
    r"\b(?:that|this|which|it) means (?:that|there|we|us|it'?s|the)\b|\bis famous for\b|\bthe (?:capital|centre|center) of\b|\bse conoce como\b|\bsignifica\b|"
    r"\bes un tipo de\b|被称为|指的是|意思是|是一种", re.I)
_QUOTED = re.compile(r"[\"“«]([^\"”»]{2,40})[\"”»]")
_GUESS = re.compile(
    r"\b(?:it|that) (?:sounds|seems|looks) like (?:you|he|she|they|your)\b|\bseems like you\b|"
    r"\byou(?:'ve| have) been (?:struggling|getting|feeling|playing)\b|"
    r"\b(?:parece que|suena a que) (?:te|estás|has|tu)\b|听起来你|看来你", re.I)
# A guess stated as fact about what the viewer wants, feels or does ("you must be so
# excited", "Mika might be looking for guidance", "seguro que estás feliz", "你一定很开心").
_INTENT_GUESS = re.compile(
    r"\b(?:you|he|she|they|(?-i:(?!It\b|That\b|This\b|There\b|We\b|What\b|Which\b)[A-Z][a-z]+)) "
    r"(?:might|may|must|could|probably) (?:be|have|want|need|feel|think)\b|"
    r"\byou(?:'re| are) (?:probably|clearly|obviously|surely)\b|\byou must\b|"
    r"\bi (?:bet|guess|imagine|assume) (?:you|that you)\b|\byou seem (?:to|like)\b|"
    r"\b(?:you|you're|you are|he's|she's) (?:looking for|searching for|hoping to|trying to|"
    r"wondering|planning to)\b|"
    r"\bdebes (?:de )?(?:estar|tener|ser)\b|\bseguro que (?:estás|tienes|quieres|eres|te)\b|"
    r"\b(?:quizás|tal vez|a lo mejor) (?:estás|quieres|buscas|tienes|te)\b|\bestarás\b|"
    r"你(?:一定|肯定|可能|应该|大概)(?:是|很|在|想|要|会|觉得)|你好像(?:很|在|是)", re.I)
# Someone of the viewer's family the message never mentioned ("Your mother enjoys...").
_FAMILY = (r"mother|mom|mum|mommy|daddy|dad|father|son|daughter|sister|brother|wife|husband|"
           r"grand(?:ma|pa|mother|father)|aunt|uncle|cousin|kids?|children|family|boyfriend|girlfriend")
_YOUR_FAMILY = re.compile(
    rf"\byour ({_FAMILY})\b|\btu (madre|mam[áa]|padre|pap[áa]|hij[oa]|herman[oa]|abuel[oa]|"
    r"espos[oa]|familia|novi[oa])\b|你的?(妈妈|爸爸|儿子|女儿|哥哥|姐姐|弟弟|妹妹|奶奶|爷爷|家人|老婆|老公)",
    re.I)
_SOMEONE_BEFORE = re.compile(r"\b(?:he|she|him|her|they|them|él|ella)\b|他|她", re.I)
# Claims about the host's own show or history, which only the persona may state ("this is
# my new show", "Este es mi nuevo programa", "我的新节目", "I've hosted for years").
_SHOW_CLAIM = re.compile(
    r"\b(?:my|our) (?:(?:new|first|latest|own|old|favourite|favorite|last) )?(?:show|program(?:me)?|"
    r"stream|channel|series|season|broadcast)\b|\bi (?:have |'ve )?(?:hosted|started|created|"
    r"launched|founded|been hosting)\b|\b(?:this|the) (?:show|stream|program(?:me)?) "
    r"(?:started|began|has been|was created|is (?:new|my))\b|"
    r"\b(?:mi|nuestro) (?:(?:nuevo|primer|propio|último) )?(?:programa|canal|show|directo)\b|"
    r"\b(?:nuevo|primer) programa\b|\bhe presentado\b|"
    r"我的(?:新|第一个)?(?:节目|直播|频道)|我们的(?:新)?节目|我主持了|新节目", re.I)
# Who the host is comes from the persona: the model's "Soy el herman de Madrid", "Estoy la
# mejor presentadora de...", "I'm the brother of..." are made up.
_SELF_CLAIM = re.compile(
    r"\b(?:soy|estoy) (?:el|la|un|una) \w+|\bI(?:'m| am) (?:the|a|an|your) (?:\w+ )?(?:host|presenter|"
    r"brother|sister|mother|father|son|daughter|friend|player|athlete|champion|winner|person|human|"
    r"girl|boy|woman|man)\b|我是(?:一个|一名|你的)", re.I)
# Claims about the world the small model makes up: what "has always been", superlatives
# about the world, time spans of a history ("for ten years", "五年来").
_WORLD_CLAIM = re.compile(
    r"\b(?:has|have|had) always been\b|\b(?:the )?(?:world's|in the world)\b|"
    r"\b(?:for|over|in) (?:the (?:past|last) )?(?:\w+ )?(?:years|decades|centuries)\b|"
    r"\bsiempre ha sido\b|\bdel mundo\b|\bdesde hace (?:\w+ )?años\b|"
    r"一直是|世界上最|[一二三四五六七八九十两几多]+年(?:来|了|前)", re.I)
_OTHERS_EN = re.compile(
    r"\b(?:he|she|his|her|him|hers|they|them|their|brother|sister|mom|mum|mother|dad|father|son|"
    r"daughter|friend|wife|husband|grand\w+|aunt|uncle|cousin|kids?|boyfriend|girlfriend|family|"
    r"team|coach|player|athlete|dog|cat|baby|partner)\b|(?-i:(?<=\w )[A-Z][a-z]+)", re.I)
_HE_SHE_EN = re.compile(r"\b(?:he|she|his|him|he's|she's|he'll|she'll)\b", re.I)
_OTHERS_ZH = re.compile(r"他|她|妈|爸|哥|姐|弟|妹|奶|爷|朋友|老婆|老公|孩子|儿子|女儿|家人|队|狗|猫")
_HE_SHE_ZH = re.compile(r"他|她")
_OTHERS_ES = re.compile(r"\b(?:él|ella|mi|mis|su|sus)\b", re.I)
_HE_SHE_ES = re.compile(r"\b(?:él|ella)\b", re.I)
_SOMEONE_SAYS = re.compile(r"^\W*([A-Z][a-z]+)\s+(?:agrees|says|thinks|said|believes|wants|feels)\b")
_NOT_A_VERB = frozenset("and or for from with to in on at of so too here there".split())
_STOP = frozenset(
    "that this with from have your you're you've about what when where which there their they "
    "them then than just really very much more some like would could should been were will "
    "also into over after before because while ever everyone here okay sure yes yeah".split())


def _content(text: str) -> list[str]:
    """Content words (four letters or more, not a stopword) of ``text``."""
    return [w for w in re.findall(r"[a-záéíóúñü']{4,}", text.casefold()) if w not in _STOP]


def _stems(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"\w+", text.casefold())}


def _new_words(sentence: str, message: str) -> list[str]:
    """Content words of ``sentence`` the viewer's message does not have (by 5-letter stem)."""
    said = _stems(message)
    return [w for w in _content(sentence) if w[:5] not in said]


def _said_it(words: str, message: str) -> bool:
    """The viewer said it first ("I must be crazy" → "you must be"): not a guess."""
    core = re.sub(r"^\S+ ", "", words.casefold())
    return bool(core) and core.split()[-1] in message.casefold().split()


def paraphrased_echo(sentence: str, message: str) -> bool:
    """Most of the sentence (three words at least) is the viewer's own words."""
    words = re.findall(r"[^\W\d_]+", sentence.casefold())
    if len(words) < 3 or re.search(r"[\u3400-\u9fff]", sentence):
        return False
    said = _stems(message)
    return sum(w[:5] in said for w in words) / len(words) >= 0.75


def narrates_viewer(sentence: str, message: str, viewer: str | None, lang: str) -> bool:
    """The viewer talked about instead of to ("Maya might...", "Pete's reply", "he" for a
    viewer who mentioned nobody else)."""
    if viewer:
        name = re.escape(viewer)
        if re.search(rf"(?i:\b{name})['’]s\b", sentence):
            return True
        for m in re.finditer(rf"(?i:(?<!\w){name})(?:\s+([a-z]+)\b|(说|觉得|认为|可能|想|在想|很))",
                             sentence):
            if m.group(2) or m.group(1) not in _NOT_A_VERB:
                return True
    if _HE_SHE_ZH.search(sentence):
        return not _OTHERS_ZH.search(message)
    if lang == "es" and _HE_SHE_ES.search(sentence):
        return not _OTHERS_ES.search(message)
    if lang == "en" and _HE_SHE_EN.search(sentence):
        return not _OTHERS_EN.search(message)
    return False


def fragment(sentence: str, before: str | None) -> bool:
    """A sentence that starts mid-thought ("especially Curling.", "showcasing fun for
    everyone!") where nothing said ``before`` it was left open (a clause ending in a comma
    may go on in lower case)."""
    first = sentence.lstrip(" \"'“")[:1]
    return first.isalpha() and first.islower() and (before is None or
                                                   bool(re.search(r"[.!?。！？]\W*$", before)))


# Words a finished sentence does not end on: the model stopped mid-sentence ("I'm.",
# "The Frostpeak Winter Games seems.", "Mi deporte favorito es el.").
_DANGLING = re.compile(
    r"(?:^|\s)(?:i'm|i am|it's|you're|we're|they're|seems?|the|a|an|and|or|but|"
    r"my|your|our|their|very|because|el|la|los|las|un|una|y|o|pero|de|del|con|para|por|"
    r"mi|tu|su|muy|porque|que)\W*$", re.I)


# Chinese that stops on a demonstrative, a measure word or a conjunction ("央行在依照这一.").
_DANGLING_ZH = re.compile(r"(?:这一|那一|这个|那个|一个|一种|和|与|把|被|从|向|因为|但是|而且|所以|或者|以及)\W*$")


# Chinese cut off by the tokenizer's end: a CJK character then an ASCII period ("感觉中管.").
_CUT_ZH = re.compile(r"[\u3400-\u9fff]\.\s*$")


def unfinished(sentence: str) -> bool:
    """A sentence that stops before it says anything: it ends on an article, a preposition,
    a conjunction, a possessive or a verb that needs more ("I'm.", "... seems.")."""
    return bool(_DANGLING.search(sentence.replace("’", "'").rstrip(" .!…"))
                or _DANGLING_ZH.search(sentence.rstrip(" .!…。！")))


_CJK = re.compile(r"[\u3400-\u9fff]+")


def cjk_echo(sentence: str, message: str, run: int = 5, share: float = 0.6) -> bool:
    """The viewer's Chinese said back: a run of ``run`` characters of the message, or
    ``share`` of the sentence's character pairs (five at least) taken from it, as the
    English echo check does with words ("这些游戏队员威胁要杀人" for "这些游戏队员威胁要杀死人士")."""
    said = "".join(_CJK.findall(message))
    pairs = [r[i:i + 2] for r in _CJK.findall(sentence) for i in range(len(r) - 1)]
    if not said or not pairs:
        return False
    for chars in _CJK.findall(sentence):
        if any(chars[i:i + run] in said for i in range(len(chars) - run + 1)):
            return True
    return len(pairs) >= 5 and sum(p in said for p in pairs) / len(pairs) >= share


# The host speaking as "we"/"us" (the viewer's words turned into a claim about the host
# and the viewer: "We're being at present concerned?", "something special about us").
_WE = re.compile(r"\b(?:we|we're|we are|we've|us|our|ourselves|nosotros|nosotras|estamos|somos|"
                 r"nuestr[oa]s?)\b|我们|咱们", re.I)
_WITH_YOU = re.compile(r"\bwith you\b|\bhere for you\b|\bcontigo\b|\bpor ti\b|陪着你|和你在一起", re.I)
_ABOUT_US = re.compile(r"\babout (?:us|ourselves)\b|\bwe(?:'re| are) being\b|\bde nosotros\b|"
                       r"我们(?:被|是在)", re.I)


def we_claim(sentence: str, message: str) -> bool:
    """The viewer's words turned into a claim about "we/us": a first-person-plural
    sentence built from two content words of the message (two CJK character pairs), or
    one about "us" itself ("there's something special about us")."""
    if not _WE.search(sentence) or _WITH_YOU.search(sentence):
        return False  # "we're here with you" comforts, it claims nothing
    if _ABOUT_US.search(sentence):
        return True
    said = _stems(message)
    taken = {w[:5] for w in _content(sentence) if w[:5] in said}
    if len(taken) >= 2:
        return True
    chars = "".join(_CJK.findall(message))
    pairs = {r[i:i + 2] for r in _CJK.findall(sentence) for i in range(len(r) - 1)}
    return sum(p in chars for p in pairs if "我们" not in p) >= 2


# A sentence broken off in the middle ("Could you explain what the author is trying to
# convey about?"): a verb that takes an object, then a bare preposition at the end.
_BROKEN = re.compile(
    r"\b(?:convey|explain|describe|express|discuss|mention|tell|show|say|mean)\w* "
    r"(?:about|of|for|with|to)\W*$", re.I)


def broken(sentence: str) -> bool:
    """A sentence whose grammar breaks off or doubles up ("trying to convey about?")."""
    return bool(_BROKEN.search(sentence))


# Violence in small talk: the model never talks of killing or threats, even when the
# viewer's message did ("这场比赛里的队友担心会杀所有人？" after "...威胁要杀死人士").
_VIOLENT = re.compile(r"\b(?:kill(?:s|ed|ing)?|murder\w*|stab\w*|threat\w*|mat(?:ar|a|an|ó)|asesin\w*|"
                      r"amenaz\w*)\b|杀|威胁|砍死|打死", re.I)


# A question back about the host itself, which the viewer cannot answer ("What made me
# laugh?", "Why do I love it?", "Do I like winter?").
_SELF_QUESTION = re.compile(
    r"^\W*(?:(?:what|who|why)\s+(?:made|makes|make)\s+me\b|(?:why|what)\s+do\s+I\s+"
    r"(?:like|love|enjoy|think|feel|want|know)\b|do\s+I\s+(?:like|love|enjoy|know)\b)[^?]*\?\s*$",
    re.I)


def sentence_fault(sentence: str, message: str, kind: str, lang: str,
                   viewer: str | None = None, before: str | None = None) -> str | None:
    """Why a model-written ``sentence`` in reply to ``message`` (of ``kind``: question,
    request, sad, thanks, praise, chat, abuse) would make a producer wince (None: fine).
    ``before``: what was said right before it in the reply (None: nothing)."""
    if _INSTRUCTION.search(sentence) or _ONLY_QUOTE.match(sentence):
        return "leak"
    if lang in ("en", "es") and (fragment(sentence, before) or unfinished(sentence) or broken(sentence)):
        return "fragment"
    if lang == "zh" and (unfinished(sentence) or _CUT_ZH.search(sentence)):
        return "fragment"
    if lang == "zh" and "：" in sentence:
        return "leak"  # a label read out ("你觉得：羽毛球？"), never a spoken line
    if cjk_echo(sentence, message):
        return "echo"
    if _VIOLENT.search(sentence):
        return "violence"
    someone = _SOMEONE_SAYS.match(sentence)
    if someone and someone.group(1).casefold() not in (message + " " + (viewer or "")).casefold():
        return "invented:person"
    if _SERVING.search(sentence):
        return "assistant-speak"
    if _SELF_QUESTION.search(sentence):
        return "odd-question"
    if kind == "sad" and (_CHEER.search(sentence) or _LIGHT.search(sentence) or
                          ("!" in sentence or "！" in sentence) and not _SYMPATHY.search(sentence)):
        return "tone:light-to-sad-news"
    if narrates_viewer(sentence, message, viewer, lang):
        return "third-person"
    if _CLAIM.search(sentence) or any(q.casefold() not in message.casefold()
                                      for q in _QUOTED.findall(sentence)):
        return "invented:claim"
    guess = _GUESS.search(sentence)
    if guess and len(_new_words(sentence[guess.end():], message)) >= 3:
        return "invented:about-viewer"
    if not re.search(r"[?？]\s*$", sentence):  # asking is fine; stating a guess is not
        intent = _INTENT_GUESS.search(sentence)
        if intent and not _said_it(intent.group(0), message):
            return "invented:about-viewer"
        family = _YOUR_FAMILY.search(sentence)
        who = family and next(g for g in family.groups() if g)
        if who and not _SOMEONE_BEFORE.search(message) and who[:3].casefold() not in message.casefold():
            return "invented:about-viewer"  # a family member the viewer never mentioned
        if _SHOW_CLAIM.search(sentence) or _SELF_CLAIM.search(sentence):
            return "invented:about-show"
        if _WORLD_CLAIM.search(sentence):
            return "invented:claim"
    if paraphrased_echo(sentence, message):
        return "echo"
    if we_claim(sentence, message):
        return "invented:about-viewer"
    return None


def comforting(sentence: str) -> bool:
    """A sentence that comforts (sympathy, hope, care): after sad news the judge speaks
    only these."""
    return bool(_COMFORT.search(sentence) or _SYMPATHY.search(sentence))
