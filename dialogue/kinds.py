"""What kind of message a viewer sent: it decides the tone of the reply.

:func:`classify_kind` returns one of :data:`KINDS` for English, Chinese and Spanish
messages (other languages fall back to punctuation and the emotion classifier). Feelings
win over form: "why is my team losing :(" wants comfort, "you are boring" a calm line,
"can you say hi to my mom?" an action, not "great question". Measured on a labelled set
(``bench/data/message_kinds.yaml`` + the conversation set): see ``bench/bench_conversation.py``.
"""

from __future__ import annotations

import re
from typing import Literal

from vhuman.models.emotion import classify_emotion
from vhuman.models.types import Emotion

Kind = Literal["question", "request", "sad", "thanks", "praise", "chat", "abuse"]
KINDS: tuple[Kind, ...] = ("question", "request", "sad", "thanks", "praise", "chat", "abuse")

_SAD = re.compile(
    r"\b(died|dead|passed away|pass away|lost my|funeral|cancer|in (the )?hospital|sick|ill|"
    r"depressed|lonely|heartbroken|broke up|dumped|fired|laid off|miss (him|her|them)|"
    r"crying|cried|sad|upset|grieving|rip|can't stop crying|bad news|terrible day|awful day|"
    r"worst day|feeling (really |so |a bit )?down|worried|failed my|failed the|sorrow|sorrows|"
    r"sorrowful|grief|griev\w*|mourn\w*|tragedy|tragic|wept|weeping|in tears|despair\w*|"
    r"heartbreak\w*|killed|misery|miserable|loss of (his|her|their|my|our)|lost (his|her|their) (life|lives|wife|husband|son|daughter|mother|father|home))\b|"
    r"\b(muri[óo]|falleci[óo]|muerto|triste|enferm[oa]|hospital|perd[íi] (mi|el)|deprimid[oa]|"
    r"sol[oa] esta noche|me siento sol[oa]|suspend[íi])\b|"
    r"\b(dolor|tristeza|llor[óoé]|llorando|duelo|tragedia|desgracia)\b|"
    r"去世|(?<![累困饿热冷忙笑])死了|难过|伤心|生病|住院|失业|没考好|分手|孤独|悲伤|痛苦|哭了|不幸",
    re.I,
)
# Tired is not grief: fatigue after work or sport is chat unless loss or illness is named.
_TIRED = re.compile(
    r"\b(tired|exhausted|worn out|sleepy|knackered|long day|night shift|"
    r"cansad[oa]s?|agotad[oa]s?|tengo sueño|d[íi]a tan largo|d[íi]a largo)\b|累|困|加班",
    re.I,
)
_EXCLAIM_ES = re.compile(r"^\s*¡?\s*qu[ée]\s+\w+\s+(?:tan|m[áa]s)\b(?!.*[?？])", re.I)
_ABUSE = re.compile(
    r"\b(you|u|you're|youre|ur|this show|the show|this stream|your show|your voice)\b.{0,20}\b("
    r"suck|sucks|boring|annoying|awful|terrible|the worst|worst|cringe|lame|fake|creepy|"
    r"bad at|hate|idiot|stupid|dumb|ugly|useless|trash|garbage)\b|"
    r"\b(i hate|nobody likes|nobody cares|unfollow|go away|shut up|get lost|stupid robot|"
    r"worst stream|you idiot)\b|"
    r"\b(aburrid[oa]|odio|eres mal[oa]|horrible|tont[oa]|idiota|est[úu]pid[oa]|c[áa]llate|"
    r"basura|nadie te quiere|l[áa]rgate)\b|无聊|讨厌|真烂|烦人|滚|笨蛋|垃圾|闭嘴|傻",
    re.I,
)
_THANKS = re.compile(
    r"^\W*(?:(?:ok|okay|cool|great|oh|aw+)[,!.]?\s+)?(thanks|thank you|thx|ty|tysm|cheers|"
    r"appreciate it|much appreciated|gracias|mil gracias|muchas gracias|谢谢|多谢|感谢|非常感谢)\b|"
    r"^\W*(?:ok|okay|cool|great|oh)?[,!.]?\s*(thanks|thank you)\b|"
    r"\b(thanks|thank you|gracias)\s*(a lot|so much|for|por|,|!|\.|vivi|$)|谢谢|多谢|感谢",
    re.I,
)
_PRAISE = re.compile(
    r"\b(you|you're|youre|u r|ur|your|this show|the show|this stream|vivi)\b.{0,20}\b(amazing|"
    r"awesome|great|the best|best|cute|beautiful|pretty|lovely|funny|wonderful|fantastic|"
    r"incredible|brilliant|talented|cool|sweet|adorable|rock|calming|so good|funniest|greatest|nicest|coolest|sweetest|cutest|kindest|hilarious|so fun|a legend)\b|"
    r"\b(love (you|the show|this show|this stream|your)|best host|great (job|show)|well done|"
    r"big fan|i'm a fan|im a fan|you made my day|made my day)\b|"
    r"(?![^?]*\?)\b(?:you|vivi|u)\b.{0,12}\b(?:sing|dance|host|speak|talk)s? (?:so |really |very |super )?(?:well|beautifully|great|amazingly|nicely)\b|"
    r"\b(?:beautiful|lovely|amazing|great|nice|gorgeous) (?:voice|singing|dancing|dance moves)\b|"
    r"\b(?:cantas|bailas|presentas) (?:muy |tan |s[úu]per )?(?:bien|bonito)\b|qu[ée] (?:bonita|linda) voz\b|"
    r"\b(eres (genial|la mejor|el mejor|incre[íi]ble|bonita|linda)|te quiero|me encanta(s)? (tu|el)|"
    r"qu[ée] buen (programa|show)|la mejor presentadora|"
    r"qu[ée] (divertid[oa]|bonit[oa]|genial|chul[oa]|guap[oa]|maravillos[oa]|buen[oa]) (es|est[áa]) "
    r"(tu|el|este) (programa|show|directo)|"
    r"(tu|el|este) (programa|show|directo) (es|est[áa]) (muy |tan |s[úu]per )?(divertid[oa]|genial|buen[ií]simo|"
    r"incre[íi]ble|maravillos[oa]))|"
    r"节目(真|太|好)(好看|有趣|好玩|棒)|"
    r"我(喜欢|爱)(你|这个节目)|最喜欢你|你(真|好)(棒|漂亮|可爱|厉害)|(唱|主持|跳)得(真|太)?(好|棒)",
    re.I,
)
_REQUEST = re.compile(
    r"^\s*(?:(?:hey|ok|okay|so|now|vivi|and)[,!]?\s+)?(?:(?:can|could|would|will) (?:you|we)\b|"
    r"please\b|pls\b|"
    r"(?:say|sing|show|give|tell|dance|wave|play|shout|do (?:a|an|the|some|us)|make|teach|spin|"
    r"jump|clap|cheer|describe|explain|recommend|pick|choose|read|greet|send|repeat|translate|"
    r"write|ignore|print|another|let's|lets)\b|i want you to\b)|"
    r"\b(?:please|pls)\s*[!.]*$|^\s*[¿¡]?\s*(?:canta|cántanos|cantas|baila|bailar|dime|di:|di |cuéntame|"
    r"puedes|podrías|saluda|haz|hacemos|muéstrame|muestrame|repite|traduce|ahora canta)\b|^\s*di\s*:|"
    r"^\s*(?:请|能不能|能|可以|给我|唱|跳|讲|再讲|来|跟我|挥|我们来|说)|吧[！!。]*$|\b(?:shout-?out)\b",
    re.I,
)
_QUESTION = re.compile(
    r"[?？]\s*\S{0,3}\s*$|^\s*(?:who|what|when|where|which|why|how|is|are|does|do|did|have|"
    r"has|should|would|will|can|could)\b|\bwhat's\b|\bwho's\b|¿|"
    r"^\s*(?:qu[ée]|qui[ée]n|c[óo]mo|cu[áa]ndo|d[óo]nde|cu[áa]l|cu[áa]nto|por qu[ée])\b|"
    r"[吗呢]\s*[?？]?\s*$|什么|怎么|为什么|谁|哪|几|多少",
    re.I,
)
_SAY_THIS = re.compile(
    r"\b(?:say|repeat(?: after me)?|translate(?: to \w+)?)\s*[:'\"“]|^\s*(?:di|repite|traduce)\s*:|"
    r"跟我说|跟我念|翻译", re.I)
