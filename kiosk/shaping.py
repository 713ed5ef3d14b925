"""Terminals neither shape nor reorder Arabic script: `for_terminal` does both before a widget
shows right-to-left text. Shaping for a terminal means replacing letters by their Unicode
presentation forms (joined shapes), and some letters have none: Pashto's ښ ړ ګ ڼ ۍ څ ټ ډ ږ ځ,
among others. Mixed with joined neighbours such words fall apart, so a language with any such
letter in its texts is shown unjoined throughout: every letter in its isolated form, in
right-to-left order, which a reader of the script can still read (README, "Languages").
"""

from __future__ import annotations

from printing.raster import visual_order


def for_terminal(text: str, *, joined: bool = True) -> str:
    """Right-to-left text shaped (unless `joined` is False) and ordered for a terminal."""
    return visual_order(text) if joined else visual_order(text, shape=False)


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
