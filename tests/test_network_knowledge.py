"""Shared knowledge over the network: an office publishes its texts (documents to bring,
services' names and hints, partners' cards, its languages' catalogues), another lists them,
sees what differs from its own and adopts what it wants with one command, as files to review
beside its site file, which stays as it was. Real network server on 127.0.0.1, real HTTP."""

from __future__ import annotations

import asyncio
import json
import shutil
import tomllib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo


from config import default_path, load_site
from server.network import knowledge
from server.network.share import command

from .test_network_send import TOKENS, network, network_file, post  # noqa: F401 (network: a fixture)

PASSPORT_AR = "جواز السفر"
BETTER_AR = "جواز سفر ساري المفعول"
TI_NOW = "ሕጂ ዝተጸውዐ"  # giessen's reviewed Tigrinya for the display's "now" (the bundled: ዝተጸውዐ)


def office_folder(tmp_path: Path, office: str, *, better: bool = False) -> Path:
    """The demo office's site file in a folder of its own; giessen's with its own texts."""
    folder = tmp_path / office
    folder.mkdir()
    text = default_path().read_text(encoding="utf-8")
    if better:
        assert f'ar = "{PASSPORT_AR}"' in text
        text = text.replace(f'ar = "{PASSPORT_AR}"', f'ar = "{BETTER_AR}"', 1)
        text = text.replace('de = "Erster Aufenthaltstitel nach der Einreise"',
                            'de = "Erster Titel \\u001b[31mnach der Einreise"', 1)
        (folder / "strings").mkdir()
        (folder / "strings" / "ti.toml").write_text(
            f'[display]\nnow = "{TI_NOW}"\n\n[error]\nclosed_for_today = "ሎሚ ካልእ ቁጽሪ የለን።"\n', encoding="utf-8")
    (folder / "office.toml").write_text(text, encoding="utf-8")
    return folder / "office.toml"


async def run(network, tmp_path: Path, name: str, office: str, *args: str) -> int:
    token_file = tmp_path / f"{office}.token"
    token_file.write_text(TOKENS[office])
    return await asyncio.to_thread(command, name, [*args, "--to", f"http://127.0.0.1:{network.port}", "--office",
                                                   office, "--token-file", str(token_file), "--tries", "1"])


async def published_both(network, tmp_path: Path) -> tuple[Path, Path]:
    wetzlar, giessen = office_folder(tmp_path, "wetzlar"), office_folder(tmp_path, "giessen", better=True)
    assert await run(network, tmp_path, "publish", "wetzlar", "--config", str(wetzlar)) == 0
    assert await run(network, tmp_path, "publish", "giessen", "--config", str(giessen)) == 0
    return wetzlar, giessen


async def test_offices_publish_and_list_what_others_published(network, tmp_path, capsys):
    await published_both(network, tmp_path)
    capsys.readouterr()
    assert await run(network, tmp_path, "list", "wetzlar") == 0
    listed = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [(o, n) for o, n, _ in listed] == [("giessen", "Ausländerbehörde Giessen"),
                                              ("wetzlar", "Ausländerbehörde Wetzlar")]
    # when, as the office's clock reads it (the demo site's Europe/Berlin), not the network's UTC
    published = dict(network.store.published())["giessen"]
    berlin = datetime.fromisoformat(published).astimezone(ZoneInfo("Europe/Berlin"))
    assert listed[0][2] == f"{berlin:%Y-%m-%d %H:%M} (Europe/Berlin)"
    stored = knowledge.read(network.store.knowledge("giessen").encode())
    assert stored.items["documents.passport.ar"] == BETTER_AR
    assert stored.items["strings.ti.display.now"] == TI_NOW
    assert stored.items["partners.jobcenter.phone"] == "+49 611 000300"
    assert stored.items["services.residence.documents"][0] == "passport"


