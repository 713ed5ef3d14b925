"""When a lottery day's window opens and closes, when it is drawn, and the opening hours its
time windows fill: the site file's `[access]` times read in the site's time zone.

A lottery day D (an office day: one with opening hours, or any day when the site sets none)
opens at `opens` on the day before, closes at `closes` on D and is drawn at `draw_at` on D::

    opens 14:00 (D-1) ──── registration ──── closes 06:00 (D) ── draw 06:05 (D) ── office hours

With `same_day` (the demo's, `server.access.demo`) it opens at `opens` on D itself.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from config import Site
from config.site import WEEKDAYS

NO_HOURS = ((time(8, 0), time(16, 0)),)  # a site without opening hours: the windows fill 8 to 16


class Calendar:
    def __init__(self, site: Site, *, always_open: bool = False):
        # always open (the demo): every day is a lottery day, one without hours fills 8 to 16
        self.site, self.rules, self.tz = site, site.access, ZoneInfo(site.timezone)
        self.always_open = always_open

    @lru_cache(maxsize=64)  # asked for every registration (its draw time): a few days' times kept
    def at(self, day: str, clock: time, days_before: int = 0) -> float:
        moment = date.fromisoformat(day) - timedelta(days=days_before)
        return datetime.combine(moment, clock, self.tz).timestamp()

    def opens_at(self, day: str) -> float:
        return self.at(day, self.rules.opens, days_before=self.rules.days_before)

    def closes_at(self, day: str) -> float:
        return self.at(day, self.rules.closes)

    def draw_at(self, day: str) -> float:
        return self.at(day, self.rules.draw_at)

    def office_day(self, day: str) -> bool:
        if not self.site.opening_hours or self.always_open:
            return True
        return bool(self.site.opening_hours.get(WEEKDAYS[date.fromisoformat(day).weekday()]))

    def window_day(self, now: float) -> str | None:
        """The lottery day whose registration is open at `now`, or None. Asked for every
        registration: the windows of today and tomorrow are worked out once a day."""
        for day, opens, closes in self._candidates(datetime.fromtimestamp(now, self.tz).date()):
            if opens <= now < closes:
                return day
        return None

    @lru_cache(maxsize=4)
    def _candidates(self, today: date) -> list[tuple[str, float, float]]:
        days = (today.isoformat(), (today + timedelta(days=1)).isoformat())
        return [(day, self.opens_at(day), self.closes_at(day)) for day in days if self.office_day(day)]

    def next_window(self, now: float) -> str:
        """The next lottery day whose window has not closed yet (for a page to name)."""
        day = datetime.fromtimestamp(now, self.tz).date()
        for _ in range(14):
            if self.office_day(day.isoformat()) and now < self.closes_at(day.isoformat()):
                return day.isoformat()
            day += timedelta(days=1)
        return day.isoformat()

    def spans(self, day: str) -> list[tuple[float, float]]:
        """The office's opening hours on `day`, as times: what the winners' windows fill."""
        hours = self.site.opening_hours.get(WEEKDAYS[date.fromisoformat(day).weekday()], ()) or NO_HOURS
        return [(self.at(day, start), self.at(day, end)) for start, end in hours]
