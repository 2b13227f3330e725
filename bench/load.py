"""Load on a REST channel from simulated patients (asyncio + httpx; loopback only).

- realistic: N conversations at once, each a multi-turn script with a randomised pause of about
  three seconds between a reply and the next message, like people reading and typing;
- saturation: N conversations sending back to back for a fixed time.
Every message must get a non-empty reply within the timeout; anything else is an error.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from dataclasses import dataclass, field

import httpx

TIMEOUT = 30.0


@dataclass
class LoadResult:
    scenario: str
    conversations: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def summary(self) -> dict:
        ordered = sorted(self.latencies_ms)

        def percentile(share: float) -> float | None:
            if not ordered:
                return None
            return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)

        return {
            "scenario": self.scenario,
            "conversations": self.conversations,
            "replies": len(ordered),
            "errors": self.errors,
            "seconds": round(self.seconds, 1),
            "replies_per_second": round(len(ordered) / self.seconds, 2) if self.seconds else 0,
            "p50_ms": percentile(0.50),
            "p95_ms": percentile(0.95),
            "p99_ms": percentile(0.99),
            "mean_ms": round(statistics.fmean(ordered), 1) if ordered else None,
        }


async def _say(client: httpx.AsyncClient, url: str, sender: str, text: str, result: LoadResult):
    started = time.perf_counter()
    try:
        # With an id, as the widget sends it (a bare Rasa server ignores it).
        body = {"sender": sender, "message": text, "message_id": uuid.uuid4().hex}
        response = await client.post(url, json=body)
        ok = response.status_code == 200 and bool(response.json())
    except (httpx.HTTPError, ValueError):
        ok = False
    if ok:
        result.latencies_ms.append((time.perf_counter() - started) * 1000)
    else:
        result.errors += 1


async def _patient(client, url, script, pause, result, seed):
    generator = random.Random(seed)
    sender = f"load-{uuid.uuid4().hex[:12]}"
    # Patients do not all arrive in the same millisecond.
    await asyncio.sleep(generator.uniform(0, pause[1]))
    for text in script:
        await _say(client, url, sender, text, result)
        await asyncio.sleep(generator.uniform(*pause))


async def realistic(url: str, conversations: int, script: list[str],
                    pause: tuple[float, float] = (2.0, 4.0)) -> LoadResult:  # fmt: skip
    result = LoadResult(f"realistic-{conversations}", conversations)
    limits = httpx.Limits(max_connections=conversations + 5)
    async with httpx.AsyncClient(timeout=TIMEOUT, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(_patient(client, url, script, pause, result, n)
                               for n in range(conversations)))  # fmt: skip
        result.seconds = time.perf_counter() - started
    return result


async def saturation(url: str, conversations: int, script: list[str], seconds: float) -> LoadResult:
    result = LoadResult(f"saturation-{conversations}", conversations)
    limits = httpx.Limits(max_connections=conversations + 5)
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        sender = f"load-{uuid.uuid4().hex[:12]}"
        turn = 0
        while time.perf_counter() < deadline:
            await _say(client, url, sender, script[turn % len(script)], result)
            turn += 1

    async with httpx.AsyncClient(timeout=TIMEOUT, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(conversations)))
        result.seconds = time.perf_counter() - started
    return result


async def alone(url: str, script: list[str], messages: int) -> LoadResult:
    """One conversation, nobody else: each message sent when the previous reply is in."""
    result = LoadResult("alone", 1)
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        sender = f"load-{uuid.uuid4().hex[:12]}"
        started = time.perf_counter()
        for turn in range(messages):
            await _say(client, url, sender, script[turn % len(script)], result)
        result.seconds = time.perf_counter() - started
    return result


async def first_reply(url: str, text: str) -> float:
    async with httpx.AsyncClient(timeout=120) as client:
        started = time.perf_counter()
        response = await client.post(url, json={"sender": "cold-start", "message": text})
        response.raise_for_status()
        return time.perf_counter() - started
