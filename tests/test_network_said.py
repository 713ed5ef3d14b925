"""What the network's port says to a person is German, from the staff catalogue's
`[network.answer]`: every refusal an office's admin reads after "Es sagt:" and every plain page a
coordinator's browser gets; English only on asking (`Accept-Language: en`, which an office's
command sends with `--lang en`; `?lang=en` on a page). A real network server on 127.0.0.1
(tests/test_network_send.py's `network`), raw HTTP as an office's program or a browser sends it."""

from __future__ import annotations

import asyncio
import json
import tomllib
from pathlib import Path

import pytest

import config

from .test_cli_german import assert_german
from .test_network_send import TOKENS, network, one_day  # noqa: F401 (network: a fixture)

STAFF = Path(config.__file__).parent / "strings" / "staff"
OFFICE = {"Authorization": f"Bearer {TOKENS['wetzlar']}", "Content-Type": "application/json"}
DAYS = json.dumps({"office": "wetzlar", "days": [one_day()]})


async def ask(port: int, method: str, path: str, headers: dict[str, str] | None = None, body: str = "",
              raw: bytes | None = None) -> tuple[int, dict[str, str], str]:
    """One request over a socket of its own: the status, the headers (lower case), the body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = body.encode()
    head = {"Host": "127.0.0.1", **({"Content-Length": str(len(data))} if method == "POST" else {}), **(headers or {})}
    writer.write(raw if raw is not None else
                 f"{method} {path} HTTP/1.1\r\n".encode() + "".join(f"{k}: {v}\r\n" for k, v in head.items()).encode()
                 + b"\r\n" + data)
    answer = await reader.read()
    writer.close()
    top, _, text = answer.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    found = {name.lower(): value for name, value in (line.split(": ", 1) for line in lines[1:])}
    return int(lines[0].split()[1]), found, text.decode("utf-8")


# (method, path, headers, body or raw bytes, status, the key of what is said, the German sentence's start)
REFUSALS = [
    ("POST", "/summaries", {"Content-Type": "application/json"}, DAYS, 401, "wrong_token",
     "Kein oder ein falsches Token: bitte Authorization: Bearer"),
    ("GET", "/summaries", OFFICE, "", 405, "method", "/summaries nimmt nur POST."),
    ("GET", "/knowledge/marburg", OFFICE, "", 404, "nothing_published", "Das Amt „marburg“ hat nichts veröffentlicht."),
    ("POST", "/summaries", OFFICE, "{nope", 400, "not_json", "Der Inhalt ist kein JSON ("),
    ("POST", "/summaries", OFFICE, DAYS.replace('"visitors": 6', '"visitors": -6'), 400, "not_days",
     "Das sind nicht die Tage eines Amts: $.days[0].visitors passt nicht ("),
    ("POST", "/summaries", OFFICE, DAYS.replace("wetzlar", "giessen"), 403, "not_your_days",
     "Dieses Token gehört wetzlar: Es kann keine Tage von giessen schicken."),
    ("POST", "/summaries", OFFICE, DAYS.replace('"ar": 4', '"ar": 1'), 422, "nothing_stored",
     "Nichts wurde gespeichert: 2026-11-02: Die Sprachen ergeben 3, nicht die 6 Besuchenden"),
    ("POST", "/knowledge", OFFICE, '{"office": "wetzlar"}', 400, "not_knowledge",
     "Das ist nicht das Wissen eines Amts: $ passt nicht (Object missing required field `name`)."),
    ("POST", "/summaries", {**OFFICE, "Content-Length": "2000000"}, "", 413, "too_big",
     "Der Inhalt ist größer als 1048576 Bytes: bitte weniger Tage auf einmal schicken."),
    ("POST", "/summaries", None, b"POST /summaries HTTP/1.1\r\nHost: x\r\n\r\n", 411, "no_length",
     "Bitte den Inhalt mit Content-Length schicken."),
    ("GET", "/", None, b"NOT HTTP AT ALL\r\n\r\n", 400, "not_http", "Das ist keine HTTP/1.1-Anfrage ("),
]


@pytest.mark.parametrize("method, path, headers, body, status, why, german", REFUSALS,
                         ids=[r[5] for r in REFUSALS])
async def test_every_refusal_to_an_office_is_german_and_english_on_asking(network, method, path, headers, body,
                                                                          status, why, german):
    raw = body if isinstance(body, bytes) else None
    text = "" if raw is not None else body
    got, _, answer = await ask(network.port, method, path, headers, text, raw)
    said = json.loads(answer)
    assert (got, said["why"]) == (status, why), said
    assert said["error"].startswith(german), said["error"]
    assert_german(said["error"].split("(")[0])  # what follows a "(" may be msgspec's or h11's own words
    if raw is None:  # an office's command with --lang en asks for English
        got, _, answer = await ask(network.port, method, path, {**(headers or {}), "Accept-Language": "en"}, text)
        english = json.loads(answer)
        assert (got, english["why"]) == (status, why) and english["error"] != said["error"], english
        assert english["error"] == _english(why, said, english)


def _english(why: str, german: dict, english: dict) -> str:
    """The English sentence is the English catalogue's, not the German one's (its first words)."""
    template = tomllib.loads((STAFF / "en.toml").read_text(encoding="utf-8"))["network"]["answer"][why]
    head = template.split("{")[0]
    assert english["error"].startswith(head), (english, template)
    return english["error"]


async def test_the_throttle_says_in_german_when_to_try_again(network):
    for _ in range(12):  # more wrong tokens than are free: this address waits
        got, headers, answer = await ask(network.port, "POST", "/summaries", {"Authorization": "Bearer wrong-wrong-wrong-1"},
                                         DAYS)
        if got == 429:
            break
    said = json.loads(answer)
    assert got == 429 and said["why"] == "throttled", said
    assert said["error"] == (f"Zu viele falsche Token von dieser Adresse: bitte in {headers['retry-after']} s noch "
                             "einmal versuchen.")


async def test_the_coordinators_plain_pages_are_german_and_english_on_asking(network):
    got, _, text = await ask(network.port, "GET", "/nowhere")
    assert (got, text) == (404, "Hier gibt es nichts.\n")
    got, _, text = await ask(network.port, "GET", "/nowhere?lang=en")
    assert (got, text) == (404, "There is nothing here.\n")
    got, _, text = await ask(network.port, "PUT", "/network")
    assert (got, text) == (405, "/network nimmt nur GET.\n")
    got, _, text = await ask(network.port, "GET", "/signout", {"Origin": "https://elsewhere.example"})
    assert (got, text) == (403, "Bitte auf der eigenen Seite des Netzwerks abmelden.\n")
    form = "name=ministerium&password=demo-manager"
    got, headers, _ = await ask(network.port, "POST", "/signin", {"Sec-Fetch-Site": "same-origin",
                                                                  "Content-Type": "application/x-www-form-urlencoded"},
                                form)
    assert got == 303, headers
    cookie = headers["set-cookie"].split(";")[0]
    got, _, text = await ask(network.port, "GET", "/network?month=<b>13", {"Cookie": cookie})
    assert (got, text) == (400, "„<b>13“ ist kein Monat wie JJJJ-MM, z. B. 2026-11.\n")
    got, _, text = await ask(network.port, "GET", "/network?month=2026-13&lang=en", {"Cookie": cookie})
    assert got == 400 and text.startswith("„2026-13“ ist kein Monat")  # the person's language, not the query's
