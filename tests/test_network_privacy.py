"""No hidden count of the network's page can be worked out from what the page shows.

An attacker reads the published pages (the HTML the network serves, every month's, the trend's
columns too), writes down every sum a reader can add up — each count's network total is the sum
of the offices', visitors = served + no-shows + the rest (the rest, visits neither served nor
no-show, is not published: the attacker is granted it) — and what the marks say ("–*" one to
four, "–†" five or more), then solves: exact elimination over the sums (fractions), then narrows
every hidden count's range through every sum until nothing changes. A hidden count left with one
value is a leak. Offices' figures are made up by hypothesis around the limit of five; the
reviewer's case (an office's 3 no-shows beside its visitors and served) stands on its own, and
in Chromium the real server's page shows "–†" where the shield puts it.
"""

from __future__ import annotations

import math
from fractions import Fraction
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config import languages as cldr
from server.network import figures
from server.network.figures import COUNTS as COUNTED
from server.network.figures import Comparison, total
from server.network.listener import NetworkServer
from server.network.page import page as render
from server.network.settings import parse_network
from server.network.store import Month
from server.network.summary import Day

from .browser import axe_violations
from .conftest import examples
from .test_network_page import signed_in
from .test_network_page_marks import cells
from .test_network_send import network_file

COLUMNS = {"overview": ("days", "visitors", "served", "no_shows"), "help": ("interpreters", "referrals", "referred",
                                                                          "answers")}
COUNTS = ("visitors", "served", "no_shows", "referrals", "answers")
NETWORK = "Netzwerk gesamt"
FEW, SHIELDED = (1, 4), (5, math.inf)


class Tables(HTMLParser):
    """The page's tables as the reader sees them: table id -> rows of cell texts."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.table = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.table = self.tables.setdefault(dict(attrs)["id"].removeprefix("table-"), [])
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag in ("td", "th") and self.table is not None:
            self.table[-1].append("")

    def handle_endtag(self, tag):
        if tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.table and self.table[-1]:
            self.table[-1][-1] += data


def reading(text: str):
    """A cell as a number, or the mark of a hidden one ("*", "†", "‡")."""
    if text.startswith("–"):
        return text[1:]
    return int(text.replace(".", ""))


def published(html: str, month: str, months: list[str]) -> dict[tuple[str, str, str], object]:
    """(month, row, count) -> what one page shows of it: its month's overview and help tables,
    and every month's visitors in the trend table."""
    tables = Tables(html).tables
    seen: dict[tuple[str, str, str], object] = {}
    for name, columns in COLUMNS.items():
        for row in tables[name][1:]:
            for column, text in zip(columns, row[1:]):
                if column in COUNTS:
                    seen[(month, row[0], column)] = reading(text)
    for row, helped in zip(tables["overview"][1:], tables["help"][1:]):
        # referred = referrals / visitors: shown beside one of them hidden, it gives that one back
        visitors, referrals, referred = (reading(t) for t in (row[2], helped[2], helped[3]))
        assert not (isinstance(referred, int) and referrals != 0 and str in (type(visitors), type(referrals))), row[0]
    for row in tables["visitors_by_month"][1:]:
        for m, text in zip(months, row[1:]):
            if not text.endswith("‡"):
                seen[(m, row[0], "visitors")] = reading(text)
    return seen


def combine(pages: list[dict]) -> dict:
    """What all pages show together: a count shown on one page is known, hidden on another or not;
    two pages never show one count as two numbers."""
    known: dict = {}
    for seen in pages:
        for key, value in seen.items():
            before = known.get(key)
            if isinstance(before, int) and isinstance(value, int):
                assert before == value, (key, before, value)
            if before is None or isinstance(value, int):
                known[key] = value
    return known


def sums(known: dict, rests: dict[tuple[str, str], int]) -> list[tuple[dict, int]]:
    """Every sum a reader adds up, as (count key -> coefficient, constant): Σ coefficient·count = constant."""
    found = []
    for month in {k[0] for k in known}:
        rows = {k[1] for k in known if k[0] == month}
        offices = sorted(rows - {NETWORK})
        for column in COUNTS:
            if (month, NETWORK, column) in known:
                found.append(({(month, NETWORK, column): 1, **{(month, o, column): -1 for o in offices}}, 0))
        for row in rows:
            # "visitors = served + no-shows": a reader cannot know the rest (visits neither served
            # nor no-show); the attacker is told where it is 0, so the sum holds there
            if rests[(month, row)] == 0 and all((month, row, c) in known for c in ("visitors", "served", "no_shows")):
                found.append(({(month, row, "visitors"): 1, (month, row, "served"): -1, (month, row, "no_shows"): -1}, 0))
    return found


