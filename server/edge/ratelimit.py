"""A token bucket: `burst` draws at once, then `rate` per second. Pure, `now` passed in."""

from __future__ import annotations


class TokenBucket:
    def __init__(self, *, rate: float, burst: float):
        self.rate, self.burst = rate, burst
        self.tokens, self.at = burst, None

    def take(self, now: float) -> bool:
        if self.at is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
