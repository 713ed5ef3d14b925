"""What a printer is given: lines of text with a size, a QR code, a cut. Ticket and slip layouts
(`kiosk.ticket`, `counter.slip`) make these; `printing.output` sends them to an ESC/POS printer
and `printing.preview` draws them into a PNG."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    text: str
    size: int = 1          # 1 normal, 2 double, 4 the ticket number
    bold: bool = False
    align: str = "center"  # center | left (RTL text aligns right by itself)
    lang: str = ""         # its language, for hyphenating long words ("" : none)


@dataclass(frozen=True)
class Drawn(Text):
    """Text always printed as an image, as the raster would draw it (the test page's reference
    lines, which a code page's letters are compared with)."""


@dataclass(frozen=True)
class Native(Text):
    """Text sent under one code page (`encoding`, a python-escpos name such as "CP1252"),
    whatever the encoder would choose: the printer test page's samples. A preview draws it."""
    encoding: str = "CP437"


@dataclass(frozen=True)
class QR:
    data: str


@dataclass(frozen=True)
class Cut:
    pass


Block = Text | QR | Cut
