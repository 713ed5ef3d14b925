"""The counter's dialogs: every transfer target has a key of its own (the demo office has 7
services and 8 other counters, more than 9 digits), and partner names are shown whole,
wrapped, at 80×24. Pilot, the dialogs in the real app against a real server and alone."""

from __future__ import annotations

from textual.app import App

from counter.dialogs import Transfer, entry_keys
from server.wire import protocol as p

from .test_counter_app import counter_app, text, until
from .test_counter_keys import open_counter


class Host(App):
    """An empty app that shows one dialog and keeps what it returned."""

    def __init__(self):
        super().__init__()
        self.answers: list = []


async def test_every_transfer_target_is_chosen_by_its_key():
    choices = [(f"service:s{n}", f"Service {n}") for n in range(7)] + \
              [(f"counter:{n}", f"Counter {n}") for n in range(1, 10)]
    keys = entry_keys(len(choices), "f")
    assert len(set(keys)) == len(choices) and "f" not in keys  # F stays "to the front"
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        for key, (value, label) in zip(keys, choices):
            app.push_screen(Transfer("Transfer A001 to …", choices, "To the front"), callback=app.answers.append)
            await pilot.pause()
            shown = str(app.screen.query_one("#choices").get_option_at_index(keys.index(key)).prompt)
            assert shown == f"[b]{key}[/b]  {label}"  # the key is written before its target
            await pilot.press(key)
            await pilot.pause()
            kind, _, target = value.partition(":")
            assert app.answers[-1] == (kind, target, False)
        app.push_screen(Transfer("Transfer A001 to …", choices, "To the front"), callback=app.answers.append)
        await pilot.pause()
        await pilot.press("f", "down", "down", "enter")  # arrows and Enter, F for the front
        await pilot.pause()
        assert app.answers[-1] == ("service", "s2", True)


async def test_the_last_counter_is_reached_by_a_key(server, url, terminal):
    kiosk = await terminal("kiosk-1")
    await kiosk.request(p.Draw(id=0, service="residence", lang="de", request="k"))
    await (await terminal("counter-mbe")).request(p.Open(id=0))   # a closed counter is refused
    app = counter_app(url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_counter(pilot)
        await pilot.press("n")
        await until(pilot, lambda: "A001" in text(app, "#current"))
        await until(pilot, lambda: app.board.desk_state("mbe") == "open")
        await pilot.press("t")
        await pilot.pause()
        labels = app.screen.labels
        assert labels[-1] == "Counter: 9 · open"  # the migration counselling desk, 15th of 15
        await pilot.press(app.screen.keys[-1])
        await until(pilot, lambda: app.board.current is None)
    assert server.office.tickets["A001"].target == "mbe"


async def test_partner_names_are_shown_whole_at_80_columns(server, url, terminal):
    kiosk = await terminal("kiosk-1")
    await kiosk.request(p.Draw(id=0, service="residence", lang="de", request="k"))
    app = counter_app(url, lang="de")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_counter(pilot)
        await pilot.press("n")
        await until(pilot, lambda: "A001" in text(app, "#current"))
        await pilot.press("v")
        await pilot.pause()
        listed = app.screen.query_one("#partners")
        drawn = " ".join(" ".join(listed.render_line(y).text.split()) for y in range(listed.size.height))
        for _, label in app.screen.partners:
            assert " ".join(label.split()) in drawn, (label, drawn)
        assert "…" not in drawn
