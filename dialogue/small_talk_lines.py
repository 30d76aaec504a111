"""The host's small-talk lines, by kind and language (en / es / zh): what
:mod:`dialogue.small_talk` says once it has matched a message. ``{viewer}`` is the viewer's
name; ``{x}`` / ``{X}`` and the other fields are what the message said, filled in there.
Spanish lines never guess the viewer's gender."""

from __future__ import annotations

LINES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "tired": (
            "Oof, that sounds like a long one, {viewer}. Put your feet up, we'll keep you company tonight.",
            "You've earned a rest, {viewer}. Get cozy and let us keep you company."),
        "grievance": (
            "I hear you, {viewer}. Judging calls always stir up strong feelings, and that's part of what makes sport so gripping.",
            "Oof, {viewer}, I can tell that one stung! I'll leave the verdicts to the judges, but I love how much you care."),
        "rooting": (
            "Good luck to your {rel}, {viewer}! We'll all be cheering for {obj}.",
            "How exciting, {viewer}! Go, go, go! We're all cheering for your {rel}."),
        "rooting_nervous": (
            "Good luck to your {rel}, {viewer}! We'll all be cheering for {obj}.",
            "How exciting, {viewer}! Nerves just mean you care. We're all cheering for your {rel}!"),
        "mishap": (
            "Oh no, {viewer}! Little disasters always pick the best moments. Hope it's all okay!",
            "Whoops! Oh no, {viewer}, I hope nothing's ruined. Good luck with the cleanup!"),
        "cold": (
            "Brr, {viewer}! Wrap up warm, and let's keep each other cozy tonight.",
            "Oh, stay warm, {viewer}! Blankets on, and enjoy the show with us."),
        "how_are_you": (
            "I'm having a wonderful time here with all of you, {viewer}! How's your day going?",
            "Honestly, {viewer}, I'm great, this is my favourite part of the day! How about you?",
            "Feeling cozy and happy, {viewer}! How are you doing tonight?",
            "Better now that you asked, {viewer}! What's new with you?"),
        "hosting": (
            "I love hosting, {viewer}! Chatting with all of you is the best part of my day.",
            "Oh, it's the best job there is, {viewer}! Every night the chat surprises me.",
            "I really do love it, {viewer}! You all make it so much fun."),
        "opinion": (
            "{X}? I love it, {viewer}! What about you?",
            "Ooh, {x}? Big fan, {viewer}! How about you?",
            "Honestly, {viewer}, {x} makes me happy! Are you a fan too?"),
        "favourite": (
            "Ooh, {viewer}, I could never pick just one {x}! They're all wonderful. Which one's yours?",
            "That's so hard, {viewer}! Every {x} out there has my heart. Do you have a favourite?"),
        "favourite_pair": (
            "Ooh, {x} or {y}? That's so hard, {viewer}! I love them both. Which one's yours?",
            "{X} or {y}, {viewer}? Don't make me choose, I love them both! What about you?"),
        "favourite_plain": (
            "Ooh, {viewer}, I could never pick just one! They're all wonderful. Which one's yours?",
            "That's so hard, {viewer}! They all have my heart. Do you have a favourite?"),
        "opinion_plain": (
            "I love it, {viewer}! What about you?",
            "Honestly, {viewer}, it makes me happy! How about you?"),
        "opinion_you": (
            "Of course I do, {viewer}! You're part of what makes this show fun.",
            "Are you kidding, {viewer}? You're one of my favourite people in the chat!"),
        "city": (
            "Hello to everyone in {x}, {viewer}! What's it like there tonight?",
            "A big wave to {x}, {viewer}! Thanks for watching from there.",
            "Oh, {x}! So lovely to have you with us, {viewer}. What's the weather like there?",
            "{X}, wow! Welcome, {viewer}, it's lovely to know the show reaches you there."),
        "likes": (
            "{X}! Great taste, {viewer}. What do you love most about it?",
            "Ooh, {x}, {viewer}? I love that! What got you into it?",
            "{X}, nice choice, {viewer}! How did you get into it?",
            "Oh, I can tell you love {x}, {viewer}! What's your favourite thing about it?"),
        "first_time": (
            "Welcome to your very first show, {viewer}! I'm so glad you found us. Ask me anything, or ask me for a song!",
            "Your first time? Welcome, {viewer}! Make yourself cozy, and ask me anything about the games."),
        "with_person": (
            "Hello to your {rel} too, {viewer}! Enjoy the show together.",
            "Aww, watching with your {rel}? Big wave to both of you, {viewer}!"),
        "place_with": (
            "{Place} with your {rel}? That sounds so cozy, {viewer}! Say hi to your {rel} from all of us. "
            "What are you two cheering for tonight?",
            "Oh, {place} with your {rel}, {viewer}! That sounds lovely. A big wave to you both, what's the view like?"),
        "their_likes": (
            "Your {rel} loves {x}? Great taste, {viewer}! Is {pron} cheering for anyone tonight?",
            "{X}! Your {rel} has great taste, {viewer}. Tell {obj} we'll be cheering along!"),
        "their_likes_plain": (
            "{X}? Great taste, {viewer}! Is {pron} cheering for anyone tonight?",),
        "says_hi": ("Hi right back to your {rel}, {viewer}! Enjoy the show together.",
                    "Aww, a big hello to your {rel} too, {viewer}!"),
        "says_hi_plain": ("Hi right back, {viewer}! Enjoy the show together.",),
        "name": ("Nice to meet you, {viewer}! Where are you watching from tonight?",
                 "Lovely to meet you, {viewer}! What brings you to the show tonight?",
                 "Hello, {viewer}, so glad you said hi! What are you hoping to see tonight?"),
        "with_named": (
            "Hi {name}! Lovely to have you both here, {viewer}.",
            "A big hello to {name} too, {viewer}! Enjoy the show together."),
        "birthday": (
            "Happy birthday, {name}! {viewer}, give {name} a big hug from all of us.",
            "Oh, happy birthday, {name}! So glad you're celebrating with us, {viewer}."),
        "praise": (
            "Aww, thank you, {viewer}! You just made my night.",
            "Thank you so much, {viewer}! You're making me blush.",
            "Oh, stop it, {viewer}, thank you! Having you here makes it easy.",
            "That's so kind of you, {viewer}! Thank you for being here tonight.",
            "You're too sweet, {viewer}! Thank you, that means a lot."),
        "praise_funny": (
            "Ha, thank you, {viewer}! I'll keep the bad jokes coming.",
            "Thank you, {viewer}! Laughing with all of you is the best part of my job."),
        "praise_singing": (
            "Aww, thank you, {viewer}! I'll sing for you any time.",
            "Thank you, {viewer}! Singing for all of you makes me so happy."),
        "thanks": (
            "You're so welcome, {viewer}! I'm glad you enjoyed it.",
            "My pleasure, {viewer}! Thank you for being here.",
            "Anytime, {viewer}! That makes me so happy.",
            "Oh, thank you for saying so, {viewer}! I'm so glad you're here."),
    },
    "es": {
        "tired": ("Uf, vaya día, {viewer}. Descansa un poco, aquí te hacemos compañía.",
                  "Te mereces un descanso, {viewer}. Relájate y te hacemos compañía."),
        "grievance": ("Te entiendo, {viewer}. Las decisiones de los jueces siempre despiertan pasiones.",
                      "¡Uf, {viewer}, se nota que te dolió! Dejo los veredictos a los jueces, pero me encanta lo mucho que te importa."),
        "rooting": ("¡Mucha suerte a tu {rel}, {viewer}! Aquí todos {lo} animamos.",
                    "¡Qué emoción, {viewer}! ¡Todos animamos a tu {rel}!"),
        "rooting_nervous": ("¡Mucha suerte a tu {rel}, {viewer}! Aquí todos {lo} animamos.",
                            "¡Qué emoción, {viewer}! Los nervios son porque te importa. ¡Todos animamos a tu {rel}!"),
        "mishap": ("¡Ay, no, {viewer}! Los pequeños desastres siempre llegan en el mejor momento. ¡Espero que todo esté bien!",
                   "¡Uy, {viewer}! Ánimo con la limpieza, y que no se haya roto nada."),
        "cold": ("¡Brr, {viewer}! Abrígate bien y disfruta del programa con nosotros.",
                 "¡Qué frío, {viewer}! Una mantita y a disfrutar del programa."),
        "how_are_you": (
            "¡Muy bien, {viewer}! Me lo paso genial aquí con vosotros. ¿Y tú, qué tal tu día?",
            "¡Feliz de estar aquí contigo, {viewer}! ¿Cómo va tu día?",
            "¡Genial, {viewer}, gracias por preguntar! ¿Y tú, cómo estás?"),
        "hosting": (
            "¡Me encanta presentar, {viewer}! Charlar con vosotros es lo mejor de mi día.",
            "¡Es el mejor trabajo del mundo, {viewer}! Vosotros lo hacéis muy divertido."),
        "opinion": ("¡Me encanta, {viewer}! ¿Y a ti qué te parece?", "¡Me gusta muchísimo, {viewer}! ¿Y a ti?",
                    "¡Soy muy fan, {viewer}! ¿Y tú?"),
        "opinion_pl": ("¡Me encantan, {viewer}! ¿Y a ti qué te parecen?", "¡Me gustan muchísimo, {viewer}! ¿Y a ti?"),
        "opinion_plain": ("¡Me encanta, {viewer}! ¿Y a ti?",),
        "favourite_plain": ("¡Qué difícil, {viewer}! No sabría elegir, me gustan todos. ¿Y tú, cuál prefieres?",
                            "¡Uy, {viewer}, no puedo quedarme con uno solo! ¿Cuál es el tuyo?"),
        "opinion_you": ("¡Claro que sí, {viewer}! Tú haces que este programa sea divertido.",),
        "city": (
            "¡Un saludo enorme a {x}, {viewer}! ¿Qué tal el tiempo por allí?",
            "¡Hola a todo {x}, {viewer}! Gracias por vernos desde allí.",
            "¡{X}, qué ilusión, {viewer}! Gracias por acompañarnos."),
        "likes": ("¡{X}, qué buen gusto, {viewer}! ¿Qué es lo que más te gusta?",
                  "¡{X}! Me encanta, {viewer}. ¿Cómo empezaste?",
                  "¡Se nota que te encanta {x}, {viewer}! ¿Qué es lo mejor para ti?"),
        "first_time": ("¡Te damos la bienvenida a tu primer programa, {viewer}! Pregúntame lo que quieras o pídeme una canción.",),
        "with_person": ("¡Un saludo también para tu familia, {viewer}! Que disfrutéis juntos.",),
        "with_named": ("¡Hola, {name}! Qué bien teneros aquí, {viewer}.",),
        "place_with": ("¿Desde {place} con tu {rel}? ¡Qué planazo, {viewer}! Un saludo enorme a los dos. ¿A quién animáis esta noche?",),
        "their_likes": ("¿A tu {rel} le encanta {x}? ¡Qué buen gusto, {viewer}! ¿Anima a alguien esta noche?",),
        "their_likes_plain": ("¡{X}! Qué buen gusto, {viewer}. ¿Anima a alguien esta noche?",),
        "says_hi": ("¡Otro saludo para tu {rel}, {viewer}! Que disfrutéis juntos.",),
        "says_hi_plain": ("¡Un saludo de vuelta, {viewer}! Que disfrutéis juntos.",),
        "name": ("¡Encantada de conocerte, {viewer}! ¿Desde dónde nos ves esta noche?",
                 "¡Hola, {viewer}, qué alegría que nos saludes! ¿Qué te trae al programa?"),
        "birthday": ("¡Feliz cumpleaños, {name}! {viewer}, dale un abrazo de nuestra parte.",),
        "praise": (
            "¡Ay, gracias, {viewer}! Me has alegrado la noche.",
            "¡Muchas gracias, {viewer}! Me haces sonrojar.",
            "¡Gracias, {viewer}! Contigo aquí es muy fácil."),
        "praise_funny": ("¡Gracias, {viewer}! Reír con vosotros es lo mejor de mi trabajo.",),
        "praise_singing": ("¡Gracias, {viewer}! Canto para ti cuando quieras.",),
        "thanks": ("¡De nada, {viewer}! Me alegra mucho que te haya gustado.", "¡Un placer, {viewer}! Gracias por estar aquí.",
                   "¡A ti, {viewer}! Me hace muy feliz."),
    },
    "zh": {
        "tired": ("辛苦啦，{viewer}！好好休息一下，我们陪着你。", "累了一天了，{viewer}，放松一下，我们陪你。"),
        "cold": ("好冷呀，{viewer}！多穿点，注意保暖。",),
        "grievance": ("我理解你，{viewer}。裁判的判罚总是让人心情激动。", "看得出你很在意，{viewer}！判罚就交给裁判吧，不过我很喜欢你这么投入。"),
        "rooting": ("祝你{rel}比赛顺利，{viewer}！我们都为{rel}加油！", "好激动呀，{viewer}！我们一起为你{rel}加油！"),
        "rooting_nervous": ("祝你{rel}比赛顺利，{viewer}！我们都为{rel}加油！", "好激动呀，{viewer}！紧张是因为在乎。我们一起为你{rel}加油！"),
        "mishap": ("哎呀，{viewer}！小意外总是来得这么巧，希望一切都好！", "哎呀呀，{viewer}，辛苦你收拾啦，希望没弄坏什么！"),
        "how_are_you": ("我很好，{viewer}！和大家一起聊天特别开心。你今天过得怎么样？", "超开心的，{viewer}！你呢，今天怎么样？",
                        "谢谢关心，{viewer}，我状态很好！你最近怎么样？"),
        "hosting": ("我超喜欢主持，{viewer}！和大家聊天是我每天最开心的事。", "主持是世界上最好的工作，{viewer}！有你们在特别好玩。"),
        "opinion": ("我很喜欢，{viewer}！你呢？", "我超喜欢的，{viewer}！你觉得呢？", "我可是忠实粉丝，{viewer}！你也喜欢吗？"),
        "opinion_plain": ("我很喜欢，{viewer}！你呢？",),
        "favourite_plain": ("好难选啊，{viewer}！每一个我都喜欢。你最喜欢哪个？", "这个我真选不出来，{viewer}！都太棒了。你呢？"),
        "opinion_you": ("当然喜欢啦，{viewer}！有你在节目才这么好玩。",),
        "city": ("{x}的朋友们好，{viewer}！那边今天天气怎么样？", "向{x}挥挥手，{viewer}！谢谢你在那边看我们。"),
        "likes": ("{x}！品味不错，{viewer}！你最喜欢它哪一点？", "我也喜欢{x}，{viewer}！你是怎么喜欢上的？"),
        "first_time": ("欢迎第一次来看节目，{viewer}！有什么想问的尽管问，也可以让我唱首歌！",),
        "with_person": ("也向你的家人问好，{viewer}！一起好好看节目吧。",),
        "with_named": ("{name}你好！欢迎你们一起来，{viewer}。",),
        "place_with": ("和{rel}一起在{place}看节目？好温馨呀，{viewer}！也向你{rel}问好。你们今晚给谁加油？",),
        "their_likes": ("你{rel}喜欢{x}？品味真好，{viewer}！今晚有支持的选手吗？",),
        "their_likes_plain": ("{x}！品味真好，{viewer}！今晚有支持的选手吗？",),
        "says_hi": ("也向你{rel}问好，{viewer}！一起好好看节目吧。",),
        "says_hi_plain": ("也向你们问好，{viewer}！一起好好看节目吧。",),
        "name": ("很高兴认识你，{viewer}！你今晚在哪里看节目呀？", "你好呀，{viewer}，谢谢你来打招呼！今晚最想看什么？"),
        "birthday": ("{name}，生日快乐！{viewer}，替我们给{name}一个拥抱。",),
        "praise": ("谢谢你，{viewer}！你让我今晚特别开心。", "哎呀，谢谢{viewer}，说得我都不好意思了！", "谢谢夸奖，{viewer}！有你在我更有动力。"),
        "praise_funny": ("谢谢，{viewer}！我会继续给大家讲笑话的。",),
        "praise_singing": ("谢谢你，{viewer}！想听的话我随时唱给你。",),
        "thanks": ("不客气，{viewer}！你喜欢我就很开心。", "不用谢，{viewer}！谢谢你来看节目。", "应该的，{viewer}！有你在真好。"),
    },
}
