"""Text as pixels, for scripts a printer's code pages cannot carry (Arabic, Persian, Pashto,
Tigrinya, ...).

Pillow has no font fallback (a missing glyph is an empty box), so the fallback is here, per run
of text. The bundled fonts (printing/fonts, free licences) form a chain: DejaVu Sans (Latin,
Turkish, Cyrillic, Arabic and Persian, digits), Noto Naskh Arabic (the extended Arabic of
Pashto: ښ ړ ګ ڼ ۍ ...), Noto Sans Ethiopic (Tigrinya, Amharic; it has no Latin or digits). A
text that one font covers whole is drawn in that font alone, the first in the chain that does
(so words join and mixed scripts are ordered by one shaping run). Otherwise each letter goes to
its script's font (`SCRIPT_FACE`, else DejaVu), a space, digit or mark joins the run around it
if that run's font has it, and the runs are drawn side by side on one baseline; in a
right-to-left line the runs stand right to left, consecutive left-to-right runs (a "PIN", a
"B1") keeping their own order. Coverage is each font's own cmap, read with fontTools.

With raqm (Pillow's wheel has it, FriBiDi comes from Debian's libfribidi0) Pillow shapes and
orders right-to-left runs itself; without it a run is shaped with arabic_reshaper and put in
visual order with python-bidi first, which reads correctly with Pillow's basic layout. Images
are mode "1", so thermal printers print them crisp.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

from printing.wrapping import wrap

FONTS = Path(__file__).resolve().parent / "fonts"
RAQM = features.check("raqm")
PIXELS = {1: 26, 2: 40, 4: 110}   # font size in dots for block sizes 1, 2 and 4
SMALLER = {4: 2, 2: 1}            # the next size down, for a word that fits no line
FACES = {                         # the fallback chain, in order: (regular, bold)
    "DejaVuSans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    "NotoNaskhArabic": ("NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf"),
    "NotoSansEthiopic": ("NotoSansEthiopic-Regular.ttf", "NotoSansEthiopic-Bold.ttf"),
}
SCRIPT_FACE = {"Arab": "NotoNaskhArabic", "Ethi": "NotoSansEthiopic"}   # others: DejaVuSans
NEUTRAL = ("Zyyy", "Zinh", "Zzzz")   # Common, Inherited, Unknown: spaces, digits, punctuation, marks


@cache
def font(size: int, bold: bool = False, face: str = "DejaVuSans") -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if RAQM else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(FONTS / FACES[face][bold]), PIXELS.get(size, size), layout_engine=engine)


@cache
def coverage(face: str) -> frozenset[int]:
    """The code points both weights of `face` have a glyph for (their cmap tables)."""
    from fontTools.ttLib import TTFont

    found = []
    for name in FACES[face]:
        with TTFont(FONTS / name, lazy=True) as file:
            found.append(set(file.getBestCmap()))
    return frozenset(found[0] & found[1])


def covers(face: str, ch: str) -> bool:
    return ord(ch) in coverage(face)


@dataclass(frozen=True)
class Run:
    face: str
    text: str


def runs(text: str) -> list[Run]:
    """`text` in logical order, cut where the font must change."""
    whole = next((face for face in FACES if all(covers(face, ch) for ch in text)), None)
    if whole is not None:
        return [Run(whole, text)] if text else []
    faces = [_face(ch) for ch in text]
    for i, ch in enumerate(text):  # spaces, digits and marks go with a neighbour that has them
        if faces[i] is None:
            before = faces[i - 1] if i else None
            after = next((f for f in faces[i + 1:] if f is not None), None)
            faces[i] = next((f for f in (before, after) if f and covers(f, ch)), None) or _first(ch)
    cut: list[Run] = []
    for ch, face in zip(text, faces):
        if cut and cut[-1].face == face:
            cut[-1] = Run(face, cut[-1].text + ch)
        else:
            cut.append(Run(face, ch))
    return cut


def _face(ch: str) -> str | None:
    """The font for a letter of a script, None for a character any script uses."""
    from fontTools import unicodedata as ucd

    script = ucd.script(ch)
    if script in NEUTRAL:
        return None
    preferred = SCRIPT_FACE.get(script, "DejaVuSans")
    return preferred if covers(preferred, ch) else _first(ch)


def _first(ch: str) -> str:
    return next((face for face in FACES if covers(face, ch)), "DejaVuSans")


def left_to_right(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) == "L" for ch in text)


def in_visual_order(cut: list[Run], rtl: bool) -> list[Run]:
    """Runs left to right on the line: reversed in a right-to-left line, except that
    consecutive left-to-right runs keep their order; a run of only punctuation there (a
    bracket no Arabic font had) is mirrored, as one shaping run would have mirrored it."""
    if not rtl:
        return cut
    groups: list[list[Run]] = []
    for run in cut:
        if not right_to_left(run.text) and not left_to_right(run.text):
            run = Run(run.face, run.text.translate(MIRRORED))
        if groups and left_to_right(run.text) and left_to_right(groups[-1][-1].text):
            groups[-1].append(run)
        else:
            groups.append([run])
    return [run for group in reversed(groups) for run in group]


def right_to_left(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


MIRRORED = str.maketrans("()[]{}<>«»", ")(][}{><»«")
RANGE = re.compile(r"\d+(?:\s*[–—-]\s*\d+)+")   # "130–320": a wait range, read left to right
DASH = re.compile(r"\s*[–—-]\s*")
CONTROLS = str.maketrans("", "", "\u200e\u200f\u2066\u2067\u2068\u2069")  # none may reach a terminal


def visual_order(text: str, *, shape: bool = True) -> str:
    """Right-to-left text shaped (joined letter forms; not with `shape=False`) and in display
    order, for renderers that do neither (terminals, Pillow without raqm). python-bidi 0.6 does
    not mirror brackets, so they are mirrored here: in a right-to-left line "(" must show as ")".
    A range of numbers stands left to right (`ranges_left_to_right`; the marks are dropped from
    what is shown)."""
    if not right_to_left(text):
        return text
    import arabic_reshaper
    from bidi import get_display

    text = ranges_left_to_right(text)
    return get_display(arabic_reshaper.reshape(text) if shape else text).translate(MIRRORED).translate(CONTROLS)


def ranges_left_to_right(text: str) -> str:
    """A range of numbers ("130–320") as one left-to-right run, the way the phone page and the
    waiting-room screen show it (their isolates, server/edge/pages.py): by the bidi algorithm alone the
    dash between two numbers takes a right-to-left line's direction and the range shows as
    "320–130". A left-to-right mark on each side of the dash keeps it between its numbers (an
    isolate would do the same, but the bundled fonts have no glyph for one; they have the mark)."""
    return RANGE.sub(lambda m: DASH.sub(lambda d: f"\u200e{d.group()}\u200e", m.group()), text)


def visual(text: str) -> str:
    """What to hand Pillow: the text itself with raqm (it shapes and orders), else visual_order."""
    return text if RAQM else visual_order(text)


def length(text: str, size: int, bold: bool) -> float:
    """How wide `text` is drawn, in dots, with each run in its font."""
    return sum(font(size, bold, run.face).getlength(visual(run.text)) for run in runs(text))


@dataclass(frozen=True)
class Chain:
    """The font chain at one size and weight; measures text the way `render` draws it."""
    size: int
    bold: bool

    def getlength(self, text: str) -> float:
        return length(text, self.size, self.bold)


def fitted(text: str, width: int, size: int, bold: bool, lang: str) -> tuple[Chain, list[str]]:
    """The largest size up to `size` at which `text`'s words break only where they may
    (`printing.wrapping`), and the lines."""
    while True:
        chain = Chain(size, bold)
        lines = wrap(text, lambda line: chain.getlength(line) <= width, lang, force=size not in SMALLER)
        if lines is not None:
            return chain, lines
        size = SMALLER[size]


def render(text: str, width: int, *, size: int = 1, bold: bool = False, align: str = "center",
           lang: str = "") -> Image.Image:
    """`text` wrapped to `width` dots, black on white, mode "1"."""
    chain, lines = fitted(text, width - 8, size, bold, lang)
    size, lines = chain.size, lines or [""]
    faces = {run.face for run in runs(text)} or {"DejaVuSans"}
    ascent = max(font(size, bold, face).getmetrics()[0] for face in faces)
    descent = max(font(size, bold, face).getmetrics()[1] for face in faces)
    height = ascent + descent + 4
    image = Image.new("1", (width, height * len(lines)), 1)
    draw = ImageDraw.Draw(image)
    rtl = right_to_left(text)
    lines = [ranges_left_to_right(line) for line in lines] if rtl else lines
    for i, line in enumerate(lines):
        wide = chain.getlength(line)
        x = (width - wide) / 2 if align == "center" else (width - wide - 4 if rtl else 4)
        for run in in_visual_order(runs(line), rtl):
            face = font(size, bold, run.face)
            draw.text((x, i * height + 2 + ascent), visual(run.text), font=face, fill=0, anchor="ls")
            x += face.getlength(visual(run.text))
    return image
