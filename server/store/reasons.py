"""Why a database could not be reached, in one line for the log and the error at the start.

A URL with several hosts (`host=h1,h2&target_session_attrs=read-write`, a primary and its
standby) is tried host by host; psycopg 3.3 then raises the LAST host's error, with every
host's under it ("Multiple connection attempts failed. All failures were: - host: 'h1', port:
'5432', hostaddr: …: <libpq's message>" a line each). The first line alone would say "port
5433 failed: Connection refused" and hide why the first host refused ("fe_sendauth: no password
supplied", "session is read-only"): `one_line` keeps each host's own first line, joined by " | ".
Text only (no psycopg here): the writer and the tools use it for SQLite's errors too."""

from __future__ import annotations

import re

ALL_FAILURES = "Multiple connection attempts failed. All failures were:"
ATTEMPT = re.compile(r"- host: '[^']*', port: '[^']*', hostaddr: (?:None|'[^']*'): (?P<why>.*)")
PSYCOPG_PREFIXES = ("connection failed: ", "connection is bad: ")  # libpq's own words follow them


def one_line(exc: BaseException) -> str:
    """The error's first line, or each host's when several were tried."""
    text = str(exc).strip()
    head, _, attempts = text.partition(ALL_FAILURES)
    if attempts:
        reasons = [_reason(line) for line in attempts.splitlines() if line.startswith("- ")]
        if reasons:
            return " | ".join(reasons)
    return (head.splitlines() or [type(exc).__name__])[0]


def _reason(line: str) -> str:
    found = ATTEMPT.fullmatch(line)
    why = found["why"] if found else line.removeprefix("- ")
    for prefix in PSYCOPG_PREFIXES:
        why = why.removeprefix(prefix)
    return why.strip()
