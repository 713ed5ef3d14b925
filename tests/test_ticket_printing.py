"""The printed ticket: ESC/POS bytes through python-escpos' Dummy, and the preview PNG."""

from __future__ import annotations


import pytest
from PIL import Image, ImageChops

from config import load_site, strings
from printing.printers import PrinterError, open_printer
from printing.raster import render
from kiosk.ticket import QR, Cut, Text, layout
from server.wire import protocol as p
from server.edge import views

SITE = views.site(load_site())
CUT = b"\x1dV"            # GS V: cut
QR_STORE = b"\x1d(k"      # GS ( k: the printer's own QR code
RASTER = b"\x1dv0"        # GS v 0: a raster image


# One moment for every ticket a test lays out: two layouts of one ticket print the same minute.
ISSUED_AT = 1_795_000_000.0  # 2026-11-18 12:06 in Berlin


def reply(lang: str, number: str = "A017", service: str = "residence") -> p.Reply:
    ticket = p.TicketView(number=number, service=service, lang=lang, state="waiting",
                          issued_at=ISSUED_AT, token="tok3n-for-the-status-page")
    return p.Reply(re=1, ticket=ticket, ahead=4, eta=(15, 25))


def printed(lang: str, url: str = "dummy:") -> bytes:
    printer = open_printer(url)
    printer.print(layout(SITE, reply(lang), lang=lang))
    return printer.output


def test_the_layout_has_what_a_visitor_needs():
    blocks = layout(SITE, reply("uk"), lang="uk")
    texts = [b.text for b in blocks if isinstance(b, Text)]
    assert texts[:4] == ["Ausländerbehörde Musterstadt — Welcome Center", "A017",
                         "Дозвіл на проживання (перша заява)", "Aufenthaltserlaubnis (Erstantrag)"]
    assert "Людей перед вами: 4" in texts and "Очікування близько 15–25 хвилин" in texts
    assert "• Паспорт" in texts and [b for b in blocks if isinstance(b, QR)] == [
        QR("http://127.0.0.1:8765/t/tok3n-for-the-status-page")]
    assert isinstance(blocks[-1], Cut) and max(b.size for b in blocks if isinstance(b, Text)) == 4


def test_german_bytes_carry_number_service_as_text_qr_and_cut():
    data = printed("de")
    assert b"A017" in data and CUT in data and QR_STORE in data
    assert b"http://127.0.0.1:8765/t/tok3n-for-the-status-page" in data
    assert b"Aufenthaltserlaubnis\n" in data and b"(Erstantrag)" in data  # native text, wrapped
    assert "Ausländerbehörde".encode("cp437") in data                     # umlauts via code page
    assert RASTER not in data and len(data) < 2000


def test_cyrillic_and_turkish_print_as_native_text():
    assert "Паспорт".encode("cp866") in printed("ru") and RASTER not in printed("ru")
    assert RASTER not in printed("tr") and RASTER not in printed("uk")


def test_arabic_and_persian_print_as_raster_with_the_number_as_text():
    for lang in ("ar", "fa"):
        data = printed(lang)
        assert RASTER in data and b"A017" in data and CUT in data and QR_STORE in data
        assert "طلب".encode("utf-8") not in data  # never raw Arabic bytes the printer would garble


def test_58_mm_paper(tmp_path):
    printer = open_printer(f"preview://{tmp_path}?paper=58")
    printer.print(layout(SITE, reply("de"), lang="de"))
    with Image.open(printer.last) as image:
        assert image.width == 384
    assert b"A017" in printed("de", "dummy:?paper=58")


@pytest.mark.parametrize("lang, width", [("de", 576), ("ar", 576)])
def test_the_preview_is_a_ticket_of_the_papers_width_with_text(tmp_path, lang, width):
    printer = open_printer(f"preview://{tmp_path}")
    printer.print(layout(SITE, reply(lang), lang=lang))
    with Image.open(printer.last) as opened:
        image = opened.copy()
    assert printer.last.name.endswith("-A017.png") and image.width == width and 900 < image.height < 2000
    ink = ImageChops.invert(image.convert("L"))
    assert ink.getbbox() is not None and sum(ink.histogram()[128:]) > width * 50  # plenty of black
    # the big number is where it should be: its rendering appears in the ticket's top part
    number = render("A017", width, size=4, bold=True)
    top = image.crop((0, 0, width, 400)).convert("1")
    assert _contains(top, number)


def _contains(haystack: Image.Image, needle: Image.Image) -> bool:
    box = ImageChops.invert(needle.convert("L")).getbbox()
    glyphs = needle.crop(box)
    for y in range(0, haystack.height - glyphs.height):
        window = haystack.crop((box[0], y, box[2], y + glyphs.height))
        if ImageChops.difference(window.convert("L"), glyphs.convert("L")).getbbox() is None:
            return True
    return False


@pytest.mark.parametrize("url, message", [
    ("lp://printer", "unknown printer scheme 'lp' in 'lp://printer' (expected serial, usb, tcp, file, preview, dummy)"),
    ("serial:///dev/ttyUSB9?baudrate=19200", "serial device /dev/ttyUSB9 does not exist"),
    ("file:///nowhere/lp0", "file device /nowhere/lp0 does not exist"),
    ("dummy:?paper=62", "paper must be 58 or 80 (mm), not '62'"),
])
def test_a_printer_url_that_cannot_work_is_named(url, message):
    with pytest.raises(PrinterError) as info:
        open_printer(url)
    assert str(info.value) == message


@pytest.mark.parametrize("lang", ["ar", "fa", "ps"])
def test_a_wait_range_prints_from_low_to_high_as_the_phone_page_shows_it(lang):
    """Left to right as one run, as the phone page and the screen isolate it; the bidi
    algorithm alone would print an Arabic "15–25" as 25–15 (the same line with right-to-left
    marks round the dash)."""
    line = strings(lang)["ticket.eta"].format(low=111, high=999)
    printed = render(line, 576)
    as_one_run = render(line.replace("–", "\u200e–\u200e"), 576)
    by_line_direction = render(line.replace("–", "\u200f–\u200f"), 576)
    assert ImageChops.difference(printed.convert("L"), as_one_run.convert("L")).getbbox() is None
    assert ImageChops.difference(printed.convert("L"), by_line_direction.convert("L")).getbbox() is not None
