"""A transfer as a clerk meets it (issue 23): the counter confirms it in a line, as it does a
referral, and "Heute bearbeitet" says where the visitor went instead of "wartet" -- also once
another counter has called them. A referral slip from the preview printer is named as a slip.
Pilot against the real server; a kiosk draws the tickets."""

from __future__ import annotations

from server.wire import protocol as p

from .test_counter_app import counter_app, text, until


async def open_and_call(app, pilot, number: str) -> None:
    await until(pilot, lambda: app.board.desk is not None)
    await pilot.press("o", "o")
    await until(pilot, lambda: app.board.desk.state == "open")
    await pilot.press("n")
    await until(pilot, lambda: number in text(app, "#current"))


async def test_a_transfer_is_confirmed_and_handled_today_says_where_the_visitor_went(server, url, terminal):
    kiosk = await terminal("kiosk-1")
    await kiosk.request(p.Draw(id=0, service="residence", lang="ar", request="t-1"))
    app = counter_app(url, lang="de")
    async with app.run_test(size=(130, 40)) as pilot:
        await open_and_call(app, pilot, "A001")
        await pilot.press("t")
        await pilot.pause()
        info = next(i for i, label in enumerate(app.screen.labels) if "Allgemeine Auskunft" in label)
        await pilot.press(app.screen.keys[info])
        await until(pilot, lambda: app.board.current is None)
        await until(pilot, lambda: "A001" in text(app, "#message"))
        assert text(app, "#message") == "A001 weitergeleitet an: Allgemeine Auskunft"
        await until(pilot, lambda: "A001" in text(app, "#handled"))
        assert text(app, "#handled") == "A001 weitergeleitet an Allgemeine Auskunft"
        assert "wartet" not in text(app, "#handled")

        admin = await terminal("admin")   # counter 8 serves general information and calls A001
        await admin.request(p.Open(id=0, counter="8"))
        await admin.request(p.Call(id=0, counter="8", ticket="A001"))
        await until(pilot, lambda: app.board.desk.handled[0].counter == "8")
        assert text(app, "#handled") == "A001 weitergeleitet an Allgemeine Auskunft"


async def test_a_transfer_to_a_counter_names_the_counter(server, url, terminal):
    kiosk = await terminal("kiosk-1")
    await kiosk.request(p.Draw(id=0, service="extension", lang="tr", request="t-2"))
    app = counter_app(url, lang="en")
    async with app.run_test(size=(130, 40)) as pilot:
        await (await terminal("counter-8")).request(p.Open(id=0))
        await open_and_call(app, pilot, "B001")
        await until(pilot, lambda: app.board.desk_state("8") == "open")
        await pilot.press("t")
        await pilot.pause()
        # each counter's state, and for each service the counters open for it now
        assert {"Counter: 8 · open", "Counter: 3 · closed",
                "Service: Extension of residence permit · open: counter 5, 8",
                "Service: General information · no counter open"} <= set(app.screen.labels)
        await pilot.press(app.screen.keys[app.screen.labels.index("Counter: 3 · closed")])
        await until(pilot, lambda: "closed" in text(app, "#message"))
        assert text(app, "#message") == ("Counter 3 is closed: nobody there would call the number. "
                                         "Please choose a service or an open counter.")
        assert app.board.current.number == "B001"
        await pilot.press("t")
        await pilot.pause()
        eight = app.screen.labels.index("Counter: 8 · open")
        await pilot.press(app.screen.keys[eight])
        await until(pilot, lambda: "B001" in text(app, "#handled"))
        assert text(app, "#message") == "B001 transferred to: counter 8"
        assert text(app, "#handled") == "B001 transferred to counter 8"


async def test_the_preview_printer_names_a_referral_slip_a_slip(server, url, terminal, tmp_path):
    kiosk = await terminal("kiosk-1")
    await kiosk.request(p.Draw(id=0, service="info", lang="ar", request="ar-1"))
    app = counter_app(url, terminal="counter-2")
    app.printer_url = f"preview://{tmp_path}/slips"
    async with app.run_test(size=(130, 40)) as pilot:
        await open_and_call(app, pilot, "F001")
        await pilot.press("v", "2", "v")
        await until(pilot, lambda: "Slip printed" in text(app, "#message"))
    [png] = (tmp_path / "slips").iterdir()
    assert png.name.endswith("-F001-slip.png"), png.name
