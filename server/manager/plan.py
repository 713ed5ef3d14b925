"""The day's plan on the office's side: the one place a `set_plan` is carried out, whoever
sends it (a supervisor on the floor board, the admin terminal of `willkommen-server plan
import`, the booking system's endpoint), and the plan's CSV.

CSV, one row a shift or an exception (`;` or `,`, a header naming the columns)::

    tag;schalter;von;bis;dienste;art
    Mo;1;08:00;12:00;;
    Mo;1;12:30;15:00;residence info;
    2026-12-24;;;;;geschlossen
    2026-12-09;2;;;;ab
    2026-12-10;;13:00;16:00;;schulung

`tag` (or `day`) is a weekday (Mo..So, Montag.., Mon.., 0..6 from Monday) for the weekly
template or a date (YYYY-MM-DD) for an exception; `art` (`kind`) of an exception is
`geschlossen`/`closed`, `ab`/`off` or `schulung`/`training`. Services are separated by spaces.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from datetime import datetime
from typing import Any

import msgspec

from server.core import Office
from server.core import events as ev
from server.core import plan as core_plan
from server.core.plan import GRACE  # noqa: F401  (the board's alert names the planned time)
from server.wire import protocol as p
from server.wire.errors import BadRequest
from server.wire.session import ServerError
from server.wire.plan import Closure, SetPlan, Shift

WEEKDAY_WORDS = {**{w: i for i, w in enumerate(("mo", "di", "mi", "do", "fr", "sa", "so"))},
                 **{w: i for i, w in enumerate(("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag",
                                                "sonntag"))},
                 **{w: i for i, w in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
                 **{w: i for i, w in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                                "sunday"))},
                 **{str(i): i for i in range(7)}}
KIND_WORDS = {"geschlossen": "closed", "closed": "closed", "ab": "off", "off": "off", "frei": "off",
              "schulung": "training", "training": "training"}
COLUMNS = {"tag": "day", "day": "day", "schalter": "counter", "counter": "counter", "von": "start", "start": "start",
           "from": "start", "bis": "end", "end": "end", "to": "end", "dienste": "services", "services": "services",
           "art": "kind", "kind": "kind"}


def set_plan(office: Office, message: SetPlan, by: str, now: float) -> list[ev.Event]:
    """The plan of `message`; with `since`, only if the plan is still the one the editor
    started from (a second supervisor's edit must not put back what the first one changed)."""
    if message.since is not None and message.since != version(office.plan):
        at = datetime.fromtimestamp(office.plan.at, office.tz)
        raise BadRequest(f"{office.plan.by or 'someone'} changed the plan at {at:%H:%M} meanwhile: "
                         "the board shows it now, make the change again", why="plan_changed_meanwhile",
                         name=office.plan.by or "?", time=f"{at:%H:%M}")
    return office.set_plan(template=message.template, closures=message.exceptions, by=by, now=now)


def version(plan: core_plan.Plan) -> str:
    """The plan's version as the board sends it back in `since`: a digest of what it holds, so
    it is the same after a restart and for the same plan set again."""
    text = msgspec.json.encode([plan.template, plan.closures])
    return hashlib.sha256(text).hexdigest()[:16]


def handle(office: Office, message: SetPlan, by: str, now: float) -> p.Reply:
    """An admin terminal's `set_plan`, run by the writer."""
    set_plan(office, message, by, now)
    return p.Reply(re=message.id)


def floor(office: Office, now: float, names: dict[str, str], capacity: "Capacity") -> dict[str, Any]:
    """What the floor board shows of the plan: the plan as it edits it (the shapes `set_plan`
    takes, and the `version` it sends back as `since`) and today's capacity per service beside the tickets drawn so far (`capacity` is
    empty when there is no plan for today)."""
    # counted by the office as tickets come (walking the day's tickets was O(day) on every push)
    drawn = {service: sum(office.arrivals_by_hour(service).values()) for service in office.waiting}
    served = capacity(now)
    return {"plan": {"template": [msgspec.to_builtins(s) for s in office.plan.template],
                     "exceptions": [msgspec.to_builtins(c) for c in office.plan.closures],
                     "version": version(office.plan)},
            "capacity": [{"service": s, "name": names.get(s, s), "capacity": n, "drawn": drawn.get(s, 0)}
                         for s, n in served.items()]}


class Capacity:
    """`Office.capacity` for the board, which asks every second: made again when the plan
    changed, and otherwise once a minute (measured times move slowly)."""

    def __init__(self, office: Office):
        self.office, self.made = office, (None, "", -math.inf)
        self.value: dict[str, int] = {}

    def __call__(self, now: float) -> dict[str, int]:
        plan, day, at = self.made
        today = max(self.office.day, self.office.local_day(now))
        if plan is not self.office.plan or day != today or now - at >= 60 or now < at:
            self.value = self.office.capacity(now)
            self.made = (self.office.plan, today, now)
        return self.value


def departures(office: Office, now: float) -> dict[str, tuple[str, float]]:
    """Counters where today departs from the plan (`server.core.plan.departures`)."""
    if not office.plan:
        return {}
    day = max(office.day, office.local_day(now))  # before today's first event too
    return core_plan.departures(office.plan.times(day, office.tz), {d.id: d.state for d in office.desks.values()}, now)


def read_csv(text: str) -> tuple[list[Shift], list[Closure]]:
    """The plan in a CSV (see the module docstring); `BadRequest` names the line and what is wrong."""
    header_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=header_line.count)  # the header's own separator (Excel writes ";" in German)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise BadRequest(f"line {reader.line_num}: not a CSV file: {exc}", why="plan_not_csv",
                         row=reader.line_num) from None
    return _rows(iter(rows))