async def test_compare_shows_what_differs_and_escapes_what_a_terminal_would_run(network, tmp_path, capsys):
    wetzlar, _ = await published_both(network, tmp_path)
    capsys.readouterr()
    assert await run(network, tmp_path, "compare", "wetzlar", "giessen", "--config", str(wetzlar)) == 0
    out = capsys.readouterr().out
    assert f"documents.passport.ar\tbei Ihnen: {PASSPORT_AR} | bei giessen: {BETTER_AR}" in out.splitlines()
    assert "strings.ti\t2 Texte anders, 0 nur bei giessen (--what strings.ti listet sie)" in out.splitlines()
    assert "\x1b" not in out and "Erster Titel \\x1b[31mnach der Einreise" in out
    assert "strings.de" not in out  # the same catalogue: nothing to say
    assert await run(network, tmp_path, "compare", "wetzlar", "giessen", "--config", str(wetzlar),
                     "--what", "strings.ti", "--lang", "en") == 0  # in English on asking
    assert f"strings.ti.display.now\tyours: ዝተጸውዐ | giessen's: {TI_NOW}" in capsys.readouterr().out.splitlines()


async def test_adopt_writes_files_to_review_and_changes_nothing_of_the_office(network, tmp_path):
    wetzlar, _ = await published_both(network, tmp_path)
    before = wetzlar.read_bytes()
    assert await run(network, tmp_path, "adopt", "wetzlar", "giessen", "--config", str(wetzlar),
                     "--what", "documents.passport", "--what", "strings.ti", "--what", "partners.jobcenter") == 0
    assert wetzlar.read_bytes() == before and not (wetzlar.parent / "strings").exists()
    [folder] = wetzlar.parent.glob("adopted-giessen-*")
    fragment = tomllib.loads((folder / "site-fragment.toml").read_text(encoding="utf-8"))
    berlin = datetime.fromisoformat(dict(network.store.published())["giessen"]).astimezone(ZoneInfo("Europe/Berlin"))
    assert f"veröffentlicht {berlin:%Y-%m-%d %H:%M} (Europe/Berlin)\n" in (folder / "site-fragment.toml").read_text()
    assert fragment["documents"]["passport"]["ar"] == BETTER_AR and fragment["documents"]["passport"]["de"] == "Reisepass"
    assert fragment["partners"][0]["id"] == "jobcenter" and fragment["partners"][0]["phone"] == "+49 611 000300"
    # the admin reviews the Tigrinya file and puts it in the office's strings folder: the office
    # now speaks giessen's Tigrinya, and nothing else of it changed
    (wetzlar.parent / "strings").mkdir()
    shutil.copy(folder / "strings" / "ti.toml", wetzlar.parent / "strings" / "ti.toml")
    site = load_site(wetzlar)
    assert site.strings["ti"]["display.now"] == TI_NOW and site.strings["ti"]["error.closed_for_today"] == "ሎሚ ካልእ ቁጽሪ የለን።"
    assert site.strings["ar"] == load_site(default_path()).strings["ar"]
    # adopting again never writes over the first files
    assert await run(network, tmp_path, "adopt", "wetzlar", "giessen", "--config", str(wetzlar),
                     "--what", "documents.passport") == 0
    assert len(list(wetzlar.parent.glob("adopted-giessen-*"))) == 2


async def test_adopting_what_was_not_published_says_what_there_is(network, tmp_path, capsys):
    wetzlar, _ = await published_both(network, tmp_path)
    assert await run(network, tmp_path, "adopt", "wetzlar", "giessen", "--config", str(wetzlar),
                     "--what", "documents.visa") == 1
    said = capsys.readouterr().err
    assert ("giessen hat unter „documents.visa“ nichts veröffentlicht; vorhanden ist: documents.german-b1, "
            "documents.income") in said
    assert not list(wetzlar.parent.glob("adopted-*"))


async def test_a_forged_or_bad_publication_is_refused_and_nothing_is_stored(network, tmp_path):
    mine = knowledge.of_site(office_folder(tmp_path, "wetzlar"), "wetzlar")
    url = f"http://127.0.0.1:{network.port}/knowledge"
    body = json.dumps({"office": "wetzlar", "name": mine.name, "languages": mine.languages, "items": mine.items})
    got, answer = await asyncio.to_thread(post, url, body.encode(), TOKENS["giessen"])
    assert got == 403 and answer["error"] == "Dieses Token gehört giessen: Es kann kein Wissen von wetzlar veröffentlichen."
    bad = json.dumps({"office": "wetzlar", "name": "x", "languages": ["de"], "items": {"a b": "x"}})
    got, answer = await asyncio.to_thread(post, url, bad.encode(), TOKENS["wetzlar"])
    assert got == 400 and answer["error"].startswith("Das ist nicht das Wissen eines Amts: ")
    assert network.store.published() == []
