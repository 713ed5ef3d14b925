"""The staff's words: the staff catalogue (`config/strings/staff/<lang>.toml`) in a person's
language, and dates, times and numbers the way that language writes them (babel, CLDR).

German unless the person's `lang` has a staff catalogue (today: `en`). Every page of the office's
side (sign-in, floor board, counter, statistics, exports) takes its words from here, the pages in
the browser through `page_words(lang)` (`/staff/words.json`), so a page holds no word of its own
(tests/test_staff_words.py checks every word a staff page shows).

    >>> w = StaffWords("de")
    >>> w.date(date(2026, 12, 7)), w.number(2.5), w("board.until", time="14:30")
    ('7.12.2026', '2,5', 'bis 14:30')
    >>> StaffWords("en").number(1234.5)
    '1,234.5'
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Mapping
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal

from config import Site, strings
from config.strings import available, counted


def staff_lang(lang: str | None) -> str:
    """The staff catalogue a person reads: their `lang` where there is one, else German."""
    lang = (lang or "de").split("-")[0]
    return lang if lang in available("staff") else "de"


class StaffWords:
    def __init__(self, lang: str | None = "de"):
        self.lang = staff_lang(lang)
        self.text = strings(self.lang, "staff")
        self.locale = Locale.parse(self.lang)

    def __call__(self, key: str, **fields) -> str:
        return self.text[counted(self.text, key, self.lang, fields)].format(**fields)

    def date(self, day: date | datetime) -> str:
        return format_date(day, self.text["format.date"], locale=self.locale)

    def time(self, at: float, timezone: str) -> str:
        return format_time(datetime.fromtimestamp(at, ZoneInfo(timezone)), self.text["format.time"], locale=self.locale)

    def number(self, value: float, digits: int = 1) -> str:
        return format_decimal(round(value, digits), locale=self.locale)

    def minutes(self, seconds: float) -> str:
        m = max(0, int(seconds // 60))
        if m < 60:
            return self("board.minutes", minutes=m)
        # "1 h", not "1 h 0 min" (a review's board)
        return self("board.hours", hours=m // 60, minutes=m % 60) if m % 60 else self("board.hours_even", hours=m // 60)


def error_text(words: StaffWords, site: Site, code: str, fields: Mapping[str, str], message: str) -> str:
    """A server error as staff read it: the catalogue's `error.<why>` (or `error.<code>`, else
    `error.other`) with the error's values in the reader's words — the ticket's state and the
    refused action from `[state]` and `[acted]`, counters, services and partners by their names
    in the site file, never the raw ids.

    >>> from config import load_site
    >>> error_text(StaffWords("de"), load_site(), "invalid_transition",
    ...            {"ticket": "A005", "state": "called", "action": "call"}, "ticket A005 is called, ...")
    'Nummer A005 (aufgerufen) kann jetzt nicht aufgerufen werden.'
    """
    text = words.text
    key = next((k for k in (f"error.{fields.get('why')}", f"error.{code}") if k in text), "error.other")
    values = {**fields, "message": message}
    if "state" in fields:
        values["state"] = text.get(f"state.{fields['state']}", fields["state"]).replace(": {reason}", "")
    if "action" in fields:
        values["action"] = text.get(f"acted.{fields['action']}", fields["action"])
    if "weekday" in fields:
        values["weekday"] = text.get(f"stats.weekday.{fields['weekday']}", fields["weekday"])
    if "day" in fields:
        try:
            values["day"] = words.date(date.fromisoformat(fields["day"]))
        except ValueError:
            pass  # not a date: shown as it was typed
    counter = site.counter(fields["counter"]) if "counter" in fields else None
    if counter is not None:
        values["counter"] = counter.name
    service = site.service(fields["service"]) if "service" in fields else None
    if service is not None:
        values["service"] = service.name(words.lang)
    partner = site.partner(fields["partner"]) if "partner" in fields else None
    if partner is not None:
        values["partner"] = partner.name(words.lang)
    try:
        return text[key].format_map(_Blank(values))
    except (ValueError, IndexError):  # a catalogue text with a stray brace: the English one is still true
        return message


class _Blank(dict):
    """Format values where a value the error did not carry reads as nothing, not a KeyError."""

    def __missing__(self, key: str) -> str:
        return ""


@cache
def page_words(lang: str | None) -> dict:
    """What a staff page in the browser needs: its language tag and every text of the catalogue."""
    words = StaffWords(lang)
    return {"lang": words.lang, "words": dict(words.text)}
