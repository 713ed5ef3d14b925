"""`docs/screenshots.py` as an admin uses it (issue 23): `--help` prints help and does nothing
else (before, it ran the whole script and overwrote docs/); `--config FILE --out DIR` pictures
an office's own site file, an added language too."""

from __future__ import annotations

import subprocess
import sys

from PIL import Image

from .conftest import ROOT
from .test_language_added import add_sorani

SCRIPT = ROOT / "docs" / "screenshots.py"


def test_help_prints_help_and_touches_nothing(tmp_path):
    before = {path: path.stat().st_mtime_ns for path in (ROOT / "docs").glob("*.png")}
    result = subprocess.run([sys.executable, str(SCRIPT), "--help"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and result.stderr == ""
    for option in ("--config", "--out", "--languages", "--all"):
        assert option in result.stdout
    assert list(tmp_path.iterdir()) == []
    assert {path: path.stat().st_mtime_ns for path in (ROOT / "docs").glob("*.png")} == before


def test_a_language_not_of_the_site_is_refused_in_one_line(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), "--languages", "de,ckb", "--out", str(tmp_path / "p")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "not a language of the site: ckb" in result.stderr
    assert not (tmp_path / "p").exists()


def test_an_office_pictures_its_own_site_file_with_an_added_language(tmp_path):
    office = add_sorani(tmp_path)
    out = tmp_path / "pictures"
    result = subprocess.run([sys.executable, str(SCRIPT), "--config", str(office), "--out", str(out),
                             "--languages", "ckb", "--wait", "2"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(p.name for p in out.iterdir()) == ["display-ckb.png", "status-ckb-called.png", "status-ckb.png",
                                                     "ticket-ckb.png"]
    with Image.open(out / "display-ckb.png") as picture:
        assert picture.size == (1920, 1080)


def test_an_added_languages_ticket_picture_is_in_its_own_words(tmp_path):
    """The ticket picture of an added language is drawn from the site's catalogue, as the kiosk
    prints it (it was German but for the service name: the bundled words, which have no ckb)."""
    import importlib.util

    from config import load_site
    from printing.blocks import Text

    spec = importlib.util.spec_from_file_location("screenshots", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    site = load_site(add_sorani(tmp_path))
    texts = [b.text for b in script.ticket_blocks(site, "ckb", "A017", "residence") if isinstance(b, Text)]
    words = site.words("ckb")
    assert words["ticket.footer"] in texts and words["ticket.ahead"].format(n=4) in texts
    assert site.words("de")["ticket.footer"] not in texts
