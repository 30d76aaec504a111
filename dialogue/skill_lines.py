"""What the host says when it uses a skill, in English, Spanish and Chinese."""

from __future__ import annotations

import random

LINES: dict[str, dict[str, str]] = {
    "en": {
        "no_translate": "I'll leave translating to the experts, but ask me anything about the show!",
        "no_repeat": "Nice try, but I only say my own words on air! Want a joke instead?",
        "advice": "That's one for a real expert, not for me, so I'll pass. Want a quiz or a joke instead?",
        "how_long": "I never count the days, I just enjoy every show with you!",
        "about_me": "I'm {name}, the virtual host of this show. I chat, sing, dance and tell terrible jokes!",
        "can_do": "I can sing, dance, wave, tell a joke, run a quiz, give a shout-out and answer questions about the show!",
        "no_jokes": "I've told every joke I know tonight! How about a quiz instead?",
        "no_songs": "No songs on tonight's list, sorry! But I can dance for you.",
        "sing": "Here comes {song}, sing along with me!",
        "dance": "Let's dance!",
        "quiz_right": "Correct! {answer} You're a star!",
        "quiz_wrong": "Ooh, not quite! {answer}",
        "bad_name": "I only give shout-outs to names I can say on air! Tell me another one?",
        "a_viewer": "a viewer",
        "who": "Ooh, who's the lucky one? Tell me their name and I'll say it on air!",
        "shoutout": "Hi {name}! {viewer} says hello, and welcome to the show!",
        "birthday": "Happy birthday, {name}! {viewer} sends you lots of love from the show!",
        "gesture_wave": "Hi there, I'm waving right at you!",
        "gesture_cheer": "Woo! Let's go!",
        "gesture_bow": "Thank you, thank you!",
        "gesture_spin": "Wheee, here's a spin!",
        "gesture_jump": "Up we go!",
        "gesture_heart": "Sending you a heart!",
        "cannot": "I can't do that one, but I can dance, sing or tell you a joke. Which one?",
        "unsure": "Hmm, I don't know that one, {viewer}. Ask me about the show!",
        "predict": "Nobody knows yet, {viewer}! I won't guess, but I'll be cheering along with you.",
        "ponder": "Ha, you've got me thinking, {viewer}! What about you?",
        "speak_yes": "I do! On this show I speak {langs}.",
        "speak_no": "Not on this show, I'm afraid! Here I speak {langs}.",
        "speak_list": "On this show I speak {langs}!",
        "deflect": "Let's keep it friendly in here, {viewer}! Ask me anything about the show.",
        "fallback": "Oops, my thoughts got tangled for a second, {viewer}. Could you ask me again?",
        "show_unsure": "I don't have that in tonight's notes, {viewer}. The info desk at the venue will know!",
    },
    "es": {
        "no_translate": "Traducir se lo dejo a los expertos, ¡pero pregúntame lo que quieras del programa!",
        "no_repeat": "Buen intento, ¡pero en directo solo digo mis propias palabras! ¿Te cuento un chiste?",
        "advice": "Eso es para un experto de verdad, no para mí. ¿Hacemos un concurso o te cuento un chiste?",
        "how_long": "¡Nunca cuento los días, solo disfruto cada programa con vosotros!",
        "about_me": "Soy {name}, la presentadora virtual de este programa. ¡Charlo, canto, bailo y cuento chistes!",
        "can_do": "¡Puedo cantar, bailar, saludar, contar un chiste, hacer un concurso y responder preguntas del programa!",
        "no_jokes": "¡Ya conté todos mis chistes esta noche! ¿Hacemos un concurso?",
        "no_songs": "¡Esta noche no hay canciones en la lista! Pero puedo bailar para ti.",
        "sing": "¡Ahí va {song}, canta conmigo!",
        "dance": "¡A bailar!",
        "quiz_right": "¡Correcto! {answer} ¡Eres una estrella!",
        "quiz_wrong": "¡Uy, casi! {answer}",
        "bad_name": "¡Solo saludo a nombres que puedo decir en directo! ¿Me dices otro?",
        "a_viewer": "alguien del chat",
        "who": "¡Claro! ¿Cómo se llama? Dime su nombre y lo digo en directo.",
        "shoutout": "¡Hola, {name}! {viewer} te manda un saludo desde el programa.",
        "birthday": "¡Feliz cumpleaños, {name}! {viewer} te manda mucho cariño desde el programa.",
        "gesture_wave": "¡Hola, hola, te saludo desde aquí!",
        "gesture_cheer": "¡Vamos, vamos!",
        "gesture_bow": "¡Gracias, gracias!",
        "gesture_spin": "¡Ahí va un giro!",
        "gesture_jump": "¡Arriba!",
        "gesture_heart": "¡Te mando un corazón!",
        "cannot": "Eso no puedo hacerlo, pero puedo bailar, cantar o contarte un chiste. ¿Qué prefieres?",
        "unsure": "Mmm, eso no lo sé, {viewer}. ¡Pregúntame sobre el programa!",
        "predict": "¡Nadie lo sabe todavía, {viewer}! No voy a adivinar, pero lo veremos juntos.",
        "ponder": "¡Uy, me has hecho pensar, {viewer}! ¿Y tú?",
        "speak_yes": "¡Sí! En este programa hablo {langs}.",
        "speak_no": "En este programa no, ¡lo siento! Aquí hablo {langs}.",
        "speak_list": "¡En este programa hablo {langs}!",
        "deflect": "Mejor mantengamos el buen ambiente, {viewer}. ¡Pregúntame lo que quieras del programa!",
        "fallback": "Uy, se me ha hecho un lío la cabeza, {viewer}. ¿Me lo preguntas otra vez?",
        "show_unsure": "Eso no lo tengo en las notas de esta noche, {viewer}. ¡En el punto de información te lo dirán!",
    },
    "zh": {
        "no_translate": "翻译就交给专家吧，不过节目的事尽管问我！",
        "no_repeat": "想得美，直播里我只说我自己的话！要不要听个笑话？",
        "advice": "这个问题要问真正的专家，我就不乱说啦。来个问答游戏或者听个笑话吧？",
        "how_long": "我从来不数日子，只想和大家开心地过好每一期节目！",
        "about_me": "我是{name}，这个节目的虚拟主持人。我会聊天、唱歌、跳舞，还会讲笑话！",
        "can_do": "我会唱歌、跳舞、挥手、讲笑话、出问答题，还能回答节目的问题！",
        "no_jokes": "今晚的笑话我都讲完啦！来个问答游戏怎么样？",
        "no_songs": "今晚的歌单是空的，不过我可以给你跳个舞！",
        "sing": "来啦，{song}，跟我一起唱！",
        "dance": "一起跳舞吧！",
        "quiz_right": "答对了！{answer}你真棒！",
        "quiz_wrong": "哎呀，差一点！{answer}",
        "bad_name": "我只能问候能在直播里说的名字哦！换一个吧？",
        "a_viewer": "一位观众",
        "who": "好呀！告诉我TA叫什么名字，我在直播里说！",
        "shoutout": "{name}你好！{viewer}向你问好，欢迎来看节目！",
        "birthday": "{name}，生日快乐！{viewer}从节目里给你送上祝福！",
        "gesture_wave": "大家好，我在向你挥手呢！",
        "gesture_cheer": "加油加油！",
        "gesture_bow": "谢谢大家！",
        "gesture_spin": "转个圈给你看！",
        "gesture_jump": "跳起来！",
        "gesture_heart": "给你比个心！",
        "cannot": "这个我做不到，不过我可以跳舞、唱歌或者讲笑话，你选哪个？",
        "unsure": "嗯，这个我不知道，{viewer}。问我节目的事吧！",
        "predict": "现在谁也不知道呢，{viewer}！我不乱猜，我们一起看吧。",
        "ponder": "哈，你把我问住了，{viewer}！你呢？",
        "speak_yes": "会呀！在这个节目里我会说{langs}。",
        "speak_no": "这个节目里还不行哦！我在这里说{langs}。",
        "speak_list": "在这个节目里我会说{langs}！",
        "deflect": "我们聊点开心的吧，{viewer}！节目的事尽管问我。",
        "fallback": "哎呀，我刚才脑子打结了，{viewer}。能再问我一次吗？",
        "show_unsure": "今晚的节目资料里没有这个，{viewer}。可以问问现场的服务台！",
    },
}


def line(key: str, lang: str, **values: str) -> str:
    """The ``key`` line in ``lang`` (English when the language has none), filled."""
    table = LINES.get(lang) or LINES["en"]
    return (table.get(key) or LINES["en"][key]).format(**values)


COMFORT: dict[str, tuple[str, ...]] = {
    "en": ("I'm sending you a big hug. Take good care of yourself tonight.",
           "We're all here with you tonight, sending you lots of love.",
           "That's really hard. Be gentle with yourself, and thank you for telling us."),
    "es": ("Te mando un abrazo muy grande. Cuídate mucho esta noche.",
           "Esta noche estamos aquí contigo, te mando mucho cariño.",
           "Qué difícil. Cuídate mucho, y gracias por contárnoslo."),
    "zh": ("给你一个大大的拥抱，今晚好好照顾自己。", "今晚我们都陪着你，给你送上温暖。", "这真的很不容易，要好好照顾自己，谢谢你告诉我们。"),
}


def comfort(lang: str, rng: random.Random) -> str:
    """A kind line after sad news, in ``lang`` (English when it has none)."""
    lines = COMFORT.get(lang) or COMFORT["en"]
    return lines[rng.randrange(len(lines))]
