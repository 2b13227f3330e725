"""Request limits for the Rasa server: rate limits and the body size.

Rate limits are a sliding window per key, in this process or in Redis: with several Rasa
servers the limit must be shared, or each server would allow the full amount; ``limiter`` uses
Redis when a Redis URL is set (``CLINIC_REDIS_URL``, read in ``clinic_nlu.server.settings``).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import defaultdict, deque
from typing import Protocol

logger = logging.getLogger(__name__)
WINDOW_SECONDS = 60.0


class Limiter(Protocol):
    def allow(self, key: str) -> bool: ...


class SlidingWindowLimiter:
    """At most ``limit`` events per ``window`` seconds for each key (in this process)."""

    def __init__(self, limit: int, window: float = WINDOW_SECONDS) -> None:
        self.limit, self.window = limit, window
        self._events: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str) -> bool:
        if self.limit <= 0:
            return True
        now = time.monotonic()
        events = self._events[key]
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        if len(self._events) > 100_000:  # forget idle keys rather than grow without end
            self._events = defaultdict(deque, {k: v for k, v in self._events.items() if v})
        return True


class RedisLimiter:
    """The same sliding window shared by every Rasa server: one sorted set per key in Redis."""

    def __init__(self, url: str, limit: int, prefix: str, window: float = WINDOW_SECONDS) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.limit, self.window, self.prefix = limit, window, prefix

    def allow(self, key: str) -> bool:
        if self.limit <= 0:
            return True
        name, now = f"{self.prefix}:{key}", time.time()
        member = f"{now:.6f}:{uuid.uuid4().hex[:8]}"
        try:
            pipe = self.client.pipeline()
            pipe.zremrangebyscore(name, 0, now - self.window)
            pipe.zadd(name, {member: now})
            pipe.zcard(name)
            pipe.expire(name, int(self.window) + 1)
            count = pipe.execute()[2]
            if count > self.limit:
                # A refused message does not count, so a patient who waits gets through.
                self.client.zrem(name, member)
                return False
        except Exception:  # Redis down: let the message through rather than block patients
            logger.warning("rate limit store unreachable; message allowed")
        return True


def limiter(prefix: str, limit: int, redis_url: str = "") -> Limiter:
    if redis_url:
        return RedisLimiter(redis_url, limit, f"clinic-rate:{prefix}")
    return SlidingWindowLimiter(limit)
