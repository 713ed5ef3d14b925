"""Statistics of referrals: per partner and per service the visitor came for, counted by hand
here, the same in the statistics tables, the CSV export, and after the tickets are purged."""

from __future__ import annotations


from server.edge.app import Server
from server.core import Office
from server.store import open_store
from server.store.sqlite import Store

from .spreadsheet import csv_row, read_csv
from .conftest import make_site
from .test_manager_board import cookie_for, get_with
from .test_stats import MONDAY, THURSDAY, at, tables

COLUMNS = ["Partner", "Aufenthaltserlaubnis (Erstantrag)", "Verlängerung des Aufenthaltstitels",
           "Migrationsberatung (MBE)", "gesamt"]
BY_PARTNER = [["Migrationsberatung für erwachsene Zugewanderte", 1, 0, 0, 1],
              ["Sprach- und Kulturmittlung des Wohlfahrtsverbands", 0, 1, 0, 1],
              ["Jobcenter Musterstadt", 2, 0, 1, 3]]


def referral_day(path, site) -> None:
    """Monday at counter 5: A001 (residence) to the job centre; A002 (residence) to the migration
    counselling desk and the job centre; B001 (extension) to the language mediation. At the
    counselling desk (counter "mbe") A002 is sent to the job centre once more, now from counselling."""
    office, store = Office(site, always_open=True), open_store(path, timezone=site.timezone)

    def run(command: str, clock: str, **kwargs) -> None:
        getattr(office, command)(now=at(MONDAY, clock), **kwargs)
        store.append(office.take_journal(), list(office.tickets.values()))

    for n, service in enumerate(("residence", "residence", "extension")):
        run("draw", f"08:0{n}:00", kiosk="kiosk-1", service=service, lang="fa", request=str(n), token=f"t{n}")
    run("open", "08:10:00", counter="5", services=None)
    run("open", "08:10:00", counter="mbe", services=None)
    for minute, partners in ((11, ["jobcenter"]), (21, ["mbe", "jobcenter"]), (31, ["sprachmittlung"])):
        run("next", f"08:{minute}:00", counter="5")
        run("refer", f"08:{minute + 2}:00", counter="5", partners=partners, front=False)
        if office.desks["5"].current is not None:  # a card: the clerk finishes the visit
            run("finish", f"08:{minute + 4}:00", counter="5", outcome="referred")
    run("next", "08:40:00", counter="mbe")
    run("refer", "08:45:00", counter="mbe", partners=["jobcenter"], front=False)
    store.close()


def test_referrals_per_partner_and_service_outlive_the_tickets(tmp_path):
    site, path = make_site(), tmp_path / "office.sqlite3"
    referral_day(path, site)
    now = at(THURSDAY, "10:00:00")
    assert tables(path, site, now)["referrals"] == [COLUMNS, *BY_PARTNER]
    store = Store(path, timezone=site.timezone)
    assert store.purge(THURSDAY, retention_days=1) == 3  # the tickets leave, the counts stay
    store.close()
    assert tables(path, site, now)["referrals"] == [COLUMNS, *BY_PARTNER]


async def test_the_referrals_export_as_csv(store_db):
    """Also with the office on PostgreSQL: the statistics worker reads it through its own session."""
    site, path = make_site(), store_db
    referral_day(path, site)
    server = Server(site, path, always_open=True, clock=lambda: at(THURSDAY, "10:00:00"))
    await server.start("127.0.0.1", 0)
    try:
        cookie = await cookie_for(server.port)
        status, _, body = await get_with(
            f"http://127.0.0.1:{server.port}/stats.csv?period=month&value=2026-11&table=referrals", cookie)
    finally:
        await server.stop()
    assert status == 200
    assert read_csv(body) == [COLUMNS, *(csv_row(row) for row in BY_PARTNER)]
