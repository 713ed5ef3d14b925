"""Adopting with the command line beside a running office: `willkommen-server network adopt`
puts a language file in force as "Übernehmen" on the floor board does, and the running server
finds it (it watches `[network] into`'s `strings/`) and sends each kiosk its new words on its
connection; `network undo` and "Rückgängig" on the board take the newest adoption back the same
way, one at a time, and say in German when nothing is left to undo; a reader may not. A real network endpoint
and office servers on 127.0.0.1 (tests/test_network_board.py's `offices`), the real kiosk app."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
from pathlib import Path

from kiosk.app import for_terminal
from server.network import knowledge
from server.network.share import undo_command

from .test_kiosk_app import SIZE, kiosk_app, message, touch_ticket, until
from .conftest import ARTIFACTS
from .test_manager_board import board_socket, cookie_for
from .test_network_board import (TI_BUNDLED, TI_NOW, TI_TAKE, asked, axe_violations_in, board_page, offices,  # noqa: F401
                                 reads_tigrinya, share)
from .test_network_send import TOKENS, post

GENEROUS = 60.0  # the server looks every 2 s; a loaded machine may take longer


async def test_the_command_puts_a_language_file_in_force_and_the_running_kiosk_speaks_it(offices):
    network, servers = offices
    wetzlar = servers[0]
    site_file = wetzlar.site.network.site_file
    before = site_file.read_bytes()
    app = kiosk_app(f"ws://127.0.0.1:{wetzlar.port}/")
    async with app.run_test(size=SIZE) as pilot:
        connected = await reads_tigrinya(pilot, app, TI_BUNDLED)
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
    assert in_force.startswith("# Übernommene Texte (mit willkommen-server network adopt); sie gelten vor")
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


TI_TAKE_AGAIN = "በጃኹም ቲኬትኩም ኣብዚ ውሰዱ።"  # Giessen's text reviewed once more, adopted a second time


async def republish(network, servers, **texts: str) -> None:
    """Giessen publishes again with `texts` (catalogue keys of its Tigrinya) changed."""
    giessen = knowledge.of_site(servers[1].site.network.site_file, "giessen")
    items = {**giessen.items, **{f"strings.ti.{key}": text for key, text in texts.items()}}
    body = json.dumps({"office": "giessen", "name": giessen.name, "languages": giessen.languages, "items": items})
    got, _ = await asyncio.to_thread(post, f"http://127.0.0.1:{network.port}/knowledge", body.encode(), TOKENS["giessen"])
    assert got == 200


async def test_rueckgaengig_on_the_board_puts_the_text_before_back_in_force_and_a_reader_may_not(offices, browser):
    """Two adoptions, then "Rückgängig": the first adoption's Tigrinya is in force again at once
    (the kiosk's next visitor reads it, on the same connection); again: the bundled one; again:
    refused in German, nothing changed. A reader may not undo."""
    network, servers = offices
    wetzlar = servers[0]
    ws, _ = await board_socket(wetzlar, await cookie_for(wetzlar.port))
    first = await asked(ws, type="adopt", office="giessen", what=["strings.ti"])
    await republish(network, servers, **{"kiosk.take_ticket": TI_TAKE_AGAIN})
    second = await asked(ws, type="adopt", office="giessen", what=["strings.ti"])
    await ws.close()
    assert (first["type"], second["type"]) == ("adopted", "adopted"), (first, second)
    app = kiosk_app(f"ws://127.0.0.1:{wetzlar.port}/")
    async with app.run_test(size=SIZE) as pilot:
        connected = await reads_tigrinya(pilot, app, TI_TAKE_AGAIN)
        page = await board_page(browser, wetzlar)
        undo, said = page.locator("#knowledge-undo"), page.locator("#knowledge-undone")
        assert await undo.inner_text() == "Rückgängig"
        await undo.click()  # asked first: nothing taken back yet
        assert await said.inner_text() == ("Die letzte Übernahme einer Sprachdatei wirklich zurücknehmen? Die Fassung "
                                           "davor gilt dann sofort wieder für Kiosk, Anzeige und Telefon.")
        assert await undo.inner_text() == "Ja, zurücknehmen"
        await page.locator("#knowledge-undo-cancel").click()  # Abbrechen: as it was
        assert (await undo.inner_text(), await said.inner_text()) == ("Rückgängig", "")
        assert app.words("ti")["kiosk.take_ticket"] == TI_TAKE_AGAIN
        await undo.click()
        await undo.click()
        await page.wait_for_function("document.getElementById('knowledge-undone').textContent.startsWith('Rückgängig gemacht')")
        assert await said.inner_text() == (
            f"Rückgängig gemacht: Tigrinya wieder wie vor der Übernahme in {second['folder']} – Kiosk, Anzeige und "
            "Telefon zeigen die Fassung davor ab sofort.")
        await until(pilot, lambda: app.words("ti")["kiosk.take_ticket"] == TI_TAKE, timeout=GENEROUS)
        await touch_ticket(pilot, "ti", "residence")
        assert message(app) == for_terminal(TI_TAKE)
        app.switch_to_start()
        assert app.session.tries == connected  # no reconnect
        assert await axe_violations_in(page, "#knowledge") == []
        ARTIFACTS.mkdir(exist_ok=True)
        await page.locator("#knowledge").screenshot(path=str(ARTIFACTS / "network-board-undone-720p.png"))
        assert (Path(second["folder"]) / "undone" / "in-force.json").is_file()
        assert not (Path(second["folder"]) / "before").exists()

        await undo.click()  # the first adoption: nothing adopted was in force before it
        await undo.click()
        await page.wait_for_function(f"document.getElementById('knowledge-undone').textContent.includes({json.dumps(first['folder'])})")
        await until(pilot, lambda: app.words("ti")["kiosk.take_ticket"] == TI_BUNDLED, timeout=GENEROUS)
        assert not (wetzlar.site.network.in_force / "ti.toml").exists()

        await undo.click()
        await undo.click()
        await page.wait_for_function("document.getElementById('knowledge-undone').textContent.startsWith('Nichts')")
        assert await said.inner_text() == ("Nichts rückgängig zu machen: Keine Übernahme einer Sprachdatei gilt noch. "
                                           "Nichts wurde geändert.")
        assert app.words("ti")["kiosk.take_ticket"] == TI_BUNDLED and app.session.tries == connected
        await page.close()

    ws, _ = await board_socket(wetzlar, await cookie_for(wetzlar.port, "reader", "demo-reader"))
    answer = await asked(ws, type="undo_adoption")
    await ws.close()
    assert answer["code"] == "not_allowed" and answer["fields"]["why"] == "supervisor_only"
    assert answer["text"] == "Nur die Teamleitung darf hier etwas ändern."


async def undo(*args: str) -> tuple[int, str]:
    with contextlib.redirect_stderr(io.StringIO()) as err:
        status = await asyncio.to_thread(undo_command, list(args))
    return status, err.getvalue()


async def test_network_undo_on_the_command_line_goes_back_one_adoption_at_a_time(offices):
    network, servers = offices
    wetzlar = servers[0]
    site_file = str(wetzlar.site.network.site_file)
    words = wetzlar.site.words
    assert await share(network, "adopt", "wetzlar", "giessen", "--what", "strings.ti.kiosk.take_ticket",
                       "--config", site_file) == 0
    await republish(network, servers, **{"kiosk.take_ticket": TI_TAKE_AGAIN})
    assert await share(network, "adopt", "wetzlar", "giessen", "--what", "strings.ti.kiosk.take_ticket",
                       "--config", site_file) == 0
    await wait_for(lambda: words("ti")["kiosk.take_ticket"] == TI_TAKE_AGAIN)
    [first, second] = sorted(wetzlar.site.network.into.glob("adopted-giessen-*"))

    status, said = await undo("--config", site_file)
    assert status == 0, said
    assert said == (f"willkommen-server network undo: Übernahme rückgängig gemacht: Sprachdatei ti wieder wie vor "
                    f"{second}. Der laufende Server liest sie binnen Sekunden.\n")
    await wait_for(lambda: words("ti")["kiosk.take_ticket"] == TI_TAKE)  # the running server read it
    assert (await undo("--config", site_file))[0] == 0
    await wait_for(lambda: words("ti")["kiosk.take_ticket"] == TI_BUNDLED)
    status, said = await undo("--config", site_file)
    assert status == 1 and said == (f"willkommen-server network undo: Nichts rückgängig zu machen: In "
                                    f"{wetzlar.site.network.into} liegt keine Übernahme einer Sprachdatei, die noch "
                                    "gilt. Nichts wurde geändert.\n")
    assert (await undo("--config", site_file, "--lang", "en"))[1].startswith(
        "willkommen-server network undo: Nothing to undo: ")
    assert sorted(p.name for p in first.iterdir()) == ["strings", "undone"]  # a language alone: no site fragment
    status, said = await undo()  # the demo office's file: no [network], so nothing was ever in force
    assert status == 1 and said == ("willkommen-server network undo: default.toml hat kein [network]: Übernahmen "
                                    "gelten nur mit [network] (into), also gibt es nichts rückgängig zu machen.\n")


async def wait_for(condition, timeout: float = GENEROUS) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


async def test_a_file_put_in_force_by_hand_is_read_and_one_that_does_not_load_leaves_the_words(offices, caplog):
    """IT's own hand counts as the command's: the running server reads what is put into `into`'s
    `strings/`; a file that does not load is logged as a warning and the words in force stay."""
    _, servers = offices
    wetzlar = servers[0]
    folder = wetzlar.site.network.in_force
    folder.mkdir()
    with caplog.at_level(logging.WARNING, logger="willkommen.server"):
        (folder / "ti.toml").write_text('[kiosk]\ntake_ticket = "unclosed\n', encoding="utf-8")
        await wait_for(lambda: any("does not load" in r.getMessage() for r in caplog.records))
    assert wetzlar.site.words("ti")["kiosk.take_ticket"] == TI_BUNDLED
    (folder / ".ti.toml.new").write_text(f'[kiosk]\ntake_ticket = "{TI_TAKE}"\n', encoding="utf-8")
    (folder / ".ti.toml.new").replace(folder / "ti.toml")
    await wait_for(lambda: wetzlar.site.words("ti")["kiosk.take_ticket"] == TI_TAKE)