def attack(known: dict, rests: dict, lifted: set = frozenset()) -> dict:
    """Every hidden count the reader can work out: key -> its one value."""
    bounds = {k: list(FEW if v == "*" else SHIELDED) for k, v in known.items() if v in ("*", "†")}
    for k in lifted:  # a "–†" that says no size (`shield`'s last resort): the attacker is told which
        bounds[k] = [1, math.inf]
    equations = []
    for coefficients, constant in sums(known, rests):  # shown counts moved to the constant side
        left = {k: Fraction(a) for k, a in coefficients.items() if k in bounds}
        right = Fraction(constant) - sum(a * known[k] for k, a in coefficients.items() if k not in bounds)
        if left:
            equations.append((left, right))
    equations += eliminated(equations, list(bounds))
    while narrow(equations, bounds):
        pass
    return {k: lo for k, (lo, hi) in bounds.items() if lo == hi}


def eliminated(equations: list, unknowns: list) -> list:
    """Gauss–Jordan over the sums, exactly: its rows are sums too (one alone: a count worked out)."""
    rows = [(dict(left), right) for left, right in equations]
    done = []
    for unknown in unknowns:
        pivot = next((r for r in rows if r[0].get(unknown)), None)
        if pivot is None:
            continue
        rows.remove(pivot)
        a = pivot[0][unknown]
        pivot = ({k: v / a for k, v in pivot[0].items()}, pivot[1] / a)
        rows = [_minus(r, pivot, r[0].get(unknown, 0)) for r in rows]
        done = [_minus(r, pivot, r[0].get(unknown, 0)) for r in done] + [pivot]
    return [r for r in done if r[0]]


def _minus(row, pivot, times):
    if not times:
        return row
    left = dict(row[0])
    for k, v in pivot[0].items():
        left[k] = left.get(k, 0) - times * v
    return {k: v for k, v in left.items() if v}, row[1] - times * pivot[1]


def narrow(equations: list, bounds: dict) -> bool:
    """Each count's range from one sum and the others' ranges, whole numbers only (∞: no limit
    above). True: a range narrowed."""
    changed = False
    for left, right in equations:
        for k, a in left.items():
            low = high = Fraction(0)  # the range of Σ b·x over the others
            for j, b in left.items():
                if j != k:
                    lo, hi = bounds[j]
                    ends = (b * lo, b * hi) if hi != math.inf else ((b * lo, math.inf) if b > 0 else (-math.inf, b * lo))
                    low, high = low + min(ends), high + max(ends)
            ends = ((right - high) / a, (right - low) / a)  # a·x = right − Σ
            lo_k, hi_k = min(ends), max(ends)
            new = [max(bounds[k][0], math.ceil(lo_k) if lo_k != -math.inf else bounds[k][0]),
                   min(bounds[k][1], math.floor(hi_k) if hi_k != math.inf else math.inf)]
            if new != bounds[k]:
                assert new[0] <= new[1], (k, new)  # the truth always fits
                bounds[k], changed = new, True
    return changed


def office_month(served: int, no_shows: int, rest: int, referrals: int, answers: int) -> Month:
    return Month(days=20, visitors=max(0, served + no_shows + rest), served=served, no_shows=no_shows,
                 counts={"referral": {"jobcenter": referrals} if referrals else {},
                         "feedback": {"4": answers} if answers else {}})


def leaks(trend: dict[str, dict[str, Month]], names: dict[str, str]) -> dict:
    """Render every month's page as the network serves it and attack them together."""
    months = sorted(trend)
    pages, rests = [], {}
    for i, month in enumerate(months):
        shown = {m: trend[m] for m in months[:i + 1]}
        offices = [(o, names[o]) for o in sorted(trend[month])]
        html = render("Netzwerk", Comparison(month, offices, trend[month], shown), months[::-1], "de")
        pages.append(published(html, month, months[:i + 1]))
    truth = {}
    for month, by_office in trend.items():
        for name, m in [*((names[o], m) for o, m in by_office.items()), (NETWORK, total(list(by_office.values())))]:
            rests[(month, name)] = m.visitors - m.served - m.no_shows
            truth.update({(month, name, k): COUNTED[k](m) for k in COUNTS})
    known = combine(pages)
    lifted = set()  # the "–†" that say no size (`shield`): the attacker is told which
    for month, by_office in trend.items():
        rows, whole = figures.protected(by_office)
        for name, row in [*((names[o], r) for o, r in rows.items()), (NETWORK, whole)]:
            lifted |= {(month, name, k) for k in COUNTS if row[k] is figures.UNSIZED}
    assert all(truth[k] >= 5 for k, v in known.items() if v == "†" and k not in lifted)
    return attack(known, rests, lifted)