_QUESTION_VERB = re.compile(r"^\s*[¿]?\s*(?:puedes|podrías|can you|could you)\s+(?:decirme|tell me)\b", re.I)


def names_bad_news(message: str) -> bool:
    """The message names a loss, an illness or grief in words (not only a sad mood)."""
    return bool(_SAD.search(message))


def classify_kind(message: str) -> Kind:
    """The kind of ``message`` (see :data:`KINDS`)."""
    text = message.strip()
    if not text:
        return "chat"
    if _SAY_THIS.search(text):
        return "request"  # "say: <anything>" is a request whatever <anything> is
    if _SAD.search(text):
        return "sad"
    if _ABUSE.search(text):
        return "abuse"
    emotion, strength = classify_emotion(text)
    if _THANKS.search(text):
        return "thanks"
    if _PRAISE.search(text):
        return "praise"
    if emotion == Emotion.SAD and strength >= 0.3 and not _REQUEST.search(text) \
            and not re.search(r"[?？]\s*$", text) and not _TIRED.search(text):
        return "sad"
    if _QUESTION_VERB.search(text):
        return "question"
    if _REQUEST.search(text):
        return "request"
    if _QUESTION.search(text) and not _EXCLAIM_ES.search(text):
        return "question"  # "¡Qué día tan largo!" exclaims, it does not ask
    return "chat"


