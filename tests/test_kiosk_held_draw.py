"""A draw the office's database holds (a failover, a stalled synchronous standby): what the
visitor at the kiosk notices (reviews r-admin, problems 6 and 7).

- After a second without an answer the kiosk says, in the visitor's language, that the ticket
  is being made; taps meanwhile (the same service, another) draw nothing; the ticket that comes
  prints once; one that does not come ends in "please wait a moment and try again".
- A kiosk whose draws were answered `busy` through an outage has spent none of its draws a
  minute: the first visitors after it get their tickets, none is refused as `rate_limited`.

The real server on the session's PostgreSQL (tests/postgres.py). A commit is held by a lock on
`tickets` that the test's own session takes (writes wait for it, as behind a stalled standby);
the database is away while it refuses connections (as in a failover, tests/test_postgres_failover.py).
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

import psycopg
import pytest

from config import strings
from config.limits import Limits
from kiosk.app import KioskApp, ServiceScreen, StartScreen, TicketScreen, for_terminal
from kiosk.appointment import KeypadScreen
from kiosk.interpreter import InterpreterScreen, asks
from server.edge.app import Server
from server.wire import protocol as p
from server.wire.session import ClientSession, ServerError

from .conftest import make_site, token
from .printer_emulator import NetworkPrinter
from .proxy import LossyProxy
from .test_kiosk_app import choose as choose_service
from .test_kiosk_app import laid_out, until
from .test_kiosk_service_fit import every_language_office
from .test_kiosk_wrapping import lines_on_screen

SIZES = [(80, 24), (100, 30), (120, 40)]  # the kiosk sizes the README's fit tests hold


@pytest.fixture
async def office(postgres_cluster):
    server = Server(make_site(), postgres_cluster.database(), always_open=True)
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


def kiosk_app(server: Server, printer: NetworkPrinter, timeout: float = 10.0) -> KioskApp:
    """A kiosk as installed: its session's timeout is the real one unless a test shortens it."""
    session = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                            token=token("kiosk-1"), timeout=timeout, backoff=(0.05, 0.2))
    return KioskApp(session, printer_url=printer.url, idle_seconds=60)


def held_commits(server: Server) -> psycopg.Connection:
    """A session holding a lock every draw's commit needs, until its `rollback()`."""
    blocker = psycopg.connect(str(server.db_path), connect_timeout=10)
    blocker.execute("LOCK TABLE tickets IN SHARE MODE")
    return blocker


def said(app: KioskApp) -> str:
    return str(app.screen.query_one("#problem").render())


def sign(lang: str) -> str:
    return for_terminal(strings(lang)["kiosk.ticket_coming"])


def tickets(server: Server) -> list[tuple[str, str]]:
    with psycopg.connect(str(server.db_path), autocommit=True, connect_timeout=10) as conn:
        return conn.execute("SELECT number, lang FROM tickets ORDER BY number").fetchall()


async def choose(pilot, lang: str, service: str) -> None:
    """Language, service and (a visitor not in German) "no" to the interpreter question: the draw."""
    await choose_service(pilot, lang, service, "no")


@pytest.mark.parametrize("lang, again", [("ar", ["#interpreter-no", "#interpreter-yes", "#interpreter-back"]),
                                         ("de", ["#service-info", "#service-residence", "#back"])])
async def test_a_held_draw_says_the_ticket_is_coming_and_prints_it_once(office, lang, again):
    """The Arabic visitor on the interpreter question, the German one on the services: the
    sign in their language while the commit waits, taps on the same answer or service, another
    one and back take nothing, and the ticket that comes is printed once."""
    printer = NetworkPrinter()
    app = kiosk_app(office, printer)
    try:
        async with app.run_test(size=SIZES[-1]) as pilot:
            await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, f"#lang-{lang}"))
            blocker = held_commits(office)
            await choose(pilot, lang, "info")
            await until(pilot, lambda: said(app) == sign(lang))
            assert "held" in app.screen.query_one("#problem").classes  # news, not a fault (kiosk.tcss)
            for button in again:  # the visitor taps again, on the same or another
                await pilot.click(button)
            await pilot.pause(0.3)
            assert said(app) == sign(lang) and not isinstance(app.screen, TicketScreen)
            blocker.rollback()  # the database is back: the held commit is made
            await until(pilot, lambda: isinstance(app.screen, TicketScreen) and laid_out(app, "#number"))
            assert app.screen.query_one("#number").value == "F001"
            await pilot.pause(0.3)
            blocker.close()
    finally:
        printer.close()
    assert printer.received.count(b"\x1dV") == 1  # one ticket cut
    assert tickets(office) == [("F001", lang)]