SMALL = st.one_of(st.integers(0, 9), st.integers(0, 9), st.integers(10, 400))  # mostly around five
REST = st.sampled_from([0, 0, 0, 1, 2, -1])  # mostly none: then visitors = served + no-shows
OFFICE = st.builds(office_month, SMALL, SMALL, REST, SMALL, SMALL)


@settings(max_examples=examples(150), deadline=None)
@given(months=st.lists(st.dictionaries(st.sampled_from(["wetzlar", "giessen", "marburg", "kassel"]), OFFICE,
                                       min_size=1, max_size=4), min_size=1, max_size=2))
def test_no_hidden_count_can_be_worked_out_from_the_pages(months):
    trend = {f"2026-{10 + i}": m for i, m in enumerate(months)}
    names = {o: f"Ausländerbehörde {o.title()}" for o in ("wetzlar", "giessen", "marburg", "kassel")}
    assert leaks(trend, names) == {}


def test_the_reviewers_case_gives_nothing_away():
    """Wetzlar's 3 no-shows were hidden ("–*") and Giessen's 6 shielded ("–†") against the
    network's total, yet Wetzlar's 300 visitors less its 297 served said 3 (and then the total
    less the others Giessen's 6)."""
    november = {"wetzlar": office_month(297, 3, 0, 40, 20), "marburg": office_month(190, 10, 0, 12, 8),
                "giessen": office_month(150, 6, 0, 0, 0)}
    names = {o: f"Ausländerbehörde {o.title()}" for o in november}
    assert leaks({"2026-11": november}, names) == {}


def test_where_the_marks_alone_would_tell_a_total_under_five_says_no_size():
    """Two offices of 2 visitors each, 1 served and 1 no-show: all under five, all "–*". The
    network's visitors "–*" (1 to 4) over two offices of at least 2 each would be 4, and then
    every count 1: the network's visitors read "–†" instead, which says no size."""
    november = {"wetzlar": office_month(1, 1, 0, 1, 0), "giessen": office_month(1, 1, 0, 1, 0)}
    rows, whole = figures.protected(november)
    assert [whole[k] for k in COUNTS] == [figures.UNSIZED, figures.HIDDEN, figures.HIDDEN, figures.HIDDEN, 0]
    assert all(rows[o][k] is figures.HIDDEN for o in november for k in COUNTS[:4])
    assert leaks({"2026-11": november}, {o: f"Ausländerbehörde {o.title()}" for o in november}) == {}


def test_the_attacker_finds_what_a_lone_hidden_count_gives_away(monkeypatch):
    """The attacker is not blind: with the shield switched off it works out the reviewer's 3."""
    monkeypatch.setattr(figures, "shield", lambda cells, few, **_: {})
    november = {"wetzlar": office_month(297, 3, 0, 40, 20), "marburg": office_month(190, 10, 0, 12, 8)}
    names = {o: f"Ausländerbehörde {o.title()}" for o in november}
    found = leaks({"2026-11": november}, names)
    assert found == {("2026-11", "Ausländerbehörde Wetzlar", "no_shows"): 3}


REVIEWED = {"wetzlar": Day(day="2026-11-05", visitors=300, served=297, no_shows=3, waits={10: 297},
                          languages={"ar": 150, "de": 147, "ti": 3}),
            "giessen": Day(day="2026-11-05", visitors=156, served=150, no_shows=6, waits={5: 150}, languages={"ar": 156}),
            "marburg": Day(day="2026-11-05", visitors=200, served=190, no_shows=10, waits={20: 190},
                           languages={"ar": 120, "de": 80})}


@pytest.fixture
async def reviewed(tmp_path):
    server = NetworkServer(parse_network(network_file()), tmp_path / "network.sqlite3")
    for office, day in REVIEWED.items():
        server.store.put_days(office, [day], received_at="test")
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


