"""Adopting with the command line beside a running office: `willkommen-server network adopt`
puts a language file in force as "Übernehmen" on the floor board does, and the running server
finds it (it watches `[network] into`'s `strings/`) and sends each kiosk its new words on its
connection; `network undo` takes the newest adoption back the same way. A real network endpoint
and office servers on 127.0.0.1 (tests/test_network_board.py's `offices`), the real kiosk app."""

from __future__ import annotations

import asyncio
import contextlib
import io

from kiosk.app import for_terminal

from .test_kiosk_app import SIZE, kiosk_app, message, touch_ticket, until
from .test_network_board import TI_BUNDLED, TI_NOW, TI_TAKE, offices, share  # noqa: F401 (offices: a fixture)

GENEROUS = 60.0  # the server looks every 2 s; a loaded machine may take longer


async def test_the_command_puts_a_language_file_in_force_and_the_running_kiosk_speaks_it(offices):
    network, servers = offices
    wetzlar = servers[0]
    site_file = wetzlar.site.network.site_file
    before = site_file.read_bytes()
    app = kiosk_app(f"ws://127.0.0.1:{wetzlar.port}/")
    async with app.run_test(size=SIZE) as pilot:
        await touch_ticket(pilot, "ti", "residence")
        assert message(app) == for_terminal(TI_BUNDLED)
        app.switch_to_start()
        connected = app.session.tries
        with contextlib.redirect_stderr(io.StringIO()) as err:  # the app under test holds the real one
            assert await share(network, "adopt", "wetzlar", "giessen", "--what", "strings.ti", "--config",
                               str(site_file)) == 0
        said = err.getvalue()
        # the running server reads the file the command put in force and sends the kiosk its words
        await until(pilot, lambda: app.words("ti")["kiosk.take_ticket"] == TI_TAKE, timeout=GENEROUS)
        await touch_ticket(pilot, "ti", "residence")
        assert message(app) == for_terminal(TI_TAKE)
        assert app.session.tries == connected  # no reconnect
    assert wetzlar.site.words("ti")["display.now"] == TI_NOW
    [folder] = sorted(wetzlar.site.network.into.glob("adopted-giessen-*"))
    assert said.startswith("willkommen-server network adopt: ")
    assert "übernommen. Sprachdatei ti gilt sofort: Der laufende Server liest sie binnen Sekunden" in said
    assert f"Abgelegt in {folder}: before/in-force.json, before/strings/ti.toml, strings/ti.toml." in said
    in_force = (wetzlar.site.network.in_force / "ti.toml").read_text(encoding="utf-8")
    assert in_force.startswith("# Texts adopted with willkommen-server network adopt, in force")
    assert site_file.read_bytes() == before


async def test_review_only_with_into_puts_nothing_in_force(offices, tmp_path, capsys):
    network, servers = offices
    wetzlar = servers[0]
    into = tmp_path / "review"
    into.mkdir()
    assert await share(network, "adopt", "wetzlar", "giessen", "--what", "strings.ti", "--config",
                       str(wetzlar.site.network.site_file), "--into", str(into)) == 0
    assert "zum Prüfen abgelegt" in capsys.readouterr().err
    assert not wetzlar.site.network.in_force.exists()
    await asyncio.sleep(0)
    assert wetzlar.site.words("ti")["kiosk.take_ticket"] == TI_BUNDLED
