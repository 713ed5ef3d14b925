"""Text as pixels, for scripts a printer's code pages cannot carry (Arabic, Persian, ...).

Pillow draws with the bundled DejaVu Sans (Latin, Turkish, Cyrillic, Arabic, Persian in one
font: Pillow has no font fallback). With raqm (Pillow's wheel has it, FriBiDi comes from
Debian's libfribidi0) Pillow shapes and orders right-to-left text itself; without it the text
is shaped with arabic_reshaper and put in visual order with python-bidi first, which reads
correctly with Pillow's basic layout. Images are mode "1", so thermal printers print them crisp.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

from .wrapping import wrap

FONTS = Path(__file__).resolve().parent / "fonts"
RAQM = features.check("raqm")
PIXELS = {1: 26, 2: 40, 4: 110}   # font size in dots for block sizes 1, 2 and 4
SMALLER = {4: 2, 2: 1}            # the next size down, for a word that fits no line


@cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    engine = ImageFont.Layout.RAQM if RAQM else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(FONTS / name), PIXELS.get(size, size), layout_engine=engine)


def right_to_left(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


MIRRORED = str.maketrans("()[]{}<>«»", ")(][}{><»«")


def visual_order(text: str, *, shape: bool = True) -> str:
    """Right-to-left text shaped (joined letter forms; not with `shape=False`) and in display
    order, for renderers that do neither (terminals, Pillow without raqm). python-bidi 0.6 does
    not mirror brackets, so they are mirrored here: in a right-to-left line "(" must show as ")"."""
    if not right_to_left(text):
        return text
    import arabic_reshaper
    from bidi import get_display

    return get_display(arabic_reshaper.reshape(text) if shape else text).translate(MIRRORED)


def visual(text: str) -> str:
    """What to hand Pillow: the text itself with raqm (it shapes and orders), else visual_order."""
    return text if RAQM else visual_order(text)


def fitted(text: str, width: int, size: int, bold: bool, lang: str) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font up to `size` at which `text`'s words break only where they may
    (`kiosk.wrapping`), and the lines."""
    while True:
        face = font(size, bold)
        lines = wrap(text, lambda line: face.getlength(visual(line)) <= width, lang,
                     force=size not in SMALLER)
        if lines is not None:
            return face, lines
        size = SMALLER[size]


def render(text: str, width: int, *, size: int = 1, bold: bool = False, align: str = "center",
           lang: str = "") -> Image.Image:
    """`text` wrapped to `width` dots, black on white, mode "1"."""
    face, lines = fitted(text, width - 8, size, bold, lang)
    lines = lines or [""]
    ascent, descent = face.getmetrics()
    height = ascent + descent + 4
    image = Image.new("1", (width, height * len(lines)), 1)
    draw = ImageDraw.Draw(image)
    rtl = right_to_left(text)
    for i, line in enumerate(lines):
        shown = visual(line)
        length = face.getlength(shown)
        x = (width - length) / 2 if align == "center" else (width - length - 4 if rtl else 4)
        draw.text((x, i * height + 2), shown, font=face, fill=0)
    return image
