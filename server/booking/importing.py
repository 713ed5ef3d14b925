"""`willkommen-server appointments import FILE`: the booking system's export booked through the
running server as its admin terminal (`server.booking.appointments` reads the file and sends
the rows), and what `plan import` (`server.manager.plan`) shares with it: the options, reading
the site and the file as the admin terminal.

Everything it says is in the staff's words (`config/strings/staff/<lang>.toml`, `[cli]`):
German, English with `--lang en`. A file it cannot read at all (not there, not allowed, a
spreadsheet, a CSV the reader gives up on) is one sentence and status 2 before any server is
asked; a row it cannot book is named by its line (`[cli.rows]`), the others are booked, status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

from config import ConfigError, Site, load_site
from config.command import Words, command_lang, said, say_file_problem
from config.files import binary, not_csv, read_bytes
from config.site import Terminal
from server.booking.appointments import NotCsv, Outcome, Problem, Row, decode, printable, read, send
from server.options import OneLineParser, positive
from server.wire import protocol as p


def command(argv: list[str]) -> int:
    """`appointments import FILE`: 0 when every row was booked, 1 when some were bad, 2 when
    nothing could be done (no such file, no admin terminal, the server not reachable)."""
    parser = admin_parser("appointments import", argv, "import.appointments", "import.appointments_file")
    w = parser.words
    parser.add_argument("--day", type=_day, default=None, metavar=w("import.day_metavar"), help=w("import.day"))
    args = parser.parse_args(argv)
    if (found := read_as_admin(args, parser)) is None:
        return 2
    site, text, admin = found
    tz = ZoneInfo(site.timezone)
    try:
        rows, problems = read(text, tz=tz, day=args.day or datetime.now(tz).date(), default_lang=site.languages[0])
    except NotCsv as exc:  # nothing is sent from a file that is not all readable
        return say_file_problem(parser.prog, not_csv(args.file, exc.line), w)
    try:  # a file with no appointment to book asks no server (it would only wait for one that is down)
        outcome, refused = asyncio.run(_import(args.url, args.timeout, admin, rows, Progress(sys.stderr, args.file, w))) \
            if rows \
            else (Outcome(), [])
    except Exception as exc:  # refused token, no server listening: nothing was booked
        print(printable(w("rows.no_server", url=args.url, terminal=admin.id, message=str(exc))), file=sys.stderr)
        return 2
    problems = sorted(problems + refused, key=lambda problem: problem.line)
    for problem in problems:  # what the file or the server says is shown, never obeyed, by the terminal
        print(f"{args.file}: {printable(problem_text(problem, w))}", file=sys.stderr)
    print(f"{args.file}: " + w("rows.outcome", booked=outcome.booked, cancelled=outcome.cancelled,
                               unchanged=outcome.unchanged, bad=len(problems)), file=sys.stderr)
    return 1 if problems else 0


def problem_text(problem: Problem, w: Words) -> str:
    """A row not booked, in the staff's words: `Zeile 4: Uhrzeit „9.30“ ist …`; a refusal by the
    server in the staff catalogue's `[error]` words where it has them, else as the server said it."""
    fields = dict(problem.fields)
    if problem.why == "refused":  # the server's own words are English: an English reader gets them whole
        fields["error"] = fields["message"] if w.lang == "en" else w.text.get(f"error.{fields['error']}",
                                                                               fields["message"])
    what = w(f"rows.{problem.why}", **fields) if f"cli.rows.{problem.why}" in w.text else problem.what
    return w("rows.line", line=problem.line, problem=what)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(said("day", value=repr(text))) from None


def admin_parser(command: str, argv: list[str], description: str, file_help: str) -> OneLineParser:
    """The options every file an admin sends through the running server shares: the file, the
    site file (for the admin terminal's token) and the server's address; `description` and
    `file_help` name the staff catalogue's `[cli]` words, in the language `argv` asks for."""
    parser = OneLineParser(prog=f"willkommen-server {command}", lang=command_lang(argv))
    w = parser.words
    parser.description = w(description)
    parser.add_argument("file", type=Path, metavar=w("server.file_metavar"), help=w(file_help))
    parser.add_argument("--config", type=Path, default=None, metavar=w("server.file_metavar"), help=w("import.config"))
    parser.add_argument("--url", default="ws://127.0.0.1:8765/", help=w("import.url"))
    parser.add_argument("--timeout", type=wait_seconds, default=WAIT_SECONDS, metavar=w("import.timeout_metavar"),
                        help=w("import.timeout"))
    return parser


WAIT_SECONDS = 10.0  # a server starting or busy with a backup answers well within it


def wait_seconds(text: str) -> float:
    """`--timeout`: how long the command waits for the server to answer (to connect, then for
    each reply) before it says the server is not reachable; a script on a machine where the
    server may be down can give 1 and learn it in a second, not in ten."""
    return positive(text, "seconds")


def read_as_admin(args, parser: OneLineParser) -> tuple[Site, str, Terminal] | None:
    """The site, the file's text (its encoding told apart) and the site's admin terminal; None
    after one sentence on stderr in the staff's words saying why not (no such file, not allowed,
    a spreadsheet for a CSV, a bad site file, no admin)."""
    try:
        site = load_site(args.config)
        data = read_bytes(args.file)
        binary(args.file, data)
    except ConfigError as exc:
        say_file_problem(parser.prog, exc, parser.words)
        return None
    admin = next((t for t in site.terminals if t.role == "admin"), None)
    if admin is None:
        shown = str(args.config) if args.config else (site.source or "default.toml")
        say_file_problem(parser.prog, ConfigError(shown, "", "no admin terminal", why="no_admin"), parser.words)
        return None
    return site, decode(data)[0], admin


class Progress:
    """`12.000 von 50.000 Terminen gesendet`: on one line rewritten in a terminal, else a line
    per tenth (a log file gets ten lines, not a thousand)."""

    def __init__(self, stream, file, words: Words):
        self.stream, self.file, self.shown, self.words = stream, file, -1, words

    def __call__(self, done: int, total: int) -> None:
        tenth = done * 10 // max(total, 1)
        if done == total == self.shown == -1 or total <= p.MAX_BATCH and not self.stream.isatty():
            return  # one batch: done at once, nothing to follow
        said = self.words("rows.progress", done=format_decimal(done, locale=self.words.lang),
                          total=format_decimal(total, locale=self.words.lang))
        if self.stream.isatty():
            self.stream.write(f"\r{self.file}: {said}")
            if done == total:
                self.stream.write("\n")
        elif tenth != self.shown:
            self.stream.write(f"{self.file}: {said}\n")
        self.shown = tenth
        self.stream.flush()


async def _import(url: str, timeout: float, admin, rows: list[Row], progress) -> tuple[Outcome, list[Problem]]:
    from server.wire.session import ClientSession

    async with ClientSession(url, role="admin", terminal=admin.id, token=admin.token, timeout=timeout) as session:
        await session.ready()
        return await send(session, rows, progress)
