"""A ticket as a PNG, drawn from the same blocks the printer gets: for people without a
printer, for the README, and to see a layout before paper is wasted."""

from __future__ import annotations

import io

import segno
from PIL import Image

from printing.raster import render
from printing.blocks import QR, Block, Cut, Text

MARGIN = 16


def draw(blocks: list[Block], width: int) -> Image.Image:
    """The ticket `width` dots wide (576 for 80 mm paper, 384 for 58 mm), mode "1"."""
    parts = []
    for block in blocks:
        if isinstance(block, Text):
            parts.append(render(block.text, width, size=block.size, bold=block.bold, align=block.align,
                                 lang=block.lang))
        elif isinstance(block, QR):
            parts.append(qr_image(block.data, width))
        elif isinstance(block, Cut):
            break
    ticket = Image.new("1", (width, sum(p.height for p in parts) + 2 * MARGIN), 1)
    y = MARGIN
    for part in parts:
        ticket.paste(part, ((width - part.width) // 2, y))
        y += part.height
    return ticket


def qr_image(data: str, width: int) -> Image.Image:
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="png", scale=6 if width > 400 else 4, border=2)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("1")
