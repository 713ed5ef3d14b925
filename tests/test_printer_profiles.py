"""Printers as an office meets them: code pages only under numbers two sources agree on (a
POS-58 that follows Epson's table prints every ticket right), a raster-only choice for printers
that ignore `ESC a` or print a page wrong, and the printer test page that shows both in one
minute. The bytes are read back with tests/escpos_decoder (written from the ESC/POS reference)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import zxingcpp
from PIL import Image, ImageChops

from kiosk.cli import main as kiosk_main
from kiosk.ticket import layout
from printing.codepages import code_pages
from printing.blocks import QR, Cut
from printing.printers import PrinterError, open_printer
from printing.raster import right_to_left
from printing.testpage import QR_TEXT, SAMPLES, used_pages

from .conftest import ROOT
from .escpos_decoder import CODE_PAGES, Paper
from .test_ticket_paper import SITE, reply

# a POS-58 that numbers its pages as Epson does (its self-test page: 0-5, 16-19); the disputed
# numbers of the community table (25, 50-95) it reads otherwise, so the decoder refuses them
EPSON_NUMBERED_58 = {n: page for n, page in CODE_PAGES["POS-5890"].items() if n < 20}


def read(data: bytes, pages: dict[int, str]) -> tuple[Paper, list[int], list[int]]:
    """The paper, and the `ESC t` and `ESC a` numbers sent, in order (read as commands: the
    same bytes inside an image are no command)."""
    paper, sent, aligned = Paper(pages), [], []
    command = paper._command

    def noting(data: bytes, i: int) -> int:
        if data[i] == 0x1B and data[i + 1] in (ord("t"), ord("a")):
            (sent if data[i + 1] == ord("t") else aligned).append(data[i + 2])
        return command(data, i)

    paper._command = noting
    paper.feed(data)
    return paper, sent, aligned


def ticket(url: str, lang: str) -> bytes:
    printer = open_printer(url)
    printer.print(layout(SITE, reply(lang), lang=lang))
    return printer.output


def ink_columns(image: Image.Image) -> tuple[int, int]:
    left, _, right, _ = ImageChops.invert(image.convert("L")).getbbox()
    return left, right


@pytest.mark.parametrize("lang", ["de", "fr", "ru", "tr", "uk"])
def test_a_58_mm_ticket_uses_only_pages_both_tables_number_alike(lang):
    paper, sent, _ = read(ticket("dummy:?paper=58", lang), EPSON_NUMBERED_58)  # raises on a page it lacks
    assert set(sent) <= set(EPSON_NUMBERED_58)
    text = " ".join(paper.lines)
    assert "A017" in text and all("\ufffd" not in line for line in paper.lines)


def test_the_rule_keeps_the_pages_epson_and_the_pos_5890_table_agree_on():
    assert code_pages("POS-5890") == {"CP437": 0, "CP932": 1, "CP850": 2, "CP860": 3, "CP863": 4, "CP865": 5,
                                      "CP1252": 16, "CP866": 17, "CP852": 18, "CP858": 19}
    assert code_pages("TM-T20II")["CP857"] == 13 and code_pages("TM-T20II")["CP1125"] == 44


def test_ukrainian_on_58_mm_is_an_image_and_on_80_mm_text():
    """CP866 (17) has no Ukrainian і; the pages that do are numbered only by the disputed table."""
    narrow, wide = Paper(EPSON_NUMBERED_58), Paper(CODE_PAGES["TM-T20II"])
    narrow.feed(ticket("dummy:?paper=58", "uk"))
    wide.feed(ticket("dummy:", "uk"))
    assert not any("і" in line for line in narrow.lines)
    assert any("і" in line for line in wide.lines)


@pytest.mark.parametrize("url, width", [("dummy:?paper=58&text=raster", 384), ("dummy:?text=raster", 576)])
@pytest.mark.parametrize("lang", ["de", "ar"])
def test_raster_only_sends_no_page_and_no_alignment_and_places_each_line_itself(url, width, lang):
    paper, sent, aligned = read(ticket(url, lang), {})  # a printer without a code page: text would raise
    assert sent == [] and aligned == [] and not [line for line in paper.lines if line]
    images = [item for item in paper.items if isinstance(item, Image.Image)]
    assert all(image.width <= width for image in images)  # each from the paper's left edge
    blocks = [block for block in layout(SITE, reply(lang), lang=lang) if not isinstance(block, Cut)]
    for block, image in zip(blocks, images):  # one image a block, the QR code too
        left, right = ink_columns(image)
        if isinstance(block, QR) or block.align == "center":
            assert abs(left - (width - right)) < 24, block
        elif right_to_left(block.text):
            assert right > width - 16, block   # at the right edge, without ESC a
        else:
            assert left < 16, block
    read_codes = [code.text for image in images for code in zxingcpp.read_barcodes(image)]
    assert read_codes == [f"{SITE.public_url.rstrip('/')}/t/tok3n-for-the-status-page"]


@pytest.mark.parametrize("url", ["dummy:?text=images", "dummy:?profile=NoSuchPrinter"])
def test_a_wrong_text_mode_or_profile_is_named(url):
    with pytest.raises(PrinterError, match="text must be|unknown printer profile"):
        open_printer(url)


def test_the_printer_test_page_shows_every_page_the_alignment_the_qr_code_and_the_tear(tmp_path, capsys):
    device = tmp_path / "lp0"
    device.touch()
    assert kiosk_main(["printer-test", "--printer", f"file://{device}", "--profile", "POS-5890"]) == 0
    said = capsys.readouterr().out
    paper, sent, aligned = read(device.read_bytes(), EPSON_NUMBERED_58)
    lines = paper.lines
    numbers = code_pages("POS-5890")
    for page in used_pages("POS-5890"):  # CP437, CP1252, CP850, CP852, CP866: each named and used
        number = numbers[page]
        assert f"ESC t {number} = {page}" in "\n".join(lines) and f"ESC t {number:>3} = {page}" in said
    assert set(sent) == {numbers[page] for page in used_pages("POS-5890")} == {0, 2, 16, 17, 18}
    assert any(SAMPLES["ru"] in line for line in lines)        # Russian letters under CP866
    assert any(SAMPLES["de"] in line.replace("\n", " ") for line in lines) or "Straße ÄÖÜ äöü ß" in " ".join(lines)
    images = [item for item in paper.items if isinstance(item, Image.Image)]
    aligned = [image.info["align"] for image in images]
    assert "center" in aligned and "right" in aligned           # the two lines an admin looks at
    codes = [code.text for image in images for code in zxingcpp.read_barcodes(image)]
    assert codes == [QR_TEXT]
    assert [line for line in lines if line][-1] == "-" * 32     # no cutter on a POS-5890: the tear


def test_the_printer_test_page_raster_only_and_as_a_picture(tmp_path, capsys):
    device = tmp_path / "lp0"
    device.touch()
    assert kiosk_main(["printer-test", "--printer", f"file://{device}?paper=58", "--raster"]) == 0
    assert "no code page sent" in capsys.readouterr().out
    paper, sent, aligned = read(device.read_bytes(), {})
    assert sent == [] and aligned == []
    assert all(image.width <= 384 for image in paper.items if isinstance(image, Image.Image))
    assert kiosk_main(["printer-test", "--printer", f"preview://{tmp_path}/pictures?paper=58"]) == 0
    picture = Image.open(next((tmp_path / "pictures").glob("*-printer-test.png")))
    assert picture.width == 384 and [c.text for c in zxingcpp.read_barcodes(picture)] == [QR_TEXT]


def test_the_ticket_size_bench_measures_every_combination():
    """`python -m bench.ticket_size` (the README's table): sizes only, no timing asserted."""
    result = subprocess.run([sys.executable, "-m", "bench.ticket_size", "--lang", "de", "--lang", "ar"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    size = {(r["lang"], r["paper_mm"], r["text"], r["interpreter"]): r["bytes"] for r in rows}
    assert len(size) == 2 * 2 + 2 * 2 * 2  # German is never asked about an interpreter
    for (lang, paper, text, interpreter), n in size.items():
        if text == "native":
            assert size[lang, paper, "raster", interpreter] > n
        if interpreter:
            assert size[lang, paper, text, False] < n
    assert size["ar", 80, "native", False] > 5 * size["de", 80, "native", False]  # Arabic is raster
