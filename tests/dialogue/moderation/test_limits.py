"""Flood and duplicate limits: the token bucket and the recent-text window, on a given clock."""

from __future__ import annotations

import pytest

from vhuman.dialogue.moderation import RateLimiter, RecentTexts, dedup_key
from vhuman.models.types import InputError


def test_bucket_allows_a_burst_then_the_refill_rate_per_key() -> None:
    limit = RateLimiter(burst=3, per_s=0.5)
    assert [limit.allow("ann", now=0.0) for _ in range(4)] == [True, True, True, False]
    assert limit.allow("bob", now=0.0)  # keys do not share a bucket
    assert not limit.allow("ann", now=1.0)  # half a token back
    assert limit.allow("ann", now=2.1) and not limit.allow("ann", now=2.1)


def test_bucket_forgets_idle_keys_when_full() -> None:
    limit = RateLimiter(burst=2, per_s=1.0, max_keys=3)
    for i in range(3):
        limit.allow(f"v{i}", now=0.0)
    assert limit.allow("late", now=10.0)  # the idle buckets (full again) were dropped
    assert len(limit._buckets) == 1
    with pytest.raises(InputError):
        RateLimiter(burst=0, per_s=1.0)


def test_recent_texts_count_within_the_window_only() -> None:
    recent = RecentTexts(window_s=30.0)
    assert recent.count("hello there", now=0.0) == 0
    assert recent.note("hello there", now=0.0) == 1
    assert recent.note("hello there", now=10.0) == 2
    assert recent.count("hello there", now=35.0) == 1  # the first one left the window
    assert recent.count("hello there", now=41.0) == 0 and len(recent) == 0


def test_recent_texts_stay_bounded() -> None:
    recent = RecentTexts(window_s=60.0, max_keys=100)
    for i in range(1000):
        recent.note(f"message {i}", now=float(i) / 100)
    assert len(recent) == 100 and recent.count("message 999", now=10.0) == 1
    assert recent.count("message 0", now=10.0) == 0  # the oldest went first


def test_dedup_key_ignores_case_spacing_and_punctuation() -> None:
    assert dedup_key("Hello,   THERE!!") == dedup_key("hello there") == "hello there"
    assert dedup_key("¡¿...?!") == ""


def test_a_costly_event_takes_several_tokens_or_none() -> None:
    budget = RateLimiter(burst=100, per_s=100)  # e.g. socket sends a second
    assert budget.allow("echo", now=0.0, cost=60)
    assert not budget.allow("echo", now=0.0, cost=60)  # 40 left: refused, none taken
    assert budget.allow("echo", now=0.0, cost=40)
    assert budget.allow("echo", now=0.5, cost=50)  # half a second refilled 50
