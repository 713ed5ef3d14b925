"""Terminals neither shape nor reorder Arabic script: `for_terminal` does both before a widget
shows right-to-left text. Shaping for a terminal means replacing letters by their Unicode
presentation forms (joined shapes), and some letters have none: Pashto's ښ ړ ګ ڼ ۍ څ ټ ډ ږ ځ,
among others. Mixed with joined neighbours such words fall apart, so a language with any such
letter in its texts is shown unjoined throughout: every letter in its isolated form, in
right-to-left order, which a reader of the script can still read (README, "Languages").
"""

from __future__ import annotations

import unicodedata

from printing.raster import CONTROLS, MIRRORED, ranges_left_to_right, right_to_left, visual_order


def for_terminal(text: str, *, joined: bool = True) -> str:
    """Right-to-left text shaped (unless `joined` is False) and ordered for a terminal."""
    return visual_order(text) if joined else visual_order(text, shape=False)


def lines_for_terminal(text: str, width: int, *, joined: bool = True) -> list[str]:
    """`text` in lines of at most `width` cells, each ready for a terminal: a right-to-left
    paragraph is broken into lines in reading (logical) order first and each line is put in
    display order after, so its first words stand on its first line. Ordering first and
    breaking after puts the paragraph's end on the top line. Left-to-right text comes back
    whole (the widget breaks it itself)."""
    if not right_to_left(text):
        return [text]
    from textual.content import Content

    lines = []
    for paragraph in text.split("\n"):
        shaped = _shaped(ranges_left_to_right(paragraph), joined=joined)
        direction = _direction(paragraph)
        broken = Content(shaped).wrap(max(width, 1)) if shaped else [Content("")]
        lines += [_displayed(line.plain, direction) for line in broken]
    return lines


def _shaped(text: str, *, joined: bool) -> str:
    """Joined letter forms chosen in logical order (a letter's form depends on its neighbours
    in reading order); a lām-alif pair becomes one letter, so lines are measured after this."""
    import arabic_reshaper

    return arabic_reshaper.reshape(text) if joined else text


def _direction(paragraph: str) -> str:
    """The paragraph's direction from its first strong letter, as the bidi algorithm takes it:
    every line of it keeps that direction, even one that starts with a number or a Latin word."""
    for ch in paragraph:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "R"
        if kind == "L":
            return "L"
    return "R"


def _displayed(line: str, direction: str) -> str:
    from bidi import get_display

    return get_display(line.strip(), base_dir=direction).translate(MIRRORED).translate(CONTROLS)


def unshapeable(text: str) -> bool:
    """True when `text` has an Arabic-script letter without presentation forms (ښ, ۍ, ...):
    a terminal could show it only unjoined next to joined neighbours."""
    return any(ch not in PRESENTED and "\u0620" <= ch <= "\u08ff" and ch.isalpha() for ch in text)


def _presented() -> frozenset[str]:
    import unicodedata

    letters = set()
    for code in (*range(0xFB50, 0xFE00), *range(0xFE70, 0xFF00)):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and parts[0] in ("<isolated>", "<final>", "<initial>", "<medial>"):
            letters.add(chr(int(parts[1], 16)))
    return frozenset(letters)


PRESENTED = _presented()
