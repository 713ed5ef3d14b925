"""A statistics CSV read the way a spreadsheet in the reader's language reads it: German Excel
splits a line at ";" and takes "2,5" for a number, English Excel splits at "," and takes "2.5"
(server/manager/stats/export.py, CSV_STYLE)."""

from __future__ import annotations

import csv
import io
from typing import Any

SEPARATOR = {"de": ";", "en": ","}
DECIMAL = {"de": ",", "en": "."}


def read_csv(body: bytes | str, lang: str = "de") -> list[list[str]]:
    text = body.decode("utf-8-sig") if isinstance(body, bytes) else body.removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=SEPARATOR[lang]))


def cell(value: Any, lang: str = "de") -> str:
    """What a figure of a table looks like in the reader's CSV (None: an empty cell)."""
    if value is None:
        return ""
    return str(value).replace(".", DECIMAL[lang]) if isinstance(value, float) else str(value)


def csv_row(row: list, lang: str = "de") -> list[str]:
    return [cell(v, lang) for v in row]


def number(text: str, lang: str = "de") -> float:
    """A cell as the spreadsheet's number (ValueError if it would read it as text)."""
    return float(text.replace(DECIMAL[lang], ".")) if lang == "de" else float(text)
