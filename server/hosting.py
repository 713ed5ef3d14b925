"""`willkommen-server host FOLDER FOLDER …`: several offices served by one process, on one
asyncio event loop, each exactly as its own `willkommen-server` would serve it.

An office is a folder, the one `deploy/willkommen-server@.service` reads: `office.toml` (its
site file, with `[site] database`), `server.env` (`PORT=`, and the variables its site file's
`token_env` and `secret_env` name) and, if there, `pgpass` (its PostgreSQL password, given to
libpq as the URL's `passfile`). The folder's name is the office's name. Each office gets its
own `Server` (`server.edge.app`): its site and catalogues, its store (SQLite file or PostgreSQL
schema) with its own lock, its own port, writer, fan-out, limits, people, board, statistics
worker, outbox and timers. Clients, URLs and the reverse proxy stay as they are.

What one process shares, and why that is safe (issue 28; tests/test_hosting.py):
- **Nothing keyed by nothing holds an office's data.** The module-level caches in `server/` and
  `config/` hold bundled data only (catalogues of the bundled languages, language names, fonts,
  staff page words, month names); decoders and encoders hold no state; the ticket tokens'
  random buffer hands each byte out once. Per office: `Site` (its `strings` dict, which the
  board's adoption updates in place: `server.edge.welcomes.reload_catalogues`, per site), the
  `Office`, the `Welcomes` cache, the `Gate` and its limits, `People`, the statistics worker.
- **The environment**: each office's `token_env`/`secret_env` are read from its own
  `server.env` (over the process's environment), never another office's; `PGPASSFILE` is not
  set per office, its `pgpass` travels in its URL.
- **Logging** is the process's (JSON lines on stderr); each office's lines carry `"office"`
  (`server.edge.logs.OFFICE`, set in the context each office is started in; its thread pools
  carry that context too, `server.store.threads`, and its statistics worker process sets it).
- **Signals** are the host's: SIGINT/SIGTERM stop every office cleanly (status 0).
- **The loop's exception handler** (accept() out of file descriptors, `server.edge.limits`) is
  chained by each server; the descriptors are the process's, so whichever office's gate says
  it speaks for all; the host puts back the loop's own handler when all have stopped.
- **The PostgreSQL session name** (`willkommen-server <host> pid <n>`) is the process's; a lock
  is found by database and schema, so one office never ends another office's session.
- **The collector's tuning** (`long_lived`) is once for the process, after every office started.
- The file descriptors (`LimitNOFILE`) and the cores are shared: an office flooded with
  connections takes descriptors from the others (each office's own limits still apply).

Failures. At the start every folder is read first: a site file that is wrong, a missing
`server.env` or `PORT`, two offices on one port or with one name, a site file naming no
`database`: one line naming the office, status 2, nothing opened. Then every office starts at
once; if any cannot (its database held by another server, damaged, a port taken: named with its
`server.env`), each such
office is said in one line, the others (started meanwhile) are stopped again at once, and the
status is 2 (1 when the only trouble is a database not reached yet: systemd tries again). At
run time an office whose store fails (a commit that cannot be made) stops the whole process
with status 1 after the others stopped cleanly (named, with why where the staff's words know it:
another server took its PostgreSQL schema), and systemd starts it again: every office
rebuilds its day from its store, as a single server does.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import logging
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from config import ConfigError, Site, load_site
from config.command import Words, command_lang, file_sentence

from server.edge import logs
from server.manager.demo_secrets import public_passwords_refusal
from server.options import OneLineParser
from server.store import database, is_url

log = logging.getLogger("willkommen.host")
SITE_FILE, ENV_FILE, PASSWORD_FILE = "office.toml", "server.env", "pgpass"
FULL_AFTER = 100  # younger collections before a full one (Python: 10); see `long_lived`


class Refused(Exception):
    """An office's folder cannot be served: `key` names the sentence in `[cli.host]`."""

    def __init__(self, key: str, **fields: Any):
        super().__init__(key)
        self.key, self.fields = key, fields


@dataclass
class Hosted:
    """One office of the host: its name (the folder's), its site, database and port."""
    name: str
    folder: Path
    site: Site
    db: str | Path
    port: int
    server: Any = field(default=None, repr=False)  # its `Server` once made


