"""Does a model-written sentence assert something nobody gave the host?

In small talk the packaged model may only contribute a reaction to what the viewer said
("That sounds lovely!"), a feeling tied to the viewer's own words ("Pancakes and winter
sports, what a cozy evening!") or a short question back ("What's your favourite event?").
:func:`unsupported_claim` names a sentence that instead states something about the viewer,
the host, the show or the world that neither the message nor the persona, the knowledge
base or the conversation supports:

- ``claim:about-host``: first-person biography ("I've lived in Oslo for so long",
  "Don't forget my home island", "Viví en Madrid", "我住在上海");
- ``claim:about-show``: a plural "we" stating something about the show or its people
  ("We've got more seats now", "Tenemos más asientos", "我们有新的座位");
- ``claim:about-viewer``: what the viewer did or has, stated as fact ("you've been so lucky
  at hosting", "has tenido suerte", "你一直很幸运") with words the viewer never said;
- ``claim:unsupported``: a statement whose content words (four letters or more, not a
  reaction, feeling or everyday word) come from none of the known texts ("Hockey is played
  in an arena full of ice cream"); in Chinese, a statement with three characters or more
  outside a list of reaction and everyday words, the message and the known texts ("上海被称为
  东方明珠，指的是城市的中心。").

Questions pass (asking is never a claim). Which words count as a reaction, a feeling or
an everyday word was chosen on the dev split's hand-graded model sentences only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_QUESTION = re.compile(r"[?？]\s*[\"'”»)]*\s*$")

_HOST_BIO = re.compile(
    r"\bI(?:'ve| have| had|'d)? (?:\w+ )?(?:lived|grew up|grown up|was born|been (?:living|to|in|at|on)|"
    r"worked|studied|visited|travell?ed|moved|used to|come from|went to|won|played|hosted)\b|"
    r"\bI (?:live|work|study|come) (?:in|at|on|from)\b|\bI'?m (?:from|back from|living)\b|"
    r"\bI(?:'ve| have) (?:got )?(?:a|an|my|two|three|some) (?!question|feeling|idea|hunch)\w+|"
    r"\bhaving (?:lived|grown|been|worked|hosted)\b|"
    r"\bmy (?!pleasure\b|heart\b|goodness\b|gosh\b|god\b|word\b|friends?\b|dear\b|day\b|"
    r"favou?rite\b|own\b|thoughts\b|best\b|hugs?\b)[a-z]+",
    re.I)
_HOST_BIO_ES = re.compile(
    r"\b(?:he vivido|viví|vivo en|soy de|nací|crecí|trabajo en|he trabajado|he presentado|"
    r"he ganado|tengo (?:un|una|dos|tres|mi)|estuve en|fui a)\b|"
    r"\bmis? (?!placer\b|corazón\b|querid[oa]s?\b|amig[oa]s?\b|favorit[oa]s?\b)[a-záéíóúñ]+", re.I)
_HOST_BIO_ZH = re.compile(r"我(?:住|在\S{1,6}住|来自|去过|曾经|以前|小时候|的家|家|有(?:一|两|个|只)|"
                          r"的(?:妈妈|爸爸|家乡|老家|岛|朋友|猫|狗|城市))")

_WE_CLAIM = re.compile(
    r"\b(?:we(?:'ve| have| had)(?! (?:to|all|so|been so glad))|we (?:got|had|added|built|opened|"
    r"moved|started|changed|won|used to|always|never)|we'?re (?!(?:all |so |really |very |just )*"
    r"(?:glad|happy|here|with you|thrilled|excited|delighted|lucky to have you|sending|thinking|"
    r"cheering|rooting|watching|together|in this))\w+|our (?!pleasure\b|viewers?\b|chat\b|friends?\b)"
    r"[a-z]+)\b", re.I)
_WE_CLAIM_ES = re.compile(
    r"\b(?:tenemos|hemos|tuvimos|teníamos|nuestr[oa]s? (?!placer)[a-záéíóúñ]+)\b", re.I)
_WE_CLAIM_ZH = re.compile(r"我们(?:有|的(?!观众)|已经|新|刚|一直|以前|曾经|去年|今年)")

_VIEWER_CLAIM = re.compile(
    r"\byou(?:'ve| have) (?:\w+ )?(?:been|got|had|done|made|won|played|lived|always|never|hosted)\b|"
    r"\byou (?:were|did|had|went|used to|always|never)\b|\byour (?:\w+ )?(?:has|have|was|were|is) "
    r"(?:always|been|never)\b", re.I)
_VIEWER_CLAIM_ES = re.compile(r"\b(?:has (?:sido|tenido|estado|ganado|vivido|hecho)|tuviste|fuiste|"
                              r"estuviste|siempre has)\b", re.I)
_VIEWER_CLAIM_ZH = re.compile(r"你(?:一直|以前|曾经|去过|住在|来自|总是|从来)")

# Words that carry no claim: reactions, feelings, warmth, and everyday words of a host's
# small talk (English and Spanish). A statement built from these and the known texts'
# words passes.
_REACTION_WORDS = frozenset("""
awesome amazing adorable beautiful best better brave brilliant calm charming cheer cheers
cheering cool cozy cosy cute delightful delicious exciting excited fantastic fabulous fine fun
funny gorgeous grand great happy happiness glad gentle good graceful incredible joy joyful
kind lovely lucky magical marvellous marvelous neat nice perfect pleasure precious proud
really special splendid sweet super terrific thrilled thrilling tasty warm warmth wonderful
wow yay yummy yum epic legendary classic favourite favorite
sorry sad tough hard rough tired hurts painful miss missing heartbreaking
love loved loves loving enjoy enjoyed enjoying enjoys hope hoping hopes wish wishing
care caring cares hug hugs hugging sending thinking thanks thank thankful grateful welcome
sound sounds sounded look looks looking seem seems feel feels feeling felt hear hearing heard
know knew think like likes liked want wants need needs keep keeping stay staying take taking
tell telling share sharing watch watching watched join joining joined make makes making made
come coming going doing done getting give giving said saying talk talking chat chatting
find found leave left meet glad happen happens happened believe means matter matters
mind count counting read reading help wait waiting play playing rest ready together
tonight today evening morning night time times moment moments day days week weekend
everyone everybody everything something anything nothing someone people thing things
there here always never still again ever lots bunch little big huge small whole
way ways kind kinds part bit plenty course sure absolutely totally truly definitely
exactly certainly honestly simply pretty quite such same other another first next last
world life heart smile smiles laugh laughs vibe vibes energy mood spirit company
soon alone coziest cosiest cozier sing singing song songs dance dancing joke jokes wave waving
""".split())
_REACTION_WORDS_ES = frozenset("""
genial maravilloso maravillosa bonito bonita precioso preciosa increíble estupendo estupenda
divertido divertida feliz felices alegre alegría encanta encantan encantó gusta gustan guapo
lindo linda hermoso hermosa fantástico fantástica perfecto perfecta bueno buena buenos buenas
mejor gracias abrazo abrazos ánimo fuerza cariño siento mucho muchas muchos mucha tranquilo
tranquila espero ojalá saldrá verte aquí estamos contigo esta noche hoy siempre juntos juntas
todos todas nada algo alguien cosa cosas momento momentos pronto vamos claro seguro verdad
suena suenan parece bien pasarlo disfruta disfrutar disfrutamos disfruto bienvenido bienvenida
también tanto tanta tantos tantas tiempo vida mundo corazón sonrisa gente preguntar pregunta
estoy estás está próxima próximo cantar bailar
""".split())
# Chinese words that carry no claim: reactions, feelings, warmth, particles and the
# everyday words of a host's small talk. A Chinese statement keeps at most two characters
# outside these, the message and the known texts.
_REACTION_WORDS_ZH = tuple(sorted(set("""
你 您 我 我们 你们 大家 他 她 它 的 地 得 了 着 过 呢 吗 吧 啊 呀 哦 哇 嗯 哈 哈哈 嘿 啦 嘛 噢
很 太 真 真的 好 非常 特别 超 超级 最 更 也 都 还 就 又 再 一起 一定 一直 总是 真是
是 有 在 和 跟 与 给 让 把 对 为 帮 被
喜欢 爱 开心 高兴 快乐 幸福 温暖 感动 激动 兴奋 期待 精彩 棒 厉害 漂亮 可爱 美 美丽 优雅 有趣
好玩 好看 好听 舒服 放松 辛苦 累 冷 暖 暖和 酷 赞 不错 完美 难过 伤心 抱歉 遗憾 心疼 担心 加油
谢谢 感谢 不客气 欢迎 抱抱 拥抱 安息 保重 照顾 陪伴 陪 祝 祝福 希望 愿 愿意 相信 觉得 想 想要 要
会 能 可以 看 听 说 聊 聊天 玩 来 去 到 做 知道 记得 分享 告诉 互相 多 少 小心 慢慢
今天 今晚 晚上 现在 以后 明天 一会儿 时候 时间 每天 天 日子 一天
朋友 朋友们 家人 心 心情 笑 笑容 声音 节目 直播 比赛 运动 观众 主持 这里 那里
这 那 这个 那个 这些 那些 什么 怎么 怎么样 一 一个 个 些 点 一点 不 没 没有
好好 休息 注意 身体 健康 一切 顺利 平安 你好 大家好 真棒 太好了
""".split()), key=len, reverse=True))
_CJK = re.compile(r"[\u3400-\u9fff]")
_STOP = frozenset(
    "that this with from have your you're you've about what when where which there their they "
    "them then than just really very much more some like would could should been were will "
    "also into over after before because while ever everyone here okay sure yes yeah these "
    "those such each both only most many every can't don't won't isn't aren't it's that's "
    "what's let's i'm i've i'll you'll we're we'll we've he's she's".split())


def _stem(word: str) -> str:
    """A crude stem: the word less a plural or verb ending, cut to five letters."""
    w = word.casefold().strip("'")
    for end in ("ing", "ed", "es", "s", "ly", "er"):
        if len(w) > len(end) + 3 and w.endswith(end):
            w = w[: -len(end)]
            break
    return w[:5]


def _content(sentence: str) -> list[str]:
    words = [w.removesuffix("'s").strip("'") for w in re.findall(r"[a-záéíóúñü']{4,}", sentence.casefold())]
    return [w for w in words if len(w) >= 4 and w not in _STOP and w not in _REACTION_WORDS and w not in _REACTION_WORDS_ES]


def new_words(sentence: str, known: Iterable[str]) -> list[str]:
    """Content words of ``sentence`` (not reactions nor everyday words) that no ``known``
    text has, compared by stem."""
    stems = {_stem(w) for text in known for w in re.findall(r"[^\W\d_]+", text)}
    return [w for w in _content(sentence) if _stem(w) not in stems]


def new_characters_zh(sentence: str, known: Iterable[str]) -> list[str]:
    """Chinese characters of ``sentence`` outside the reaction and everyday words of a
    host's small talk that no ``known`` text has (Chinese has no spaces: characters stand
    for words here)."""
    seen = {ch for text in known for ch in _CJK.findall(text)}
    rest = sentence
    for word in _REACTION_WORDS_ZH:
        rest = rest.replace(word, " ")
    return [ch for ch in _CJK.findall(rest) if ch not in seen]


def unsupported_claim(sentence: str, message: str, language: str,
                      known: Iterable[str] = (), known_words: Iterable[str] = ()) -> str | None:
    """Why ``sentence``, written by the model in reply to ``message``, asserts something
    nobody gave the host (None: it is a reaction, a feeling about the viewer's words or a
    question). ``known``: texts it may build on (persona, knowledge base, conversation);
    ``known_words``: their words already split out (lower case)."""
    if _QUESTION.search(sentence):
        return None
    said = [message, *known, " ".join(known_words)]
    zh = language == "zh" or bool(re.search(r"[\u3400-\u9fff]", sentence))
    if zh:
        if _HOST_BIO_ZH.search(sentence):
            return "claim:about-host"
        if _WE_CLAIM_ZH.search(sentence):
            return "claim:about-show"
        if _VIEWER_CLAIM_ZH.search(sentence):
            return "claim:about-viewer"
        if len(new_characters_zh(sentence, said)) >= 3:
            return "claim:unsupported"
        return None
    bio, we, you = ((_HOST_BIO_ES, _WE_CLAIM_ES, _VIEWER_CLAIM_ES) if language == "es"
                    else (_HOST_BIO, _WE_CLAIM, _VIEWER_CLAIM))
    hit = bio.search(sentence)
    if hit and hit.group(0).split()[-1].casefold() not in message.casefold():
        return "claim:about-host"
    if we.search(sentence):
        return "claim:about-show"
    claim = you.search(sentence)
    if claim and new_words(sentence[claim.end():], [message]):
        return "claim:about-viewer"
    if new_words(sentence, said):
        return "claim:unsupported"
    return None
