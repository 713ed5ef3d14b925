"""The event log as the store keeps it: typed events read every row older versions wrote, and
a row this version cannot read (a newer version's file) stops the server at start, named, with
the file left as it was."""

from __future__ import annotations

import ast
import hashlib
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.core import Office
from server.core import events as ev
from server.core.state import HANDLERS
from server.store.sqlite import Store
from server.store.unavailable import StoreNewer

from .conftest import ROOT, ServerProcess, always_open_config, make_site
from .test_store_file import draw

STORED = Path(__file__).parent / "stored"
T0 = 1795507200.0 + 9 * 3600  # 2026-11-24 10:00 Berlin


def a_day_of_every_kind() -> list[ev.Event]:
    """The commands that made `stored/events_v1.jsonl` with version 1 (dict events): one
    of each kind of event."""
    o = Office(make_site(), always_open=True)
    o.open(counter="5", services=None, now=T0)
    o.open(counter="6", services=None, now=T0)
    o.book(booking="B1", service="residence", lang="fa", due_at=T0 + 600, now=T0)
    o.checkin(kiosk="kiosk-2", booking="b1", token="tb", now=T0 + 60, interpreter=True)
    o.draw(kiosk="kiosk-1", service="residence", lang="ar", request="r1", token="t1", now=T0 + 61, interpreter=True)
    o.draw(kiosk="kiosk-1", service="residence", lang="de", request="r2", token="t2", now=T0 + 62)
    o.cancel(kiosk="kiosk-1", ticket="A003", reason="paper_out", now=T0 + 63)
    o.pause(counter="5", reason="lunch", now=T0 + 70)
    o.next(counter="5", now=T0 + 80)
    o.recall(counter="5", now=T0 + 90)
    o.start(counter="5", now=T0 + 100)
    o.refer(counter="5", partners=["jobcenter"], front=False, now=T0 + 110)
    o.finish(counter="5", outcome="done", now=T0 + 120)
    o.next(counter="6", now=T0 + 130)
    o.park(counter="6", now=T0 + 140)
    o.unpark(counter="6", ticket=o.desks["6"].handled[-1], now=T0 + 150)
    o.next(counter="6", now=T0 + 160)
    o.noshow(counter="6", now=T0 + 170)
    o.draw(kiosk="kiosk-1", service="residence", lang="de", request="r3", token="t3", now=T0 + 171)
    o.next(counter="6", now=T0 + 180)
    o.transfer(counter="6", service="info", to_counter=None, front=True, now=T0 + 190)
    o.move(ticket=o.desks["6"].handled[-1], service="residence", front=False, now=T0 + 195)
    o.close_at(counter="6", at=T0 + 3600, now=T0 + 200)
    o.close(counter="6", now=T0 + 210)
    o.announce(announcement="a1", texts={"de": "Heute bis 12 Uhr", "en": "Until noon"}, until=T0 + 600, now=T0 + 220)
    o.announce(announcement="a2", texts={"de": "Pause"}, until=T0 + 700, by="Frau Weber", now=T0 + 221)
    o.end_announcement(announcement="a1", now=T0 + 230)
    rated = next(t for t in o.tickets.values() if t.state == "done")
    o.rate(token=rated.token, score=4, reasons=["friendly"], now=T0 + 240)
    o.tap(score=2, now=T0 + 250)
    o.book(booking="B2", service="info", lang="de", due_at=T0 + 86400, now=T0 + 256)
    o.unbook(booking="B2", now=T0 + 257)
    events = o.take_journal()
    events[-5].by = "manager"  # a supervisor's stamp (server.manager.people.stamp)
    return events


def version_1_rows() -> list[str]:
    return (STORED / "events_v1.jsonl").read_text(encoding="utf-8").splitlines()


def test_every_row_version_1_wrote_reads_as_the_same_event_and_is_written_the_same_again():
    rows = version_1_rows()
    kinds = {json.loads(row)["kind"] for row in rows}
    assert len(kinds) == 22 and kinds <= set(ev.KINDS)  # one of every kind version 1 had
    now = [ev.as_dict(e) for e in a_day_of_every_kind()]
    # version 1 wrote an announcement's empty `by`; this one leaves a field out at its default
    then = [{k: v for k, v in json.loads(row).items() if (k, v) != ("by", "")} for row in rows]
    assert now == then
    assert [ev.as_dict(ev.decode(row)) for row in rows] == then


def test_a_replay_of_version_1_rows_rebuilds_the_same_office():
    made = Office(make_site(), always_open=True)
    for event in a_day_of_every_kind():
        made.apply(event)
    replayed = Office(make_site(), always_open=True)
    for row in version_1_rows():
        replayed.apply(ev.decode(row))
    assert replayed.tickets == made.tickets and replayed.desks == made.desks
    assert replayed.bookings == made.bookings and replayed.announcements == made.announcements


