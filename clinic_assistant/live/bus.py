"""Waking the streams of a conversation when a line of its live chat is written.

The lines themselves are in the database; the bus only says "conversation X has news", so a
stream that was woken reads what it has not delivered yet (by id) and nothing is lost or sent
twice whatever the bus does. In one web app the bus is in-process. With ``CLINIC_REDIS_URL``
(the production topology: several web servers, several action servers) every process
publishes to one Redis channel and every web server listens to it.

The action servers write the patient's lines. Without Redis they cannot reach the web app's
in-process bus, so a stream also looks at the database every ``DB_CHECK_SECONDS`` (cheap: an
indexed query for lines after an id).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import redis
import redis.asyncio as aioredis

CHANNEL = "clinic:live"
# How often a waiting stream reads the database anyway: patient lines written by an action
# server without Redis, or a Redis message lost while a server reconnected.
DB_CHECK_SECONDS = 0.5
DB_CHECK_SECONDS_WITH_REDIS = 2.0
log = logging.getLogger(__name__)


class RedisPublisher:
    """For processes that write lines but hold no streams (the action servers)."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def publish(self, conversation_id: str) -> None:
        try:
            self.client.publish(CHANNEL, conversation_id)
        except redis.RedisError as error:
            # The streams' own database check still delivers the line, a moment later.
            log.warning("could not publish a live chat line: %s", error)

    def close(self) -> None:
        self.client.close()


class LiveBus:
    """The web app's bus: started and stopped with the app (its lifespan)."""

    def __init__(self, redis_url: str = "") -> None:
        self.redis_url = redis_url
        self._waiters: dict[str, set[asyncio.Event]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listener: asyncio.Task | None = None
        self._publisher = RedisPublisher(redis_url) if redis_url else None

    @property
    def db_check_seconds(self) -> float:
        return DB_CHECK_SECONDS_WITH_REDIS if self.redis_url else DB_CHECK_SECONDS

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self.redis_url:
            self._listener = asyncio.create_task(self._listen())

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._publisher is not None:
            self._publisher.close()

    @contextlib.contextmanager
    def listening(self, conversation_id: str) -> Iterator[asyncio.Event]:
        """An event set whenever the conversation has a new line (register before reading)."""
        event = asyncio.Event()
        self._waiters.setdefault(conversation_id, set()).add(event)
        try:
            yield event
        finally:
            waiters = self._waiters.get(conversation_id, set())
            waiters.discard(event)
            if not waiters:
                self._waiters.pop(conversation_id, None)

    def publish(self, conversation_id: str) -> None:
        """Called after a line is committed, from any thread of the web app."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake, conversation_id)
        if self._publisher is not None:
            self._publisher.publish(conversation_id)

    def _wake(self, conversation_id: str) -> None:
        for event in self._waiters.get(conversation_id, ()):
            event.set()

    async def _listen(self) -> None:
        """Redis messages wake this server's streams; reconnects after a dropped connection."""
        while True:
            client = aioredis.Redis.from_url(self.redis_url)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._wake(message["data"].decode())
            except (redis.RedisError, OSError) as error:
                log.warning("live chat bus: Redis connection lost (%s); reconnecting", error)
                await asyncio.sleep(1)
            finally:
                await client.aclose()
