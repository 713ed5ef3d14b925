"""The floor board: the whole office live for managers, and what a supervisor may do on it.

`Board.floor(now)` is the office as a manager sees it (counters, queues, kiosks and their
printers, displays per zone, alerts, announcements) as plain JSON-able data; every signed-in
viewer on ws://host/board/ws gets it whole in a `board` frame whenever it changed (the
server calls `changed()` after each commit, printer report and terminal (dis)connection;
pushes are at most `PUSH_DELAY` apart) and once a second a tick re-checks the alerts that
time alone raises (a queue past its max wait, a pause too long). A floor is a few KB and a
manager or two watch: sending it whole keeps the page simple and never out of step.

Alerts are conditions, each with a key: `Alerts.update` adds the new ones with the time they
began and moves those whose condition ended to `cleared` (the last `KEEP_CLEARED`).

A supervisor's actions (`server.wire.protocol.SUPERVISOR_ACTIONS`) run on the writer like a
terminal's commands; each event they cause carries `by`, the person's name.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import typing
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

import msgspec
import websockets
from websockets.asyncio.server import ServerConnection

from config import Site, languages

from server.manager import adopting, interpreters, plan
from server.wire import protocol as p
from server.core import events as ev
from server.core import Office
from server.core.model import DONE
from server.edge.fanout import Fanout
from server.edge.frames import serve_frames
from server.edge.terminals import Terminals
from server.store.writer import Writer
from server.wire.errors import BadRequest, NotAllowed
from server.manager.people import People, SignedIn, stamp
from server.manager.words import StaffWords, error_text

log = logging.getLogger("willkommen.board")
PUSH_DELAY = 0.05  # at most one board frame per this many seconds: a burst of changes is one frame
TICK = 1.0
# the events the board's times and alerts follow (`Board._note`): a new day and counters' opening,
# pausing, resuming and closing
NOTED = frozenset((ev.DayStarted, ev.CounterOpened, ev.CounterPaused, ev.CounterResumed, ev.CounterClosed))
KEEP_CLEARED = 10
PRINTER_ALERTS = tuple(s for s in typing.get_args(p.PrinterState) if s != "ok")  # staff catalogue [printer]


@dataclass
class Alert:
    """A condition; its words are the staff catalogue's `alert.<kind>` with `fields`, put in the
    viewer's language when shown (`Alerts.view`)."""

    key: str
    kind: str
    fields: dict[str, Any]
    since: float
    cleared_at: float | None = None
    service: str = ""  # the text's "{service}" is this service's name in the viewer's language

    def text(self, words: StaffWords, service_name=lambda service: service, counter_name=lambda counter: counter,
             zone_name=lambda zone: zone, terminal_name=lambda terminal: terminal) -> str:
        """The alert in the viewer's words: services, counters, zones, kiosks and displays by
        their names in the site file, never their ids ("ground-floor", "mbe", "kiosk-1")."""
        fields = dict(self.fields)
        for device in ("kiosk", "terminal"):
            if device in fields:
                fields[device] = terminal_name(fields[device])
        if "counter" in fields:
            fields["counter"] = counter_name(fields["counter"])
        if "zone" in fields:
            fields["zone"] = zone_name(fields["zone"])
        if self.kind == "printer":
            fields["state"] = words(f"printer.{fields['state']}")
        if self.kind == "database":  # why it confirms nothing, in the viewer's words (server/store/commit_wait.py)
            fields["why"] = words(f"database.{fields['why']}")
        if self.kind == "pause" and not fields.get("reason"):
            fields["reason"] = words("alert.pause_no_reason")
        if self.service:
            fields["service"] = service_name(self.service)
        return words(f"alert.{self.kind}", **fields)


