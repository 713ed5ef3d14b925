"""The words and numbers of the statistics in a staff language: from the staff catalogue's
`[stats]` section (`config/strings/staff/<lang>.toml`), numbers with the language's decimal
sign (German: 3,7 and 5.044) by babel."""

from __future__ import annotations

from babel.numbers import format_decimal

from config.strings import strings
from server.manager.stats import dates


class AtLeast(int):
    """A percentile known only from below: it fell among values kept as "over 240 minutes"
    (days kept before waits were kept exactly). Shown as "≥ 240"; an int for sorting and charts."""

    def __str__(self) -> str:
        return f"≥ {int(self)}"

    __repr__ = __str__


class Words:
    def __init__(self, lang: str = "de"):
        self.lang = lang if lang in ("de", "en") else "de"
        self.table = strings(self.lang, "staff")

    def __call__(self, key: str, **fields) -> str:
        text = self.table[f"stats.{key}"]
        return text.format(**fields) if fields else text

    def weekday(self, n: int) -> str:
        return self(f"weekday.{n}")

    def hour(self, hour: int) -> str:
        return self("hour", hour=f"{hour:02d}")

    def label(self, value):
        """A row's key as the reader writes it: a day 2.11.2026, a week KW 45/2026, a month
        November 2026 (`server.manager.stats.dates`); any other value as it is."""
        return dates.label(value, self.lang)

    def definitions(self) -> list[tuple[str, str]]:
        """(figure, what is counted) for every figure, in the catalogue's order."""
        return [tuple(text.split("|", 1)) for key, text in self.table.items() if key.startswith("stats.define.")]

    def number(self, value) -> str:
        """A cell as the language writes it: "–" for none, "≥ 240", 5.044 and 3,67 in German."""
        if value is None:
            return "–"
        if isinstance(value, AtLeast):
            return self("at_least", minutes=self.number(int(value)))
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return str(value)
        return format_decimal(value, locale=self.lang, decimal_quantization=False)
