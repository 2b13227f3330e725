"""The patient channel's rate limits: a sliding window, in the process or shared in Redis."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from clinic_nlu.server.limits import RedisLimiter, SlidingWindowLimiter

REDIS_URL = "redis://127.0.0.1:6379/8"


@pytest.fixture(params=["process", "redis"])
def make_limiter(request: pytest.FixtureRequest):
    def make(limit: int, window: float):
        if request.param == "process":
            return SlidingWindowLimiter(limit, window)
        return RedisLimiter(REDIS_URL, limit, f"test-{uuid.uuid4().hex}", window)

    yield make
    if request.param == "redis":
        redis.Redis.from_url(REDIS_URL).flushdb()


def test_allows_the_limit_then_refuses_until_the_window_has_moved_on(make_limiter) -> None:
    limiter = make_limiter(3, 1.0)
    assert [limiter.allow("c1") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("c2"), "another conversation has its own window"
    time.sleep(1.1)
    assert limiter.allow("c1")


def test_refused_messages_do_not_count_against_the_patient(make_limiter) -> None:
    limiter = make_limiter(2, 1.0)
    assert [limiter.allow("c1") for _ in range(10)] == [True, True] + [False] * 8
    time.sleep(1.1)
    assert [limiter.allow("c1") for _ in range(3)] == [True, True, False]


def test_a_limit_of_zero_means_no_limit(make_limiter) -> None:
    limiter = make_limiter(0, 1.0)
    assert all(limiter.allow("c1") for _ in range(100))


def test_with_redis_unreachable_messages_are_let_through() -> None:
    limiter = RedisLimiter("redis://127.0.0.1:1/0", 1, "test")
    assert limiter.allow("c1") and limiter.allow("c1")
