"""Adopting another office's texts on the floor board: a real network endpoint and two real office
servers on 127.0.0.1, each with `[network]` in its site file. Giessen publishes its Tigrinya;
Wetzlar's manager sees on the board, in Chromium, what differs from Wetzlar's own and adopts it
with "Übernehmen" — the same files to review that `network adopt` writes, logged as it is, and
the language file in force at once: Wetzlar's running kiosk speaks Giessen's Tigrinya to its next
visitor, without a restart or a reconnect. A reader cannot adopt; a network that is down or answers garbage is said in German
and nothing is written; a hostile office's texts are shown as text."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import urllib.request
from pathlib import Path

import pytest
import websockets
from hypothesis import given
from hypothesis import strategies as st

from config import default_path, load_site
from kiosk.app import for_terminal
from server.edge.app import Server
from server.network import knowledge
from server.network.adoption import marked, write_review
from server.network.listener import NetworkServer
from server.network.settings import parse_network
from server.network.share import command
from websockets.asyncio.client import connect

from .browser import AXE_OPTIONS, axe_script
from .conftest import ARTIFACTS
from .test_kiosk_app import SIZE, kiosk_app, message, touch_ticket, until
from .test_manager_board import board_socket, cookie_for, signed_in_page
from .test_network_send import TOKENS, network_file, post

TI_TAKE = "በጃኹም ቲኬትኩም ካብዚ ውሰዱ።"   # giessen's reviewed "take your ticket"
TI_BUNDLED = "በጃኹም ቲኬትኩም ውሰዱ።"     # the bundled one's
TI_NOW = "ሕጂ ዝተጸውዐ"
HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'


def office_file(tmp_path: Path, office: str, network_port: int, *, tigrinya: bool = False) -> Path:
    """The demo office in a folder of its own, with `[network]` and its token in a file (600)."""
    folder = tmp_path / office
    folder.mkdir()
    (folder / "network-token").write_text(TOKENS[office] + "\n", encoding="utf-8")
    (folder / "network-token").chmod(0o600)
    text = default_path().read_text(encoding="utf-8") + (
        f'\n[network]\nurl = "http://127.0.0.1:{network_port}/"\noffice = "{office}"\ntoken_file = "network-token"\n')
    (folder / "office.toml").write_text(text, encoding="utf-8")
    if tigrinya:
        (folder / "strings").mkdir()
        (folder / "strings" / "ti.toml").write_text(f'[kiosk]\ntake_ticket = "{TI_TAKE}"\n\n[display]\nnow = "{TI_NOW}"\n',
                                                    encoding="utf-8")
    return folder / "office.toml"


async def office_server(path: Path) -> Server:
    server = Server(load_site(path), path.parent / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    return server


@pytest.fixture
async def offices(tmp_path):
    """The network, Wetzlar's server and Giessen's; Giessen has published (with the command)."""
    network = NetworkServer(parse_network(network_file()), tmp_path / "network.sqlite3")
    await network.start("127.0.0.1", 0)
    wetzlar = await office_server(office_file(tmp_path, "wetzlar", network.port))
    giessen = await office_server(office_file(tmp_path, "giessen", network.port, tigrinya=True))
    assert await share(network, "publish", "giessen", "--config", str(giessen.site.network.site_file)) == 0
    servers = [wetzlar, giessen]
    yield network, servers
    for server in servers:
        await server.stop()
    await network.stop()


async def share(network, name: str, office: str, *args: str) -> int:
    """`willkommen-server network NAME …` as the office's admin runs it, with the office's token file."""
    token_file = load_site(args[args.index("--config") + 1]).network.token_file
    return await asyncio.to_thread(command, name, [*args, "--to", f"http://127.0.0.1:{network.port}", "--office",
                                                   office, "--token-file", str(token_file), "--tries", "1"])


async def board_page(browser, server, *, size=(1280, 720), name="manager", password="demo-manager"):
    return await signed_in_page(browser, server, name, password, size=size)


PANEL_PROBLEMS = """() => {
  const problems = [], panel = document.getElementById('knowledge'), outer = panel.getBoundingClientRect();
  if (outer.left < 0 || outer.right > innerWidth + 1) problems.push('the panel leaves the screen');
  for (const e of panel.querySelectorAll('*')) {
    if (!e.getClientRects().length) continue;  // in a closed group
    const r = e.getBoundingClientRect(), name = `${e.tagName} "${e.textContent.slice(0, 30)}"`;
    if (r.left < outer.left - 1 || r.right > outer.right + 1) problems.push(`${name} leaves the panel`);
    if (getComputedStyle(e).display !== 'inline' && e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
      problems.push(`${name} holds ${e.scrollWidth} in ${e.clientWidth}`);
  }
  return problems;
}"""


async def panel_problems(page) -> list[str]:
    """What of the panel does not fit: nothing wider than its box, nothing out of the panel or the screen."""
    return await page.evaluate(PANEL_PROBLEMS)


async def axe_violations_in(page, selector: str) -> list[str]:
    """axe-core's WCAG 2.1 A and AA rules over the panel (the rest of the board is other tests')."""
    await page.add_script_tag(path=str(axe_script()))
    result = await page.evaluate(f"(s) => axe.run(document.querySelector(s), {AXE_OPTIONS})", selector)
    return [f"{v['id']}: {[n['target'] for n in v['nodes']][:4]}" for v in result["violations"]]


async def asked(ws, **action) -> dict:
    """A panel's request over the board's socket: its answer (`network`, `adopted` or an error),
    which follows the `reply` that says the network is being asked."""
    await ws.send(json.dumps({"id": 7, **action}))
    while True:
        message = json.loads(await ws.recv())
        if message.get("re") == 7 and message["type"] in ("network", "adopted", "published", "error"):
            return message


async def reads_tigrinya(pilot, app, text: str) -> int:
    """A visitor touches Tigrinya and the first service and reads `text` on the kiosk, which then
    goes back to its start (as when the ticket's screen times out): its connection's tries so far."""
    await touch_ticket(pilot, "ti", "residence")
    assert message(app) == for_terminal(text)
    app.switch_to_start()
    return app.session.tries


def adopted(folder: Path) -> list[Path]:
    return sorted(folder.glob("adopted-*"))


async def test_a_manager_adopts_giessens_tigrinya_on_the_board_and_the_kiosk_speaks_it_at_once(
        offices, browser, tmp_path, caplog):
    network, servers = offices
    wetzlar = servers[0]
    site_file = wetzlar.site.network.site_file
    before = site_file.read_bytes()
    app = kiosk_app(f"ws://127.0.0.1:{wetzlar.port}/")
    async with app.run_test(size=SIZE) as pilot:
        connected = await reads_tigrinya(pilot, app, TI_BUNDLED)  # a visitor before the adoption
        folder = await adopt_on_the_board(page := await board_page(browser, wetzlar), site_file, caplog)

        # the kiosk got the new words on its connection: the next visitor reads Giessen's Tigrinya,
        # with no restart of the server or the kiosk and no reconnect
        await until(pilot, lambda: app.words("ti")["kiosk.take_ticket"] == TI_TAKE)
        await touch_ticket(pilot, "ti", "residence")
        assert message(app) == for_terminal(TI_TAKE)
        assert app.session.tries == connected
    # the display's page reads its words at its next request; the site file is untouched, the
    # adopted file lies apart from it, whole, and nothing half-written is left
    display = await asyncio.to_thread(get_json, f"http://127.0.0.1:{wetzlar.port}/display/strings.json")
    assert display["ti"]["display.now"] == TI_NOW
    assert site_file.read_bytes() == before
    in_force = wetzlar.site.network.in_force / "ti.toml"
    assert in_force.read_text(encoding="utf-8").startswith(  # German: the office's IT reads it (r-admin-3 #8)
        "# Übernommene Texte (in der Saalübersicht); sie gelten vor strings/<Sprache>.toml des Standorts")
    assert not list(site_file.parent.rglob(".*.toml.*")) and not list(site_file.parent.rglob(".checking-*"))

    # what the command writes for the same choice, but for the line that says who adopted it
    into = tmp_path / "by-command"
    into.mkdir()
    differing = ["--what", "strings.ti.display.now", "--what", "strings.ti.kiosk.take_ticket"]
    assert await share(network, "adopt", "wetzlar", "giessen", *differing, "--config", str(site_file),
                       "--into", str(into)) == 0
    [by_command] = adopted(into)
    board_text = (folder / "strings" / "ti.toml").read_text(encoding="utf-8").splitlines()
    command_text = (by_command / "strings" / "ti.toml").read_text(encoding="utf-8").splitlines()
    assert board_text[1] == ("# mit: willkommen-server network adopt giessen --what strings.ti.display.now --what "
                             "strings.ti.kiosk.take_ticket (in der Saalübersicht, durch manager)")
    # the file to review says, in German, not to replace a ti.toml already there and which file wins (#8, #9)
    assert board_text[2] == "# Nichts wurde geändert. Bitte prüfen, dann in den Ordner strings/ des Standorts legen, als ti.toml."
    assert "Liegt dort schon eine ti.toml, sie NICHT ersetzen, sondern diese Schlüssel in sie einfügen" in board_text[3]
    assert "sie gewinnt bei gleichem Schlüssel" in board_text[6] and not any("Nothing" in line for line in board_text)
    # only the texts that differ: the rest of the bundled Tigrinya stays the bundled one's (and its later fixes)
    assert [line.split(" = ")[0] for line in board_text if " = " in line] == ["display.now", "kiosk.take_ticket"]
    assert board_text[:1] + board_text[2:] == command_text[:1] + command_text[2:]
    assert not list(site_file.parent.glob(".adopting-*"))  # nothing half-written left behind

    ws, _ = await board_socket(wetzlar, await cookie_for(wetzlar.port))  # a board opened before: its click refused
    again = await asked(ws, type="adopt", office="giessen", what=["strings.ti"])
    assert again["text"] == ("Schon übernommen: Ihre Texte stimmen darin mit denen von Ausländerbehörde Giessen "
                             "überein. Nichts wurde geändert.")
    await ws.close()
    page2 = await board_page(browser, wetzlar, size=(1920, 1080))
    await page2.wait_for_function("document.getElementById('knowledge-offices').textContent.length > 0")
    assert await page2.locator("#knowledge [data-what='strings.ti']").count() == 0  # nothing differs any more
    assert await panel_problems(page2) == []
    await page2.locator("#knowledge").screenshot(path=str(ARTIFACTS / "network-board-1080p.png"))
    await page.close()

    # a restart keeps it: the adopted file is read with the site's catalogues at start
    await wetzlar.stop()
    servers[0] = wetzlar = await office_server(site_file)
    assert wetzlar.site.words("ti")["kiosk.take_ticket"] == TI_TAKE


async def adopt_on_the_board(page, site_file: Path, caplog) -> Path:
    """The manager opens Giessen's Tigrinya on the board, sees what differs, and adopts it."""
    group = page.locator("#knowledge .knowledge-group[data-office=giessen][data-what='strings.ti']")
    await group.wait_for()
    heading = await page.inner_text("#knowledge h3[data-office=giessen]")
    assert heading.startswith("Ausländerbehörde Giessen (giessen), veröffentlicht 20") and heading.endswith(
        " (Europe/Berlin)")  # when, on the office's clock
    assert (await group.locator("summary").inner_text()).startswith("Sprachdatei Tigrinya – 2 anders, 0 nur dort")
    await group.locator("summary").click()
    row = group.locator("tr[data-key='kiosk.take_ticket']")
    assert (await row.inner_text()).split("\t") == ["kiosk.take_ticket", TI_BUNDLED, TI_TAKE]
    assert "".join(await row.locator("td").nth(1).locator("mark").all_inner_texts()).strip() == "ካብዚ"
    assert await row.locator("td").nth(0).locator("mark").count() == 0  # nothing of Wetzlar's is gone
    assert await row.locator("td").nth(1).get_attribute("lang") == "ti"
    assert await axe_violations_in(page, "#knowledge") == []
    assert await panel_problems(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    await page.locator("#knowledge").screenshot(path=str(ARTIFACTS / "network-board-720p.png"))

    with caplog.at_level(logging.INFO, logger="willkommen.network"):
        await group.locator("button.adopt").click()
        await page.wait_for_function("document.querySelector(\"[data-what='strings.ti'] .adopt-answer\")"
                                     ".textContent.includes('ab sofort')")
    said = await group.locator(".adopt-answer").inner_text()
    assert await panel_problems(page) == []  # the folder's path wraps in the answer
    await page.locator("#knowledge").screenshot(path=str(ARTIFACTS / "network-board-adopted-720p.png"))
    [folder] = adopted(site_file.parent)
    assert said == ("Sprachdatei Tigrinya: 2 Einträge von Ausländerbehörde Giessen übernommen – Kiosk, Anzeige und "
                    f"Telefon zeigen sie ab sofort. Abgelegt in {folder} (strings/ti.toml; before/: die Fassung davor).")
    [record] = [r for r in caplog.records if r.getMessage().startswith("network adopt: ")]
    assert record.getMessage().startswith(f"network adopt: 2 item(s) of giessen written to review in {folder}: "
                                          "strings/ti.toml. office.toml is unchanged. In force: ti (")
    assert record.fields["by"] == "manager" and record.fields["what"] == ["strings.ti"]
    assert record.fields["in_force"] == ["ti"]
    # the group as it is now (r-admin-3 #7): the button says so and is off, "Bei Ihnen" shows the adopted text
    button = group.locator("button.adopt")
    assert (await button.inner_text(), await button.is_disabled()) == ("Übernommen", True)
    assert await button.get_attribute("aria-label") == "Sprachdatei Tigrinya von Ausländerbehörde Giessen: übernommen"
    assert await group.locator("summary").inner_text() == "Sprachdatei Tigrinya – Übernommen"
    assert (await row.inner_text()).split("\t") == ["kiosk.take_ticket", TI_TAKE, TI_TAKE]
    assert await group.locator("mark").count() == 0
    assert await axe_violations_in(page, "#knowledge") == []
    # one entry is one (r-admin-3 #11): the catalogue's _one key, by the language's plural rule
    one = await page.evaluate("t('knowledge.in_force', {what: 'Sprachdatei Tigrinya', items: 1, office: 'X'})")
    assert one.startswith("Sprachdatei Tigrinya: 1 Eintrag von X übernommen")
    return folder


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=30) as answer:
        return json.loads(answer.read())


async def test_a_manager_publishes_the_offices_texts_from_the_board(offices, browser):
    """"Unsere Texte veröffentlichen" sends what `network publish` sends; Giessen's board then
    lists Wetzlar; a network gone is said in German and nothing is published."""
    network, servers = offices
    wetzlar, giessen = servers
    page = await board_page(browser, wetzlar)
    button = page.locator("#knowledge-publish")
    await button.wait_for()
    assert await button.inner_text() == "Unsere Texte veröffentlichen"
    await button.click()
    await page.wait_for_function("document.getElementById('knowledge-published').textContent.includes('Netzwerk')")
    texts = len(knowledge.of_site(wetzlar.site.network.site_file, "wetzlar").items)
    assert await page.inner_text("#knowledge-published") == (
        f"{texts} Texte dieses Amts (wetzlar) im Netzwerk veröffentlicht: Die anderen Ämter sehen sie bei ihrer "
        "nächsten Abfrage.")
    assert [office for office, _ in network.store.published()] == ["giessen", "wetzlar"]
    assert await axe_violations_in(page, "#knowledge") == []
    assert await panel_problems(page) == []
    # Giessen's board, asked now, has Wetzlar's texts where they differ from its own
    other = await board_page(browser, giessen)
    await other.locator("#knowledge h3[data-office=wetzlar]").wait_for()
    assert await other.locator("#knowledge [data-office=wetzlar][data-what='strings.ti']").count() == 1
    await other.close()

    await network.listener.stop()
    before = network.store.published()
    await button.click()
    await page.wait_for_function("document.getElementById('knowledge-published').textContent.includes('nicht')")
    assert await page.inner_text("#knowledge-published") == (
        f"Das Netzwerk (http://127.0.0.1:{network.port}/) hat die Texte dieses Amts nicht angenommen (nicht "
        "erreichbar oder unverständliche Antwort). Nichts wurde veröffentlicht – bitte später noch einmal versuchen.")
    assert network.store.published() == before


async def test_a_reader_sees_no_network_and_may_not_adopt_or_publish(offices, browser):
    network, servers = offices
    wetzlar = servers[0]
    page = await board_page(browser, wetzlar, name="reader", password="demo-reader")
    await page.wait_for_function("document.body.dataset.rendered")
    assert await page.is_hidden("#knowledge")
    ws, floor = await board_socket(wetzlar, await cookie_for(wetzlar.port, "reader", "demo-reader"))
    assert floor["network"] is True
    for ask in ({"type": "network_knowledge"}, {"type": "adopt", "office": "giessen", "what": ["strings.ti"]},
                {"type": "publish"}):
        answer = await asked(ws, **ask)
        assert answer["code"] == "not_allowed" and answer["fields"]["why"] == "supervisor_only"
        assert answer["text"] == "Nur die Teamleitung darf hier etwas ändern."
    await ws.close()
    # another site's page cannot adopt in the manager's name: its socket is refused (CSRF)
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with connect(f"ws://127.0.0.1:{wetzlar.port}/board/ws", origin="http://evil.example",
                           additional_headers={"Cookie": await cookie_for(wetzlar.port)}):
            pass
    assert refused.value.response.status_code == 403
    assert adopted(wetzlar.site.network.site_file.parent) == []
    assert [office for office, _ in network.store.published()] == ["giessen"]  # nothing of wetzlar's published


async def test_adopting_what_does_not_differ_or_was_not_published_writes_nothing(offices):
    _, servers = offices
    wetzlar = servers[0]
    ws, _ = await board_socket(wetzlar, await cookie_for(wetzlar.port))
    answer = await asked(ws, type="adopt", office="giessen", what=["documents.photo"])  # the same in both offices
    assert answer["code"] == "network" and answer["fields"]["why"] == "network_already"
    assert answer["text"] == ("Schon übernommen: Ihre Texte stimmen darin mit denen von Ausländerbehörde Giessen "
                              "überein. Nichts wurde geändert.")  # by its name, as the board shows it (r-admin-3 #7)
    answer = await asked(ws, type="adopt", office="giessen", what=["documents.visa"])  # published by neither
    assert answer["code"] == "network" and answer["fields"]["why"] == "network_nothing"
    assert answer["text"] == ("giessen hat dazu nichts (mehr) veröffentlicht, was von Ihren Texten abweicht. "
                              "Nichts wurde übernommen – bitte neu abfragen.")
    answer = await asked(ws, type="adopt", office="marburg", what=["strings.ti"])  # an office that never published
    assert answer["fields"] == {"why": "network_refused", "url": wetzlar.site.network.url, "status": "404",
                                "said": "Das Amt „marburg“ hat nichts veröffentlicht."}
    await ws.close()
    assert adopted(wetzlar.site.network.site_file.parent) == []


async def test_a_network_that_went_away_is_said_in_german_and_nothing_is_written(offices, browser):
    network, servers = offices
    wetzlar = servers[0]
    page = await board_page(browser, wetzlar)
    button = page.locator("[data-what='strings.ti'] button.adopt")
    await button.wait_for()
    await network.listener.stop()  # the network's port closes (the fixture closes its store)
    await button.click()
    answer = page.locator("[data-what='strings.ti'] .adopt-answer")
    await page.wait_for_function("document.querySelector(\"[data-what='strings.ti'] .adopt-answer\")"
                                 ".textContent.includes('Netzwerk')")
    assert await answer.inner_text() == (f"Das Netzwerk (http://127.0.0.1:{network.port}/) ist nicht erreichbar. "
                                         "Nichts wurde übernommen – bitte später noch einmal versuchen.")
    await page.click("#knowledge-ask")
    await page.wait_for_function("document.getElementById('knowledge-answer').textContent.includes('erreichbar')")
    assert adopted(wetzlar.site.network.site_file.parent) == []


class Garbage:
    """Something on the network's port that is not a network: it answers `self.answer` (bytes)."""

    def __init__(self) -> None:
        self.answer = b""
        self.speak = asyncio.Event()  # cleared: it reads the request and says nothing until set
        self.speak.set()

    async def start(self) -> int:
        self.server = await asyncio.start_server(self.reply, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def reply(self, reader, writer) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await self.speak.wait()
        writer.write(self.answer)
        await writer.drain()
        writer.close()


def http(body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


async def test_a_network_answering_garbage_is_said_in_german_and_nothing_is_written(tmp_path):
    garbage = Garbage()
    port = await garbage.start()
    wetzlar = await office_server(office_file(tmp_path, "wetzlar", port))
    try:
        ws, _ = await board_socket(wetzlar, await cookie_for(wetzlar.port))
        for answer in (http(b"<html>not json</html>"), http(b'{"offices": 1}'), http(b'[{"office": 7}]'),
                       b"SSH-2.0-OpenSSH_9.2\r\n"):
            garbage.answer = answer
            for ask in ({"type": "network_knowledge"}, {"type": "adopt", "office": "giessen", "what": ["strings.ti"]}):
                said = await asked(ws, **ask)
                assert said["code"] == "network" and said["fields"]["why"] == "network_garbage", (answer, said)
                assert said["text"] == (f"Das Netzwerk (http://127.0.0.1:{port}/) hat unverständlich geantwortet. "
                                        "Nichts wurde übernommen; der Fehler ist protokolliert.")
        # a listing that is fine and a publication that is not an office's
        garbage.answer = http(json.dumps({"office": "giessen", "name": "G", "languages": ["de"],
                                          "items": {"strings.ti.x": {"not": "a text"}}}).encode())
        said = await asked(ws, type="adopt", office="giessen", what=["strings.ti"])
        assert said["fields"]["why"] == "network_garbage"
        await ws.close()
        assert adopted(tmp_path / "wetzlar") == [] and not list((tmp_path / "wetzlar").glob(".adopting-*"))
    finally:
        await wetzlar.stop()
        garbage.server.close()


async def test_a_network_slow_to_answer_holds_none_of_the_supervisors_other_actions(tmp_path):
    silent = Garbage()
    silent.speak.clear()
    port = await silent.start()
    wetzlar = await office_server(office_file(tmp_path, "wetzlar", port))
    try:
        ws, _ = await board_socket(wetzlar, await cookie_for(wetzlar.port))
        await ws.send(json.dumps({"id": 7, "type": "network_knowledge"}))
        await ws.send(json.dumps({"id": 8, "type": "open_counter", "counter": "5"}))
        frames = []
        while not any(f.get("re") == 8 for f in frames):
            frames.append(json.loads(await ws.recv()))
        assert [f["type"] for f in frames if f.get("re") in (7, 8)] == ["reply", "reply"]  # 7: being asked
        assert wetzlar.office.desks["5"].state == "open"
        silent.speak.set()  # the network hangs up without a word: the ask's answer follows
        while (answer := json.loads(await ws.recv())).get("re") != 7:
            pass
        assert answer["type"] == "error" and answer["fields"]["why"] == "network_away"
        assert answer["text"].startswith(f"Das Netzwerk (http://127.0.0.1:{port}/) ist nicht erreichbar.")
        await ws.close()
    finally:
        await wetzlar.stop()
        silent.server.close()


async def test_a_hostile_offices_texts_are_shown_as_text(offices, browser):
    network, servers = offices
    giessen = knowledge.of_site(servers[1].site.network.site_file, "giessen")
    items = {**giessen.items, "documents.passport.ar": HOSTILE, "strings.ti.kiosk.back": "</td></tr><b>fett</b>",
             "partners.jobcenter.name.de": "x" * 3000}
    body = json.dumps({"office": "giessen", "name": HOSTILE, "languages": giessen.languages, "items": items})
    got, _ = await asyncio.to_thread(post, f"http://127.0.0.1:{network.port}/knowledge", body.encode(), TOKENS["giessen"])
    assert got == 200
    page = await board_page(browser, servers[0])
    passport = page.locator("[data-what='documents.passport']")
    await passport.wait_for()
    await passport.locator("summary").click()
    await page.locator("[data-what='strings.ti'] summary").click()
    await page.locator("[data-what='partners.jobcenter'] summary").click()
    assert await passport.locator("tr[data-key='ar'] td").nth(1).inner_text() == HOSTILE
    assert "</td></tr><b>fett</b>" in await page.locator("[data-what='strings.ti'] tr[data-key='kiosk.back']").inner_text()
    assert await page.evaluate("window.pwned") is None
    assert await page.locator("#knowledge-offices img, #knowledge-offices script, #knowledge-offices b").count() == 0
    # a 3,000-letter word wraps in its cell: the page does not grow sideways, nothing spills
    assert await page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    assert await panel_problems(page) == []
    await page.locator("#knowledge").screenshot(path=str(ARTIFACTS / "network-board-hostile.png"))


async def test_the_waiting_room_display_shows_the_adopted_words_without_a_reload(offices, browser):
    """The display in Chromium (labels in Tigrinya) gets the `strings` frame on its connection and
    shows Giessen's "now" in place: nobody reloads the TV in the waiting room."""
    _, servers = offices
    wetzlar = servers[0]
    page = await browser.new_page(viewport={"width": 1280, "height": 720})
    await page.goto(f"http://127.0.0.1:{wetzlar.port}/display?lang=ti")
    await page.wait_for_selector("body[data-state=online]")
    await page.wait_for_function("document.getElementById('now-label').textContent === 'ዝተጸውዐ'")  # the bundled
    await page.evaluate("window.notReloaded = true")
    ws, _ = await board_socket(wetzlar, await cookie_for(wetzlar.port))
    answer = await asked(ws, type="adopt", office="giessen", what=["strings.ti"])
    await ws.close()
    assert answer["type"] == "adopted" and answer["in_force"] == ["ti"], answer
    await page.wait_for_function(f"document.getElementById('now-label').textContent === {json.dumps(TI_NOW)}")
    assert await page.evaluate("window.notReloaded") is True
    await page.close()


async def test_a_second_adoption_keeps_the_first_and_lays_the_file_before_aside(offices):
    network, servers = offices
    wetzlar = servers[0]
    ws, _ = await board_socket(wetzlar, await cookie_for(wetzlar.port))
    first = await asked(ws, type="adopt", office="giessen", what=["strings.ti"])
    # nothing adopted was in force before: its before/ says so, to be undone (server/network/in_force.py)
    assert first["in_force"] == ["ti"] and first["files"] == ["before/in-force.json", "before/strings/ti.toml",
                                                              "strings/ti.toml"]
    in_force = wetzlar.site.network.in_force / "ti.toml"
    was = in_force.read_text(encoding="utf-8")
    giessen = knowledge.of_site(servers[1].site.network.site_file, "giessen")
    items = {**giessen.items, "strings.ti.kiosk.back": "ናብ ድሕሪት ተመለሱ"}  # Giessen reviewed one more text since
    body = json.dumps({"office": "giessen", "name": "G", "languages": giessen.languages, "items": items})
    got, _ = await asyncio.to_thread(post, f"http://127.0.0.1:{network.port}/knowledge", body.encode(), TOKENS["giessen"])
    assert got == 200
    second = await asked(ws, type="adopt", office="giessen", what=["strings.ti"])
    await ws.close()
    assert second["items"] == 1 and second["files"] == ["before/in-force.json", "before/strings/ti.toml",
                                                        "strings/ti.toml"], second
    words = wetzlar.site.words("ti")
    assert (words["kiosk.back"], words["kiosk.take_ticket"], words["display.now"]) == ("ናብ ድሕሪት ተመለሱ", TI_TAKE, TI_NOW)
    assert (Path(second["folder"]) / "before" / "strings" / "ti.toml").read_text(encoding="utf-8") == was


async def test_texts_that_would_break_the_offices_catalogue_are_refused_and_nothing_is_written(offices):
    """A text with a `{field}` German has not would fail every Tigrinya ticket: refused in German,
    before anything is written; the kiosks keep their words."""
    network, servers = offices
    wetzlar = servers[0]
    giessen = knowledge.of_site(servers[1].site.network.site_file, "giessen")
    items = {**giessen.items, "strings.ti.kiosk.take_ticket": "{secret.__class__} ውሰዱ።"}
    body = json.dumps({"office": "giessen", "name": "G", "languages": giessen.languages, "items": items})
    got, _ = await asyncio.to_thread(post, f"http://127.0.0.1:{network.port}/knowledge", body.encode(), TOKENS["giessen"])
    assert got == 200
    ws, _ = await board_socket(wetzlar, await cookie_for(wetzlar.port))
    answer = await asked(ws, type="adopt", office="giessen", what=["strings.ti"])
    await ws.close()
    assert answer["code"] == "network" and answer["fields"]["why"] == "network_unfit", answer
    assert answer["text"].startswith("Die Texte von giessen passen nicht zu den Sprachdateien dieses Amts (kiosk.take_ticket")
    assert answer["text"].endswith("Nichts wurde übernommen.")
    assert adopted(wetzlar.site.network.site_file.parent) == [] and not wetzlar.site.network.in_force.exists()
    assert wetzlar.site.words("ti")["kiosk.take_ticket"] == TI_BUNDLED


async def test_the_commands_take_the_network_from_the_site_file(offices, capsys):
    """`[network]` serves the commands too: the site file is the whole of what they need."""
    _, servers = offices
    site_file = servers[0].site.network.site_file
    capsys.readouterr()
    assert await asyncio.to_thread(command, "list", ["--config", str(site_file)]) == 0
    assert capsys.readouterr().out.startswith("giessen\tAusländerbehörde Giessen\t")
    assert await asyncio.to_thread(command, "compare", ["giessen", "--config", str(site_file), "--what",
                                                        "strings.ti.kiosk"]) == 0
    assert f"strings.ti.kiosk.take_ticket\tbei Ihnen: በጃኹም ቲኬትኩም ውሰዱ። | bei giessen: {TI_TAKE}" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stopped:  # the demo office's file has no [network]
        command("list", [])
    assert stopped.value.code == 2
    assert capsys.readouterr().err == ("willkommen-server network list: --to ist nötig, oder [network] url in der "
                                       "Standortdatei (--config) (--help zeigt alle Optionen)\n")


def test_a_review_folder_is_written_whole_or_not_at_all(tmp_path):
    files = {"site-fragment.toml": "[documents.passport]\nar = \"x\"\n", "strings/ti.toml": "a = \"b\"\n"}
    folder = write_review(tmp_path, "giessen", "Europe/Berlin", files)
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*.toml")) == sorted(files)
    with pytest.raises(ValueError):  # the second file cannot be made: the first must not stay
        write_review(tmp_path, "giessen", "Europe/Berlin", {"a.toml": "x", "b\0.toml": "y"})
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]
    again = write_review(tmp_path, "giessen", "Europe/Berlin", files)  # the same second: never over the first
    assert again != folder and (folder / "strings" / "ti.toml").read_text() == files["strings/ti.toml"]
    assert oct((again / "strings" / "ti.toml").stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@given(st.text(max_size=60), st.text(max_size=60))
def test_the_marked_runs_are_both_texts_whole(mine, theirs):
    left, right = marked(mine, theirs)
    assert "".join(t for t, _ in left) == mine and "".join(t for t, _ in right) == theirs
    if mine == theirs:
        assert not any(changed for _, changed in left + right)