async def test_the_served_page_shields_a_rectangle_around_the_three_no_shows(reviewed, browser):
    page = await signed_in(browser, reviewed)
    rows = {row[0].split()[-1]: row[2:5] for row in await page.evaluate(cells("overview"))}
    #                      visitors served no_shows
    assert rows["Wetzlar"] == ["300", "–†", "–*"]     # not 300 − 297
    assert rows["Giessen"] == ["156", "–†", "–†"]     # the smallest beside it in both sums
    assert rows["Marburg"] == ["200", "190", "10"]
    assert rows["gesamt"] == ["656", "637", "19"]    # the network's total stays readable
    months = {row[0].split()[-1]: row[1:] for row in await page.evaluate(cells("visitors_by_month"))}
    assert months["Wetzlar"] == ["300"]
    # Arabic, German, Tigrinya: 300 − 50 % − 49 % would leave Tigrinya's 3 within rounding
    languages = {row[0].split()[-1]: row[1:] for row in await page.evaluate(cells("languages"))}
    assert languages["Wetzlar"] == ["50", "–†", "–*"] and languages["gesamt"] == ["65", "–†", "–*"]
    assert languages["Marburg"] == ["60", "40", "0"]
    assert "verdeckt" in await page.inner_text("#note-shielded")
    html = await page.content()
    found = attack(published(html, "2026-11", ["2026-11"]),
                   {("2026-11", n): 0 for n in ("Ausländerbehörde Wetzlar", "Ausländerbehörde Giessen",
                                                "Ausländerbehörde Marburg", NETWORK)})
    assert found == {}
    assert await axe_violations(page) == []


def test_the_attacker_reads_numbers_and_marks_as_the_page_writes_them():
    assert [reading(t) for t in ("1.578", "0", "–*", "–†")] == [1578, 0, "*", "†"]


def language_counts(html: str) -> tuple[dict, list[str]]:
    """What the page says of each row's visitors per language: key (row, language) -> a range of
    whole counts (a share of shown visitors is one within rounding) or the share's mark; and the
    languages in the table's order."""
    tables = Tables(html).tables
    visitors = {row[0]: reading(row[2]) for row in tables["overview"][1:]}
    head, *rows = tables["languages"]
    seen: dict = {}
    for row in rows:
        v = visitors[row[0]]
        for lang, text in zip(head[1:], row[1:]):
            shown = reading(text)
            if v == 0:
                seen[(row[0], lang)] = [0, 0]
            elif isinstance(shown, int) and isinstance(v, int):  # round(100·n/v) = shown
                seen[(row[0], lang)] = [math.ceil(Fraction(2 * shown - 1, 200) * v), math.floor(Fraction(2 * shown + 1, 200) * v)]
            elif isinstance(shown, int):  # a share of hidden visitors: no count
                seen[(row[0], lang)] = "?"
            else:  # "–*" of visitors under five: 0 to 4 ("*0"); else 1 to 4; "–†"
                seen[(row[0], lang)] = "*0" if v == "*" else shown
    return seen, head[1:], visitors


def language_leaks(november: dict[str, Month], names: dict[str, str]) -> dict:
    """Render the month's page; attack its language table with every count's range and sums."""
    offices = [(o, names[o]) for o in sorted(november)]
    html = render("Netzwerk", Comparison("2026-11", offices, november, {"2026-11": november}), ["2026-11"], "de")
    seen, langs, visitors = language_counts(html)
    rows = {**{names[o]: m for o, m in november.items()}, NETWORK: total(list(november.values()))}
    codes = {lang: next(c for c in ("ar", "de", "ti", "fa", "ru") if cldr.name(c, "de") == lang) for lang in langs}
    shown, whole = figures.protected(november)  # which "–†" say no size: the attacker is told
    guarded = figures.protected_language_shares(november, [codes[lang] for lang in langs], {
        **{o: r["visitors"] for o, r in shown.items()}, figures.NETWORK: whole["visitors"]})
    unsized = {(names.get(o, NETWORK), lang) for o, row in guarded.items() for lang, v in zip(langs, row)
               if v is figures.UNSIZED}
    bounds = {}
    for key, what in seen.items():
        true = rows[key[0]].of("language").get(codes[key[1]], 0)
        if isinstance(what, list):
            bounds[key] = what
        else:  # "–*" 1 to 4 (0 to 4 of visitors under five); "–†" five or more (one or more, lifted); "?" any
            bounds[key] = ([1, 4] if what == "*" else [0, 4] if what == "*0" else
                           [1 if key in unsized else 5, math.inf] if what == "†" else [0, math.inf])
        assert bounds[key][0] <= true <= bounds[key][1], (key, what, true)
    equations = []
    for lang in langs:  # the network's = the offices'
        equations.append(({(NETWORK, lang): Fraction(1), **{(names[o], lang): Fraction(-1) for o in november}}, Fraction(0)))
    for name, m in rows.items():  # shown visitors = the languages' (granted where no other language was there)
        others = m.visitors - sum(m.of("language").get(codes[lang], 0) for lang in langs)
        if langs and others == 0 and isinstance(visitors[name], int):
            equations.append(({(name, lang): Fraction(1) for lang in langs}, Fraction(visitors[name])))
    equations += eliminated(equations, list(bounds))
    while narrow(equations, bounds):
        pass
    # a 0 points at no one (as on the page)
    return {k: b[0] for k, b in bounds.items() if seen[k] in ("*", "*0", "†") and b[0] == b[1] and b[0]}


