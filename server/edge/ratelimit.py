"""A token bucket: `burst` draws at once, then `rate` per second (pure, `now` passed in); and a
pacer that makes a sender wait for its address's bucket instead of answering it.

Why wait rather than refuse: a refusal is cheap, but a flood of frames is not (each is read,
decoded and answered); a connection whose next frame is not read for a while fills the
library's receive queue, websockets stops reading its socket, and the sender's kernel holds
the rest. Twenty sockets flooding feedback from one address cost the server 5 frames a second.
"""

from __future__ import annotations

import asyncio
import time
from typing import Callable


class TokenBucket:
    def __init__(self, *, rate: float, burst: float):
        self.rate, self.burst = rate, burst
        self.tokens, self.at = burst, None

    def take(self, now: float) -> bool:
        if self.wait(now) > 0:
            return False
        self.tokens -= 1
        return True

    def give_back(self) -> None:
        """A token taken for something that was not done (a draw answered `busy`)."""
        self.tokens = min(self.burst, self.tokens + 1)

    def wait(self, now: float) -> float:
        """Seconds until a token is there (0: now); takes nothing."""
        if self.at is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class Pacer:
    """One bucket per address (the last `peers` used are kept): `await pace(address)` returns
    once the address may send its next frame. Its clock is the machine's own monotonic one, not
    a server's injected clock: the pace is about real seconds of CPU, and a test's clock that
    stands still would never let the next frame in.

    Senders waiting on one bucket take turns (a lock, first come first served): only the first
    sleeps until the next token. When each slept on the bucket itself, every token woke all of
    them and all but one slept again: 20 sockets registering through the lottery's shared
    bucket woke the loop 20 times a frame, and a thousand phones would have woken it a
    thousand times (`python -m bench --only access`)."""

    def __init__(self, *, rate: float, burst: float, peers: int, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self.peers, self.clock = rate, burst, peers, clock
        self.buckets: dict[str, tuple[TokenBucket, asyncio.Lock]] = {}

    async def pace(self, address: str) -> None:
        bucket, turn = self.buckets.pop(address, None) or (TokenBucket(rate=self.rate, burst=self.burst), asyncio.Lock())
        self.buckets[address] = bucket, turn  # re-inserted: the dict's order is the order of last use
        while len(self.buckets) > self.peers:
            del self.buckets[next(iter(self.buckets))]
        async with turn:
            while not bucket.take(self.clock()):
                await asyncio.sleep(bucket.wait(self.clock()))
