"""Chat intake: moderation, dedup, per-viewer rate limits, priority, staleness."""

from __future__ import annotations

import asyncio

from vhuman.dialogue.moderation import Moderator, default_moderator
from vhuman.stage.chat import ChatMessage, ChatPolicy, ChatQueue, address_by_name


def _q(**policy: float) -> ChatQueue:
    return ChatQueue(ChatPolicy(**policy), default_moderator())  # type: ignore[arg-type]


def test_questions_first_timers_and_gifts_go_first() -> None:
    async def main() -> list[str]:
        q = _q(rate_burst=10)
        for viewer, text, gift in [("a", "first hello", 0), ("a", "just chatting", 0),
                                   ("b", "what time is it?", 0), ("a", "thanks host", 50),
                                   ("a", "lol nice", 0)]:
            assert (await q.submit(ChatMessage(viewer, text, gift=gift))).accepted
        return [m.text for m in [await q.get(0) for _ in range(5)] if m]
    order = asyncio.run(main())
    assert order == ["thanks host", "what time is it?", "first hello", "lol nice",
                     "just chatting"]


def test_oldest_first_when_configured() -> None:
    async def main() -> list[str]:
        q = ChatQueue(ChatPolicy(rate_burst=10, age_penalty_per_s=0.0))
        for text in ("first hi", "one", "two"):
            await q.submit(ChatMessage("a", text))
        return [m.text for m in [await q.get(0) for _ in range(3)] if m]
    assert asyncio.run(main()) == ["first hi", "one", "two"]


def test_moderation_dedup_and_rate_limit_drop_with_reasons() -> None:
    async def main() -> None:
        q = _q(rate_burst=2, rate_per_s=0.01)
        bad = await q.submit(ChatMessage("x", "you are shit"))
        assert not bad.accepted and bad.reason == "moderated" and bad.detail == "blocklist:shit"
        link = await q.submit(ChatMessage("y", "buy at https://spam.example/now"))
        assert link.reason == "moderated"
        assert (await q.submit(ChatMessage("z", "Hello there!"))).accepted
        dup = await q.submit(ChatMessage("w", "hello THERE"))
        assert not dup.accepted and dup.reason == "duplicate"
        assert (await q.submit(ChatMessage("z", "second"))).accepted
        flood = await q.submit(ChatMessage("z", "third"))
        assert not flood.accepted and flood.reason == "rate_limited"
        long = await q.submit(ChatMessage("v", "a" * 600))
        assert long.reason == "too_long"
        assert q.counts["accepted"] == 2 and q.counts["dropped_moderated"] == 2
    asyncio.run(main())


def test_markup_is_no_offence_and_stays_plain_text() -> None:
    """Tags are text like any other (the viewer page inserts chat as text, never HTML)."""
    async def main() -> str:
        q = _q()
        decision = await q.submit(ChatMessage("h", "<script>alert(1)</script> hi <b>you</b>"))
        assert decision.accepted
        msg = await q.get(0)
        assert msg is not None
        return msg.text
    assert asyncio.run(main()) == "<script>alert(1)</script> hi <b>you</b>"


def test_stale_messages_are_dropped_not_answered() -> None:
    async def main() -> None:
        q = _q(max_age_s=0.05)
        statuses: list[str] = []
        q.listeners.append(lambda m, s: statuses.append(s))
        await q.submit(ChatMessage("a", "old news?"))
        await asyncio.sleep(0.08)
        await q.submit(ChatMessage("b", "fresh one"))
        msg = await q.get(0)
        assert msg is not None and msg.text == "fresh one"
        assert await q.get(0.01) is None
        assert "dropped:stale" in statuses and q.counts["dropped_stale"] == 1
    asyncio.run(main())


def test_full_queue_evicts_the_least_urgent() -> None:
    async def main() -> None:
        q = _q(max_size=3, rate_burst=10)
        await q.submit(ChatMessage("gifter", "big fan here", gift=100))
        for i in range(2):
            await q.submit(ChatMessage("r", f"plain message {i}"))
        # r is no longer a first-timer: "plain message 1" has priority 1, the lowest
        fresher = await q.submit(ChatMessage("r", "another plain one"))
        assert fresher.accepted  # equal priority: the fresher one replaces the older
        urgent = await q.submit(ChatMessage("newbie", "Is this the best show?"))
        assert urgent.accepted and len(q) == 3
        texts = [m.text for m in [await q.get(0) for _ in range(3)] if m]
        assert texts == ["big fan here", "Is this the best show?", "plain message 0"]
        assert q.counts["dropped_full"] == 2
        low = ChatQueue(ChatPolicy(max_size=1), None)
        await low.submit(ChatMessage("x", "Why is it so?", gift=5))
        refused = await low.submit(ChatMessage("x", "plain"))
        assert not refused.accepted and refused.reason == "full"
    asyncio.run(main())


def test_get_with_min_priority_waits_for_an_urgent_message() -> None:
    async def main() -> None:
        q = _q(rate_burst=10)
        await q.submit(ChatMessage("a", "hey"))
        await q.submit(ChatMessage("a", "so cool"))
        assert (await q.get(0, min_priority=4.0)) is None
        # a waiter wakes on the submit, not at its deadline: a timed-out get() returns None
        waiter = asyncio.ensure_future(q.get(60.0, min_priority=4.0))
        await asyncio.sleep(0.01)
        await q.submit(ChatMessage("new", "Who are you?"))
        msg = await waiter
        assert msg is not None and msg.viewer == "new"
        assert len(q) == 2
    asyncio.run(main())


def test_answers_address_the_viewer_by_name() -> None:
    assert address_by_name("Sam", "Great question!") == "Sam, great question!"
    assert address_by_name("Sam", "I love it.") == "Sam, I love it."
    assert address_by_name("Sam", "Hi Sam, welcome!") == "Hi Sam, welcome!"


def test_default_moderator_is_the_dialogue_one_and_it_refuses_abuse() -> None:
    async def main() -> None:
        q = ChatQueue(ChatPolicy(), default_moderator())
        assert isinstance(q.moderator, Moderator) and not q.moderator.allow_links
        assert not (await q.submit(ChatMessage("m", "fuck you"))).accepted
        assert (await q.submit(ChatMessage("m", "What a lovely evening"))).accepted
    asyncio.run(main())