async def test_a_held_check_in_says_the_ticket_is_coming_on_the_keypad_and_prints_it_once(postgres_cluster):
    """A visitor with an appointment types the code (in German: no interpreter question): the
    sign on the keypad while the commit waits, a second OK checks in nothing more, and the
    ticket that comes is printed once."""
    from .test_kiosk_appointments import MIN, T0, Clock, book, keypad, ticket_shown, type_code

    server = Server(make_site(), postgres_cluster.database(), always_open=True, clock=Clock(T0))
    await server.start("127.0.0.1", 0)
    await book(server, "HD-42", T0 + 10 * MIN)
    printer = NetworkPrinter()
    app = kiosk_app(server, printer)
    try:
        async with app.run_test(size=SIZES[-1]) as pilot:
            await keypad(pilot, "de")
            blocker = held_commits(server)
            await type_code(pilot, "HD-42")
            await until(pilot, lambda: isinstance(app.screen, KeypadScreen) and said(app) == sign("de"))
            await pilot.click("#key-ok")  # again
            blocker.rollback()
            blocker.close()
            await until(pilot, lambda: ticket_shown(app))
            assert app.screen.query_one("#number").value == "A001"
            await pilot.pause(0.3)
    finally:
        printer.close()
        await server.stop()
    assert printer.received.count(b"\x1dV") == 1
    assert tickets(server) == [("A001", "de")]


async def test_a_ticket_printing_slowly_says_it_is_coming_too(tmp_path):
    """A raster ticket on a slow serial line takes seconds: the Persian visitor reads that the
    ticket is being made while it prints, then their number; one ticket printed. (The printer
    is the hardware edge: python-escpos's Dummy, two seconds a ticket.)"""
    from printing.printers import open_printer

    class SlowLine:
        def __init__(self):
            self.printer, self.printed = open_printer("dummy:"), 0

        def print(self, blocks, **options):
            time.sleep(2.0)  # in the kiosk's printing thread, as a serial write blocks
            self.printer.print(blocks, **options)
            self.printed += 1

        def __getattr__(self, name):
            return getattr(self.printer, name)

    server = Server(make_site(), tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    printer = SlowLine()
    app = KioskApp(ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                                 token=token("kiosk-1"), backoff=(0.05, 0.2)), printer=printer, idle_seconds=60)
    try:
        async with app.run_test(size=SIZES[0]) as pilot:
            await choose(pilot, "fa", "info")
            await until(pilot, lambda: said(app) == sign("fa"))
            assert printer.printed == 0
            await until(pilot, lambda: isinstance(app.screen, TicketScreen) and laid_out(app, "#number"))
            assert app.screen.query_one("#number").value == "F001" and printer.printed == 1
    finally:
        await server.stop()
    assert printer.output.count(b"\x1dV") == 1


async def test_a_draw_that_does_not_come_asks_to_try_again_and_the_next_tap_gets_it(postgres_cluster):
    """The commit waits beyond the server's `commit_wait_seconds` and the kiosk's timeout: the
    Ukrainian visitor read that the ticket is coming, then "please wait a moment and try
    again"; once the database confirms, their next tap gets the ticket that waited, printed once."""
    server = Server(make_site(), postgres_cluster.database(), always_open=True,
                    limits=Limits(commit_wait_seconds=1))
    await server.start("127.0.0.1", 0)
    printer = NetworkPrinter()
    app = kiosk_app(server, printer, timeout=3)
    try:
        async with app.run_test(size=SIZES[-1]) as pilot:
            await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#lang-uk"))
            blocker = held_commits(server)
            await choose(pilot, "uk", "info")
            await until(pilot, lambda: said(app) == sign("uk"))
            try_again = for_terminal(strings("uk")["error.rate_limited"])
            await until(pilot, lambda: said(app) == try_again)
            assert "held" not in app.screen.query_one("#problem").classes
            blocker.rollback()
            blocker.close()
            await until(pilot, lambda: server.health()["status"] == "ok")
            await pilot.click("#interpreter-no")  # the visitor tries again: the same key
            await until(pilot, lambda: isinstance(app.screen, TicketScreen) and laid_out(app, "#number"))
            assert app.screen.query_one("#number").value == "F001"
            await pilot.pause(0.3)
    finally:
        printer.close()
        await server.stop()
    assert printer.received.count(b"\x1dV") == 1
    assert tickets(server) == [("F001", "uk")]


