"""An office on its own SQLite takes part in the network by sending its daily summaries
(`willkommen-server network send`) to the network's endpoint, over real HTTP on 127.0.0.1: the
network stores counts per office and day (never a ticket or an event), the same day sent again
changes nothing, and a bad, oversized or forged send is refused with a clear error and nothing
of it is stored. An office hosted on the shared PostgreSQL is read by the network directly."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.demo.month import Month
from server.network import send
from server.network.listener import NetworkServer
from server.network.settings import parse_network
from server.network.store import NetworkStore
from server.network.summary import from_office

from .conftest import examples, make_site

TOKENS = {"wetzlar": "wetzlar-token-0123456789", "giessen": "giessen-token-0123456789",
          "marburg": "marburg-token-0123456789"}
HASH = make_site().people[0].password_hash  # the demo's manager hash: a valid one to load
NOVEMBER = (date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4))


def network_file(**office_read: str) -> dict:
    return {"network": {"name": "Netzwerk Willkommensbehörden Hessen"},
            "people": [{"name": "ministerium", "role": "network", "password_hash": HASH},
                       {"name": "referat", "role": "network", "password_hash": HASH, "lang": "en"}],
            "offices": [{"id": o, "name": f"Ausländerbehörde {o.title()}", "token": t,
                         **({"read": office_read[o]} if o in office_read else {})} for o, t in TOKENS.items()]}


def office_days(path: Path, days=NOVEMBER, seed: int = 3) -> Path:
    """An office's SQLite file with some demo days, kept as a running server keeps them."""
    month = Month(make_site(), path, seed)
    for day in days:
        month.day(day)
    month.close()
    return path


@pytest.fixture
async def network(tmp_path):
    server = NetworkServer(parse_network(network_file()), tmp_path / "network.sqlite3")
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