class Alerts:
    """Conditions that need a person, newest first, cleared when their condition ends."""

    def __init__(self) -> None:
        self.active: dict[str, Alert] = {}
        self.cleared: list[Alert] = []

    def update(self, found: dict[str, Alert], now: float) -> None:
        for key in [k for k in self.active if k not in found]:
            alert = self.active.pop(key)
            alert.cleared_at = now
            self.cleared = [alert, *self.cleared][:KEEP_CLEARED]
        for key, alert in found.items():
            if key in self.active:
                self.active[key].fields = alert.fields
            else:
                self.active[key] = alert

    def view(self, words: StaffWords, service_name=lambda service: service, counter_name=lambda counter: counter,
             zone_name=lambda zone: zone, terminal_name=lambda terminal: terminal) -> dict[str, list[dict[str, Any]]]:
        def named(alert: Alert) -> dict[str, Any]:
            text = alert.text(words, service_name, counter_name, zone_name, terminal_name)
            return {"key": alert.key, "kind": alert.kind, "since": alert.since, "cleared_at": alert.cleared_at,
                    "service": alert.service, "text": text}

        newest = sorted(self.active.values(), key=lambda a: a.since, reverse=True)
        return {"alerts": [named(a) for a in newest], "cleared": [named(a) for a in self.cleared]}


def database_alert(writer: Writer, add: Callable[..., None], now: float) -> None:
    """A database that confirms nothing (a synchronous standby gone) or is being reached again:
    nothing moves at the kiosks and counters, and the team leader should call IT."""
    if writer.stalled_since is not None:
        add("database:stalled", "database", {"why": writer.waiting.why if writer.waiting else "unknown"},
            writer.stalled_since)
    elif writer.reconnecting:
        add("database:away", "database_away", {}, now)


def twice(terminals: Terminals) -> dict[str, int]:
    """Kiosks and counters connected more than once with one token: both are served (a
    restarted terminal's new connection must not wait for the old one to time out), but a
    second device holding a copied token is a person's matter, so the board says so."""
    count: dict[str, int] = {}
    for session in terminals.sessions.values():
        # a browser counter ("person-<name>") holds no token: its person's session is checked
        if session.role in ("kiosk", "counter") and not session.terminal.startswith("person-"):
            count[session.terminal] = count.get(session.terminal, 0) + 1
    return {terminal: n for terminal, n in count.items() if n > 1}