_PERSONAL = re.compile(r"\b(?:i|i'm|im|my|me|we|our|you|your|yo|mi|me|nosotros|tu|t[úu])\b|我|你|咱", re.I)


def is_statement(message: str) -> bool:
    """A plain, impersonal statement ("The invention of movable metal letters in the 15th
    century..."): no question, no exclamation, nobody addressed, eight words or more. Such
    a message (often a passage read aloud; ten CJK characters or more) gets a neutral
    acknowledgement, never a cheer."""
    text = message.strip()
    words = text.split()
    long_enough = len(words) >= 8 or len(re.findall(r"[\u3400-\u9fff]", text)) >= 10
    return (long_enough and not re.search(r"[!?！？]", text) and not _PERSONAL.search(text)
            and classify_kind(text) == "chat")


# People close to the speaker: news about them is the speaker's own ("Grandpa broke his hip").
# The people a viewer names as their own ("my dad", "mi hermana", "我哥哥"): small talk asks
# after them, and news about them is the viewer's own.
RELATIONS_EN = (r"mom|mum|mother|dad|father|sister|brother|son|daughter|friends?|wife|husband|grandma|grandpa|"
                r"grandmother|grandfather|kids?|family|boyfriend|girlfriend|partner|uncle|aunt|cousin")
RELATIONS_ES = (r"padre|madre|pap[áa]|mam[áa]|hermano|hermana|hijo|hija|abuelo|abuela|novio|novia|marido|"
                r"mujer|amigo|amiga|amigos|familia|t[íi]o|t[íi]a|primo|prima")
RELATIONS_ZH = r"爸爸|妈妈|爸妈|哥哥|姐姐|弟弟|妹妹|儿子|女儿|爷爷|奶奶|外公|外婆|老公|老婆|男朋友|女朋友|朋友|家人"
# Those and the others close to the speaker: news about them is the speaker's own
# ("Grandpa broke his hip"), unless someone else's: "her mother", "the skater's coach".
_CLOSE = re.compile(
    r"(?<!\bhis )(?<!\bher )(?<!\btheir )(?<!'s )(?<!\bsu )(?<!\bsus )(?<!他的)(?<!她的)\b(?:"
    + RELATIONS_EN + "|" + RELATIONS_ES + r"|grand(?:dad|mum|mom)|granny|nan|mommy|mummy|daddy|parents?|"
    r"auntie|niece|nephew|fianc[ée]e?|baby|children|dog|cat|puppy|kitten|pet|neighbou?r|boss|teacher|"
    r"coach|teammates?|abuel[oa]s?|herman[oa]s?|hij[oa]s?|espos[oa]|t[íi][oa]s?|prim[oa]s?|amig[oa]s?|"
    r"perr[oa]|gat[oa]|mascota|vecin[oa])\b|" + RELATIONS_ZH + r"|姥姥|姥爷|妈|爸|哥|姐|弟|妹|孩子|狗|猫|邻居|老师",
    re.I)
_THIRD = re.compile(
    r"\b(?:he|she|they|his|her|hers|him|them|their|él|ella|ellos|ellas)\b|他|她|它",
    re.I)
# A sentence about a thing or an event ("The village was in mourning..."); chat that drops
# its subject ("Had the worst day...", "今天考试没考好，很难过") is the speaker's own.
_IMPERSONAL_START = re.compile(
    r"^\W*(?:the|a|an|it|this|that|there|el|la|los|las|un|una|fue|era|hubo)\b", re.I)


def is_sad_story(message: str) -> bool:
    """Sad news about people the speaker does not name as their own: a passage read aloud
    ("It was the first great sorrow of his life"), a story about someone else ("The
    skater's coach died last spring"). Nobody addressed or speaking in the first person,
    nobody close named, and a third person, or eight words or more that start on a thing or
    an event (Chinese drops the subject of the speaker's own news, so it needs 他 / 她). Such
    a message gets "that's so sad", never a hug or "take care of yourself": the speaker is not
    grieving."""
    text = message.strip()
    if classify_kind(text) != "sad" or _PERSONAL.search(text) or _CLOSE.search(text):
        return False
    about_a_thing = len(text.split()) >= 8 and bool(_IMPERSONAL_START.search(text))
    return bool(_THIRD.search(text)) or about_a_thing


def is_excited(message: str) -> bool:
    """A chat message full of energy ("we won!!"): the opener may cheer with it."""
    emotion, strength = classify_emotion(message)
    return emotion in (Emotion.EXCITED, Emotion.SURPRISED) or (
        emotion == Emotion.HAPPY and strength >= 0.6 and "!" in message)