def _rows(rows) -> tuple[list[Shift], list[Closure]]:
    header = next(rows, None)
    if header is None:
        raise BadRequest("the plan file is empty", why="plan_empty")
    names = [COLUMNS.get(h.strip().lower().lstrip("\ufeff"), "") for h in header]
    if "day" not in names or "counter" not in names:
        raise BadRequest("line 1: the header must name the columns tag (day) and schalter (counter) "
                         "and may name von, bis, dienste, art", why="plan_header")
    template, closures = [], []
    for line, fields in enumerate(rows, 2):
        if not any(f.strip() for f in fields):
            continue
        row = {"day": "", "counter": "", **{name: value.strip() for name, value in zip(names, fields) if name}}
        try:
            if "-" in row["day"]:
                closures.append(_closure(row))
            else:
                template.append(_shift(row))
        except BadRequest as exc:
            raise BadRequest(f"line {line}: {exc}", **{**exc.fields, "row": line}) from None
        except (ValueError, TypeError, msgspec.ValidationError) as exc:  # a value the wire's shapes refuse
            raise BadRequest(f"line {line}: {exc}", why="plan_value", row=line, column=_column(exc)) from None
    return template, closures


def _shift(row: dict[str, str]) -> Shift:
    weekday = WEEKDAY_WORDS.get(row["day"].lower().rstrip("."))
    if weekday is None:
        raise BadRequest(f"{row['day']!r} is neither a weekday (Mo..So) nor a date (YYYY-MM-DD)",
                         why="plan_weekday", value=row["day"])
    if not row.get("start") or not row.get("end"):
        raise BadRequest("a shift needs von (start) and bis (end), as HH:MM", why="plan_shift_times")
    return msgspec.convert({"counter": row["counter"], "weekday": weekday, "start": _clock(row["start"]),
                            "end": _clock(row["end"]), "services": row.get("services", "").split()}, Shift)