def environment(path: Path) -> dict[str, str]:
    """`server.env` as systemd's `EnvironmentFile=` reads it for the template unit: `NAME=value`
    lines, `#` comments and blank lines, a value in single or double quotes taken as it is."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise Refused("no_env", file=path) from None
    except OSError as exc:
        raise ConfigError(str(path), "", str(exc), why="denied" if isinstance(exc, PermissionError) else "unreadable",
                          fields={"error": exc.errno}) from None
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        name, equals, value = line.removeprefix("export ").partition("=")
        if not equals or not name.strip().isidentifier():
            raise Refused("bad_env", file=path, line=number)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        found[name.strip()] = value
    return found


def office(folder: Path) -> Hosted:
    """The office in `folder`, read and checked; nothing opened yet."""
    env = environment(folder / ENV_FILE)
    port = env.get("PORT", "")
    if not port.isdigit() or not 0 <= int(port) <= 65535:  # 0: the system chooses (tests, bench/offices.py)
        raise Refused("no_port", file=folder / ENV_FILE, value=repr(port))
    site = load_site(folder / SITE_FILE, environ={**os.environ, **env})  # its tokens, no other office's
    if not site.database:
        raise Refused("no_database", file=folder / SITE_FILE)
    db = database(site.database)
    if is_url(db) and (folder / PASSWORD_FILE).is_file() and "passfile=" not in str(db):
        db = f"{db}{'&' if '?' in str(db) else '?'}passfile={quote(str((folder / PASSWORD_FILE).resolve()))}"
    return Hosted(folder.resolve().name, folder, site, db, int(port))


def apart(offices: list[Hosted]) -> None:
    """Two offices with one name or one port would be one office to the proxy and the log."""
    names: dict[str, Hosted] = {}
    ports: dict[int, Hosted] = {}
    for each in offices:
        if each.name in names:
            raise Refused("same_name", office=each.name, other=names[each.name].folder, at=each)
        if each.port in ports and each.port:
            raise Refused("same_port", port=each.port, other=ports[each.port].name, at=each)
        names[each.name], ports[each.port] = each, each


def long_lived() -> None:
    """What the start made (modules, the sites and their catalogues, the days rebuilt) lives as
    long as the process: out of the collector's sight, a full collection (which stops the loop the
    kiosks' draws wait for) looks only at what came later. A stranger's 2,400 connections took
    full collections of 45-60 ms CPU, 15-30 ms less with this (bench/hostile.py, README).
    The day's tickets live until the day ends, so every full collection walks all of them again
    while the loop stops (6 a run of 200,000 draws, up to 70 ms each and more as the day grows:
    `python -m bench --only draws`). A full collection waits for 100 younger ones instead of 10
    (and, as always, for a quarter more long-lived objects): young cycles are found as soon as
    before, old ones a little later."""
    gc.freeze()
    gc.set_threshold(*gc.get_threshold()[:2], FULL_AFTER)


class Host:
    """The offices' servers on this loop: `start()` all (or none), `stop()` all."""

    def __init__(self, offices: list[Hosted], host: str = "127.0.0.1", **server_options: Any):
        from server.edge.app import Server  # heavy imports after every site file was found good

        self.offices, self.host = offices, host
        self.handler = None
        self.running: list[Hosted] = []  # started, in the order their starts ended
        for each in offices:
            each.server = self._in_office(each, Server, each.site, each.db, **server_options)

    @staticmethod
    def _in_office(each: Hosted, call, *args, **kwargs):
        """`call` run in a context whose log lines name the office; what it starts (tasks,
        connections, the listening socket's accepts) inherits that context."""
        context = contextvars.copy_context()
        context.run(logs.OFFICE.set, each.name)
        return context.run(call, *args, **kwargs)

    async def start(self) -> dict[str, BaseException]:
        """Every office started at once; {office: why} for those that could not start, in which
        case the others are stopped again and nothing is served."""
        loop = asyncio.get_running_loop()
        self.handler = loop.get_exception_handler()
        starts = [self._in_office(each, loop.create_task, self._start(each)) for each in self.offices]
        results = await asyncio.gather(*starts, return_exceptions=True)
        failed = {each.name: result for each, result in zip(self.offices, results) if isinstance(result, BaseException)}
        if failed:
            await self.stop()
        return failed

    async def _start(self, each: Hosted) -> None:
        await each.server.start(self.host, each.port)  # one that fails has closed what it opened
        self.running.append(each)

    def failing(self) -> list[Hosted]:
        return [each for each in self.running if each.server.failed.is_set()]

    async def stop(self) -> None:
        """Each started office stopped cleanly, in the reverse order of their starts' (what each
        writer holds committed first); the loop's exception handler as it was."""
        while self.running:
            each = self.running.pop()
            await self._in_office(each, asyncio.get_running_loop().create_task, each.server.stop())
        asyncio.get_running_loop().set_exception_handler(self.handler)

    async def until_stopped(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set or an office's store fails."""
        waits = [asyncio.create_task(stop.wait()), *(asyncio.create_task(each.server.failed.wait())
                                                     for each in self.offices)]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in waits:
            task.cancel()
        await asyncio.gather(*waits, return_exceptions=True)


def parse_args(argv: list[str]):
    parser = OneLineParser(prog="willkommen-server host", lang=command_lang(argv))
    w = parser.words
    parser.description = w("host.description")
    parser.add_argument("folders", nargs="+", type=Path, metavar=w("host.folder_metavar"), help=w("host.folders"))
    parser.add_argument("--host", default="127.0.0.1", help=w("host.host"))
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"],
                        help=w("server.log_level"))
    return parser.parse_args(argv)


