"""An office's side of the network: `willkommen-server network send` (and the shared knowledge's
commands, `server.network.share`).

    willkommen-server network send --to https://network.example/ --office wetzlar \
        [--config office.toml] [--db FILE|URL] [--days 14] [--show]

reads the office's kept days of the last `--days` days (`server.network.summary.from_office`:
summaries only, never a ticket or an event) from its store — the SQLite file read-only beside
the running server, or its PostgreSQL database — and posts them to the network's
`/summaries` with the office's token from `WILLKOMMEN_NETWORK_TOKEN` (or `--token-file`).
Sending a day again replaces it there, so a nightly timer that sends the last two weeks
catches up after a night the network was away. A network that cannot be reached, answers 5xx,
408 or 429 is tried again (`--tries`, waiting 1, 2, 4 … s, or its `Retry-After`); a refusal
(400, 401, 403, 413, 422) is printed as the network said it and the status is 1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

import msgspec

from server.network.summary import Day, Sent, from_office

TOKEN_ENV = "WILLKOMMEN_NETWORK_TOKEN"
BATCH = 100            # days per request: far under the network's 1 MiB and 400 days
RETRY_STATUSES = (408, 429, 500, 502, 503, 504)
ANSWER_LIMIT = 8 * 2**20  # an answer past this is no network's (a publication is at most 1 MiB)


class NotSent(Exception):
    """The network refused, or could not be reached after every try. Its text (English) goes to
    the log; `why` names the staff catalogue's sentence (`[cli.network.said]`) the commands print,
    with `fields`, in German or English (`server.network.options.sentence`)."""

    def __init__(self, text: str, why: str = "", **fields):
        super().__init__(text)
        self.why, self.fields = why, fields


class NetworkAway(NotSent):
    """Not reached, or busy (5xx, 408, 429), after every try."""


class NetworkRefused(NotSent):
    """It answered no (400, 401, 403, 404, 409, 413, 422): `status` and what it said."""

    def __init__(self, text: str, status: int, said: str):
        super().__init__(text, "refused", status=status, said=said)
        self.status, self.said = status, said


class ReadDirectly(NotSent):
    """The network reads this office from its database (409: `read` in its entry): nothing needs sending."""


class NetworkGarbage(NotSent):
    """It answered, but not what a network answers (not JSON, or not the shape asked for)."""


def office_options(parser) -> None:
    """What every office command takes (a `StaffParser`: its help in the staff's words): where
    the network is and who this office is there (each by default from the site file's
    `[network]`, `from_site`)."""
    w = parser.words
    parser.add_argument("--to", default=None, metavar="URL", help=w("network.to"))
    parser.add_argument("--office", default=None, metavar=w("network.other_metavar"), help=w("network.office"))
    parser.add_argument("--token-file", type=Path, default=None, metavar=w("server.file_metavar"),
                        help=w("network.token_file", env=TOKEN_ENV))
    parser.add_argument("--tries", type=int, default=5, metavar=w("network.count_metavar"),
                        help=w("network.tries", default=5))


def from_site(parser: argparse.ArgumentParser, args: argparse.Namespace, site) -> None:
    """What the command line leaves out, from the site file's `[network]` (the one the floor board
    uses): so `network adopt giessen --what strings.ti --config office.toml` is the whole command."""
    network = site.network
    if network is not None:
        args.to = args.to or network.url
        args.office = args.office or network.office
        if args.token_file is None and not os.environ.get(TOKEN_ENV, "").strip():
            args.token_file = network.token_file
    for option, key in (("to", "url"), ("office", "office")):
        if getattr(args, option) is None:
            raise SystemExit(parser.refuse("usage.network_needs", option=option, name=key))


def token_of(args: argparse.Namespace) -> str:
    if args.token_file is not None:
        try:
            return args.token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise NotSent(f"cannot read the token file {args.token_file}: {exc.strerror}", "token_file",
                          file=args.token_file, problem=exc.strerror) from None
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise NotSent(f"no token: set {TOKEN_ENV} (the office's token from the network's file) or give --token-file",
                      "no_token", env=TOKEN_ENV)
    return token


def call(url: str, token: str, *, body: bytes | None = None, tries: int = 5,
         sleep: Callable[[float], None] = time.sleep, timeout: float = 30, lang: str = "de") -> Any:
    """One request to the network, tried again while it is away or busy; its JSON answer. `lang`:
    the language the network says a refusal in (`Accept-Language`; the command's `--lang`)."""
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "User-Agent": "willkommen-network",
        "Accept-Language": lang})
    why, kind, wait = "", "", 0.0
    for attempt in range(max(1, tries)):
        if attempt:
            sleep(wait)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body_read = response.read(ANSWER_LIMIT + 1)
        except urllib.error.HTTPError as exc:
            said = _said(exc)
            if exc.code == 409:  # only a `read` office is answered 409 (`listener.summaries`)
                raise ReadDirectly(f"the network reads this office from its database: {said}", "read_directly",
                                   said=said) from None
            if exc.code not in RETRY_STATUSES:
                raise NetworkRefused(f"the network refused ({exc.code}): {said}", exc.code, said) from None
            why, kind = f"{exc.code}: {said}", ""
            wait = min(60.0, float(exc.headers.get("Retry-After") or 2 ** attempt))
        except (urllib.error.URLError, OSError) as exc:
            why, kind = str(getattr(exc, "reason", exc)), _kind(getattr(exc, "reason", exc))
            wait = 2.0 ** attempt
        except http.client.HTTPException as exc:  # not HTTP at all on that port
            raise NetworkGarbage(f"the network at {url} does not answer in HTTP ({type(exc).__name__})", "not_http",
                                 url=url) from None
        else:
            return _json(body_read, url)
    # not reached at all (kind: why not) is said apart from reached but busy (5xx, 408, 429)
    raise NetworkAway(f"the network at {url} did not take it after {tries} tries (last: {why})",
                      "unreached" if kind else "away", url=url, tries=tries, last=why, last_kind=kind)


