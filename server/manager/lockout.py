"""How wrong passwords are throttled at sign-in: by name *and* address, forgiven over time.

Three counts are kept for a try of name N from address A:

    pair     N from A           `signin_free_pair` free wrong passwords (5)
    name     N from anywhere    `signin_free_name` (10)
    address  A for any name     `signin_free_address` (20)

Once a count has used its free tries, each further wrong one locks it for a while: the
first lock (`signin_lock_seconds`, 30 s) doubling with each further wrong one up to the
longest (900 s). Every `signin_forgive_seconds` (300 s) of quiet forgives one wrong
password, so a typo three days after a bad morning costs nothing, and one wrong try every
quarter of an hour never adds up to a lock.

The rule that keeps a stranger from locking a person out: an address where a person has
signed in before (a *place* of theirs, the last `signin_places` remembered) is judged by the
pair count alone. The name's count (someone guessing "manager" from elsewhere) and the
address's count (one address trying many names) do not apply there. So a stranger guessing
from anywhere else never locks the manager out of their own office PC; only wrong passwords
typed from that very address can lock it (behind one NAT address, the office shares one
place: then the pair lock, at most 15 minutes and forgiven over time, is the price).

A right password forgives only its own try: it clears the pair's count, but never the
address's or the name's count, so signing in with one's own account between guesses at
others buys an attacker nothing.

Memory is bounded: the people of the site file are counted apart; names that are nobody's
and pairs and addresses are counted in tables of at most `signin_remembered` entries each,
the oldest forgotten first. A flood of new names churns only the unknown names and the
pairs; the flood's address keeps its count.

Pure: every call takes `now` (a monotonic clock's seconds).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

from config.limits import Limits

KEY_CHARS = 64  # a name is counted by its first 64 characters: a megabyte of name is one key


class Throttled(Exception):
    def __init__(self, wait: float):
        super().__init__(f"too many wrong passwords: try again in {int(wait) + 1} s")
        self.wait = wait


@dataclass
class Count:
    """Wrong passwords, forgiven one per `forgive` seconds since `at`."""

    count: float = 0.0
    at: float = 0.0          # when `count` was last set
    wrong_at: float = 0.0    # the last wrong password: a lock runs from it

    def now(self, now: float, forgive: float) -> float:
        return max(0.0, self.count - (now - self.at) / forgive)

    def add(self, delta: float, now: float, forgive: float) -> None:
        self.count, self.at = max(0.0, self.now(now, forgive) + delta), now

    def locked_for(self, now: float, free: int, limits: Limits) -> float:
        over = math.ceil(self.count - 1e-9) - free  # a wrong try is forgiven whole, not in part
        if over < 0:
            return 0.0
        first, longest = limits.signin_lock
        return max(0.0, self.wrong_at + min(first * 2 ** over, longest) - now)


class Table:
    """Counts by key; at most `cap` of them, the least recently touched forgotten first."""

    def __init__(self, cap: int | None):
        self.cap = cap
        self.counts: OrderedDict[str, Count] = OrderedDict()

    def get(self, key: str) -> Count | None:
        return self.counts.get(key)

    def touch(self, key: str) -> Count:
        count = self.counts.pop(key, None) or Count()
        self.counts[key] = count
        while self.cap is not None and len(self.counts) > self.cap:
            self.counts.popitem(last=False)
        return count

    def __len__(self) -> int:
        return len(self.counts)


class Lockout:
    """The counts of one server; `people` are the site file's names (counted apart, never forgotten)."""

    def __init__(self, limits: Limits, people: set[str]):
        self.limits = limits
        cap = limits.signin_remembered
        self.pairs, self.addresses = Table(cap), Table(cap)
        self.names, self.strangers = Table(None), Table(cap)  # the site's people; names that are nobody's
        self.people = people
        self.places: dict[str, OrderedDict[str, None]] = {}   # person -> addresses they signed in from

    def check(self, name: str, address: str, now: float) -> None:
        """Before a password is checked: raise `Throttled` while a count that applies is locked,
        else count the try as wrong until `right` says otherwise (tries sent in parallel are
        all counted)."""
        tables = self._tables(name, address)
        wait = max((count.locked_for(now, free, self.limits) for table, key, free in tables
                    if (count := table.get(key)) is not None), default=0.0)
        if wait > 0:
            raise Throttled(wait)
        for table, key, _ in self._all(name, address):
            count = table.touch(key)
            count.add(1, now, self.limits.signin_forgive)
            count.wrong_at = now

    def right(self, name: str, address: str, now: float) -> None:
        """The password was right: the pair starts over, the name and address take back this
        one try (and no more), and the address becomes one of the person's places."""
        name = self._name(name)
        self.pairs.counts.pop(f"{name}\n{address}", None)
        for table, key, _ in self._all(name, address)[1:]:
            if (count := table.get(key)) is not None:
                count.add(-1, now, self.limits.signin_forgive)
        places = self.places.setdefault(name, OrderedDict())
        places.pop(address, None)
        places[address] = None
        while len(places) > self.limits.signin_places:
            places.popitem(last=False)

    def remembered(self) -> int:
        """How many counts are held (bounded: see the module's docstring)."""
        return len(self.pairs) + len(self.addresses) + len(self.names) + len(self.strangers)

    def _name(self, name: str) -> str:
        return name.strip().lower()[:KEY_CHARS]

    def _all(self, name: str, address: str) -> list[tuple[Table, str, int]]:
        name, limits = self._name(name), self.limits
        names = self.names if name in self.people else self.strangers
        return [(self.pairs, f"{name}\n{address}", limits.signin_free_pair),
                (names, name, limits.signin_free_name),
                (self.addresses, address, limits.signin_free_address)]

    def _tables(self, name: str, address: str) -> list[tuple[Table, str, int]]:
        """The counts that judge this try: the pair alone at one of the person's places."""
        every = self._all(name, address)
        return every[:1] if address in self.places.get(self._name(name), ()) else every