class Board:
    """The floor for its viewers. It reads the office, the site and who is connected; it acts
    through the writer and pushes through the fan-out; it is given nothing else."""

    def __init__(self, site: Site, office: Office, terminals: Terminals, fanout: Fanout, writer: Writer,
                 people: People, *, clock: Callable[[], float], monotonic: Callable[[], float], started_at: float):
        self.site, self.office, self.terminals, self.fanout, self.writer = site, office, terminals, fanout, writer
        self.people, self.clock, self.monotonic, self.started_at = people, clock, monotonic, started_at
        self.viewers: dict[ServerConnection, SignedIn] = {}
        self.register: Any = None  # the lottery's registration (server.access), set by the server
        self.catalogues_changed: Any = None  # after an adopted language file: the server reads its catalogues again
        self.adoptions = adopting.for_site(site)  # the network's shared knowledge, with [network]
        self.alerts = Alerts()
        self.desk_since: dict[str, float] = {}     # counter -> when it last opened, paused or closed
        self.calling: dict[str, tuple[str, ...]] = {}   # counter -> its services, while open and not paused
        self.opened_for: dict[str, tuple[str, ...]] = {}  # counter -> the services it opened for
        self.uncovered_since: dict[str, float] = {}  # service -> since when no counter is open for it
        self.printer_seen: dict[str, tuple[str, float]] = {}  # kiosk -> (printer state, since)
        self.offline_since: dict[str, float] = {}  # kiosk -> since when it is not connected
        self._push: asyncio.TimerHandle | None = None
        self._ticker: asyncio.Task | None = None
        self._last_frames: dict[str, str] = {}  # board language -> the frame last pushed in it
        self._pushed_at = -PUSH_DELAY  # loop time of the last push
        self._closing: set[asyncio.Task] = set()  # boards being closed after a sign-out
        self._capacity = plan.Capacity(office)  # the day's capacity, made again at most once a minute

    # ---- what changed ---------------------------------------------------------------------

    def changed(self, events: list[dict[str, Any]] = ()) -> None:
        """Something the board shows may have changed: push at once if the last push is
        PUSH_DELAY ago, else when it will be (a call alone reaches the board as fast as the
        display; `python -m bench --only manager` measures both)."""
        for event in events:
            if type(event) in NOTED:  # a commit of 40 draws holds none: no call a draw
                self._note(event)
        if self.viewers and self._push is None:
            loop = asyncio.get_running_loop()
            self._push = loop.call_later(max(0.0, self._pushed_at + PUSH_DELAY - loop.time()), self.push)

    def restore(self, events) -> None:
        """After a restart, from the day's events (the store's log, as the server replays it):
        since when each counter is open, paused or closed and since when a service has had no
        counter open, so the board's times and its alerts (a pause past the limit, people
        waiting with no counter) run on from before the restart instead of starting again
        (a counter paused 19 min before a restart alerted 39 min after the pause)."""
        for event in events:
            if type(event) in NOTED:
                self._note(event)

    def _note(self, event) -> None:
        if isinstance(event, ev.DayStarted):
            self.uncovered_since = {s.id: event.at for s in self.site.services}
            self.calling, self.opened_for = {}, {}
            return
        if not isinstance(event, (ev.CounterOpened, ev.CounterPaused, ev.CounterResumed, ev.CounterClosed)):
            return
        self.desk_since[event.counter] = event.at
        if isinstance(event, ev.CounterOpened):
            self.opened_for[event.counter] = tuple(event.services)
        if isinstance(event, (ev.CounterOpened, ev.CounterResumed)):
            self.calling[event.counter] = self.opened_for.get(event.counter, ())
        else:
            self.calling.pop(event.counter, None)
        covered = {service for services in self.calling.values() for service in services}
        for service in self.site.services:
            if service.id in covered:
                self.uncovered_since.pop(service.id, None)
            else:
                self.uncovered_since.setdefault(service.id, event.at)

    def push(self) -> None:
        """One frame per board language among the viewers (each names languages and
        services in its viewers' language)."""
        self._push, self._pushed_at = None, asyncio.get_running_loop().time()
        now, by_lang = self.clock(), {}
        for ws, who in self.viewers.items():
            by_lang.setdefault(who.lang, []).append(ws)
        for lang, viewers in by_lang.items():
            frame = p.encode(p.Board(floor=self.floor(now, lang))).decode()
            if frame != self._last_frames.get(lang):
                self._last_frames[lang] = frame
                self.fanout.push(viewers, frame)  # bounded: a viewer that stops reading is closed

    async def _tick(self) -> None:
        while self.viewers:
            await asyncio.sleep(TICK)
            now = self.monotonic()  # sessions end on People's clock, the monotonic one
            for ws, who in list(self.viewers.items()):
                if who.expires_at <= now:
                    await ws.close(4401, "your sign-in has expired")
            self.push()

    def signed_out(self, session_id: str) -> None:
        """A session ended by signing out: its open boards get no further frame and are closed
        now, not at its expiry (the closing handshake runs on its own: the sign-out's answer
        does not wait for a board that does not answer)."""
        for ws in [ws for ws, who in self.viewers.items() if who.id == session_id]:
            self.viewers.pop(ws, None)
            task = asyncio.create_task(ws.close(4401, "you have signed out"))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    def stop(self) -> None:
        if self._push is not None:
            self._push.cancel()
        if self._ticker is not None:
            self._ticker.cancel()

    # ---- the floor ------------------------------------------------------------------------

    def floor(self, now: float, lang: str = "de") -> dict[str, Any]:
        """The floor as a viewer whose board language is `lang` reads it: languages by CLDR's
        names in `lang` ("Arabic", not "ar"), services by the site file's names in `lang`
        (German where the file has none), alerts in the staff catalogue of `lang` (German where
        there is none). Per counter figures (served today, a pause's reason and length) only
        where the site file's `manager.personal_statistics` turns them on."""
        site, office = self.site, self.office
        kiosks, displays = self._kiosks(now), self._displays()
        self.alerts.update(self._conditions(now, kiosks, displays), now)
        names = {s.id: s.name(lang) for s in site.services}
        personal = site.manager.personal_statistics
        return {"now": now, "site": site.name, "day": office.day, "lang": lang, "personal": personal,
                "counters": [{**self._counter(c, now, personal), "zone_name": site.zone_name(c.zone, lang)}
                             for c in site.counters],
                "queues": [self._queue(s, now, lang) for s in site.services],
                "kiosks": kiosks, "displays": [{**d, "name": site.zone_name(d["zone"], lang)} for d in displays],
                **self.alerts.view(StaffWords(lang), lambda s: names.get(s, s), site.counter_name,
                                   lambda zone: site.zone_name(zone, lang), site.terminal_name),
                "interpreters": interpreters.waiting(office, now, lang),
                "announcements": [dataclasses.asdict(a) for a in office.current_announcements(now)],
                "services": [{"id": s.id, "name": names[s.id]} for s in site.services],
                "lottery": list(site.access.services), "network": self.adoptions is not None,  # board.js, network.js
                "languages": list(site.languages),
                # the site's time zone: the board shows the office's clock, not the manager's laptop's
                "language_names": {tag: languages.name(tag, lang) for tag in site.languages},
                "timezone": site.timezone, **plan.floor(office, now, names, self._capacity),
                "access": office.access_summary(now)}  # fair access: the lottery days in figures

    def _counter(self, counter, now: float, personal: bool) -> dict[str, Any]:
        office = self.office
        desk = office.desks[counter.id]
        current = office.tickets[desk.current] if desk.current else None
        served = sum(1 for n in desk.handled if office.tickets[n].state == DONE and office.tickets[n].counter == desk.id)
        # without personal figures a pause is only a state: no reason, no length (staff council)
        paused_quietly = desk.state == "paused" and not personal
        return {"id": counter.id, "name": counter.name, "zone": counter.zone, "state": desk.state,
                "reason": desk.pause_reason if personal else "",
                "since": None if paused_quietly else self.desk_since.get(counter.id), "services": list(desk.services),
                "served": served if personal else None,
                "visitor": None if current is None else {
                    "number": current.number, "service": current.service, "lang": current.lang,
                    "interpreter": current.interpreter, "state": current.state,
                    "since": current.started_at or current.called_at}}

    def _queue(self, service, now: float, lang: str) -> dict[str, Any]:
        info = self.office.queue_info(service.id, now)
        return {"service": service.id, "name": service.name(lang), "waiting": info.waiting,
                "longest_wait": round(info.longest_wait), "max_wait": service.max_wait_minutes * 60,
                "eta": info.eta, "trend": self.office.arrivals_by_hour(service.id)}

    def _kiosks(self, now: float) -> list[dict[str, Any]]:
        connected = {s.terminal for s in self.terminals.sessions.values() if s.role == "kiosk"}
        kiosks = []
        for terminal in (t for t in self.site.terminals if t.role == "kiosk"):
            report = self.terminals.printers.get(terminal.id) if terminal.id in connected else None
            state = report["state"] if report else "unknown"  # nobody watches a gone kiosk's printer
            seen = self.printer_seen.get(terminal.id)
            if seen is None or seen[0] != state:
                self.printer_seen[terminal.id] = seen = (state, report["at"] if report else now)
            if terminal.id in connected:
                self.offline_since.pop(terminal.id, None)
            else:  # since its `kiosk_offline` in the log (a restart keeps it); else since first seen gone
                recorded = self.office.kiosks_offline.get(terminal.id)
                self.offline_since[terminal.id] = recorded or self.offline_since.get(terminal.id, now)
            kiosks.append({"id": terminal.id, "name": self.site.terminal_name(terminal.id),
                           "connected": terminal.id in connected, "printer": state,
                           "since": seen[1], "offline_since": self.offline_since.get(terminal.id)})
        return kiosks

    def _displays(self) -> list[dict[str, Any]]:
        """Screens connected per zone and the names of those the site file knows; a display
        without zones (or an anonymous one, whose zone only its page knows) counts for every zone."""
        zones: dict[str, list[str]] = {c.zone: [] for c in self.site.counters}
        for session in self.terminals.sessions.values():
            if session.role != "display":
                continue
            terminal = self.site.terminal(session.terminal)
            for zone in (terminal.zones if terminal and terminal.zones else zones):
                zones.setdefault(zone, []).append(self.site.terminal_name(terminal.id) if terminal else "")
        return [{"zone": zone, "screens": len(shown), "terminals": sorted({n for n in shown if n})}
                for zone, shown in zones.items()]

    def _conditions(self, now: float, kiosks: list[dict], displays: list[dict]) -> dict[str, Alert]:
        site, office, found = self.site, self.office, {}

        def add(key: str, kind: str, fields: dict[str, Any], since: float, service: str = "") -> None:
            found[key] = self.alerts.active.get(key) or Alert(key, kind, fields, since, service=service)
            found[key].fields = fields

        open_for = {s.id: 0 for s in site.services}
        for desk in office.desks.values():
            for service in desk.services if desk.state == "open" else ():
                open_for[service] += 1
            limit = site.manager.pause_limit_minutes * 60
            paused_at = self.desk_since.get(desk.id, self.started_at)
            # a pause's length is a figure about a person: an alert only where the site allows them
            if desk.state == "paused" and now - paused_at > limit and site.manager.personal_statistics:
                add(f"pause:{desk.id}", "pause", {"counter": desk.id, "limit": site.manager.pause_limit_minutes,
                                                  "reason": desk.pause_reason}, paused_at + limit)
        for service in site.services:
            info = office.queue_info(service.id, now)
            if info.waiting and info.longest_wait > service.max_wait_minutes * 60:
                add(f"queue:{service.id}", "queue", {"limit": service.max_wait_minutes},
                    now - info.longest_wait + service.max_wait_minutes * 60, service.id)
            if info.waiting and not open_for[service.id]:  # since the later of: its last counter went, someone came
                since = max(self.uncovered_since.get(service.id, now), now - info.longest_wait)
                add(f"uncovered:{service.id}", "uncovered", {"waiting": info.waiting}, since, service.id)
        for ticket in office.directed.values():  # sent by name to a counter that is closed: nobody calls it
            target = office.desks.get(ticket.target or "")
            if target is not None and target.state == "closed":
                add(f"stranded:{ticket.number}", "stranded", {"ticket": ticket.number, "counter": target.id}, now)
        for kiosk in kiosks:
            if not kiosk["connected"]:
                add(f"kiosk:{kiosk['id']}", "kiosk", {"kiosk": kiosk["id"]}, kiosk["offline_since"])
            elif kiosk["printer"] in PRINTER_ALERTS:
                add(f"printer:{kiosk['id']}", "printer", {"kiosk": kiosk["id"], "state": kiosk["printer"]},
                    kiosk["since"])
        for display in displays:
            if not display["screens"]:
                add(f"zone:{display['zone']}", "display", {"zone": display["zone"]}, now)
        for counter, (kind, since) in plan.departures(office, now).items():
            time = StaffWords().time(since - (plan.GRACE if kind == "late" else 0), site.timezone)
            add(f"plan_{kind}:{counter}", f"plan_{kind}", {"counter": counter, "time": time}, since)
        for terminal, count in twice(self.terminals).items():
            add(f"twice:{terminal}", "twice", {"terminal": terminal, "count": count}, now)
        database_alert(self.writer, add, now)
        return found

    # ---- viewers and actions --------------------------------------------------------------

    async def serve(self, ws: ServerConnection, who: SignedIn) -> None:
        """A signed-in viewer's connection: the floor now and on every change; actions in."""
        self.viewers[ws] = who
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.create_task(self._tick(), name="willkommen-board")
        log.info("board viewer", extra={"fields": {"name": who.name, "role": who.role}})
        try:
            first = p.encode(p.Board(floor=self.floor(self.clock(), who.lang))).decode()
            self.fanout.adopt(ws, len(first))
            await ws.send(first)
            self.fanout.welcomed(ws)
            await serve_frames(ws, p.decode_manager, partial(self._answer, who, ws),
                               explain=partial(error_text, StaffWords(who.lang), self.site))
        except websockets.ConnectionClosed:
            pass
        finally:
            self.viewers.pop(ws, None)

    async def _answer(self, who: SignedIn, ws: ServerConnection, message: msgspec.Struct) -> msgspec.Struct:
        if self.people.session(who.id) is None:
            raise NotAllowed("your sign-in has expired: sign in again", why="expired")
        if (answer := await any_viewer_may(self, who, message)) is not None:
            return answer
        if isinstance(message, p.NETWORK_ASKS):
            return adopting.ask(self.adoptions, who, message, ws, self.site, self.catalogues_changed)
        if not isinstance(message, p.SUPERVISOR_ACTIONS) or not who.may_act:
            raise NotAllowed(f"{who.name} is a {who.role}: only a supervisor may act", why="supervisor_only")
        await self.writer.submit(partial(self._act, who, message))
        log.info("supervisor action", extra={"fields": {"by": who.name, "action": message.__struct_config__.tag}})
        return p.Reply(re=message.id)

    def _act(self, who: SignedIn, message: msgspec.Struct, now: float) -> None:
        office = self.office
        if isinstance(message, p.OpenCounter):
            events, _ = office.open(counter=message.counter, services=None, now=now)
        elif isinstance(message, p.CloseCounter):
            events, _ = office.close(counter=message.counter, now=now)
        elif isinstance(message, p.Move):
            if message.service is None and not message.front:
                raise BadRequest("move needs a service or front", why="move_target")
            events, _ = office.move(ticket=message.ticket, service=message.service, front=message.front, now=now)
        elif isinstance(message, p.SetPlan):
            events = plan.set_plan(office, message, who.name, now)
        elif isinstance(message, p.Announce):
            events, _ = office.announce(announcement=secrets.token_hex(4), texts=message.texts, until=message.until,
                                        by=who.name, now=now)
        else:
            events, _ = office.end_announcement(announcement=message.announcement, now=now)
        stamp(events, who)


async def any_viewer_may(board: Board, who: SignedIn, message: msgspec.Struct) -> msgspec.Struct | None:
    """What anyone signed in may do on the board, not only a supervisor (None: not one of these):
    the information desk registers a caller for the lottery; a witness, who need not be one who
    acts, gives words for a day's draw (README "Fair access"). A reader registers nobody: that
    writes a visitor's name and birth date."""
    if isinstance(message, p.Register) and board.register is not None:
        if not who.may_register:
            raise NotAllowed(f"{who.name} is a {who.role}: a reader registers nobody", why="reader_register")
        return await board.register(message, via="desk", by=who.name)
    if isinstance(message, p.Witness):
        events = partial(board.office.witness_draw, day=message.day, words=message.words)
        await board.writer.submit(lambda now: stamp(events(now=now), who))
        log.info("draw witnessed", extra={"fields": {"by": who.name, "day": message.day}})
        return p.Reply(re=message.id)
    return None