@settings(max_examples=50, deadline=None)
@given(kind=st.text(min_size=1, max_size=30).filter(lambda k: k not in ev.KINDS))
def test_a_kind_this_version_does_not_know_is_refused_by_its_name(kind):
    with pytest.raises(ev.UnknownEvent) as info:
        ev.decode(json.dumps({"kind": kind, "at": T0}))
    assert info.value.kind == kind and "does not know" in str(info.value)


@settings(max_examples=50, deadline=None)
@given(row=st.sampled_from(version_1_rows()),
       field=st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=20))
def test_a_field_this_version_does_not_know_is_refused_by_its_name(row, field):
    data = json.loads(row)
    if field in data or field in ev.KINDS[data["kind"]].__struct_fields__:
        return
    with pytest.raises(ev.UnknownEvent) as info:
        ev.decode(json.dumps({**data, field: 1}))
    assert info.value.kind == data["kind"] and f"unknown field `{field}`" in str(info.value)


def test_every_event_type_has_a_handler_and_a_new_kind_without_one_fails_at_import():
    assert set(HANDLERS) == set(ev.EVENT_TYPES) and len(ev.KINDS) == len(ev.EVENT_TYPES)
    script = ("import sys\n"
              "import server.core.events as ev\n"
              "class TicketTeleported(ev.TicketEvent, tag='ticket_teleported', kw_only=True): pass\n"
              "ev.EVENT_TYPES += (TicketTeleported,)\n"
              "del sys.modules['server.core.state']  # the package imported it already: import it anew\n"
              "import server.core.state\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "TypeError: no handler in OfficeState for the event kinds ticket_teleported" in result.stderr


# ---- a newer version's file at start ----------------------------------------------------------

def an_office_file(tmp_path: Path) -> Path:
    """A real server's file after a few draws today (its WAL checkpointed at the stop)."""
    db = tmp_path / "office.sqlite3"
    server = ServerProcess(db, "--config", str(always_open_config(tmp_path)))
    try:
        import asyncio
        asyncio.run(draw(server.port, 3))
    finally:
        assert server.stop() == 0
    return db


def newer_kind(db: Path) -> tuple[int, str]:
    with sqlite3.connect(db) as conn:
        seq = conn.execute("INSERT INTO events (at, day, kind, data) SELECT at, day, 'ticket_teleported', "
                           "json_set(data, '$.kind', 'ticket_teleported') FROM events WHERE kind = 'ticket_drawn' "
                           "LIMIT 1").lastrowid
    conn.close()
    return seq, "ticket_teleported"


def newer_field(db: Path) -> tuple[int, str]:
    with sqlite3.connect(db) as conn:
        seq = conn.execute("SELECT max(seq) FROM events WHERE kind = 'ticket_drawn'").fetchone()[0]
        conn.execute("UPDATE events SET data = json_set(data, '$.fingerprint', 'x') WHERE seq = ?", [seq])
    conn.close()
    return seq, "ticket_drawn"


def digest(db: Path) -> tuple[str, bytes]:
    """The main file's hash and what its write-ahead log holds (SQLite makes an empty log
    and its index beside a WAL file whenever it opens it, read-only too)."""
    wal = db.with_name(db.name + "-wal")
    return hashlib.sha256(db.read_bytes()).hexdigest(), wal.read_bytes() if wal.exists() else b""


@pytest.mark.parametrize("newer", [newer_kind, newer_field])
def test_a_newer_versions_event_stops_the_server_at_start_named_with_status_2_and_the_file_untouched(
        tmp_path, newer):
    db = an_office_file(tmp_path)
    seq, kind = newer(db)
    before = digest(db)
    result = subprocess.run([sys.executable, "-m", "server", "--port", "0", "--db", str(db),
                             "--config", str(always_open_config(tmp_path))],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(db) in lines[0] and f"event {seq} of kind {kind!r}" in lines[0] and "newer Willkommen" in lines[0]
    if newer is newer_field:
        assert "unknown field `fingerprint`" in lines[0]
    assert digest(db) == before


def test_the_store_refuses_a_newer_event_before_writing_anything(tmp_path):
    db = tmp_path / "office.sqlite3"
    store = Store(db, timezone="Europe/Berlin")
    store.append(a_day_of_every_kind(), [])
    store.close()
    seq, kind = newer_field(db)
    before = digest(db)
    with pytest.raises(StoreNewer, match=rf"event {seq} of kind '{kind}'"):
        Store(db, timezone="Europe/Berlin")
    assert digest(db) == before


# ---- kind strings elsewhere -------------------------------------------------------------------

# SQL on the events' kind: `kind = 'x'`, `kind <> 'x'`, `kind IN ('x', 'y')`, `kind NOT IN (...)`
SQL_KIND = re.compile(r"\bkind\s*(?:=|<>|!=|\bnot\s+in\b|\bin\b)\s*(\([^)]*\)|'[^']*')", re.IGNORECASE)
# `kind` names other things too; what each file compares its other `kind` with (file: words)
OTHER_KINDS = {
    "server/manager/board.py": {"printer", "database", "pause", "late"},  # an alert's kind, a lateness
    "server/manager/people.py": {"scrypt"},  # a password hash's
    "server/manager/stats/tables.py": {"range", "month", "week", "day", "paused"},  # a period's, a row's
    "server/network/adoption.py": {"strings", "only_mine"},  # an adoption's, a difference's
    "server/network/share.py": {"only_theirs", "only_mine", "differs"},  # a difference's
    "server/network/page.py": {"Bar", "StackedBar"},  # a pygal chart's
    "server/store/commit_wait.py": {"Lock"},  # PostgreSQL's wait event type
}


def _kind_strings(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants the code compares with a kind (`kind == "x"`, `e["kind"] in (...)`,
    `self.kind != "x"`), the quoted names in SQL on the kind (`WHERE kind = 'x'`, `kind IN
    ('x', 'y')`, f-strings too), and the members of any literal collection of strings most of
    which are kinds."""
    def is_kind(node: ast.AST) -> bool:
        return (isinstance(node, ast.Name) and node.id == "kind") or (
            isinstance(node, ast.Attribute) and node.attr == "kind") or (
            isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value == "kind")

    def strings(node: ast.AST) -> list[ast.Constant]:
        return [n for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]

    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(is_kind(side) for side in [node.left, *node.comparators]):
            found += [(s.lineno, s.value) for side in [node.left, *node.comparators] if not is_kind(side)
                      for s in strings(side)]
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)) or isinstance(node, ast.Dict):
            members = node.keys if isinstance(node, ast.Dict) else node.elts
            texts = [m for m in members if isinstance(m, ast.Constant) and isinstance(m.value, str)]
            if texts and len(texts) == len(members) and sum(t.value in ev.KINDS for t in texts) * 2 > len(texts):
                found += [(t.lineno, t.value) for t in texts]
        text = ("".join(v.value if isinstance(v, ast.Constant) else "\0" for v in node.values)
                if isinstance(node, ast.JoinedStr) else node.value
                if isinstance(node, ast.Constant) and isinstance(node.value, str) else "")
        found += [(node.lineno, name) for match in SQL_KIND.finditer(text)  # a name from a type: "\0"
                  for name in re.findall(r"'([^']*)'", match[1]) if "\0" not in name]
    return found


def misspelt_kinds(paths: list[Path]) -> list[str]:
    return [f"{path.relative_to(ROOT).as_posix()}:{line} {text!r}" for path in paths
            for line, text in sorted(set(_kind_strings(ast.parse(path.read_text("utf-8")))))
            if text not in ev.KINDS and text not in OTHER_KINDS.get(path.relative_to(ROOT).as_posix(), ())]


def test_every_kind_the_server_matches_on_by_name_is_a_kind_of_event():
    """Statistics and the store read stored events by their kind, in Python and in SQL: a
    misspelt one would count nothing, silently. Every kind named in server/ is an event's tag."""
    assert misspelt_kinds(sorted((ROOT / "server").rglob("*.py"))) == []
    assert all((ROOT / path).exists() for path in OTHER_KINDS), "OTHER_KINDS names a file that is gone"


def test_a_misspelt_kind_in_python_or_sql_is_found(tmp_path, monkeypatch):
    """The guard itself, with the review's misses (r-dev-2 F3): a kind compared by name, one read
    from an event's dict, and one in SQL (plain, in an IN list, in an f-string)."""
    module = tmp_path / "server" / "store" / "stats_typos.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "def a(kind, e, conn, other):\n"
        "    if kind == 'kiosk_ofline':\n"
        "        return e['kind'] == 'identity_refusd'\n"
        "    conn.execute(\"SELECT 1 FROM events WHERE kind = 'apointment_booked' AND day >= ?\")\n"
        "    conn.execute(\"SELECT kind FROM events WHERE kind IN ('kiosk_online', \" \"'ticket_drawnn')\")\n"
        "    conn.execute(f\"SELECT 1 FROM events WHERE kind = 'plan_chnged' AND day < {other}\")\n"
        "    return kind in ('ticket_drawn', 'counter_opened') and e['kind'] != 'feedback_given'\n", "utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert misspelt_kinds([module]) == [
        "server/store/stats_typos.py:2 'kiosk_ofline'", "server/store/stats_typos.py:3 'identity_refusd'",
        "server/store/stats_typos.py:4 'apointment_booked'", "server/store/stats_typos.py:5 'ticket_drawnn'",
        "server/store/stats_typos.py:6 'plan_chnged'"]
