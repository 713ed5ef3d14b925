"""What a printer puts on paper from the kiosk's bytes (issue 11, item 17).

The bytes come from the real printing path (python-escpos' Dummy behind `open_printer`) and are
read back by `tests.escpos_decoder`, which follows ESC @, ESC t and the other commands the way
a printer does; QR codes printed as images are read by zxing-cpp, a QR reader of its own.
"""

from __future__ import annotations


import pyphen
import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from printing.printers import open_printer
from printing.output import native
from printing.raster import fitted
from kiosk.ticket import Text, layout

from .escpos_decoder import CODE_PAGES, Line, Paper, QRCode
from .test_ticket_printing import SITE, reply

LANGS = ["de", "en", "ar", "fa", "tr", "uk", "ru", "fr"]
PROFILES = {"dummy:": "TM-T20II", "dummy:?paper=58": "POS-5890"}
STATUS_PAGE = "http://127.0.0.1:8765/t/tok3n-for-the-status-page"


def on_paper(url: str, lang: str) -> tuple[Paper, bytes]:
    printer = open_printer(url)
    printer.print(layout(SITE, reply(lang), lang=lang))
    paper = Paper(CODE_PAGES[PROFILES[url]])
    paper.feed(printer.output)
    return paper, printer.output


def unwrap(lines: list[str]) -> str:
    """The text the lines were made from, for words without hyphens of their own."""
    text = ""
    for line in lines:
        text = text[:-1] + line if text.endswith("-") else f"{text} {line}".strip()
    return text


@pytest.mark.parametrize("url", PROFILES)
@pytest.mark.parametrize("first", LANGS)
def test_a_printer_switched_off_and_on_between_tickets_prints_the_next_one_right(url, first):
    printer, paper = open_printer(url), Paper(CODE_PAGES[PROFILES[url]])
    printer.print(layout(SITE, reply(first), lang=first))
    paper.feed(printer.output)
    paper.power_cycle()
    sent, seen = len(printer.output), len(paper.items)
    blocks = layout(SITE, reply("de"), lang="de")
    printer.print(blocks)
    paper.feed(printer.output[sent:])
    printed = unwrap([item.text for item in paper.items[seen:] if isinstance(item, Line)])
    for block in blocks:
        if isinstance(block, Text):
            assert block.text in printed
    assert "Ausländerbehörde Musterstadt" in printed and "Wartezeit etwa 15–25 Minuten" in printed


def test_the_qr_code_is_the_printers_own_at_error_correction_m_on_80_mm():
    paper, _ = on_paper("dummy:", "de")
    assert [item for item in paper.items if isinstance(item, QRCode)] == [QRCode(STATUS_PAGE, "M")]
    assert "cut" in paper.items[-1:]


def test_58_mm_has_no_qr_command_so_the_code_is_an_image_a_reader_decodes():
    paper, data = on_paper("dummy:?paper=58", "de")
    assert not any(isinstance(item, QRCode) for item in paper.items) and b"\x1d(k" not in data
    images = [item for item in paper.items if isinstance(item, Image.Image)]
    read = [(code.text, code.ec_level) for image in images for code in zxingcpp.read_barcodes(image)]
    assert read == [(STATUS_PAGE, "M")]


def test_58_mm_has_no_cutter_so_the_ticket_ends_with_a_tear_line():
    paper, data = on_paper("dummy:?paper=58", "ru")
    assert "cut" not in paper.items and b"\x1dV" not in data
    assert [line for line in paper.lines if line][-1] == "-" * 32
    assert "-" * 32 not in on_paper("dummy:", "ru")[0].lines   # 80 mm cuts instead


def test_58_mm_breaks_a_long_german_word_at_a_syllable_with_a_hyphen():
    paper, _ = on_paper("dummy:?paper=58", "de")
    assert "Aufenthaltserlau" not in paper.lines
    assert paper.lines[3:5] == ["Aufenthaltser-", "laubnis"]


words = st.text(alphabet="abcdefghijklmnoprstuvwzäöüßAEKLMS", min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(text=st.lists(words, min_size=1, max_size=6).map(" ".join), size=st.sampled_from([1, 2, 4]),
       url=st.sampled_from(list(PROFILES)), lang=st.sampled_from(["de", "en", "ru", ""]))
def test_a_line_never_ends_inside_a_word_without_a_hyphen(text, size, url, lang):
    printer, paper = open_printer(url), Paper(CODE_PAGES[PROFILES[url]])
    printer.print([Text(text, size=size, lang=lang)])
    paper.feed(printer.output)
    lines = [item for item in paper.items if isinstance(item, Line) and item.text]
    width = int(printer.device.profile.media["width"]["pixels"])
    for line in lines:
        assert len(line.text) <= width // 12 // line.size[0], f"{line.text!r} overflows"
    assert unwrap([line.text for line in lines]) == text
    assert max(line.size[0] for line in lines) <= size
    dictionary = pyphen.Pyphen(lang=lang or "de", left=2, right=2)
    for word, at, line_size in added_hyphens(lines):
        assert (lang and at in dictionary.positions(word)) or line_size == 1, \
            f"{word!r} cut blind after {at} letters at size {line_size}"


def added_hyphens(lines: list[Line]):
    """(word, letters before the break, size of the line) for each hyphen a line ends with."""
    text, breaks, previous_size = "", [], 0
    for line in lines:
        if text.endswith("-"):
            text = text[:-1]
            breaks.append((len(text), previous_size))
            text += line.text
        else:
            text = f"{text} {line.text}".strip()
        previous_size = line.size[0]
    for at, size in breaks:
        start, end = text.rfind(" ", 0, at) + 1, text.find(" ", at)
        word = text[start:end if end >= 0 else len(text)]
        yield word, at - start, size


@settings(max_examples=60, deadline=None)
@given(text=st.lists(words, min_size=1, max_size=5).map(" ".join), size=st.sampled_from([1, 2, 4]),
       width=st.sampled_from([376, 568]))
def test_drawn_text_breaks_words_the_same_way(text, size, width):
    face, lines = fitted(text, width, size, False, "de")
    assert all(face.getlength(line) <= width for line in lines)
    assert unwrap(lines) == text


def test_every_language_still_prints_its_words_as_text_or_image():
    for lang in LANGS:
        paper, data = on_paper("dummy:?paper=58", lang)
        printer = open_printer("dummy:?paper=58")
        for block in layout(SITE, reply(lang), lang=lang):
            if isinstance(block, Text) and native(printer.device, block.text):
                assert block.text in unwrap(paper.lines), (lang, block.text)
        assert data.startswith(b"\x1b@")
