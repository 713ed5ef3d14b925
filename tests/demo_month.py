"""A month of the demo office, scripted through the queue core into a store file: every
service, every language, every counter, partner, outcome and feedback reason occurs, so the
widest statistics tables the demo can give are there to print (few tickets: tests stay fast)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from server.wire import errors
from server.core import Office
from server.core.feedback import REASONS
from server.store.sqlite import Store

TZ = ZoneInfo("Europe/Berlin")
DAYS = ("2026-11-02", "2026-11-10", "2026-11-18", "2026-11-26")  # Mon, Tue, Wed, Thu


def at(day: str, minute: int) -> float:
    return datetime.fromisoformat(f"{day}T07:00").replace(tzinfo=TZ).timestamp() + 60 * minute


def demo_month(path, site) -> None:
    office, store = Office(site, always_open=True), Store(path, timezone=site.timezone)
    langs, outcomes = site.languages, list(site.outcomes)
    partners = [p.id for p in site.partners]
    drawn = 0

    def run(command: str, day: str, minute: int, **kwargs):
        return getattr(office, command)(now=at(day, minute), **kwargs)

    def commit() -> None:  # one transaction per half hour of the script: fast enough for a test
        store.append(office.take_journal(), list(office.tickets.values()))

    for day in DAYS:
        for counter in site.counters:
            run("open", day, 0, counter=counter.id, services=None)
        tokens = []
        for minute in range(0, 600, 30):  # a ticket for each service every half hour
            for service in site.services:
                token = f"{day}-{minute}-{service.id}"
                run("draw", day, minute, kiosk="kiosk-1", service=service.id, lang=langs[drawn % len(langs)],
                    request=token, token=token, interpreter=drawn % 3 == 0)
                tokens.append(token)
                drawn += 1
            for n, counter in enumerate(site.counters):
                if office.desks[counter.id].current is not None or n % 2 and minute % 60:
                    continue  # half the counters call every hour: queues grow, waits vary
                try:
                    run("next", day, minute + 1, counter=counter.id)
                except errors.NothingWaiting:  # nobody waiting for this counter's services
                    continue
                run("start", day, minute + 2, counter=counter.id)
                turn = minute // 30 + n
                if turn % 4 == 0:  # every counter refers now and then, to each partner in turn
                    run("refer", day, minute + 5, counter=counter.id,
                        partners=[partners[turn // 4 % len(partners)]], front=False)
                if office.desks[counter.id].current is not None:
                    run("finish", day, minute + 9, counter=counter.id, outcome=outcomes[(drawn + n) % len(outcomes)])
            commit()
        for n, token in enumerate(tokens):
            try:
                run("rate", day, 610, token=token, score=1 + n % 5, reasons=[REASONS[n % len(REASONS)]])
            except errors.NotFinished:  # referred to a desk here: not finished, no feedback
                pass
        for counter in site.counters:
            run("close", day, 620, counter=counter.id)
        commit()
    store.close()
