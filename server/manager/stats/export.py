"""Tables as CSV and XLSX that are safe to open in Excel and LibreOffice.

A spreadsheet takes a cell whose text starts with `=`, `+`, `-` or `@` (or a tab or carriage
return before one) for a formula: a partner or outcome named "=HYPERLINK(…)" in the site file
would become a live link, and worse. So every text cell that could start a formula is written
as text: in CSV with a leading apostrophe (what both programs read as "this is text", OWASP's
advice), in XLSX as an explicit string cell with the quote-prefix style (never a formula
cell). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from typing import Any

from config.strings import strings

from server.manager.stats.tables import Table
from server.manager.stats.dates import label
from server.manager.stats.words import AtLeast

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def could_be_formula(value: Any) -> bool:
    return isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, AtLeast):
        return str(value)
    return "'" + value if could_be_formula(value) else value


# The list separator and decimal mark a spreadsheet in the reader's language expects: German
# Excel splits a line at ";" and reads "2,5" as a number (with "," it put each line in one
# column); English Excel splits at "," and reads "2.5".
CSV_STYLE = {"de": (";", ","), "en": (",", ".")}


def to_csv(table: Table, lang: str = "de") -> str:
    """The table as CSV in UTF-8 with a byte order mark (Excel, a German one above all, reads a
    file without one in the machine's code page and garbles every umlaut), with the separator
    and decimal mark of the reader's language (`CSV_STYLE`: German `;` and `2,5`)."""
    delimiter, decimal = CSV_STYLE.get(lang, CSV_STYLE["de"])
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow([csv_cell(c) for c in table.columns])
    writer.writerows([[_number(csv_cell(v), decimal) for v in _labelled(row, lang)] for row in table.rows])
    return out.getvalue()


def _labelled(row: list, lang: str) -> list:
    """The row with its key (a day, a week, a month) written as the reader writes it (2.11.2026)."""
    return [label(row[0], lang), *row[1:]] if row else row


def _number(value: Any, decimal: str) -> Any:
    """A fraction with the reader's decimal mark (`2,5`); whole numbers and text as they are."""
    return str(value).replace(".", decimal) if isinstance(value, float) else value


def sheet_name(table: Table, lang: str) -> str:
    """The table's sheet as staff call it (`[stats.sheet]`: "Besuche und Zeiten"), not its id."""
    return strings(lang, "staff").get(f"stats.sheet.{table.name}", table.name)[:31]


def file_name(name: str, first: str, last: str, suffix: str) -> str:
    """A download's name in ASCII (a Content-Disposition header): the words with umlauts
    spelled out, then the period — a whole month as its month, else its first (and last) day:
    `besuche-und-zeiten-2026-11.csv`, `statistik-2026-11-01_2026-11-15.xlsx`."""
    words = name.lower().translate(ASCII)
    words = "-".join(re.findall(r"[a-z0-9]+", words)) or "statistik"
    month_end = (date.fromisoformat(last) + timedelta(days=1)).day == 1 if last < "9999-12-31" else False
    if first.endswith("-01") and first[:7] == last[:7] and month_end:
        span = first[:7]
    else:
        span = first if first == last else f"{first}_{last}"
    return f"{words}-{span}.{suffix}"


ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def to_xlsx(tables: list[Table], lang: str = "de") -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(sheet_name(table, lang))
        for r, row in enumerate([table.columns, *(_labelled(row, lang) for row in table.rows)], start=1):
            for c, value in enumerate(row, start=1):
                cell = sheet.cell(r, c)
                if isinstance(value, str):  # control characters XML cannot hold would fail the whole file
                    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
                cell.value = str(value) if isinstance(value, AtLeast) else value
                if isinstance(value, str):
                    cell.data_type = "s"  # text, whatever it starts with: never a formula
                    cell.quotePrefix = could_be_formula(value)
                if r == 1:
                    cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