def _kind(reason) -> str:
    """Why a network was not reached, as the staff catalogue's `last_<kind>` says it."""
    import socket
    import ssl

    for kind, types in (("refused", ConnectionRefusedError), ("unknown_host", socket.gaierror),
                        ("tls", ssl.SSLError), ("timeout", TimeoutError)):
        if isinstance(reason, types):
            return kind
    return "other"


def _json(body: bytes, url: str) -> Any:
    if len(body) > ANSWER_LIMIT:
        raise NetworkGarbage(f"the network at {url} answered more than {ANSWER_LIMIT // 2**20} MiB", "too_big",
                             url=url, mib=ANSWER_LIMIT // 2**20)
    try:
        return json.loads(body or b"null")
    except (ValueError, RecursionError):
        raise NetworkGarbage(f"the network at {url} answered something that is not JSON: {body[:80]!r}", "not_json",
                             url=url) from None


def _said(exc: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(exc.read()).get("error", ""))[:2000]
    except (ValueError, AttributeError, OSError):
        return exc.reason


def read_days(db, *, first: str, last: str) -> list[Day]:
    conn = open_read_only(db)
    try:
        return from_office(conn, first, last)
    finally:
        conn.close()


def open_read_only(db):
    """The office's store for reading: the SQLite file read-only (the server goes on writing),
    or a session of its own on PostgreSQL."""
    from server.store import is_url, open_read_only as opened
    if is_url(db):
        import psycopg

        from server.store.reasons import one_line
        try:
            return opened(db, application="willkommen network send")
        except psycopg.OperationalError as exc:  # down, or no password (PGPASSFILE left out of a unit)
            raise NotSent(f"the office's database cannot be reached ({one_line(exc)})", "db_away",
                          problem=one_line(exc)) from None
    if not Path(db).exists():
        raise NotSent(f"{db}: no such database file (--db names the office's file)", "no_db", db=db)
    return opened(db, application="willkommen network send")


def send(db, url: str, office: str, token: str, *, days: int, timezone: str, tries: int = 5,
         now: float | None = None, sleep: Callable[[float], None] = time.sleep, lang: str = "de") -> list[Day]:
    """Post the office's kept days of the last `days` days; the days sent."""
    today = datetime.fromtimestamp(time.time() if now is None else now, ZoneInfo(timezone)).date()
    found = read_days(db, first=(today - timedelta(days=days)).isoformat(),
                      last=(today - timedelta(days=1)).isoformat())
    target = url.rstrip("/") + "/summaries"
    for start in range(0, max(1, len(found)), BATCH):  # no day kept: still asked, so a `read` office learns it
        body = msgspec.json.encode(Sent(office=office, days=found[start:start + BATCH]))
        call(target, token, body=body, tries=tries, sleep=sleep, lang=lang)
    return found


def show(db, office: str, *, days: int, timezone: str) -> int:
    """`--show`: the very body `send` would post, printed, nothing sent."""
    today = datetime.now(ZoneInfo(timezone)).date()
    found = read_days(db, first=(today - timedelta(days=days)).isoformat(), last=(today - timedelta(days=1)).isoformat())
    print(msgspec.json.format(msgspec.json.encode(Sent(office=office, days=found)), indent=2).decode())
    return 0


def command(argv: list[str]) -> int:
    from config import ConfigError, load_site

    from server.network.options import OneLineParser, office_db, sentence
    from server.store import database

    from config.command import command_lang

    parser = OneLineParser(prog="willkommen-server network send", lang=command_lang(argv))
    w = parser.words
    parser.description = w("network.send")
    office_options(parser)
    parser.add_argument("--config", type=Path, default=None, metavar=w("server.file_metavar"), help=w("network.config"))
    parser.add_argument("--db", type=database, default=None, metavar=w("server.file_metavar"), help=w("network.db"))
    parser.add_argument("--days", type=int, default=14, metavar=w("network.count_metavar"),
                        help=w("network.days", default=14))
    parser.add_argument("--show", action="store_true", help=w("network.show"))
    args = parser.parse_args(argv)
    try:
        site = load_site(args.config, secrets=False)
        from_site(parser, args, site)
        db = args.db or (database(site.database) if site.database else office_db())
        if args.show:
            return show(db, args.office, days=max(1, args.days), timezone=site.timezone)
        sent = send(db, args.to, args.office, token_of(args), days=max(1, args.days), timezone=site.timezone,
                    tries=args.tries, lang=w.lang)
    except ReadDirectly as exc:  # one source per office: nothing to send, nothing wrong
        print(f"{parser.prog}: {sentence(exc, w)}", file=sys.stderr)
        return 0
    except (ConfigError, NotSent) as exc:
        print(f"{parser.prog}: {sentence(exc, w)}", file=sys.stderr)
        return 2 if isinstance(exc, ConfigError) else 1
    if sent:
        said = w("network.said.sent", count=len(sent), first=sent[0].day, last=sent[-1].day, url=args.to,
                 office=args.office)
    else:  # an office that opened today, or a server that has not kept a day yet
        said = w("network.said.nothing_kept", url=args.to, office=args.office, days=max(1, args.days))
    print(f"{parser.prog}: {said}", file=sys.stderr)
    return 0
