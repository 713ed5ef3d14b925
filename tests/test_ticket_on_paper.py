"""The ticket as the paper shows it, line by line: each line's size, weight and alignment, the
QR code's place and module size, images that keep all their ink, lines that use the paper's
whole width and no more. The bytes come from the real printing path (python-escpos' Dummy
behind `open_printer`) and are read back by `tests.escpos_decoder`; what is expected is
written out by hand from the demo office's texts."""

from __future__ import annotations

import pytest
from PIL import Image

from printing.printers import open_printer
from kiosk.ticket import Cut, Text, layout
from server.wire import protocol as p

from .escpos_decoder import CODE_PAGES, Line, Paper, QRCode
from .test_ticket_paper import PROFILES
from .test_ticket_printing import SITE

ISSUED = 1_790_000_000.0  # Monday 21 September 2026, 16:13:20 in Berlin (CEST)
STATUS_PAGE = "http://127.0.0.1:8765/t/tok3n-for-the-status-page"
PAPER_DOTS = {"dummy:": 576, "dummy:?paper=58": 384}


def on_paper(blocks, url: str = "dummy:") -> Paper:
    printer = open_printer(url)
    printer.print(blocks)
    paper = Paper(CODE_PAGES[PROFILES[url]])
    paper.feed(printer.output)
    return paper


def ticket(lang: str, url: str = "dummy:") -> Paper:
    view = p.TicketView(number="A017", service="residence", lang=lang, state="waiting", issued_at=ISSUED,
                        token="tok3n-for-the-status-page")
    return on_paper(layout(SITE, p.Reply(re=1, ticket=view, ahead=4, eta=(15, 25)), lang=lang), url)


def text(line: str, size: int = 1, bold: bool = False, align: str = "center") -> Line:
    return Line(line, (size, size), bold, align)


GERMAN_80_MM = [
    text("Ausländerbehörde Musterstadt — Welcome Center", bold=True),
    text("A017", size=4, bold=True),
    text("Aufenthaltserlaubnis", size=2, bold=True),
    text("(Erstantrag)", size=2, bold=True),
    text("21.09.2026  16:13"),
    text("Personen vor Ihnen: 4"),
    text("Wartezeit etwa 15–25 Minuten"),
    text("Bitte halten Sie bereit:", bold=True, align="left"),
    text("• Reisepass", align="left"),
    text("• Biometrisches Passfoto", align="left"),
    text("• Meldebescheinigung", align="left"),
    text("• Nachweis der Krankenversicherung", align="left"),
    text("• Einkommensnachweise", align="left"),
    QRCode(STATUS_PAGE, "M"),
    text("Scannen: Ihr Platz in der Warteschlange"),
    text("Willkommen! Bitte achten Sie auf den Bildschirm."),
]


def test_a_german_ticket_on_80_mm_line_by_line():
    items = ticket("de").items
    printed = [item for item in items if item != "cut" and not (isinstance(item, Line) and not item.text)]
    assert printed == GERMAN_80_MM
    qr = next(item for item in items if isinstance(item, QRCode))
    assert (qr.module, qr.align) == (6, "center")  # about 2 cm wide, in the middle
    assert items[-1] == "cut"


def finder_width(image: Image.Image) -> int:
    """Dots across a QR code's top-left finder pattern (7 modules wide): the first run of ink."""
    for y in range(image.height):
        row = [image.getpixel((x, y)) == 0 for x in range(image.width)]
        if any(row):
            start = row.index(True)
            return next((x for x in range(start, image.width) if not row[x]), image.width) - start
    raise AssertionError("no ink")


def test_on_58_mm_the_qr_image_is_centred_at_5_dots_a_module():
    images = [item for item in ticket("de", "dummy:?paper=58").items if isinstance(item, Image.Image)]
    assert [(finder_width(image), image.info["align"]) for image in images] == [(7 * 5, "center")]


def inked_columns(image: Image.Image) -> tuple[int, int]:
    columns = [x for x in range(image.width) if any(image.getpixel((x, y)) == 0 for y in range(image.height))]
    return columns[0], columns[-1]


@pytest.mark.parametrize("url", PROFILES)
def test_arabic_lines_are_images_cut_to_their_ink_with_a_margin_and_documents_go_right(url):
    items = ticket("ar", url).items
    images = [item for item in items if isinstance(item, Image.Image)]
    service, plain = images[0], images[1]  # the service name (size 2), then "people ahead" (size 1)
    assert service.height > 1.3 * plain.height
    for image in images:
        left, right = inked_columns(image)
        assert left >= 1 and right <= image.width - 2  # no ink cut off at either side ...
        assert image.width < PAPER_DOTS[url]           # ... and only the inked columns sent
    documents = items.index(next(i for i in images if i.info["align"] == "right"))
    assert items[documents - 1].info["align"] == "center"  # "please bring:" and each document
    assert [i.info["align"] for i in items[documents:documents + 6]] == ["right"] * 6  # from the right


@pytest.mark.parametrize("url, columns", [("dummy:", 48), ("dummy:?paper=58", 32)])
def test_a_line_uses_the_papers_whole_width_and_a_word_too_long_for_it_is_broken(url, columns):
    exact = "ab " * (columns // 3 - 1) + "a" * (columns - 3 * (columns // 3 - 1))
    assert len(exact) == columns and on_paper([Text(exact)], url).lines == [exact]
    code = "X" * (columns + 5)  # no syllables: broken with a hyphen where the line ends
    assert on_paper([Text(code)], url).lines == ["X" * (columns - 1) + "-", "X" * 6]
    assert on_paper([Text("")], url).lines == [""]  # an empty block is an empty line


def test_a_script_no_code_page_carries_prints_as_an_image_not_question_marks():
    paper = on_paper([Text("ሰላም ዓለም", lang="ti")])  # Tigrinya (Ethiopic): on no code page
    assert paper.lines == [] and sum(isinstance(item, Image.Image) for item in paper.items) == 1


def test_a_printer_that_can_only_cut_partly_still_cuts():
    """Epson's TM-U220B (python-escpos' profile: partial cut, no full cut) cuts; no tear line."""
    printer = open_printer("dummy:?profile=TM-U220B")
    printer.print([Text("A017", size=4), Cut()])
    assert printer.output.endswith(b"\x1dV\x01") and b"-" * 33 not in printer.output  # GS V 1: partial cut
