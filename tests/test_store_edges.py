"""The store's edges that a user would see: a ticket's status page and the day's replay go by
the office day a ticket was drawn on, even when the clock stepped back across midnight and the
server restarted in between; a file in a folder not made yet; who may read the file; a file
another server holds."""

from __future__ import annotations

import stat
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from server.core import Office
from server.store import open_store
from server.store.sqlite import Store
from server.store.unavailable import StoreLocked, StoreUnavailable

from .conftest import make_site
from .test_core_office import T0
from .test_store import store_all

MIDNIGHT = datetime(2026, 11, 25, tzinfo=ZoneInfo("Europe/Berlin")).timestamp()  # T0 is on the 24th


def drawn_on(store: Store, day: str) -> list[str]:
    return [e.number for e in store.events_of(day) if e.kind == "ticket_drawn"]


def test_tickets_drawn_after_the_clock_stepped_back_across_midnight_keep_the_office_day(store_db):
    office = Office(make_site(), always_open=True)
    office.draw(kiosk="kiosk-1", service="info", lang="de", request="a", token="after", now=MIDNIGHT + 60)
    office.draw(kiosk="kiosk-1", service="info", lang="de", request="b", token="back", now=MIDNIGHT - 30)
    store = open_store(store_db, timezone="Europe/Berlin")
    store_all(store, office)
    assert T0 < MIDNIGHT - 30  # the step back lands on the evening of the 24th by the clock
    row = store.ticket_row(day="2026-11-25", number="F002")  # the office was on the 25th
    assert row is not None and row["token"] == "back"
    store.close()

    store = open_store(store_db, timezone="Europe/Berlin")  # a restart, the clock still behind
    office.draw(kiosk="kiosk-1", service="info", lang="de", request="c", token="again", now=MIDNIGHT - 20)
    store_all(store, office)
    assert drawn_on(store, "2026-11-25") == ["F001", "F002", "F003"]  # a replay of the 25th has all three
    assert drawn_on(store, "2026-11-24") == []
    store.close()


def test_the_file_may_be_in_a_folder_not_made_yet_and_is_not_readable_by_everyone(tmp_path):
    path = tmp_path / "var" / "lib" / "willkommen" / "office.sqlite3"
    Store(path, timezone="Europe/Berlin").close()
    assert stat.S_IMODE(path.stat().st_mode) & 0o007 == 0  # visitors' data: no access for others


def test_a_second_store_on_the_same_file_is_refused_and_says_why(tmp_path):
    path = tmp_path / "office.sqlite3"
    first = Store(path, timezone="Europe/Berlin")
    with pytest.raises(StoreLocked, match=f"^database {path} is in use by another running Willkommen server "
                                          r"\(one server per file: stop the other or pass another --db\)$"):
        Store(path, timezone="Europe/Berlin")
    first.close()
    Store(path, timezone="Europe/Berlin").close()  # the lock left with the first


def test_a_path_that_cannot_be_a_file_is_named_with_the_systems_reason(tmp_path):
    with pytest.raises(StoreUnavailable, match=f"^database {tmp_path} cannot be opened \\(Is a directory\\)$"):
        Store(tmp_path, timezone="Europe/Berlin")


def test_by_default_a_commit_survives_a_killed_process_without_an_fsync_each(tmp_path):
    store = Store(tmp_path / "o.sqlite3", timezone="Europe/Berlin")
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL: the WAL, no fsync per commit
    store.close()
