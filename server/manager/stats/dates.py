"""Dates in the statistics the way staff write them: what a manager may type for a period, and
how a period, a day, an ISO week or a month a table keeps as its key is written on the page,
in the PDF and in the exports.

Tables and the SQL keep ISO keys (`2026-11-02`, `2026-W45`, `2026-11`): they sort as text and
are the same in every language. They are written for a person only where a person reads them
(`label`): German `2.11.2026`, `KW 45/2026`, `November 2026`; English `2 Nov 2026`,
`week 45/2026`, `November 2026` (the staff catalogue's `[format] date` and `[stats] week_label`).

What may be typed (`day`, `month`, `week`), in either staff language, ISO always:

    >>> day("27.11.2026"), day("27. November 2026"), day("27 Nov 2026"), day("2026-11-27")
    (datetime.date(2026, 11, 27), datetime.date(2026, 11, 27), datetime.date(2026, 11, 27), datetime.date(2026, 11, 27))
    >>> month("11.2026"), month("November 2026"), month("Nov. 2026"), month("2026-11")
    (datetime.date(2026, 11, 1), datetime.date(2026, 11, 1), datetime.date(2026, 11, 1), datetime.date(2026, 11, 1))
    >>> week("KW 45/2026"), week("KW45 2026"), week("week 45/2026"), week("2026-W45"), week("3.11.2026")
    (datetime.date(2026, 11, 2), datetime.date(2026, 11, 2), datetime.date(2026, 11, 2), datetime.date(2026, 11, 2), datetime.date(2026, 11, 3))
    >>> split_range("1.11.2026 – 15.11.2026"), split_range("2026-11-01..2026-11-15")
    (('1.11.2026', '15.11.2026'), ('2026-11-01', '2026-11-15'))

Anything else raises ValueError (`server.manager.stats` turns it into a sentence to act on).
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from babel.dates import format_date, get_month_names

from config.strings import strings

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_WEEK = re.compile(r"(\d{4})-W(\d{1,2})")
ISO_MONTH = re.compile(r"\d{4}-\d{2}")
DOTTED_DAY = re.compile(r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})")
NAMED_DAY = re.compile(r"(\d{1,2})\.?\s+([^\W\d]+)\.?\s+(\d{4})")
DOTTED_MONTH = re.compile(r"(\d{1,2})\s*[./]\s*(\d{4})")
NAMED_MONTH = re.compile(r"([^\W\d]+)\.?\s+(\d{4})")
# "KW 45/2026", "KW45 2026", "week 45, 2026", "W45/2026", "Woche 45/2026"
WORD_WEEK = re.compile(r"(?:kw|w|woche|week)\s*(\d{1,2})\s*[/,.]?\s*(\d{4})", re.IGNORECASE)
# between a range's two days: "..", a dash with spaces around it (as the page shows a period), "bis", "to"
RANGE_SPLIT = re.compile(r"\s*\.\.\s*|\s+[–—-]\s+|\s*[–—]\s*|\s+(?:bis|to)\s+", re.IGNORECASE)


@cache
def _month_numbers() -> dict[str, int]:
    """Month names and abbreviations in both staff languages, lower case, to their number."""
    names: dict[str, int] = {}
    for lang in ("de", "en"):
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale=lang).items():
                    names[name.lower().rstrip(".")] = number
    names.update({"mrz": 3, "maerz": 3, "sept": 9})
    return names


def _month_number(name: str) -> int:
    number = _month_numbers().get(name.lower().rstrip("."))
    if number is None:
        raise ValueError(f"no month named {name!r}")
    return number


def day(text: str) -> date:
    """A day typed as ISO (2026-11-27), the German way (27.11.2026) or with the month's name."""
    text = text.strip()
    if ISO_DAY.fullmatch(text):
        return date.fromisoformat(text)
    if found := DOTTED_DAY.fullmatch(text):
        return date(int(found[3]), int(found[2]), int(found[1]))
    if found := NAMED_DAY.fullmatch(text):
        return date(int(found[3]), _month_number(found[2]), int(found[1]))
    raise ValueError(f"not a day: {text!r}")


def month(text: str) -> date:
    """The first day of a month typed as ISO (2026-11), 11.2026, 11/2026, November 2026, or any day in it."""
    text = text.strip()
    if ISO_MONTH.fullmatch(text):
        return date.fromisoformat(text + "-01")
    if found := DOTTED_MONTH.fullmatch(text):
        return date(int(found[2]), int(found[1]), 1)
    if found := NAMED_MONTH.fullmatch(text):
        return date(int(found[2]), _month_number(found[1]), 1)
    return day(text).replace(day=1)  # any day of it


def week(text: str) -> date:
    """A day of the week typed: its ISO week (2026-W45), KW 45/2026, week 45/2026, or any day in it."""
    text = text.strip()
    found = ISO_WEEK.fullmatch(text) or WORD_WEEK.fullmatch(text)
    if found is None:
        return day(text)
    year, number = (int(found[1]), int(found[2])) if found.re is ISO_WEEK else (int(found[2]), int(found[1]))
    return date.fromisocalendar(year, number, 1)


def split_range(text: str) -> tuple[str, str]:
    """A range's first and last day as typed ("1.11.2026..15.11.2026", "1.11.2026 – 15.11.2026");
    one day alone is a range of that day."""
    parts = RANGE_SPLIT.split(text.strip(), maxsplit=1)
    return (parts[0], parts[-1] or parts[0]) if len(parts) == 2 else (parts[0], parts[0])


def label(value, lang: str):
    """A table's key as a person in `lang` reads it; anything that is not an ISO day, week or
    month (a service, a language, a number) as it is."""
    if not isinstance(value, str):
        return value
    try:
        return _label(value, lang)
    except ValueError:  # looks like a date but is none (a partner named "2026-13-45"): as it is
        return value


def _label(value: str, lang: str) -> str:
    text = strings(lang, "staff")
    if ISO_DAY.fullmatch(value):
        return format_date(date.fromisoformat(value), text["format.date"], locale=lang)
    if found := ISO_WEEK.fullmatch(value):
        return text["stats.week_label"].format(week=int(found[2]), year=found[1])
    if ISO_MONTH.fullmatch(value):
        return format_date(date.fromisoformat(value + "-01"), "MMMM yyyy", locale=lang)
    return value


def span(first: str, last: str, lang: str) -> str:
    """A period as the page shows it: one day, or its first and last day ("1.11.2026 – 30.11.2026")."""
    return label(first, lang) if first == last else f"{label(first, lang)} – {label(last, lang)}"
