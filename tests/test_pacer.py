"""The pacer (`server.edge.ratelimit.Pacer`): senders waiting on one address's bucket take
turns in the order they came, and only the first of them wakes for each token. And its bucket's
`give_back` (a kiosk's draw answered busy)."""

from __future__ import annotations

import asyncio
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from server.edge.ratelimit import Pacer, TokenBucket

from .conftest import examples


class CountingClock:
    """The machine's monotonic clock, counting how often it is read: each waiter woken reads it."""

    def __init__(self):
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return time.monotonic()


async def test_senders_waiting_on_one_bucket_take_turns_and_do_not_all_wake_for_each_token():
    clock = CountingClock()
    pacer = Pacer(rate=400.0, burst=1, peers=10, clock=clock)
    await pacer.pace("")  # the burst's one token: from now on every frame waits
    order: list[int] = []

    async def sender(k: int) -> None:
        await pacer.pace("")
        order.append(k)

    senders = [asyncio.create_task(sender(k)) for k in range(20)]
    await asyncio.gather(*senders)
    assert order == list(range(20))  # first come, first served
    # each frame: a look on arrival and a wait for its token (a few reads); all 20 waking for
    # every token would read the clock hundreds of times
    assert clock.reads < 20 * 8


async def test_addresses_have_their_own_turns():
    pacer = Pacer(rate=5.0, burst=1, peers=10)
    await pacer.pace("10.0.0.1")  # its token spent: its next frame waits 0.2 s
    waiting = asyncio.create_task(pacer.pace("10.0.0.1"))
    await asyncio.wait_for(pacer.pace("10.0.0.2"), timeout=0.1)  # another address is not held behind it
    assert not waiting.done()
    await waiting


@given(st.lists(st.tuples(st.floats(min_value=0, max_value=30), st.booleans()), max_size=60))
@settings(max_examples=examples(200))
def test_a_token_given_back_never_lets_more_through_than_the_limit(steps):
    """A kiosk's draws (`server.edge.requests`): a token taken for a draw answered `busy` is
    given back; whatever the order, no more draws are done than the burst plus the rate allows,
    and a bucket is never fuller than its burst."""
    bucket, now, done = TokenBucket(rate=0.5, burst=10), 0.0, 0
    for pause, busy in steps:
        now += pause
        if bucket.take(now):
            if busy:
                bucket.give_back()  # nothing was done
            else:
                done += 1
        assert 0 <= bucket.tokens <= bucket.burst
    assert done <= 10 + 0.5 * now
    busy_only = TokenBucket(rate=0.5, burst=10)
    for _ in range(100):  # a long outage's busy answers at one instant
        assert busy_only.take(0.0)
        busy_only.give_back()