def post(url: str, body: bytes, token: str | None, **headers: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {}), **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def stored(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return (conn.execute("SELECT office, day, visitors, served, no_shows FROM network_days ORDER BY 1, 2").fetchall()
                + conn.execute("SELECT office, day, kind, name, n FROM network_counts ORDER BY 1, 2, 3, 4").fetchall())


async def run_send(network: NetworkServer, office_db: Path, tmp_path: Path, office: str = "wetzlar",
                   token: str | None = None) -> int:
    token_file = tmp_path / f"{office}.token"
    token_file.write_text((token or TOKENS[office]) + "\n")
    return await asyncio.to_thread(send.command, [
        "--to", f"http://127.0.0.1:{network.port}/", "--office", office, "--token-file", str(token_file),
        "--db", str(office_db), "--days", "60", "--tries", "1"])


async def test_an_office_sends_its_days_and_the_network_keeps_counts_only(network, tmp_path):
    office_db = office_days(tmp_path / "wetzlar.sqlite3")
    assert await run_send(network, office_db, tmp_path) == 0
    with sqlite3.connect(office_db) as office:
        drawn = dict(office.execute("SELECT day, count(*) FROM tickets GROUP BY day"))
        served = dict(office.execute("SELECT day, count(*) FROM tickets WHERE state = 'done' GROUP BY day"))
    with sqlite3.connect(network.store.db) as conn:
        days = {d: (v, s) for d, v, s in conn.execute("SELECT day, visitors, served FROM network_days "
                                                       "WHERE office = 'wetzlar'")}
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        languages = dict(conn.execute("SELECT name, sum(n) FROM network_counts WHERE kind = 'language' GROUP BY name"))
    assert sorted(days) == [d.isoformat() for d in NOVEMBER]
    assert {d: v for d, (v, _) in days.items()} == drawn  # each visit once, where it began
    assert all(days[d][1] >= served[d] for d in days)    # served legs: a transferred visit is served twice
    assert sum(languages.values()) == sum(drawn.values())
    assert tables == {"network_days", "network_counts", "network_knowledge"}  # no tickets, no events


async def test_sending_the_same_days_again_changes_nothing(network, tmp_path):
    office_db = office_days(tmp_path / "wetzlar.sqlite3")
    assert await run_send(network, office_db, tmp_path) == 0
    first = stored(network.store.db)
    assert await run_send(network, office_db, tmp_path) == 0
    assert stored(network.store.db) == first and first


async def test_two_offices_are_kept_apart(network, tmp_path):
    assert await run_send(network, office_days(tmp_path / "w.sqlite3"), tmp_path) == 0
    assert await run_send(network, office_days(tmp_path / "g.sqlite3", seed=9), tmp_path, office="giessen") == 0
    rows = stored(network.store.db)
    assert {r[0] for r in rows} == {"wetzlar", "giessen"}
    wetzlar = [r[1:] for r in rows if r[0] == "wetzlar"]
    giessen = [r[1:] for r in rows if r[0] == "giessen"]
    assert wetzlar != giessen


def one_day(**fields) -> dict:
    return {"day": "2026-11-02", "visitors": 6, "served": 5, "no_shows": 1, "waits": {"3": 4, "12": 2},
            "held": {"inside": 5, "late": 1}, "languages": {"ar": 4, "de": 2}, "interpreters": {"ar": 3},
            "referrals": {"jobcenter": 1}, "feedback": {"5": 2}, **fields}


@pytest.mark.parametrize("token, body, status, said", [
    (None, {"office": "wetzlar", "days": [one_day()]}, 401, "Kein oder ein falsches Token"),
    ("not-the-token-0123456789", {"office": "wetzlar", "days": [one_day()]}, 401, "Kein oder ein falsches Token"),
    (TOKENS["giessen"], {"office": "wetzlar", "days": [one_day()]}, 403, "Dieses Token gehört giessen: Es kann keine Tage von wetzlar schicken."),
    (TOKENS["wetzlar"], {"office": "wetzlar", "days": [one_day(visitors=-3)]}, 400,
     "Das sind nicht die Tage eines Amts: $.days[0].visitors passt nicht (Expected `int` >= 0)."),
    (TOKENS["wetzlar"], {"office": "wetzlar", "days": [one_day(tickets=[{"number": "A001"}])]}, 400,
     "$.days[0] passt nicht (Object contains unknown field `tickets`)"),
    (TOKENS["wetzlar"], {"office": "wetzlar", "days": [one_day(day="2026-02-30")]}, 422, "Nichts wurde gespeichert: 2026-02-30: kein Datum"),
    (TOKENS["wetzlar"], {"office": "wetzlar", "days": [one_day(), one_day(day="2999-01-01")]}, 422,
     "2999-01-01: Dieser Tag ist noch nicht vorbei (das Netzwerk nimmt Tage bis 20"),
    (TOKENS["wetzlar"], {"office": "wetzlar", "days": [one_day(languages={"ar": 1})]}, 422,
     "2026-11-02: Die Sprachen ergeben 1, nicht die 6 Besuchenden"),
    (TOKENS["wetzlar"], {"office": "wetzlar", "days": [one_day(interpreters={"de": 3})]}, 422,
     "2026-11-02: 3 baten um Dolmetschen in „de“, mehr als die 2 Besuchenden dieser Sprache"),
    (TOKENS["wetzlar"], {"office": "wetzlar", "days": [one_day(), one_day()]}, 422, "Ein Tag ist zweimal da: 2026-11-02"),
    (TOKENS["wetzlar"], {"office": "wetzlar", "days": [one_day(day=f"{y}-{m:02}-{d:02}") for y in (2024, 2025)
                                                      for m in range(1, 13) for d in range(1, 29)]}, 413,
     "Zu viele Tage auf einmal: höchstens 400 in einer Sendung."),
])
async def test_a_bad_or_forged_send_is_refused_and_nothing_is_stored(network, token, body, status, said):
    got, answer = await asyncio.to_thread(post, f"http://127.0.0.1:{network.port}/summaries",
                                          json.dumps(body).encode(), token)
    assert (got, said in answer["error"]) == (status, True), answer
    assert stored(network.store.db) == []


async def test_an_oversized_or_oddly_framed_body_is_refused_before_it_is_read(network):
    url = f"http://127.0.0.1:{network.port}/summaries"
    got, answer = await asyncio.to_thread(post, url, b"not json", TOKENS["wetzlar"])
    assert got == 400 and answer["error"].startswith("Der Inhalt ist kein JSON (") and answer["why"] == "not_json"
    for framing, status in ((b"Content-Length: 1048577", b" 413 "), (b"Transfer-Encoding: chunked\r\nContent-Length: 4",
                                                                      b" 400 "), (b"Transfer-Encoding: chunked", b" 411 ")):
        reader, writer = await asyncio.open_connection("127.0.0.1", network.port)
        writer.write(b"POST /summaries HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKENS["wetzlar"].encode()
                     + b"\r\n" + framing + b"\r\n\r\n" + b"{" * 64)
        await writer.drain()
        assert status in (await reader.read())[:20], framing
        writer.close()
    assert stored(network.store.db) == []


async def test_wrong_tokens_make_the_address_wait(network):
    url = f"http://127.0.0.1:{network.port}/summaries"
    body = json.dumps({"office": "wetzlar", "days": [one_day()]}).encode()
    answers = [await asyncio.to_thread(post, url, body, f"guess-{i:020}") for i in range(7)]
    assert [a[0] for a in answers][:5] == [401] * 5 and answers[-1][0] == 429
    got, _ = await asyncio.to_thread(post, url, body, TOKENS["wetzlar"])  # even the right one waits
    assert got == 429 and stored(network.store.db) == []


async def test_behind_a_proxy_the_wrong_tokens_sender_waits_not_everyone(tmp_path):
    """With `[limits] proxies` naming the TLS proxy, the address its X-Forwarded-For names is
    throttled: a guesser waits, an office sending through the same proxy does not."""
    settings = network_file()
    settings["limits"] = {"proxies": ["127.0.0.1"]}
    server = NetworkServer(parse_network(settings), tmp_path / "network.sqlite3")
    await server.start("127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{server.port}/summaries"
        body = json.dumps({"office": "wetzlar", "days": [one_day()]}).encode()
        guesses = [await asyncio.to_thread(post, url, body, f"guess-{i:020}", **{"X-Forwarded-For": "203.0.113.9"})
                   for i in range(7)]
        assert guesses[-1][0] == 429
        got, _ = await asyncio.to_thread(post, url, body, TOKENS["wetzlar"], **{"X-Forwarded-For": "198.51.100.4"})
        assert got == 200 and server.store.day_count("wetzlar") == 1
    finally:
        await server.stop()


days_fields = st.fixed_dictionaries({
    "day": st.sampled_from(["2026-11-02", "2026-11-31", "2099-01-01", "02.11.2026", ""]),
    "visitors": st.integers(-2, 2_000_000), "served": st.integers(-1, 10),
    "waits": st.dictionaries(st.sampled_from(["0", "5", "-1", "x", "100001"]), st.integers(-1, 5), max_size=3),
    "languages": st.dictionaries(st.sampled_from(["ar", "de", "a b", "<script>", ""]), st.integers(-1, 5), max_size=3),
    "feedback": st.dictionaries(st.sampled_from(["1", "5", "0", "6"]), st.integers(0, 3), max_size=2),
})


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days=st.lists(days_fields, min_size=1, max_size=3))
def test_whatever_is_sent_is_either_stored_whole_or_not_at_all(tmp_path_factory, days):
    """The endpoint's own check, without HTTP: a send is stored as sent (every day) or refused
    (none of its days), never in part."""
    server = NetworkServer(parse_network(network_file()), tmp_path_factory.mktemp("n") / "network.sqlite3")
    try:
        reply = server.summaries(server.network.office("wetzlar"),
                                 json.dumps({"office": "wetzlar", "days": days}).encode())
        with sqlite3.connect(server.store.db) as conn:
            kept = conn.execute("SELECT day, visitors FROM network_days").fetchall()
        if reply.status == 200:
            assert sorted(kept) == sorted((d["day"], d["visitors"]) for d in days)
        else:
            assert reply.status in (400, 422) and kept == [] and json.loads(reply.body)["error"]
    finally:
        server.store.close()


async def test_send_tries_again_until_the_network_answers(tmp_path):
    """The network is down at the first try and up at the second: the days arrive once."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = NetworkServer(parse_network(network_file()), tmp_path / "network.sqlite3")
    loop, waits = asyncio.get_running_loop(), []

    def sleep(seconds: float) -> None:  # the pause between tries: the network comes up meanwhile
        waits.append(seconds)
        if len(waits) == 1:
            asyncio.run_coroutine_threadsafe(server.start("127.0.0.1", port), loop).result(10)

    office_db = office_days(tmp_path / "wetzlar.sqlite3")
    try:
        sent = await asyncio.to_thread(send.send, office_db, f"http://127.0.0.1:{port}", "wetzlar", TOKENS["wetzlar"],
                                       days=60, timezone="Europe/Berlin", tries=3, sleep=sleep)
        assert len(sent) == 3 and waits == [1.0]
        assert len({r[1] for r in stored(server.store.db) if r[0] == "wetzlar"}) == 3
    finally:
        await server.stop()


async def test_a_refusal_is_printed_and_the_status_is_one(network, tmp_path, capsys):
    office_db = office_days(tmp_path / "wetzlar.sqlite3")
    assert await run_send(network, office_db, tmp_path, token="wrong-token-0123456789") == 1
    assert capsys.readouterr().err.startswith(
        "willkommen-server network send: Das Netzwerk kennt dieses Token nicht (401): bitte das Token des Amts prüfen "
        "(--token-file, token_file unter [network] oder $WILLKOMMEN_NETWORK_TOKEN). Es sagt: Kein oder ein falsches Token: bitte Authorization: Bearer <das Token des Amts aus der Datei des "
        "Netzwerks> schicken.")


async def test_a_send_of_no_day_says_why(network, tmp_path, capsys):
    """An office that has kept no day yet (a new one: today is not over) sends nothing, and is told why."""
    assert await run_send(network, office_days(tmp_path / "wetzlar.sqlite3", days=()), tmp_path) == 0
    said = capsys.readouterr().err
    assert "0 Tage als wetzlar an" in said and "In den letzten 60 Tagen ist kein Tag abgeschlossen" in said
    assert "der heutige Tag wird nie geschickt" in said


async def test_an_office_the_network_reads_cannot_also_send(tmp_path, capsys):
    """One source per office: an office the network reads from its database (`read`) is refused
    its sends (409), so the hourly read and a nightly send never overwrite each other's days; the
    office is told it takes part directly (status 0: nothing is wrong, nothing needs sending)."""
    hosted = parse_network(network_file(wetzlar="postgresql://network@127.0.0.1:9/none?options=-csearch_path%3Dwetzlar"))
    server = NetworkServer(hosted, tmp_path / "network.sqlite3")
    await server.start("127.0.0.1", 0)
    try:
        assert await run_send(server, office_days(tmp_path / "wetzlar.sqlite3"), tmp_path) == 0  # nothing wrong
        assert ("Nichts zu schicken: Dieses Amt nimmt direkt am Netzwerk teil – das Netzwerk liest seine Tageszahlen "
                "selbst aus seiner Datenbank" in capsys.readouterr().err)
        assert server.store.day_count("wetzlar") == 0
    finally:
        await server.stop()


def copy_kept_statistics(office_db: Path, url: str, schema: str) -> None:
    """An office hosted on the shared PostgreSQL: its kept statistics in a schema of its own."""
    import psycopg

    from server.store.stats_schema import ensure_tables
    from server.store.postgres import Sql

    with psycopg.connect(url, autocommit=True) as pg, sqlite3.connect(office_db) as lite:
        pg.execute(f"CREATE SCHEMA {schema}")
        pg.execute(f"SET search_path TO {schema}")
        ensure_tables(Sql(pg))
        for table in KEPT:
            cursor = lite.execute(f"SELECT * FROM {table}")
            columns = [c[0] for c in cursor.description]
            Sql(pg).executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                                cursor.fetchall())


def test_hosted_offices_are_read_directly_with_the_readme_grants(postgres_cluster, tmp_path, caplog):
    """Two offices hosted in one PostgreSQL database, a schema each, read by the network's login
    with the README's GRANTs (the kept statistics only: their tickets are refused it), into a
    network database on PostgreSQL too; the same days as they would send, and the page compares
    them. A schema not made yet is logged and skipped."""
    import psycopg

    from server.network.collect import collect
    from server.network.pages import Pages
    from server.network.page import page

    hosts = postgres_cluster.database()
    files = {o: office_days(tmp_path / f"{o}.sqlite3", seed=seed) for o, seed in (("giessen", 9), ("marburg", 5))}
    with psycopg.connect(hosts, autocommit=True) as admin:
        admin.execute("DO $$ BEGIN CREATE ROLE willkommen_network LOGIN; EXCEPTION WHEN duplicate_object THEN END $$")
        for office, path in files.items():
            copy_kept_statistics(path, hosts, office)
            admin.execute(f"CREATE TABLE {office}.tickets (id integer, number text)")
            admin.execute(f"GRANT USAGE ON SCHEMA {office} TO willkommen_network")
            admin.execute(f"GRANT SELECT ON {', '.join(f'{office}.{t}' for t in KEPT)} TO willkommen_network")
    reader = hosts.replace("postgresql://postgres@", "postgresql://willkommen_network@")
    with psycopg.connect(reader, autocommit=True) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT * FROM giessen.tickets")
    network = parse_network(network_file(giessen=reader + "&options=-csearch_path%3Dgiessen",
                                         marburg=reader + "&options=-csearch_path%3Dmarburg",
                                         wetzlar=reader + "&options=-csearch_path%3Dwetzlar"))
    store = NetworkStore(postgres_cluster.database())
    try:
        with caplog.at_level(logging.INFO, logger="willkommen.network"):
            assert collect(network, store, now=1_796_000_000) == {"giessen": 3, "marburg": 3}  # 2026-11-30
        said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "willkommen.network"]
        assert ("INFO", "giessen: 3 kept days read") in said and ("INFO", "marburg: 3 kept days read") in said
        assert ("WARNING", "a hosted office could not be read") in said  # wetzlar: no schema yet
        month = store.period("2026-11-01", "2026-11-30")
        for office, path in files.items():
            with sqlite3.connect(path) as lite:
                expected = from_office(lite, "2026-11-01", "2026-11-30")
            assert month[office].visitors == sum(d.visitors for d in expected) and month[office].days == 3
            assert month[office].of("language") == {k: sum(d.languages.get(k, 0) for d in expected)
                                                    for k in {k for d in expected for k in d.languages}}
        collect(network, store, now=1_796_000_000)  # read again: the same
        assert store.period("2026-11-01", "2026-11-30") == month
        compared = Pages(network, store, clock=lambda: 1_796_000_000).compare("2026-11")
        assert [name for _, name in compared.offices] == ["Ausländerbehörde Giessen", "Ausländerbehörde Marburg"]
        assert "Zahlen aus 2 Ämtern" in page(network.name, compared, ["2026-11"], "de")
    finally:
        store.close()


KEPT = ("stats_days", "stats_service_tickets", "stats_service_times", "stats_hour_tickets", "stats_interpreters",
        "stats_referrals", "stats_feedback")


def test_the_readme_grants_wait_for_the_offices_first_start_and_the_log_says_what_to_do(postgres_cluster, caplog):
    """The network's GRANTs name the office's stats_ tables, which its server's first start
    makes (r-admin-3 #13). Before it, the README's GRANT fails with PostgreSQL's 'does not exist'
    and the network's log says what to do (a `hint`); after one start of the office's store, the
    same GRANTs work and the office is read."""
    import psycopg

    from server.network.collect import HINTS, collect
    from server.store import open_store

    from .test_store_postgres import office_in

    hosts = postgres_cluster.database()
    select = f"GRANT SELECT ON {', '.join(f'wetzlar.{t}' for t in KEPT)} TO willkommen_network"
    with psycopg.connect(hosts, autocommit=True) as admin:
        admin.execute("DO $$ BEGIN CREATE ROLE willkommen_network LOGIN; EXCEPTION WHEN duplicate_object THEN END $$")
        admin.execute("CREATE SCHEMA wetzlar")
        admin.execute("GRANT USAGE ON SCHEMA wetzlar TO willkommen_network")
        with pytest.raises(psycopg.errors.UndefinedTable, match='relation "wetzlar.stats_days" does not exist'):
            admin.execute(select)
    reader = hosts.replace("postgresql://postgres@", "postgresql://willkommen_network@")
    network = parse_network(network_file(wetzlar=reader + "&options=-csearch_path%3Dwetzlar"))
    store = NetworkStore(postgres_cluster.database())
    try:
        with caplog.at_level(logging.INFO, logger="willkommen.network"):
            assert collect(network, store, now=1_796_000_000) == {}
        warned = [r for r in caplog.records if r.getMessage() == "a hosted office could not be read"]
        assert [r.fields["office"] for r in warned] == ["wetzlar"]
        assert warned[0].fields["hint"] == HINTS["no_table"] and "start it once" in HINTS["no_table"]
        open_store(office_in(hosts, "wetzlar"), timezone="Europe/Berlin").close()  # the office's first start
        with psycopg.connect(hosts, autocommit=True) as admin:
            admin.execute(select)
        assert collect(network, store, now=1_796_000_000) == {"wetzlar": 0}  # read: no day kept yet
    finally:
        store.close()


def test_the_day_is_the_wire_format():
    """What `from_office` makes is exactly what the endpoint decodes."""
    day = msgspec.json.decode(json.dumps(one_day()), type=send.Day)
    assert msgspec.json.decode(msgspec.json.encode(day), type=send.Day) == day


async def test_a_network_on_postgresql_keeps_what_one_on_sqlite_keeps(postgres_cluster, tmp_path):
    office_db = office_days(tmp_path / "wetzlar.sqlite3")
    kept = []
    for db in (tmp_path / "network.sqlite3", postgres_cluster.database()):
        server = NetworkServer(parse_network(network_file()), db)
        await server.start("127.0.0.1", 0)
        try:
            assert await run_send(server, office_db, tmp_path) == 0
            assert await run_send(server, office_db, tmp_path) == 0  # again: the same
            kept.append((server.store.period("2026-11-01", "2026-11-30"), server.store.months(),
                         server.store.day_count("wetzlar")))
        finally:
            await server.stop()
    assert kept[0] == kept[1] and kept[0][2] == 3 and kept[0][1] == ["2026-11"]


def test_a_network_on_postgresql_outlives_a_lost_session(postgres_cluster):
    """The database ended the network's session (a restart, a failover): the next send is stored."""
    import psycopg

    url = postgres_cluster.database()
    store = NetworkStore(url)
    try:
        store.put_days("wetzlar", [msgspec.json.decode(json.dumps(one_day()), type=send.Day)], received_at="t")
        with psycopg.connect(url, autocommit=True) as admin:
            ended = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE application_name = 'willkommen network'").fetchall()
        assert ended == [(True,)]
        store.put_days("giessen", [msgspec.json.decode(json.dumps(one_day()), type=send.Day)], received_at="t")
        assert sorted(store.period("2026-11-01", "2026-11-30")) == ["giessen", "wetzlar"]
    finally:
        store.close()


def test_show_prints_what_would_leave_the_office_and_sends_nothing(tmp_path, capsys):
    office_db = office_days(tmp_path / "wetzlar.sqlite3")
    assert send.command(["--to", "http://127.0.0.1:9/", "--office", "wetzlar", "--db", str(office_db),
                         "--days", "60", "--show"]) == 0  # port 9: nothing listens, nothing is tried
    shown = json.loads(capsys.readouterr().out)
    assert shown["office"] == "wetzlar" and [d["day"] for d in shown["days"]] == [d.isoformat() for d in NOVEMBER]
    assert set().union(*(d.keys() for d in shown["days"])) <= {"day", "visitors", "served", "no_shows", "waits",
                                                               "held", "languages", "interpreters", "referrals",
                                                               "feedback"}


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_office_database_that_cannot_be_reached_is_one_german_line(tmp_path, capsys):
    """The office's PostgreSQL down (or its password left out of the unit): one line naming each
    host's reason, as the server's own start says it, status 1; never a traceback."""
    down = f"postgresql://willkommen@127.0.0.1:{free_port()},127.0.0.1:{free_port()}/willkommen"
    token = tmp_path / "token"
    token.write_text(TOKENS["wetzlar"])
    assert send.command(["--to", "http://127.0.0.1:9/", "--office", "wetzlar", "--token-file", str(token),
                         "--db", down, "--tries", "1"]) == 1
    said = capsys.readouterr().err
    assert said.startswith("willkommen-server network send: Die Datenbank dieses Amts ist nicht erreichbar (")
    assert said.count("Connection refused") == 2 and " | " in said  # each host's own reason
    assert "PGPASSFILE" in said and "Traceback" not in said and said.count("\n") == 1


async def test_an_office_the_network_reads_is_told_it_takes_part_directly(tmp_path, capsys):
    """A `read` office's send, with no day kept yet (its server's days are read by the network):
    the network is asked all the same and its answer says nothing needs sending, status 0."""
    hosted = parse_network(network_file(wetzlar="postgresql://network@127.0.0.1:9/none?options=-csearch_path%3Dwetzlar"))
    server = NetworkServer(hosted, tmp_path / "network.sqlite3")
    await server.start("127.0.0.1", 0)
    try:
        assert await run_send(server, office_days(tmp_path / "wetzlar.sqlite3", days=()), tmp_path) == 0
        said = capsys.readouterr().err
        assert "Nichts zu schicken: Dieses Amt nimmt direkt am Netzwerk teil" in said and "geschickt" not in said
        assert server.store.day_count("wetzlar") == 0
    finally:
        await server.stop()



@settings(max_examples=examples(60), deadline=None)
@given(n=st.integers(0, 10**7))
def test_a_count_is_said_in_the_singular_for_one_alone(n):
    """r-admin-3 #11: "1 Einträge". A catalogue key's `_one` twin is said for 1 alone (CLDR's
    plural rule, as `t()` on the board does): on the command line and in the board's words."""
    from config.command import Words
    from server.manager.words import StaffWords

    days = {"count": n, "first": "2026-11-02", "last": "2026-11-03", "url": "u", "office": "w"}
    de, en = Words("de")("network.said.sent", **days), Words("en")("network.said.sent", **days)
    assert (de.startswith("1 Tag (2026-11-02) als"), en.startswith("1 day (2026-11-02) sent")) == (n == 1, n == 1)
    assert (de.startswith(f"{n} Tage (2026-11-02 – 2026-11-03)"), en.startswith(f"{n} days (")) == (n != 1, n != 1)
    board = StaffWords("de")("knowledge.in_force", what="Sprachdatei Tigrinya", items=n, office="o", folder="f", files="x")
    assert board.startswith("Sprachdatei Tigrinya: 1 Eintrag von o") == (n == 1)
    assert board.startswith(f"Sprachdatei Tigrinya: {n} Einträge von o") == (n != 1)
