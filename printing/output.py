"""Ticket blocks to ESC/POS through python-escpos: native text where the printer's code pages
carry the script (python-escpos' MagicEncode switches code pages for German, Turkish,
Cyrillic), raster images where they do not (Arabic and Persian would come out reversed and
unjoined, other scripts as "?"), the QR code (error correction M), a cut.

What a printer with a different model needs:
- Every ticket starts with ESC @ and an encoder that has forgotten its code page, so the first
  text announces its page again: a printer switched off and on between two tickets is back on
  its default page, and would print "AuslΣnderbeh÷rde" from bytes meant for CP1252.
- Where the profile has no QR command (POS-5890, 58 mm) the QR code is printed as an image.
- Where the profile has no cutter (POS-5890) `cut()` only feeds: the ticket ends with a tear
  line, fed up to the tear bar.
- Lines break at spaces, long words at syllables with a hyphen (`printing.wrapping`); a word that
  has no break point that fits steps the type size down.
- Code pages only under the numbers `printing.codepages` can trace to a source.
- `raster_only` (`?text=raster`): every line an image placed from the paper's left edge
  (padded on the left, cut after its ink), the QR code padded to the full width, no `ESC t`
  and no `ESC a`: for printers
  that print a code page wrong or ignore alignment for images (some POS-58 print every image
  flush left, so a right-to-left line or a QR code cropped to its ink lands at the left edge).
- `Native` blocks (the printer test page) print their text under a code page of their own.

Every call blocks on the device: run `print_ticket` in a thread (the kiosk does).
"""

from __future__ import annotations

from PIL import Image, ImageChops, ImageDraw

from printing.raster import render, right_to_left
from printing.blocks import QR, Block, Cut, Drawn, Native, Text
from printing.library import escpos
from printing.wrapping import wrap

FONT_A_DOTS = 12   # font A is 12 dots wide: 48 columns on 80 mm paper, 32 on 58 mm
SMALLER = {4: 2, 2: 1}   # the next type size down, for a word that fits no line
START_PAGE = "CP437"     # every ticket starts on it: ASCII and German umlauts, on every profile
FEED_TO_TEAR_BAR = 4     # lines between the print head and the tear bar, about 15 mm


def paper_width(printer) -> int:
    return int(printer.profile.media["width"]["pixels"])


def native(printer, text: str) -> bool:
    """True when the printer's code pages can carry every character of `text`."""
    if right_to_left(text):
        return False
    encoder = printer.magic.encoder
    try:
        return all(ch.isascii() or encoder.find_suitable_encoding(ch) for ch in text)
    except Exception:  # python-escpos raises when no code page has the character
        return False


def print_ticket(printer, blocks: list[Block], *, raster_only: bool = False) -> None:
    width = paper_width(printer)
    start_ticket(printer, raster_only=raster_only)
    for block in blocks:
        if isinstance(block, Native):
            print_native(printer, block)
        elif isinstance(block, Text):
            print_text(printer, block, width, raster_only=raster_only)
        elif isinstance(block, QR):
            print_qr(printer, block, width, raster_only=raster_only)
        elif isinstance(block, Cut):
            end_ticket(printer, width, raster_only=raster_only)


def start_ticket(printer, *, raster_only: bool = False) -> None:
    """Printer and encoder from a known state, whatever happened since the last ticket: ESC @,
    then ESC t for CP437 (page 0 on Epson and POS-5890 alike) with the encoder told so, so it
    switches pages from there and never trusts a page the printer may have forgotten. Raster
    only: ESC @ alone (no page is ever used)."""
    printer.hw("INIT")
    printer.magic.encoding = None
    if raster_only:  # only line feeds go out as text (python-escpos' qr() ends with one): no page for them
        printer.magic.encoding = START_PAGE
    else:
        printer.magic.write_with_encoding(START_PAGE, None)


def print_native(printer, block: Native) -> None:
    """`block.text` under the page `block.encoding`, whatever the encoder would choose."""
    printer.set(align="left")
    printer.magic.write_with_encoding(block.encoding, block.text + "\n")
    printer.set_with_default()


def print_qr(printer, block: QR, width: int, *, raster_only: bool = False) -> None:
    if raster_only:  # an image as wide as the paper, the code in its middle: no ESC a needed
        printer.qr(block.data, native=False, ec=escpos().QR_ECLEVEL_M, size=6 if width > 400 else 5, center=True)
        return
    printer.set(align="center")
    native = printer.profile.supports("qrCode")
    printer.qr(block.data, native=native, ec=escpos().QR_ECLEVEL_M, size=6 if width > 400 else 5)
    printer.set_with_default()


def end_ticket(printer, width: int, *, raster_only: bool = False) -> None:
    if printer.profile.supports("paperFullCut") or printer.profile.supports("paperPartCut"):
        printer.cut()
        return
    # no cutter: the visitor tears the ticket off, along a line that is fed up to the bar
    if raster_only:
        printer.image(tear_line(width), center=False)
    else:
        printer.set_with_default()
        printer.textln("-" * (width // FONT_A_DOTS))
    printer.print_and_feed(FEED_TO_TEAR_BAR)


def tear_line(width: int) -> Image.Image:
    """A dashed line across the paper, as an image."""
    image = Image.new("1", (width, 8), 1)
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 12):
        draw.line((x, 4, x + 6, 4), fill=0, width=2)
    return image


def print_text(printer, block: Text, width: int, *, raster_only: bool = False) -> None:
    if raster_only or isinstance(block, Drawn) or not native(printer, block.text):
        print_raster(printer, block, width, full=raster_only)
        return
    size, lines = fitted(block, width)
    if size == 4:
        printer.set(align=block.align, bold=block.bold, custom_size=True, width=4, height=4)
    else:
        printer.set(align=block.align, bold=block.bold, double_width=size == 2,
                    double_height=size == 2, normal_textsize=size == 1)
    for line in lines:
        printer.textln(line)
    printer.set_with_default()


def fitted(block: Text, width: int) -> tuple[int, list[str]]:
    """The largest size up to the block's at which its words break only where they may."""
    size = block.size
    while True:
        columns = width // FONT_A_DOTS // size
        lines = wrap(block.text, lambda line: len(line) <= columns, block.lang, force=size not in SMALLER)
        if lines is not None:
            return size, lines or [""]
        size = SMALLER[size]


def from_the_left_edge(image: Image.Image) -> Image.Image:
    """A paper-wide line cut after its last inked column: printed flush left (what a printer
    that ignores ESC a does, and any printer after ESC @), its ink lands where it belongs; the
    blank right side would only cost bytes (about a third of a raster-only ticket)."""
    box = ImageChops.invert(image.convert("L")).getbbox()
    return image.crop((0, 0, min(image.width, (box[2] if box else 8) + 2), image.height))


def print_raster(printer, block: Text, width: int, *, full: bool = False) -> None:
    image = render(block.text, width, size=block.size, bold=block.bold, align=block.align, lang=block.lang)
    if full:  # placed in the image from the paper's left edge: right where the printer ignores ESC a
        printer.image(from_the_left_edge(image), center=False)
        return
    # only the inked columns go down the wire; the printer aligns the rest (a third of
    # the bytes, which matters at 19200 baud)
    left, _, right, _ = ImageChops.invert(image.convert("L")).getbbox() or (0, 0, width, 0)
    rtl_left = block.align == "left" and right_to_left(block.text)
    printer.set(align="right" if rtl_left else block.align)
    printer.image(image.crop((max(left - 2, 0), 0, min(right + 2, width), image.height)), center=False)
    printer.set_with_default()
