"""Offices compared month by month, with the network's rule: **no figure rests on fewer than
five visits** (a figure that would is `HIDDEN`, shown as "–" with a footnote).

What "rests on" means, per kind of figure (the property test, tests/test_network_page.py,
checks each on made-up months):

- a count (visitors, served, no-shows, referrals, answers): the visits it counts; one to four
  is hidden (a language's 3 visitors, a partner's 2 referrals); 0 is said (it points at no one);
- a share (interpreter need, printed wait held, referred, satisfied, a language's share): the
  visits it is a share of, and the visits it counts unless there are none (0 of 300 is said;
  2 of 300 is not: it would point at two people);
- a median or percentile of the waits, an average of the answers: the waits or answers it is
  made from.

A month of an office is what `store.NetworkStore.period` sums from its days.

A figure not shown is one of three `Hidden`s, each with its own mark and footnote on the page:
`HIDDEN` (fewer than five visits), `SHIELDED` (shown it would let a hidden figure beside it be
worked out: `protected`, `shield`) and `NO_DATA` (the office sent nothing for that month).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.manager.stats.tables import percentile
from server.network.shield import Cell, shield
from server.network.store import Month

FEWEST = 5


class Hidden:
    """A figure not shown, and why (`reason`: few, shielded, no_data; the page's mark and footnote)."""

    def __init__(self, reason: str):
        self.reason = reason

    def __repr__(self) -> str:
        return {"few": "HIDDEN"}.get(self.reason, self.reason.upper())

    __str__ = __repr__


HIDDEN = Hidden("few")          # would rest on fewer than five visits
SHIELDED = Hidden("shielded")   # hidden so that another hidden figure cannot be worked out
UNSIZED = Hidden("shielded")    # the same "–†", lifted (`shield`): a count of any size, even under five
NO_DATA = Hidden("no_data")     # the office sent nothing for that month


def hidden(value: object) -> bool:
    return isinstance(value, Hidden)

Figure = Any  # int | float | Hidden


def count(n: int) -> Figure:
    return HIDDEN if 0 < n < FEWEST else n


def share(part: int, whole: int) -> Figure:
    """`part` of `whole` in whole per cent."""
    if whole < FEWEST or 0 < part < FEWEST:
        return HIDDEN
    return round(100 * part / whole)


def quantile(hist: dict[str, int], q: float) -> Figure:
    minutes = {int(k): n for k, n in hist.items() if n}
    if sum(minutes.values()) < FEWEST:
        return HIDDEN
    return percentile(minutes, q)


def average(scores: dict[str, int]) -> Figure:
    answers = sum(scores.values())
    if answers < FEWEST:
        return HIDDEN
    return round(sum(int(s) * n for s, n in scores.items()) / answers, 1)  # one decimal, always shown


OVERVIEW = ("days", "visitors", "served", "no_shows", "wait_median", "wait_p90", "held", "interpreters",
            "referrals", "referred", "answers", "average", "satisfied")
VISITS, HELP = OVERVIEW[:7], OVERVIEW[7:]  # the page's two tables


def overview(m: Month) -> dict[str, Figure]:
    """One office's (or the network's) month: every figure of the overview, by its name."""
    held, scores = m.of("held"), m.of("feedback")
    called = sum(held.get(k, 0) for k in ("early", "inside", "late"))
    referred, answers = sum(m.of("referral").values()), sum(scores.values())
    return {"days": m.days, "visitors": count(m.visitors), "served": count(m.served), "no_shows": count(m.no_shows),
            "wait_median": quantile(m.of("wait"), 0.5), "wait_p90": quantile(m.of("wait"), 0.9),
            "held": share(held.get("inside", 0), called),
            "interpreters": share(sum(m.of("interpreter").values()), m.visitors),
            "referrals": count(referred), "referred": share(referred, m.visitors),
            "answers": count(answers), "average": average(scores),
            "satisfied": share(scores.get("4", 0) + scores.get("5", 0), answers)}


COUNTS = {"visitors": lambda m: m.visitors, "served": lambda m: m.served, "no_shows": lambda m: m.no_shows,
          "referrals": lambda m: sum(m.of("referral").values()), "answers": lambda m: sum(m.of("feedback").values())}
NETWORK = ""  # the network's row among the offices' (an office id is never empty)


def linked(months: dict[str, Month]) -> list[Cell]:
    """Every sum a reader of the page can add up, as `shield` takes them (each sum a node, each
    count an edge): per office and for the network, visitors = served + no-shows + the rest
    (visits neither: a transfer's second leg is served twice, a visit cancelled or left waiting
    is neither); the rest is not published: where it is 0 it is granted to the reader, as
    "visitors = served + no-shows" then holds, else no reader can know it (`free`). And each of
    visitors, served, no-shows, referrals, answers: the network's = the offices' summed. (Days
    are no visits; the shares are guarded by `protected`; no other count is published.)"""
    cells = []
    for o, m in sorted({**months, NETWORK: total(list(months.values()))}.items()):
        row, rest = f"row:{o}", m.visitors - m.served - m.no_shows
        ends = {"visitors": ("visitors", row), "served": (row, "served"), "no_shows": (row, "no_shows"),
                "rest": (row, "rest"), "referrals": ("referrals", "referrals:network"),
                "answers": ("answers", "answers:network")}
        for k, (tail, head) in ends.items():
            if o == NETWORK:  # the network's count is the offices' summed: it flows back, closing each sum
                tail, head = head, tail
            cells.append(Cell((o, k), tail, head, rest, published=False, free=rest != 0, signed=True) if k == "rest"
                         else Cell((o, k), tail, head, COUNTS[k](m)))
    return cells


def protected(months: dict[str, Month]) -> tuple[dict[str, dict[str, Figure]], dict[str, Figure]]:
    """Every office's overview of a month and the network's, with the counts `shield` finds
    hidden too (`SHIELDED`) so that no hidden count can be worked out from those shown. A month's
    figures depend on that month's days alone: its column in the trend reads as its own page."""
    counted = {**months, NETWORK: total(list(months.values()))}
    rows = {o: overview(m) for o, m in counted.items()}
    few = {(o, k) for o, row in rows.items() for k in COUNTS if hidden(row[k])}
    for (o, k), lifted in shield(linked(months), few, fewest=FEWEST).items():
        rows[o][k] = UNSIZED if lifted else SHIELDED
    for o, row in rows.items():
        # referred = referrals / visitors: beside one of the two shown it gives the other back
        guarded = hidden(row["visitors"]) or hidden(row["referrals"])
        if guarded and not hidden(row["referred"]) and COUNTS["referrals"](counted[o]):
            row["referred"] = SHIELDED
    whole = rows.pop(NETWORK)
    return rows, whole


def held_parts(m: Month) -> tuple[Figure, Figure, Figure]:
    """Shares called before, inside and after the printed range (for the chart)."""
    held = m.of("held")
    called = sum(held.get(k, 0) for k in ("early", "inside", "late"))
    early, inside, late = (share(held.get(k, 0), called) for k in ("early", "inside", "late"))
    if not any(map(hidden, (early, inside, late))) and late:  # the three fill the bar: rounding takes from the last
        late = max(0, 100 - early - inside)
    return early, inside, late


def total(months: list[Month]) -> Month:
    """The network's month: every office's summed."""
    whole = Month()
    for m in months:
        whole.days += m.days
        whole.visitors += m.visitors
        whole.served += m.served
        whole.no_shows += m.no_shows
        for kind, names in m.counts.items():
            into = whole.counts.setdefault(kind, {})
            for name, n in names.items():
                into[name] = into.get(name, 0) + n
    return whole


def languages(months: list[Month], kind: str = "language", *, most: int = 12) -> list[str]:
    """The languages to give a column: those with at least five visits in the network, most first."""
    whole = total(months).of(kind)
    return sorted((k for k, n in whole.items() if n >= FEWEST), key=lambda k: (-whole[k], k))[:most]


def language_shares(m: Month, langs: list[str]) -> list[Figure]:
    return [share(m.of("language").get(lang, 0), m.visitors) for lang in langs]


def protected_language_shares(months: dict[str, Month], spoken: list[str],
                              visitors: dict[str, Figure]) -> dict[str, list[Figure]]:
    """Each row's (the offices' and the network's, `NETWORK`) share of its visitors per language
    of `spoken`, with the shares hidden too (`SHIELDED`) that would give a hidden one back. A
    share beside its row's visitors shown is, within rounding, a count: the language's visitors.
    Those counts add up like the overview's (the network's = the offices'; a row's visitors = its
    languages' + the languages without a column, granted where those are 0), so `shield` closes
    them alike. A row whose visitors are hidden (`visitors`: the overview's figures) tells no
    count: its cells are `free`. The visitors themselves are fixed here (never hidden for a share)."""
    counted = {**months, NETWORK: total(list(months.values()))}
    rows = {o: language_shares(m, spoken) for o, m in counted.items()}
    cells, few, zero = [], set(), set()
    for o, m in sorted(counted.items()):
        known = not hidden(visitors[o]) and m.visitors >= FEWEST  # (0 visitors: every count 0, said)
        free = hidden(visitors[o])
        row, said = f"lang-row:{o}", m.of("language")
        others = m.visitors - sum(said.get(lang, 0) for lang in spoken)
        def add(key: str, tail: str, head: str, n: int, *, published: bool = False, unknown: bool = False) -> None:
            # the network's count is the offices' summed: it flows back
            ends = (head, tail) if o == NETWORK else (tail, head)
            cells.append(Cell((o, key), *ends, n, published=published, free=unknown))

        add("visitors", "lang-visitors", row, m.visitors, unknown=free)
        add("other", row, "lang-other", others, unknown=free or others != 0)
        for lang, figure in zip(spoken, rows[o]):
            # a share of hidden visitors tells no count
            add(lang, row, f"lang:{lang}", said.get(lang, 0), published=known and not hidden(figure),
                unknown=free and not hidden(figure))
            if hidden(figure) and m.visitors:  # "–*": 1 to 4 speak it, or under five came (0 to 4)
                few.add((o, lang))
                zero |= {(o, lang)} if m.visitors < FEWEST else set()
    for (o, name), lifted in shield(cells, few, fewest=FEWEST, zero=zero).items():
        rows[o][spoken.index(name)] = UNSIZED if lifted else SHIELDED
    return rows


def protected_interpreter_shares(months: dict[str, Month], asked: list[str], rows: dict[str, dict[str, Figure]],
                                 spoken: list[str], languages: dict[str, list[Figure]]) -> dict[str, list[Figure]]:
    """Each row's interpreter need per language of `asked` (of that language's visitors), with
    the shares hidden too (`SHIELDED`) that would give a hidden one back; `rows` (the overview's,
    `NETWORK` the network's) have their interpreter need hidden too where it would. A share of a
    language count the page tells (`languages`: its share beside shown visitors) is a count
    within rounding, and those add up: a row's interpreters (the overview's need times its
    visitors) = its languages' (where no language without a column asked), the network's = the
    offices'. A share whose part cannot be told (its visitors or its language hidden) is `free`."""
    counted = {**months, NETWORK: total(list(months.values()))}
    need = {o: interpreter_shares(m, asked) for o, m in counted.items()}
    cells, few, zero = [], set(), set()
    for o, m in sorted(counted.items()):
        told = not hidden(rows[o]["visitors"]) and m.visitors >= FEWEST
        row, spoke, wanted = f"need-row:{o}", m.of("language"), m.of("interpreter")
        everyone = sum(wanted.values())
        others = everyone - sum(wanted.get(lang, 0) for lang in asked)
        # (name, ends, count, its share, its whole, whether the page tells the count)
        parts = [("interpreters", ("need-total", row), everyone, rows[o]["interpreters"], m.visitors, told)]
        for lang, figure in zip(asked, need[o]):
            counted_too = lang in spoken and not hidden(languages[o][spoken.index(lang)])
            parts.append((lang, (row, f"need:{lang}"), wanted.get(lang, 0), figure, spoke.get(lang, 0),
                          told and counted_too))
        for name, (tail, head), n, figure, whole, tells in parts:
            if o == NETWORK:  # the network's count is the offices' summed: it flows back
                tail, head = head, tail
            if hidden(figure) and whole:  # "–*": 1 to 4 asked, or under five to ask (0 to 4)
                few.add((o, name))
                zero |= {(o, name)} if whole < FEWEST else set()
            # a share shown of a whole the page does not tell is no count (a whole of 0: 0, said)
            cells.append(Cell((o, name), tail, head, n, published=tells and not hidden(figure),
                              free=not hidden(figure) and not tells and whole > 0))
        # the languages without a column that asked: 0 granted where the page tells the row
        tail, head = (row, "need-other") if o != NETWORK else ("need-other", row)
        cells.append(Cell((o, "other"), tail, head, others, published=False, free=not (told and others == 0)))
    for (o, name), lifted in shield(cells, few, fewest=FEWEST, zero=zero).items():
        mark = UNSIZED if lifted else SHIELDED
        if name == "interpreters":
            rows[o]["interpreters"] = mark
        else:
            need[o][asked.index(name)] = mark
    return need


def interpreter_shares(m: Month, langs: list[str]) -> list[Figure]:
    return [share(m.of("interpreter").get(lang, 0), m.of("language").get(lang, 0)) for lang in langs]


@dataclass
class Comparison:
    """A month of the network: the offices that sent days (in the network file's order), the
    network's total, and the last months for the trend."""

    month: str
    offices: list[tuple[str, str]]                      # (id, name)
    months: dict[str, Month]                            # office id -> its month
    trend: dict[str, dict[str, Month]] = field(default_factory=dict)  # month -> office id -> its month

    @property
    def network(self) -> Month:
        return total(list(self.months.values()))
