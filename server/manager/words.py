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
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal

from config import strings
from config.strings import available


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
        return self.text[key].format(**fields)

    def date(self, day: date | datetime) -> str:
        return format_date(day, self.text["format.date"], locale=self.locale)

    def time(self, at: float, timezone: str) -> str:
        return format_time(datetime.fromtimestamp(at, ZoneInfo(timezone)), self.text["format.time"], locale=self.locale)

    def number(self, value: float, digits: int = 1) -> str:
        return format_decimal(round(value, digits), locale=self.locale)

    def minutes(self, seconds: float) -> str:
        m = max(0, int(seconds // 60))
        return self("board.minutes", minutes=m) if m < 60 else self("board.hours", hours=m // 60, minutes=m % 60)


@cache
def page_words(lang: str | None) -> dict:
    """What a staff page in the browser needs: its language tag and every text of the catalogue."""
    words = StaffWords(lang)
    return {"lang": words.lang, "words": dict(words.text)}
