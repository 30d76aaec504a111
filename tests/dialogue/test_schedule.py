""""What's on tonight?" is answered from the knowledge base's schedule, never guessed."""

from __future__ import annotations

import datetime as dt

from vhuman.dialogue.schedule import answer_schedule, events_from

KB = ["# Schedule\n\nThe opening ceremony takes place on 12 February 2026 at 18:00 in the Aurora\n"
      "Stadium.\n\n- The curling final is on 18 February 2026 at 14:00 in the Crystal Arena.\n"
      "- The ice hockey final is on 21 February 2026 at 17:00 in the Crystal Arena.\n",
      "Tickets went on sale in 2025."]


def test_tonight_next_and_over() -> None:
    events = events_from(KB)
    assert [e.at.day for e in events] == [12, 18, 21] and events[0].text.endswith("Aurora Stadium.")
    on_day = answer_schedule("what's on tonight?", "en", events, dt.datetime(2026, 2, 18, 9))
    assert on_day == "The curling final is on 18 February 2026 at 14:00 in the Crystal Arena."
    between = answer_schedule("¿Qué hay esta noche?", "es", events, dt.datetime(2026, 2, 19, 9))
    assert between.startswith("No hay nada") and "21 February" in between  # type: ignore[union-attr]
    after = answer_schedule("今晚有什么节目？", "zh", events, dt.datetime(2026, 12, 6, 20))
    assert after.startswith("今晚") and "ice hockey final" in after  # type: ignore[union-attr]
    assert answer_schedule("what is curling?", "en", events) is None
    assert answer_schedule("what's on tonight?", "en", []) is None