def read_offices(folders: list[Path], host: str, words: Words) -> list[Hosted] | int:
    """Every office's folder read and checked, or the status after the line saying which is not."""
    offices: list[Hosted] = []
    prog, count = "willkommen-server host", len(folders)
    for folder in folders:
        try:
            offices.append(office(folder))
            refusal = public_passwords_refusal(offices[-1].site, host, words)
            if refusal is not None:
                raise Refused("", text=refusal)
        except (ConfigError, Refused) as exc:
            print(f"{prog}: {said(folder.resolve().name, folder, exc, words, count)}", file=sys.stderr)
            return 2
    try:
        apart(offices)
    except Refused as exc:
        at = exc.fields.pop("at")
        print(f"{prog}: {said(at.name, at.folder, exc, words, count)}", file=sys.stderr)
        return 2
    return offices


def said(name: str, folder: Path, exc: BaseException, words: Words, count: int) -> str:
    """One line naming the office, what is wrong and what becomes of the others."""
    if isinstance(exc, Refused):
        problem = exc.fields["text"] if not exc.key else words(f"host.{exc.key}", **exc.fields)
    elif getattr(exc, "why", "") == "port_taken":  # the office's port is its server.env's, not --port
        problem = words("host.port_taken", file=folder / ENV_FILE, **exc.fields)  # type: ignore[attr-defined]
    else:
        problem = file_sentence(exc, words)
    if problem[-1:] not in ".!?":
        problem += "."
    return words("host.office", office=name, folder=folder, problem=problem, count=count)


async def serve(offices: list[Hosted], host: str, words: Words) -> int:
    from server.store.unavailable import StoreUnreachable

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):  # a stop while the days are rebuilt: right after
        loop.add_signal_handler(sig, stop.set)
    hosting = Host(offices, host)
    failed = await hosting.start()
    for each in offices:
        if each.name in failed:
            print(f"willkommen-server host: {said(each.name, each.folder, failed[each.name], words, len(offices))}",
                  file=sys.stderr)
    if failed:
        return 1 if all(isinstance(exc, StoreUnreachable) for exc in failed.values()) else 2
    long_lived()
    log.info("hosting", extra={"fields": {"offices": {each.name: each.server.port for each in offices}}})
    await hosting.until_stopped(stop)
    failing = hosting.failing()
    for each in failing:
        print(f"willkommen-server host: {failed_line(each, words)}", file=sys.stderr)
    await hosting.stop()
    return 1 if failing else 0


def failed_line(each: Hosted, words: Words) -> str:
    """An office whose store failed at run time, with why where the staff's words know it
    (another server took its PostgreSQL schema while this one could not reach it)."""
    from server.store.unavailable import StoreUnavailable

    failure = each.server.writer.failure
    if isinstance(failure, StoreUnavailable) and failure.why:
        return words("host.failed_because", office=each.name, problem=file_sentence(failure, words))
    return words("host.failed", office=each.name)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    logs.setup(args.log_level)
    words = Words(args.lang)
    offices = read_offices(args.folders, args.host, words)
    if isinstance(offices, int):
        return offices
    return asyncio.run(serve(offices, args.host, words))
