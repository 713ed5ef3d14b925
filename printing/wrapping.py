"""Lines that fit the paper, broken where a reader expects a break.

A line ends at a space. A word longer than a whole line is broken after a hyphen it already
has ("Baden-" / "Württemberg") or at a syllable boundary from pyphen's dictionary for the
text's language, with a hyphen added ("Aufenthalts-" / "erlaubnis"). A word with no such point
that fits makes `wrap` give up (None) so the caller can step the type size down; only with
`force` (the smallest size) is a word cut where the line ends, and then with a hyphen too.
Never a bare split in the middle of a word: 58 mm paper printed "Aufenthaltserlau" / "bnis".

`fits(line)` decides: characters against columns for printer text, dots against the paper's
width for Pillow-drawn text.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Callable, Iterator

import pyphen

Fits = Callable[[str], bool]


def wrap(text: str, fits: Fits, lang: str = "", *, force: bool = False) -> list[str] | None:
    """`text` in lines that each fit, or None when a word could only be cut blind (not `force`)."""
    lines, line, end = [], "", 0
    for match in re.finditer(r"\S+", text):
        word, space, end = match.group(), text[end:match.start()], match.end()
        candidate = f"{line}{space}{word}" if line else word   # spacing kept within a line
        if fits(candidate):
            line = candidate
            continue
        if line:
            lines.append(line)
        while not fits(word):
            head, word = _split(word, fits, lang, force)
            if head is None:
                return None
            lines.append(head)
        line = word
    return [*lines, line] if line else lines


def _split(word: str, fits: Fits, lang: str, force: bool) -> tuple[str | None, str]:
    """The longest head of `word` that fits, ending in a hyphen, and the rest."""
    for head, tail in _break_points(word, lang):
        if fits(head):
            return head, tail
    if not force:
        return None, word
    cut = max((n for n in range(1, len(word)) if fits(word[:n] + "-")), default=1)
    return word[:cut] + "-", word[cut:]


def _break_points(word: str, lang: str) -> Iterator[tuple[str, str]]:
    """(head with its hyphen, tail) pairs, the longest head first."""
    points = [(word[:i + 1], word[i + 1:]) for i, ch in enumerate(word[:-1]) if ch == "-" and i > 0]
    dictionary = _dictionary(lang)
    if dictionary is not None:
        points += [(head + "-", tail) for head, tail in dictionary.iterate(word) if head[-1:] != "-"]
    yield from sorted(points, key=lambda point: -len(point[0]))


@cache
def _dictionary(lang: str) -> pyphen.Pyphen | None:
    """Hyphenation patterns for `lang` (left and right parts of at least two letters)."""
    if not lang or pyphen.language_fallback(lang) is None:
        return None
    return pyphen.Pyphen(lang=lang, left=2, right=2)