def _closure(row: dict[str, str]) -> Closure:
    kind = KIND_WORDS.get(row.get("kind", "").lower())
    if kind is None:
        raise BadRequest(f"an exception's art (kind) is geschlossen, ab or schulung, not {row.get('kind', '')!r}",
                         why="plan_kind", value=row.get("kind", ""))
    found: dict[str, Any] = {"day": row["day"], "kind": kind, "counter": row["counter"]}
    if row.get("start"):
        found["start"] = _clock(row["start"])
    if row.get("end"):
        found["end"] = _clock(row["end"])
    return msgspec.convert(found, Closure)


def _column(exc: Exception) -> str:
    """The CSV column of the field msgspec names (`... - at `$.counter``), as the header says it."""
    field = str(exc).rpartition("$.")[2].split("[")[0].rstrip("`")
    return {"day": "tag", "counter": "schalter", "start": "von", "end": "bis", "services": "dienste",
            "kind": "art"}.get(field, field)


def _clock(text: str) -> str:
    """'8:00' and '08.00' as '08:00'."""
    hours, _, minutes = text.replace(".", ":").partition(":")
    try:
        h, m = int(hours), int(minutes or 0)
    except ValueError:
        h = m = -1
    if not (0 <= h < 24 and 0 <= m < 60 or (h, m) == (24, 0)):
        raise BadRequest(f"{text!r} is not a time of day (HH:MM)", why="plan_time", value=text)
    return f"{h:02d}:{m:02d}"


def command(argv: list[str]) -> int:
    """`willkommen-server plan import FILE`: the plan in a CSV, through the running server as
    its admin terminal (the same `set_plan` the board sends). 0 when the plan was taken, 1 when
    the file or the server refused it (nothing changed), 2 when nothing could be tried. It says
    so in the staff catalogue's words (German, or `--lang en`), as the floor board does."""
    import asyncio
    import sys

    from config.command import say_file_problem
    from config.files import not_csv
    from server.booking.appointments import printable
    from server.booking.importing import admin_parser, read_as_admin
    from server.manager.words import StaffWords, error_text

    parser = admin_parser("plan import", argv, "import.plan", "import.plan_file")
    args = parser.parse_args(argv)
    if (found := read_as_admin(args, parser)) is None:
        return 2
    site, text, admin = found
    words = StaffWords(args.lang)

    def say(key: str, **fields) -> None:
        print(printable(words(f"planimport.{key}", file=str(args.file), **fields)), file=sys.stderr)

    try:
        template, exceptions = read_csv(text)
    except BadRequest as exc:
        if exc.code == "bad_request" and exc.fields.get("why") == "plan_not_csv":  # nothing is sent
            return say_file_problem(parser.prog, not_csv(args.file, int(exc.fields.get("row", 1))), parser.words)
        say("not_changed", error=error_text(words, site, exc.code, exc.fields, str(exc)))
        return 1
    try:
        asyncio.run(_send(args.url, args.timeout, admin, SetPlan(id=1, template=template, exceptions=exceptions),
                          words.lang))
    except BadRequest as exc:
        say("not_changed", error=error_text(words, site, exc.code, exc.fields, str(exc)))
        return 1
    except ServerError as exc:  # the server's check: no such counter, shifts overlapping
        say("not_changed", error=exc.text or error_text(words, site, exc.code, exc.fields, exc.message))
        return 1
    except Exception as exc:  # refused token, no server listening: nothing changed
        say("no_server", url=args.url, terminal=admin.id, message=str(exc))
        return 2
    say("taken", shifts=len(template), exceptions=len(exceptions))
    return 0


async def _send(url: str, timeout: float, admin, message: SetPlan, lang: str) -> None:
    from server.wire.session import ClientSession

    # explain: a refusal comes with its values and the staff's sentence in `lang` (error.<why>)
    async with ClientSession(url, role="admin", terminal=admin.id, token=admin.token, timeout=timeout, lang=lang,
                             explain=True) as session:
        await session.ready()
        await session.request(message)
