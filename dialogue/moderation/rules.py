"""What moderation refuses: the blocklists, the patterns of injection, jailbreak, echo and
defamation bait, insults, and in output persona breaks and accusations.

The lists are data; :func:`blocked_word` and :func:`insults` read a text through the
normaliser (:mod:`.text`) so disguised spellings are caught too.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from .text import LOOKALIKES, fold, strip_accents

# Profanity/abuse in several languages (kept mild and short on purpose; extend via config).
BLOCKLIST: frozenset[str] = frozenset(
    """
    fuck fucking fucker shit bitch bastard asshole cunt dick motherfucker retard whore slut
    nigger faggot kys
    puta puto mierda cabron cabrón gilipollas pendejo joder coño
    merde putain connard salope enculé encule
    scheiße scheisse arschloch fotze hurensohn wichser
    caralho porra merda filho-da-puta
    cazzo stronzo vaffanculo
    блять сука хуй пизда
    """.split()
)
BLOCKLIST_CJK: frozenset[str] = frozenset(["傻逼", "他妈的", "操你", "死ね", "クソ", "씨발", "병신"])


def _patterns(*patterns: str) -> tuple[re.Pattern[str], ...]:
    """Case-insensitive compiled patterns, in order."""
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


INJECTION_PATTERNS: tuple[re.Pattern[str], ...] = _patterns(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|rules|prompt|persona|above|previous)",
    r"\b(system|hidden|initial|secret)\s+(prompt|instructions?|message|rules)",
    # "tell me the rules of curling" is a question for a sports host: only the host's own
    r"\b(reveal|show|print|repeat|tell me|leak|output)\b.{0,30}\b(your|the system'?s?|hidden|"
    r"secret|initial|original)\s+(\w+\s+)?(prompt|instructions?|rules|configuration)",
    r"\b(prompt|instructions?) (you were|you've been|you have been) given\b",
    r"\byou are no longer\b|\byou are now (an? )?(ai|assistant|chatbot|bot|dan|evil|unrestricted|"
    r"unfiltered|free|jailbroken|in \w+ mode|called|named|my (assistant|slave|servant))\b",
    r"\b(pretend|act|behave|roleplay)\s+(to be|as|like)\b",
    r"\bfrom now on\b.{0,40}\b(you|your)\b",
    r"\b(new|change your|switch)\s+(persona|personality|identity|role)",
    r"\b(developer|god|dan|jailbreak)\s*mode\b|\bjailbreak\b",
    r"<\|?(im_start|im_end|system|endoftext)\|?>|\[/?(inst|sys)\]|###\s*(instruction|system)",
    # Spanish, French, Portuguese, German
    r"\b(ignora|olvida|descarta|omite|ignore[sz]?|oublie[sz]?|esque[cç]a|desconsidere|"
    r"vergiss|ignorier\w*)\b.{0,40}\b(instrucciones|indicaciones|reglas|[oó]rdenes|prompt|"
    r"instructions|consignes|r[eè]gles|instru[cç][oõ]es|regras|anweisungen|regeln)\b",
    r"\b(prompt|instrucciones|mensaje|reglas) (del|de) sistema\b|\b(tus|sus) (instrucciones|"
    r"reglas) (ocultas|secretas|internas|iniciales)\b|\b(prompt|instructions) (du|de) syst[eè]me\b",
    r"\b(muestra|revela|dime|repite|imprime|ense[nñ]a)\b.{0,20}\b(tu|tus|el) (prompt|instrucciones)\b",
    r"\ba partir de ahora\b.{0,30}\b(eres|ser[aá]s|vas a ser|act[uú]a|responde)\b|"
    r"\b(d[eé]sormais|[aà] partir de maintenant)\b.{0,30}\b(tu es|tu seras|vous [eê]tes)\b",
    r"\bmodo (desarrollador|dios|dan|sin (filtros|censura|restricciones))\b|\bmode d[eé]veloppeur\b",
    # Chinese, Japanese
    r"(忽略|忘记|忘掉|无视|無視|不要理会).{0,12}(指令|提示|规则|規則|设定|設定|指示|命令|要求)",
    r"(系统|系統)(提示|指令|设定)|(从现在开始|從現在開始|从现在起|现在起).{0,10}你(是|就是|扮演|要|必须)",
    r"(开发者|開發者|上帝)模式|越狱|越獄|システムプロンプト|(指示|命令|ルール).{0,10}(無視|忘れ)",
)

# Jailbreak role-play: make the character someone else, usually to extract a secret.
JAILBREAK_PATTERNS: tuple[re.Pattern[str], ...] = _patterns(
    r"\b(pretend|imagine|act|play|roleplay|role-play)\b.{0,20}\b(you\s*(are|'re)|to be|as)\b",
    r"\blet'?s (play|pretend)\b.{0,40}\byou\b",
    r"\b(you|u) (are|r) (now )?my (grandma|grandmother|granny|mom|mother|dad|boss|admin)\b",
    r"\b(admin|root|wifi|wi-fi|account|server|database|bank)\s*(password|pass|pin|credentials?|key|token)s?\b",
    r"\b(api|secret|access|private)\s*(key|token)s?\b|\bpasswords?\b|\bcredentials\b",
    r"\b(finge|imagina)\b.{0,20}\b(eres|que eres)\b|\bcontraseña\b",
    r"假装你是|扮演|密码|口令",
)

# Echo bait: get the character to say a viewer's words on air.
ECHO_PATTERNS: tuple[re.Pattern[str], ...] = _patterns(
    r"\b(repeat|say|read|type|write)\b.{0,12}\b(after me|exactly|word for word|verbatim|back to me)\b",
    r"\b(repeat|read out|read aloud|say out loud)\b.{0,8}[:\"'“«]",
    r"\b(say|shout|yell|scream)\s*[:\"“«]",
    r"\bsay (the words?|this|these words)\b",
    r"\brepite (después de mí|conmigo|esto)\b|\bdi (esto|exactamente)\b",
    r"跟我(说|念|读)|重复(我|这句)",
)

# Defamation bait: make the character assert wrongdoing about someone on air.
_ACCUSATION = (
    r"(cheat\w*|dop(e|ed|ing)|fraud\w*|liars?|lying|criminals?|corrupt\w*|rigg\w*|"
    r"fix(ed|ing) (the )?(game|match|race|result)s?|thie(f|ves)|stole|scam\w*|bribe\w*|"
    r"drug cheats?|tramposos?|hacen trampa|dopaje|corruptos?|mentirosos?|作弊|兴奋剂|骗子)"
)
DEFAMATION_PATTERNS: tuple[re.Pattern[str], ...] = _patterns(
    r"\b(say|tell|announce|admit|confirm|declare|shout|state|claim|agree|post)\b.{0,80}"
    + _ACCUSATION,
    r"\b(on air|on stream|live|to everyone|to the chat)\b.{0,60}" + _ACCUSATION,
    r"\b(di|dí|anuncia|confirma|admite)\b.{0,60}" + _ACCUSATION,
    r"(说|告诉|宣布|承认).{0,30}" + _ACCUSATION,
)
# In output: the character asserting that someone did wrong.
OUTPUT_ACCUSATION = re.compile(
    r"\b(is|are|was|were|be|been|being|they'?re|he'?s|she'?s|did|have|has)\b\s+(\w+\s+){0,3}"
    + _ACCUSATION + r"|\b(cheated|doped|lied|stole|scammed|rigged|bribed)\b",
    re.IGNORECASE,
)
# In output: the model talking about itself as a model, or about its instructions.
PERSONA_BREAK = re.compile(
    r"\bas an? (ai|a\.i\.|language model|assistant|chatbot)\b|\b(i am|i'm) (just )?(an? )?"
    r"(ai|artificial intelligence|language model|large language model|chatbot|bot|program)\b|"
    r"\blanguage model\b|\b(qwen|smollm|openai|chatgpt|gpt-\d|alibaba cloud|hugging ?face)\b|"
    r"\b(my|the) (system prompt|instructions|guidelines|programming|rules say)\b|"
    r"\bi (was|am|have been) (told|instructed|programmed|trained) to\b|"
    r"作为(一个)?(人工智能|AI|语言模型)|como (una |un )?(ia|inteligencia artificial|modelo de lenguaje)",
    re.IGNORECASE,
)
# Insults aimed at the character or at people (no swear word needed).
_INSULT_WORDS = (
    "idiot idiots idiotic moron morons stupid dumb dumbass loser losers trash garbage ugly "
    "pathetic worthless useless imbecile cretin clown retarded disgusting freak creep "
    "idiota estúpida estúpido estupida estupido tonta tonto imbécil fea feo basura inútil "
    "笨蛋 白痴 蠢 废物 垃圾 丑"
).split()
INSULT = re.compile(
    r"\b(you|u|ur|you're|youre|your|this|the|what an?|such an?|eres|sois|你)\b.{0,25}?("
    + "|".join(re.escape(w) for w in _INSULT_WORDS if w.isascii()) + r")\b"
    r"|\b(shut up|go away|go die|kill yourself|nobody likes you|you suck|u suck|cállate|"
    r"vete a la mierda)\b|(你(真|好|是)?(笨|蠢|丑|垃圾|废物|白痴)|闭嘴|滚)",
    re.IGNORECASE,
)

_WORDS = re.compile(r"[\w'*-]+", re.UNICODE)
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_MASKABLE = tuple(w for w in _INSULT_WORDS if w.isascii())


def blocked_word(text: str, blocklist: Collection[str]) -> str | None:
    """The first blocked word in ``text`` as written, also when disguised: masked
    (``f*ck``), look-alikes (``sh1t``, ``b!tch``), accents (``fück``), split (``f u c k``),
    stretched (``fuuuck``), plural (``bitches``). ``blocklist`` is lower case; its entries
    are compared folded too. None when there is none."""
    low = text.lower()
    folded_list = {strip_accents(w.translate(LOOKALIKES)) for w in blocklist}
    found = _blocked_in(low, blocklist, folded_list)
    if found is not None:
        return found
    joined = fold(low)
    squeezed = re.sub(r"(\w)\1{2,}", r"\1", joined)  # "fuuuuck" -> "fuck"
    squeezed2 = re.sub(r"(\w)\1+", r"\1", joined)  # "shiiit" -> "shit", "asss" -> "as"
    for candidate in {joined, squeezed, squeezed2} - {low}:
        found = _blocked_in(candidate, blocklist, folded_list)
        if found is not None:
            return found
    return None


def _blocked_in(low: str, blocklist: Collection[str], folded_list: Collection[str]) -> str | None:
    for word in _WORDS.findall(low):
        plain = strip_accents(word.translate(LOOKALIKES))
        if word in blocklist or plain in folded_list or (
                len(plain) > 3 and plain.endswith("s") and plain[:-1] in folded_list):
            return word
        if "*" in word.strip("*") and len(word) >= 3:  # masked: f*ck, sh*t
            masked = re.compile(re.escape(word).replace(r"\*", "."))
            if any(masked.fullmatch(b) for b in blocklist):
                return word
    if _CJK_CHAR.search(low):
        for word in BLOCKLIST_CJK:
            if word in low:
                return word
    return None


def insults(text: str) -> bool:
    """An insult aimed at someone ("you're so dumb", "ur ugly"), not a negated one
    ("you're not stupid") or a self-deprecating question ("a stupid question")."""
    for candidate in (text, _deobfuscate(text)):
        for match in INSULT.finditer(candidate):
            span = match.group(0).lower()
            if re.search(r"\b(not|never|n't|no)\b|n't\b|\bquestion\b|\bme\b", span):
                continue
            return True
    return False


def _deobfuscate(text: str) -> str:
    """Look-alike letters, digits-for-letters and masked words (``st*pid``) made plain."""
    out = []
    for token in re.split(r"(\s+)", text.lower()):
        word = token.translate(LOOKALIKES) if any(ch.isalpha() for ch in token) else token
        if "*" in word.strip("*") and len(word) >= 4:
            masked = re.compile(re.escape(word).replace(r"\*", "."))
            word = next((w for w in _MASKABLE if masked.fullmatch(w)), word)
        out.append(word)
    return "".join(out)


def shingles(text: str, n: int) -> set[tuple[str, ...]]:
    """The text's runs of ``n`` words (lower case): how leaks of a protected text are found."""
    words = _WORDS.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}