def spoken(ar: int, de: int, ti: int, fa: int) -> Month:
    langs = {k: n for k, n in (("ar", ar), ("de", de), ("ti", ti), ("fa", fa)) if n}
    return Month(days=20, visitors=sum(langs.values()), served=sum(langs.values()), counts={"language": langs})


LANGUAGE = st.one_of(st.integers(0, 6), st.integers(0, 6), st.integers(20, 120))
SPEAKERS = st.builds(spoken, LANGUAGE, LANGUAGE, LANGUAGE, LANGUAGE)


@settings(max_examples=examples(100), deadline=None)
@given(november=st.dictionaries(st.sampled_from(["wetzlar", "giessen", "marburg"]), SPEAKERS, min_size=1, max_size=3))
def test_no_hidden_language_count_can_be_worked_out_from_the_shares(november):
    """A share beside shown visitors is a count within rounding: the attacker takes each as its
    range and adds them up (each language's network total, each row's visitors)."""
    assert language_leaks(november, {o: f"Ausländerbehörde {o.title()}" for o in november}) == {}


def test_three_tigrinya_speakers_are_not_the_visitors_less_the_other_languages():
    november = {"wetzlar": spoken(50, 47, 3, 0), "giessen": spoken(60, 40, 0, 0), "marburg": spoken(30, 50, 0, 0)}
    names = {o: f"Ausländerbehörde {o.title()}" for o in november}
    assert language_leaks(november, names) == {}
    # 100 visitors, 50 % Arabic, 47 % German: Tigrinya's "–*" would be 100 − 50 − 47 = 3
    rows, whole = figures.protected(november)
    visitors = {**{o: r["visitors"] for o, r in rows.items()}, figures.NETWORK: whole["visitors"]}
    assert figures.protected_language_shares(november, ["ar", "de", "ti"], visitors)["wetzlar"] == [
        50, figures.SHIELDED, figures.HIDDEN]


def rounded(share: int, whole: list) -> list:
    """The whole counts n with round(100·n / w) = share for some w in the range `whole`."""
    return [math.ceil(Fraction(2 * share - 1, 200) * whole[0]), math.floor(Fraction(2 * share + 1, 200) * whole[1])]


