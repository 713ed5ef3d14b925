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
class QR:
    data: str


@dataclass(frozen=True)
class Cut:
    pass


Block = Text | QR | Cut
