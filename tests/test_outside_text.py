"""Text from outside is shown as text, never as Textual markup, in the kiosk and the counter:
a scanned code (`HD-[/]` once crashed the kiosk; `[@click=app.quit]HD-42` showed "HD-42" and
one tap quit it) and the site's own names (services, counters: the catalogue an office
writes). Pilot against a real server; keys at a scanner's speed."""

from __future__ import annotations

from textual.content import Content

from config import parse_site
from counter.app import CounterApp
from kiosk.app import ServiceScreen, StartScreen, TicketScreen
from kiosk.appointment import CheckinProblem, KeypadScreen
from printing.printers import open_printer
from server.edge.app import Server
from server.wire import protocol as p
from server.wire.session import ClientSession

from .conftest import demo_data, token
from .test_counter_app import text
from .test_counter_app import until as counter_until
from .test_counter_keys import open_counter, type_ahead
from .test_kiosk_app import SIZE, laid_out, until
from .test_kiosk_appointments import Keys, keypad, shown

CODES = ["HD-[/]", "[@click=app.quit]HD-42", "[b]X[/b]"]
SERVICE = "Pass [/] [@click=app.quit]renewal"   # a service's English name, as an office might type it
COUNTER = "[@click=app.quit]8"


def odd_site():
    """The demo office whose passport service and counter 8 have names with brackets."""
    data = demo_data()
    data["site"]["kiosk_draws_per_minute"] = 100_000
    service = next(s for s in data["services"] if s["id"] == "passport")
    service["names"]["en"], service["hints"]["en"] = SERVICE, "[i]bring[/] your [/b] old passport"
    next(c for c in data["counters"] if c["id"] == "8")["name"] = COUNTER
    return parse_site(data, file="default.toml")


async def odd_server(tmp_path) -> Server:
    server = Server(odd_site(), tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    return server


def kiosk(server: Server, **options):
    from kiosk.app import KioskApp

    session = ClientSession(f"ws://127.0.0.1:{server.port}/", role="kiosk", terminal="kiosk-1",
                            token=token("kiosk-1"), backoff=(0.05, 0.2))
    return KioskApp(session, printer=open_printer("dummy:"), idle_seconds=60, **options)


async def test_a_scanned_code_with_brackets_is_shown_as_read_on_the_kiosk(tmp_path):
    server = await odd_server(tmp_path)
    app = kiosk(server, key_clock=Keys(step=0.01))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await keypad(pilot, "en")
            for code in CODES:
                await pilot.press(*code, "enter")  # a scanner: keys 10 ms apart, then Enter
                await until(pilot, lambda: shown(app, "#problem") == app.word("en", "appointment.unknown"))
                assert isinstance(app.screen, KeypadScreen) and shown(app, "#code") == code
                await pilot.click("#code")  # a tap on the code runs nothing
                await pilot.pause()
                assert app.is_running and isinstance(app.screen, KeypadScreen)
            app.switch_to_start()
            await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#lang-en"))
            await pilot.press(*CODES[1], "enter")  # scanned before a language was chosen
            await until(pilot, lambda: isinstance(app.screen, CheckinProblem) and laid_out(app, "#back"))
            for line in app.screen.query(".problem-line"):
                await pilot.click(line)
            assert app.is_running
    finally:
        await server.stop()
    assert not server.office.tickets


async def test_a_service_named_with_brackets_reads_as_written_on_the_kiosk(tmp_path):
    server = await odd_server(tmp_path)
    app = kiosk(server)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: isinstance(app.screen, StartScreen) and laid_out(app, "#lang-en"))
            await pilot.click("#lang-en")
            await until(pilot, lambda: isinstance(app.screen, ServiceScreen) and laid_out(app, "#service-passport"))
            label = str(app.screen.query_one("#service-passport").label)
            assert label == f"{SERVICE}\n[i]bring[/] your [/b] old passport"
            await pilot.click("#service-passport")
            await until(pilot, lambda: laid_out(app, "#interpreter-no"))
            await pilot.click("#interpreter-no")
            await until(pilot, lambda: isinstance(app.screen, TicketScreen) and laid_out(app, "#message"))
            assert app.is_running
    finally:
        await server.stop()
    assert list(server.office.tickets) == ["D001"]


async def test_the_counter_shows_scanned_numbers_and_the_sites_names_as_text(tmp_path):
    server = await odd_server(tmp_path)
    url = f"ws://127.0.0.1:{server.port}/"
    app = CounterApp(ClientSession(url, role="counter", terminal="counter-3", token=token("counter-3"),
                                   backoff=(0.05, 0.2), lang="en", explain=True), lang="en")
    try:
        async with ClientSession(url, role="kiosk", terminal="kiosk-2", token=token("kiosk-2")) as kiosk_session:
            await kiosk_session.ready()
            await kiosk_session.request(p.Draw(id=0, service="passport", lang="ar", request="r1"))
            async with app.run_test(size=(130, 40)) as pilot:
                await open_counter(pilot)
                first = str(app.query_one("#queues").get_row_at(0)[0])  # counter 3 serves passports first
                assert first.startswith("Pass [/]") and SERVICE.startswith(first.rstrip("…"))
                for code in CODES:  # a visitor's QR code held under the counter's scanner after C
                    type_ahead(app, "c", *code, "enter")
                    said = app.words("error.unknown_ticket", ticket=code.upper())  # the scanned text, as text
                    await counter_until(pilot, lambda: text(app, "#message") == said)
                    app.say("")
                type_ahead(app, "c", *"D001", "enter")
                await counter_until(pilot, lambda: "D001" in text(app, "#current"))
                assert SERVICE in text(app, "#current")
                await pilot.click("#current")
                type_ahead(app, "t")  # the transfer dialog lists the services and counters by name
                await counter_until(pilot, lambda: len(app.screen_stack) == 2)
                # each with its state after " · " (open, closed, paused; a service's open counters)
                assert any(label.startswith(f"Counter: {COUNTER} · ") for label in app.screen.labels)
                assert any(label.startswith(f"Service: {SERVICE} · ") for label in app.screen.labels)
                options = app.screen.query_one("#choices")
                prompts = [options.get_option_at_index(i).prompt for i in range(options.option_count)]
                # an OptionList reads a str prompt as markup: the name must come out as written
                assert any(f"Counter: {COUNTER} · " in Content.from_markup(prompt).plain for prompt in prompts)
                type_ahead(app, "escape")
                await counter_until(pilot, lambda: len(app.screen_stack) == 1)
                app.say(f"Error: {CODES[1]}")  # a server's message, shown as it came
                assert text(app, "#message") == f"Error: {CODES[1]}"
                await pilot.click("#message")
                await pilot.pause()
                assert app.is_running
    finally:
        await server.stop()