def need_leaks(november: dict[str, Month], names: dict[str, str]) -> dict:
    """Render the month's page; attack its interpreter need: each row's interpreters per language
    (their share of the language's visitors, told within rounding by the language table and the
    visitors) and in all (the overview's need times the visitors), added up by row and column."""
    offices = [(o, names[o]) for o in sorted(november)]
    html = render("Netzwerk", Comparison("2026-11", offices, november, {"2026-11": november}), ["2026-11"], "de")
    tables = Tables(html).tables
    spoken_seen, _, visitors = language_counts(html)
    head, *rows = tables["interpreters"]
    need = {(row[0], lang): reading(text) for row in rows for lang, text in zip(head[1:], row[1:])}
    overall = {row[0]: reading(row[1]) for row in tables["help"][1:]}
    shown, whole = figures.protected(november)  # which "–†" say no size: the attacker is told
    unsized = {names.get(o, NETWORK) for o, r in {**shown, NETWORK: whole}.items() if r["interpreters"] is figures.UNSIZED}
    bounds: dict = {}

    def take(key, what, whole_range):
        if isinstance(what, int):
            bounds[key] = rounded(what, whole_range) if whole_range else [0, math.inf]
        elif what == "*":
            bounds[key] = [0 if whole_range is None or whole_range[0] < 5 else 1, 4]
        else:
            bounds[key] = [1 if what == "†" and key in unsized else 5 if what == "†" else 0, math.inf]

    for name, v in visitors.items():
        told = [v, v] if isinstance(v, int) else None
        take((name, "all"), overall[name], told)
        unsized_row = name in unsized
        unsized.discard(name)
        for (row, lang), what in need.items():
            if row == name:
                said = spoken_seen.get((row, lang))
                take((row, lang), what, said if isinstance(said, list) else None)
        if unsized_row:
            bounds[(name, "all")][0] = min(bounds[(name, "all")][0], 1)
    equations = []
    langs = head[1:]
    for lang in langs:
        equations.append(({(NETWORK, lang): Fraction(1), **{(names[o], lang): Fraction(-1) for o in november}}, Fraction(0)))
    equations.append(({(NETWORK, "all"): Fraction(1), **{(names[o], "all"): Fraction(-1) for o in november}}, Fraction(0)))
    months = {**{names[o]: m for o, m in november.items()}, NETWORK: total(list(november.values()))}
    codes = {cldr.name(c, "de"): c for c in ("ar", "de", "ti", "fa")}
    for name, m in months.items():  # all = the languages' (granted where no other language asked, visitors shown)
        if isinstance(visitors[name], int) and visitors[name] >= 5 and \
                sum(m.of("interpreter").values()) == sum(m.of("interpreter").get(codes[lang], 0) for lang in langs):
            equations.append(({(name, "all"): Fraction(1), **{(name, lang): Fraction(-1) for lang in langs}}, Fraction(0)))
    for key, (lo, hi) in bounds.items():  # the attacker's ranges hold the truth
        m = months[key[0]]
        true = sum(m.of("interpreter").values()) if key[1] == "all" else m.of("interpreter").get(codes[key[1]], 0)
        assert lo <= true <= hi, (key, lo, true, hi)
    equations += eliminated(equations, list(bounds))
    while narrow(equations, bounds):
        pass
    # a share of a whole the page says is 0 hides nothing (0 visitors: 0 asked)
    nothing = {k for k in need if spoken_seen.get(k) == [0, 0] or visitors[k[0]] == 0} | {
        (n, "all") for n, v in visitors.items() if v == 0}
    hidden = {k for k, v in need.items() if v in ("*", "†")} | {(n, "all") for n, v in overall.items() if v in ("*", "†")}
    hidden -= nothing
    # a 0 points at no one: 0 % of 74 visitors asked, so none of its 4 Arabic speakers did either
    return {k: b[0] for k, b in bounds.items() if k in hidden and b[0] == b[1] and b[0]}


def asking(ar: int, ti: int, ar_asked: int, ti_asked: int) -> Month:
    langs = {k: n for k, n in (("ar", ar), ("ti", ti)) if n}
    asked = {k: min(n, langs.get(k, 0)) for k, n in (("ar", ar_asked), ("ti", ti_asked)) if min(n, langs.get(k, 0))}
    return Month(days=20, visitors=sum(langs.values()), served=sum(langs.values()),
                 counts={"language": langs, "interpreter": asked})


ASKING = st.builds(asking, LANGUAGE, LANGUAGE, LANGUAGE, LANGUAGE)


@settings(max_examples=examples(100), deadline=None)
@given(november=st.dictionaries(st.sampled_from(["wetzlar", "giessen", "marburg"]), ASKING, min_size=1, max_size=3))
def test_no_hidden_interpreter_need_can_be_worked_out(november):
    assert need_leaks(november, {o: f"Ausländerbehörde {o.title()}" for o in november}) == {}


def test_three_asking_for_tigrinya_are_not_the_need_less_arabic():
    """Wetzlar: 20 Arabic and 10 Tigrinya speakers, 10 and 3 asked for an interpreter. 43 % of 30
    is 13 in all, 50 % of Arabic's 20 (67 % of 30) is 10, so Tigrinya's "–*" would be 3: Arabic's
    need reads "–†", and Giessen's two beside them (the rectangle through the network's sums)."""
    november = {"wetzlar": asking(20, 10, 10, 3), "giessen": asking(60, 30, 10, 12), "marburg": asking(80, 50, 30, 25)}
    names = {o: f"Ausländerbehörde {o.title()}" for o in november}
    assert need_leaks(november, names) == {}
    html = render("Netzwerk", Comparison("2026-11", sorted(names.items()), november, {"2026-11": november}),
                  ["2026-11"], "de")
    rows = {row[0].split()[-1]: row[1:] for row in Tables(html).tables["interpreters"][1:]}
    assert rows["Wetzlar"] == ["–†", "–*"] and rows["Giessen"] == ["–†", "–†"] and rows["Marburg"] == ["38", "50"]