async def test_a_kiosk_waiting_for_its_database_spends_none_of_its_draws(postgres_cluster):
    """Six draws a minute (a burst of six): a kiosk's draw answered `busy` and sent again
    for the kiosk's timeout while the database is away is told `busy` (not `rate_limited`), and
    once the database is back the visitor who waited and the next three get their tickets, one
    each, none twice; the first's draw sent again (its reply lost) gets its ticket and spends
    nothing either. While it waits, the kiosk backs off: 10 tries in 8 s, not 17. (Another
    kiosk's draw, the first commit after the loss, is held and confirmed then: the server
    learns of the loss from a commit.)"""
    url = postgres_cluster.database()
    name = urlsplit(url).path.lstrip("/")
    server = Server(make_site(kiosk_draws_per_minute=6), url, always_open=True)
    port = await server.start("127.0.0.1", 0)
    proxy = LossyProxy(port)  # counts the busy answers kiosk-1 gets
    kiosk, other = (ClientSession(f"ws://127.0.0.1:{via}/", role="kiosk", terminal=terminal, token=token(terminal),
                                  timeout=timeout) for terminal, via, timeout in (("kiosk-1", await proxy.start(), 8),
                                                                                  ("kiosk-2", port, 60)))
    admin = postgres_cluster.connect()
    try:
        async with kiosk, other:
            await kiosk.ready()
            await other.ready()
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")  # away: no session can start
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
            held = asyncio.ensure_future(other.request(p.Draw(id=0, service="info", lang="de", request="held")))
            async with asyncio.timeout(30):
                while server.health()["status"] != "reconnecting":
                    await asyncio.sleep(0.05)
            with pytest.raises(ServerError) as told:  # sent again and again for 8 s
                await kiosk.request(p.Draw(id=0, service="info", lang="uk", request="waited"), retry=True)
            assert told.value.code == "busy"
            assert 3 <= proxy.busy <= 12  # it backed off (0.5, then 1 s: 10 tries), not 17 at 0.5 s
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
            assert (await held).ticket.number == "F001"
            drawn = [(await kiosk.request(p.Draw(id=0, service="info", lang="uk", request=key), retry=True)
                      ).ticket.number for key in ("waited", "next-1", "next-2", "next-3", "waited", "waited", "waited")]
    finally:
        admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        admin.close()
        await proxy.stop()
        await server.stop()
    # the last three: the first's reply lost, sent again (7 draws, one more than the burst)
    assert drawn == ["F002", "F003", "F004", "F005", "F002", "F002", "F002"]
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        assert conn.execute("SELECT count(*) FROM tickets").fetchone() == (5,)


@pytest.fixture(params=["visitors", "sorani"])
async def every_language(request, tmp_path):
    async with every_language_office(request.param, tmp_path) as server:
        yield server


def on_screen(screen) -> set[str]:
    """The buttons wholly on the screen."""
    return {button.id for button in screen.query("Button") if screen.region.contains_region(button.region)}


@pytest.mark.parametrize("size", SIZES)
async def test_the_sign_fits_every_language_at_every_kiosk_size(every_language, size):
    """The sign where the visitor waits for it (the services in German, the interpreter
    question in every other language, the keypad of a check-in), whole, in reading order and on the screen, pushing no
    button off it, left to right and right to left."""
    session = ClientSession(f"ws://127.0.0.1:{every_language.port}/", role="kiosk", terminal="kiosk-1",
                            token=token("kiosk-1"), backoff=(0.05, 0.2))
    app = KioskApp(session, idle_seconds=60)
    languages = every_language.site.languages if every_language.site.languages[-1] != "ckb" else ["ckb"]
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#lang-de"))
        for lang, screen in [(lang, screen) for lang in languages for screen in (
                InterpreterScreen(lang, lambda needs: None) if asks(lang) else ServiceScreen(lang, app.site.services),
                KeypadScreen(lang))]:  # a draw's screen, and a check-in's keypad
            app.push_screen(screen)
            await until(pilot, lambda: app.screen is screen and laid_out(app, "Button"))
            seen = on_screen(screen)
            text = app.said(lang, "kiosk.ticket_coming")
            screen.held(text)
            await pilot.pause()
            shown = screen.query_one("#problem")
            assert lines_on_screen(shown) == [line.strip() for line in text.lines(shown.content_region.width)], lang
            assert screen.region.contains_region(shown.region), (lang, shown.region)
            assert on_screen(screen) == seen, lang  # it pushed nothing off the screen
            app.pop_screen()
