"""The supervisor's commands (`server.manager.board`) and the visitors' feedback
(`server.visitors.feedback`): move a waiting ticket, announce in the waiting room, rate a visit."""

from __future__ import annotations

from typing import Iterable

from server.core import events as ev
from server.core import feedback, plan
from server.core.commands import Commands
from server.core.model import DONE, STATE_WORDS, Announcement, Ticket, check_transition
from server.core.state import local_day
from server.wire import errors
from server.wire.plan import Closure, Shift


class SupervisorCommands(Commands):
    def move(self, *, ticket: str, service: str | None, front: bool, now: float) -> tuple[list[ev.Event], Ticket]:
        """Move a waiting ticket to another service's queue (at its place by issue time) and/or
        to the front. The same number; the visitor keeps waiting."""
        events, found = self._begin(now), self.ticket(ticket)
        if service is not None:
            self._service(service)
        check_transition(found, "move")
        self._emit(events, ev.TicketTransferred(at=now, number=found.number, service=service or found.service,
                                                target=None, front=front))
        return events, found

    def announce(self, *, announcement: str, texts: dict[str, str], until: float, by: str = "",
                 now: float) -> tuple[list[ev.Event], Announcement]:
        """A text per language for the waiting room, shown until `until` (today)."""
        events = self._begin(now)
        for lang in texts:
            self._language(lang)
        if not texts.get("de", "").strip():
            raise errors.BadRequest("an announcement needs a German text (\"de\")", why="announce_german")
        if any(len(text) > 300 for text in texts.values()):
            raise errors.BadRequest("an announcement is a short text: 300 characters at most per language",
                                    why="announce_long")
        if until <= now or local_day(until, self.tz) != self.day:
            raise errors.BadRequest("an announcement ends later today", why="announce_ends")
        self._emit(events, ev.AnnouncementMade(at=now, announcement=announcement, until=until, by=by,
                                               texts={k: v.strip() for k, v in texts.items() if v.strip()}))
        return events, self.announcements[announcement]

    def end_announcement(self, *, announcement: str, now: float) -> tuple[list[ev.Event], Announcement]:
        events = self._begin(now)
        found = self.announcements.get(announcement)
        if found is None:
            raise errors.BadRequest(f"there is no announcement {announcement!r} today", why="no_announcement")
        self._emit(events, ev.AnnouncementEnded(at=now, announcement=announcement))
        return events, found

    def set_plan(self, *, template: Iterable[Shift], closures: Iterable[Closure], by: str = "",
                 now: float) -> list[ev.Event]:
        """The whole plan, replacing the one before (`server.core.plan`): checked, then one
        `plan_changed` event. The floor board, `willkommen-server plan import` and the booking
        system's endpoint all come here; so does the estimates benchmark."""
        events = self._begin(now)
        shifts, kept = plan.check(self.site, template, closures, self.day)
        self._emit(events, ev.PlanChanged(at=now, template=shifts, exceptions=kept, by=by))
        return events

    def rate(self, *, token: str, score: int, reasons: Iterable[str], now: float) -> tuple[list[ev.Event], Ticket]:
        """A visitor answers "How was your visit?" on the status page of a finished ticket,
        once. Two events: `ticket_rated` (this ticket has answered) and `feedback_given` (the
        answer, with the service and language but no ticket, counter or clerk)."""
        events = self._begin(now)
        found = self.by_token.get(token)
        if found is None:
            raise errors.UnknownTicket("this ticket is not (or no longer) valid")
        if found.state != DONE:
            raise errors.NotFinished(f"ticket {found.number} {STATE_WORDS[found.state]}: "
                                     "feedback comes when the visit is finished")
        if found.rated:
            raise errors.AlreadyAnswered(f"ticket {found.number} has given its feedback already")
        score, chosen = feedback.answer(score, reasons)
        self._emit(events, ev.TicketRated(at=now, number=found.number))
        self._emit(events, ev.FeedbackGiven(at=now, service=found.service, lang=found.lang, score=score,
                                            reasons=chosen, source="phone"))
        return events, found

    def tap(self, *, score: int, now: float) -> list[ev.Event]:
        """A visitor taps a face at the exit terminal: a score, no service, language or reasons."""
        events = self._begin(now)
        score, _ = feedback.answer(score)
        self._emit(events, ev.FeedbackGiven(at=now, service="", lang="", score=score, reasons=[], source="terminal"))
        return events
