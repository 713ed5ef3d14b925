"""Hidden counts that stay hidden: complementary ("secondary") suppression over linked sums.

The network's page hides a count of one to four visits ("–*", `figures.count`). Hiding it alone
is not enough where counts are linked by sums a reader can add up: the network's total less the
other offices', visitors less served less no-shows. This module finds the further counts to
hide ("–†") so that **no hidden count can be worked out** from what the page shows, and nothing
else: pure, no I/O, no clock.

The relations are written as a circulation (a flow network): every relation is a node, every
count an edge (a `Cell`) from the relation it leaves to the one it enters, so that at every node
what comes in equals what goes out. `figures.linked` builds them for a month (a table with its
margins, and two single sums), e.g. the node of an office's row: its visitors come in, its
served, no-shows and the rest (visits neither served nor no-show) go out.

What a reader knows: every shown count, every relation, the counts not published that we grant
them anyway (`published=False`: the rest above where it is 0, so that "visitors = served +
no-shows" is a leak wherever it holds; where it is not 0 no reader can know it: `free`), and
what each mark says: "–*" is 1 to 4 (a 0 and five or more are shown),
"–†" is five or more (a 0 is never hidden: it points at no one). A hidden count can be worked out
exactly when no other value of it fits all that. Another value fits iff the count lies on a cycle
of hidden counts along which all of them can move by one within what the reader knows (the
residual graph: the difference of two fitting tables is a circulation of hidden counts, made of
such cycles, each moving every count the same way and no further). So a hidden count is
**pinned** when no such cycle runs through it, and `shield` hides more until none is pinned —
the generalisation of "hide another count in every sum that has exactly one hidden" (a count alone
in a sum has no cycle), which also catches counts pinned by bounds ("–*" of 1 beside a "–†" of 5
in a sum of 6) or by two sums together.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass
from typing import Hashable

Bounds = tuple[int, int | None]  # lowest, highest (None: no limit) a reader knows the count to be


@dataclass(frozen=True)
class Cell:
    key: Hashable    # (office or "network", column)
    tail: str        # the relation it leaves (counts in its sum going out)
    head: str        # the relation it enters
    value: int
    published: bool = True  # False: not on the page, yet granted to the reader; never hidden
    free: bool = False      # no reader can know it: any value 0 or more fits (never hidden)
    signed: bool = False    # free below 0 too (visits neither served nor no-show: a transfer's leg is -1)


def shield(cells: list[Cell], few: set[Hashable], *, fewest: int = 5,
           zero: set[Hashable] = frozenset()) -> dict[Hashable, bool]:
    """The keys to mark "–†" so that no hidden count is pinned, each with whether it is lifted
    (below): counts hidden beside `few` (those under `fewest`, hidden already: "–*"), and any of
    `few` lifted. While a count is pinned, the shown counts of the cheapest cycle that would free
    it are hidden (cheapest: the smallest counts summed, so small counts go and the big figures
    stay readable; the shortest-path heuristic of the statistical offices' tools).

    Where no shown count can free it (all hidden already, 0 or not published), what the marks say
    pins it: the network's 2 no-shows "–*" over two offices' "–*" (one each), or a row of 6
    visitors whose only two counts are a "–*" and a "–†" (1 and 5). Then counts on its cycle are
    **lifted**: marked "–†" with no size said (a "–*" may be five or more, a "–†" under five) —
    the page's "–†" says "hidden for another's sake", never how big. `zero`: those of `few` a
    reader knows only to be under `fewest`, 0 too (a share of a whole under five hides its part)."""
    order = {c.key: i for i, c in enumerate(cells)}
    by_key = {c.key: c for c in cells}
    hidden: dict[Hashable, Bounds] = {k: (0 if k in zero else 1, fewest - 1) for k in sorted(few, key=order.__getitem__)}
    left: set[Hashable] = set()  # pinned with nothing to free them: a 0 the page tells (0 % of 74 asked)
    while (stuck := next((by_key[k] for k in hidden if k not in left and not movable(cells, hidden, by_key[k])),
                         None)) is not None:
        freeing = cheapest_cycle(cells, hidden, stuck, fewest) or cheapest_cycle(cells, hidden, stuck, fewest, lift=True)
        if not freeing:
            left.add(stuck.key)
            continue
        hidden.update((k, LIFTED if k in hidden else (fewest, None)) for k in freeing)
    return {k: b == LIFTED for k, b in hidden.items() if b[1] is None}  # `few` stay "–*" unless lifted


LIFTED: Bounds = (1, None)  # hidden, and a reader knows no more than that it is not 0


def arcs_of(c: Cell, bounds: Bounds, cost: int, lift: bool) -> list[tuple[str, str, int, bool]]:
    """The ways `c` can move by one, as (from, to, cost, lifted): up from tail to head, down from
    head to tail; past what its mark says only when lifting (cost 1 more: lifted as few as can be)."""
    low, high = bounds
    ways = []
    if high is None or c.value < high:
        ways.append((c.tail, c.head, cost, False))
    elif lift:
        ways.append((c.tail, c.head, cost + 1, True))
    if c.value > low:
        ways.append((c.head, c.tail, cost, False))
    elif lift and c.value > 1:  # a "–†" of five may be less once it says no size
        ways.append((c.head, c.tail, cost + 1, True))
    return ways


def cheapest_cycle(cells: list[Cell], hidden: dict[Hashable, Bounds], stuck: Cell, fewest: int, *,
                   lift: bool = False) -> list[Hashable]:
    """The counts to hide (or lift) so that `stuck` can move: the cheapest path closing a cycle
    through it, over hidden counts (free, each the way its mark lets it move), counts no reader
    knows (free) and shown counts over 0 (costing their value; hidden, "–†" says five or more, so
    one of five can only grow)."""
    arcs: dict[str, list[tuple[str, int, Hashable, bool]]] = {}
    for c in cells:
        if c.free:
            ways = [(c.tail, c.head, 0, False)] + ([(c.head, c.tail, 0, False)] if c.signed or c.value > 0 else [])
        elif c.key == stuck.key or not (c.key in hidden or (c.published and c.value > 0)):
            continue
        else:
            ways = arcs_of(c, hidden.get(c.key, (fewest, None)), 0 if c.key in hidden else c.value, lift)
        for start, end, cost, lifted in ways:
            arcs.setdefault(start, []).append((end, cost, c.key, lifted))
    found = []
    for start, end, cost, lifted in arcs_of(stuck, hidden[stuck.key], 0, lift):
        # moving it from `start` to `end`, the rest of the cycle leads back from `end` to `start`
        if (back := cheapest_path(arcs, end, start)) is not None:
            found.append((back[0] + cost, [(stuck.key, lifted)] + back[1]))
    best = min(found, key=lambda way: way[0], default=(0, []))
    free = {c.key for c in cells if c.free}
    return [k for k, lifted in best[1] if (k not in hidden or lifted) and k not in free]


def cheapest_path(arcs: dict[str, list[tuple[str, int, Hashable, bool]]], start: str,
                  goal: str) -> tuple[int, list[tuple[Hashable, bool]]] | None:
    """Dijkstra: (cost, the counts along it, each with whether it is lifted) of the cheapest way
    from `start` to `goal`."""
    done: set[str] = set()
    todo: list[tuple[int, int, str, list[tuple[Hashable, bool]]]] = [(0, 0, start, [])]
    tie = 0
    while todo:
        cost, _, node, path = heapq.heappop(todo)
        if node == goal:
            return cost, path
        if node in done:
            continue
        done.add(node)
        for step, price, key, up in arcs.get(node, ()):
            if step not in done:
                tie += 1
                heapq.heappush(todo, (cost + price, tie, step, [*path, (key, up)]))
    return None


def movable(cells: list[Cell], hidden: dict[Hashable, Bounds], cell: Cell) -> bool:
    """Whether `cell` can take another value by one step: up (a path of residual arcs from its
    head back to its tail) or down (from its tail to its head), other counts moving with it."""
    arcs = residual(cells, hidden, without=cell.key)
    low, high = hidden[cell.key]
    up = (high is None or cell.value < high) and reaches(arcs, cell.head, cell.tail)
    return up or (cell.value > low and reaches(arcs, cell.tail, cell.head))


def residual(cells: list[Cell], hidden: dict[Hashable, Bounds], *, without: Hashable) -> dict[str, list[str]]:
    """node -> nodes one step away along a hidden count that can still grow (tail to head) or
    shrink (head to tail); shown counts are fixed and carry no arc."""
    arcs: dict[str, list[str]] = {}
    for c in cells:
        if c.free:
            arcs.setdefault(c.tail, []).append(c.head)
            if c.signed or c.value > 0:
                arcs.setdefault(c.head, []).append(c.tail)
        if c.key not in hidden or c.key == without:
            continue
        low, high = hidden[c.key]
        if high is None or c.value < high:
            arcs.setdefault(c.tail, []).append(c.head)
        if c.value > low:
            arcs.setdefault(c.head, []).append(c.tail)
    return arcs


def reaches(arcs: dict[str, list[str]], start: str, goal: str) -> bool:
    seen, todo = {start}, deque([start])
    while todo:
        node = todo.popleft()
        if node == goal:
            return True
        for step in arcs.get(node, ()):
            if step not in seen:
                seen.add(step)
                todo.append(step)
    return False
