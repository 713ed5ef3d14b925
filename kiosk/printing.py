"""Ticket blocks to ESC/POS through python-escpos: native text where the printer's code pages
carry the script (python-escpos' MagicEncode switches code pages for German, Turkish,
Cyrillic), raster images where they do not (Arabic and Persian would come out reversed and
unjoined, other scripts as "?"), the printer's own QR command, a cut.

Every call blocks on the device: run `print_ticket` in a thread (the kiosk does).
"""

from __future__ import annotations

import textwrap

from PIL import ImageChops

from .raster import render, right_to_left
from .ticket import QR, Block, Cut, Text

FONT_A_DOTS = 12   # font A is 12 dots wide: 48 columns on 80 mm paper, 32 on 58 mm


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


def print_ticket(printer, blocks: list[Block]) -> None:
    width = paper_width(printer)
    for block in blocks:
        if isinstance(block, Text):
            print_text(printer, block, width)
        elif isinstance(block, QR):
            printer.set(align="center")
            printer.qr(block.data, native=True, size=6 if width > 400 else 5)
        elif isinstance(block, Cut):
            printer.cut()


def print_text(printer, block: Text, width: int) -> None:
    if not native(printer, block.text):
        image = render(block.text, width, size=block.size, bold=block.bold, align=block.align)
        # only the inked columns go down the wire; the printer aligns the rest (a third of
        # the bytes, which matters at 19200 baud)
        left, _, right, _ = ImageChops.invert(image.convert("L")).getbbox() or (0, 0, width, 0)
        rtl_left = block.align == "left" and right_to_left(block.text)
        printer.set(align="right" if rtl_left else block.align)
        printer.image(image.crop((max(left - 2, 0), 0, min(right + 2, width), image.height)), center=False)
        printer.set_with_default()
        return
    columns = width // FONT_A_DOTS // block.size
    if block.size == 4:
        printer.set(align=block.align, bold=block.bold, custom_size=True, width=4, height=4)
    else:
        printer.set(align=block.align, bold=block.bold, double_width=block.size == 2,
                    double_height=block.size == 2, normal_textsize=block.size == 1)
    for line in textwrap.wrap(block.text, columns) or [""]:
        printer.textln(line)
    printer.set_with_default()
