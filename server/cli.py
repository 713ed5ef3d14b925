"""`willkommen-server`: load the site, rebuild the day from the store, serve until stopped.

    willkommen-server                       bundled demo office on 127.0.0.1:8765
    willkommen-server --demo --speed 20     ... with simulated visitors and clerks
    willkommen-server --config site.toml --host 0.0.0.0 --port 8765 --db /var/lib/willkommen/office.sqlite3
    willkommen-server --config site.toml --db postgresql://willkommen@db.example/office   on PostgreSQL
    willkommen-server backup DEST [--db FILE]      online copy, safe while the server runs
    willkommen-server restore BACKUP [--db FILE]   with the server stopped (`server.store.backup`)
    willkommen-server demo-month [--month 2026-11] [--db FILE]   a realistic month of the demo office in a
                                                   demo database of its own, to try the statistics (`server.demo.month`)
    willkommen-server appointments import FILE     the booking system's day, through the running
                                                   server as its admin terminal (`server.booking.importing`)
    willkommen-server plan import FILE             the office's plan from a CSV, the same way (`server.manager.plan`)
    willkommen-server network …                    the network of offices (`server.network.cli`)
    willkommen-server draw verify FILE             recompute a published lottery draw (`server.access.cli`)
    willkommen-server people hash                  the line password_hash = "…" for [[people]] (`server.manager.people`)
    willkommen-server host FOLDER FOLDER …         several offices in one process, each from its folder
                                                   (office.toml, server.env): `server.hosting`

Everything these commands say to the admin (`--help`, a wrong option, a file that cannot be read,
what was done) is in the staff's words, German, English with `--lang en` after the command
(`config.command`, the staff catalogues' `[cli]`). A configuration error is printed as one line
naming file, key and expectation, and the exit
status is 2, as for an option out of range (`--port 99999`, `--speed 0`); so is a database file that another server holds or that is damaged (named, with
what is wrong, and left untouched), and a port that is already in use. SIGINT and SIGTERM stop it cleanly (status 0); a failed commit stops it with 1, and so does an
error in the demo's simulated office (logged with its traceback), and a PostgreSQL that does not
answer or has no primary yet at the start (a failover, a reboot: a supervisor's restart may find it). The demo office's public
passwords are refused beyond this machine (`public_passwords_refusal`: status 2).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
import time
from dataclasses import replace
from pathlib import Path

import platformdirs

from config import ConfigError, default_path, load_site
from config.command import Words, command_lang, say_file_problem
from config.files import readable

from server.edge import logs
from server.manager.demo_secrets import public_passwords_refusal
from server.options import OneLineParser, port_number, positive
from server.store import database, is_url

DEFAULT_PORT = 8765

def default_db(demo: bool = False) -> Path:
    """The office's file; the demo's simulated day goes to a file of its own, so trying
    `--demo` on an office's machine never mixes invented visitors into its real day."""
    return platformdirs.user_data_path("willkommen") / ("demo.sqlite3" if demo else "willkommen.sqlite3")


def listening_url(site, host: str, port: int) -> str:
    """Where this server answers, for the ticket's QR code: a wildcard address is no place a
    phone can go, the machine's name is (on most office networks)."""
    if host in ("", "0.0.0.0", "::"):
        host = socket.gethostname()
    if ":" in host:
        host = f"[{host}]"
    return f"{'https' if site.tls_cert else 'http'}://{host}:{port}"


def speed_factor(text: str) -> float:
    """At 0 the simulated office never moves (every wait is endless) and nothing says why."""
    return positive(text, "speed")


def parse_args(argv: list[str] | None, lang: str | None = None) -> argparse.Namespace:
    """The serving server's options; `--help` and a refusal in the staff's words (`config.command`)."""
    parser = OneLineParser(prog="willkommen-server", lang=lang)
    w = parser.words
    parser.description = w("server.description") + "\n\n" + w("server.commands")
    parser.add_argument("--config", type=Path, default=None, metavar=w("server.file_metavar"),
                        help=w("server.config", default=default_path()))
    parser.add_argument("--host", default="127.0.0.1", help=w("server.host"))
    parser.add_argument("--port", type=port_number, default=DEFAULT_PORT, help=w("server.port"))
    parser.add_argument("--db", type=database, default=None,
                        help=w("server.db", default=default_db(), demo=default_db(demo=True)))
    parser.add_argument("--demo", action="store_true", help=w("server.demo"))
    parser.add_argument("--speed", type=speed_factor, default=10.0, help=w("server.speed"))
    parser.add_argument("--human", action="append", default=[], metavar=w("server.human_metavar"),
                        help=w("server.human"))
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"],
                        help=w("server.log_level"))
    return parser.parse_args(argv)


def maintain(argv: list[str]) -> int:
    """`backup DEST` and `restore BACKUP`: status 0 when done, 2 with one line when not."""
    from server.store.backup import BackupFailed, backup, restore
    from server.store.unavailable import StoreUnavailable

    parser = OneLineParser(prog=f"willkommen-server {argv[0]}", lang=command_lang(argv))
    w, which = parser.words, "backup" if argv[0] == "backup" else "restore"
    parser.add_argument("file", type=Path, metavar=w(f"server.{which}_metavar"), help=w(f"server.{which}_file"))
    parser.add_argument("--db", type=database, default=None, metavar=w("server.file_metavar"),
                        help=w("server.maintain_db", default=default_db()))
    args = parser.parse_args(argv[1:])
    db = args.db or default_db()
    if is_url(db):  # PostgreSQL has its own tools, made for a running database
        return parser.refuse("usage.sqlite_only", command=argv[0])
    try:  # the file read first: not there, not allowed, a folder is said in the staff's words
        readable(db if argv[0] == "backup" else args.file)
    except ConfigError as exc:
        return say_file_problem(parser.prog, exc, w)
    try:
        if argv[0] == "backup":
            backup(db, args.file)
            print(f"{parser.prog}: {w('done.backup', db=db, dest=args.file)}", file=sys.stderr)
        else:
            aside = restore(args.file, db)
            said = w("done.restore_kept", db=db, backup=args.file, aside=aside) if aside else \
                w("done.restore", db=db, backup=args.file)
            print(f"{parser.prog}: {said}", file=sys.stderr)
    except (BackupFailed, StoreUnavailable) as exc:
        return say_file_problem(parser.prog, exc, w)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["backup"], ["restore"]):
        return maintain(argv)
    if argv[:1] == ["demo-month"]:
        return demo_month(argv[1:])
    if argv[:1] == ["network"]:
        from server.network.cli import main as network

        return network(argv[1:])
    if argv[:1] == ["host"]:
        from server.hosting import main as host

        return host(argv[1:])
    if argv[:1] == ["draw"]:
        from server.access.cli import main as draw

        return draw(argv[1:])
    if argv[:1] == ["people"]:
        from server.manager.people import main as people

        return people(argv[1:], prog="willkommen-server people")
    if argv[:2] == ["appointments", "import"]:
        from server.booking.importing import command

        return command(argv[2:])
    if argv[:2] == ["plan", "import"]:
        from server.manager.plan import command as plan_import

        return plan_import(argv[2:])
    if argv[:1] == ["plan"]:  # the only plan command so far is import
        return usage("plan", argv[1:])
    if argv[:1] == ["appointments"]:  # the only appointments command so far is import
        return usage("appointments", argv[1:])
    args = parse_args(argv, lang=command_lang(argv))
    logs.setup(args.log_level)
    try:
        site = load_site(args.config)
    except ConfigError as exc:
        return say_file_problem("willkommen-server", exc, Words(args.lang))
    if (refusal := public_passwords_refusal(site, args.host, Words(args.lang))) is not None:
        print(f"willkommen-server: {refusal}", file=sys.stderr)
        return 2
    return asyncio.run(serve(site, args))


def usage(command: str, argv: list[str]) -> int:
    """`willkommen-server plan` (or `appointments`) without `import`: its usage line in the staff's
    words, on stdout with status 0 when asked for (`--help`), else on stderr with status 2."""
    helping = bool(argv) and argv[0] in ("--help", "-h")
    print(Words(command_lang(argv))(f"usage.{command}"), file=sys.stdout if helping else sys.stderr)
    return 0 if helping else 2


def chosen_db(args: argparse.Namespace, site) -> Path | str:
    """`--db`, else the site file's `database`, else the default file; the demo's simulated
    visitors never go into the database an office's site file names."""
    if args.db:
        return args.db
    if site.database and not args.demo:
        return database(site.database)
    return default_db(demo=args.demo)


async def serve(site, args: argparse.Namespace) -> int:
    from server.edge.app import CannotListen, Server  # heavy imports after the config is known to be good
    from server.hosting import long_lived
    from server.store.unavailable import StoreUnavailable, StoreUnreachable

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):  # before starting: a stop that comes while the
        loop.add_signal_handler(sig, stop.set)   # day is rebuilt is a clean stop right after
    if args.demo:
        from server.demo.simulator import paced, simulate
        from server.access.demo import registrations, soon
    office = soon(paced(site, args.speed), time.time()) if args.demo else site  # the demo's minutes are shorter
    # (server/demo/simulator.py), its lottery's window open now (server/access/demo.py)
    server = Server(office, chosen_db(args, site), always_open=args.demo)
    try:
        await server.start(args.host, args.port)
    except (StoreUnavailable, CannotListen) as exc:
        say_file_problem("willkommen-server", exc, Words(args.lang))  # a database file's problem in the staff's words
        return 1 if isinstance(exc, StoreUnreachable) else 2  # 1: a supervisor tries again
    if args.demo or args.config is None:  # the bundled office's public_url names no real host
        server.site = replace(office, public_url=listening_url(site, args.host, server.port))
    long_lived()  # the start's objects out of the collector's sight (server.hosting)
    tasks = [asyncio.create_task(stop.wait()), asyncio.create_task(server.failed.wait())]
    if args.demo:
        url = f"ws://127.0.0.1:{server.port}/"
        print(f"Willkommen demo: open http://127.0.0.1:{server.port}/ (every page and the demo's accounts), "
              f"http://127.0.0.1:{server.port}/display (the waiting room). Ctrl-C stops.", file=sys.stderr)
        tasks.append(asyncio.create_task(simulate(site, url, speed=args.speed, humans=set(args.human))))
        if office.access.enabled:
            tasks.append(asyncio.create_task(registrations(office, url)))
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    simulator_failed = simulator_error(tasks[2:])
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await server.stop()
    if isinstance(failure := server.writer.failure, StoreUnavailable) and failure.why:
        # another server took the office while this one could not reach it (PostgreSQL): the
        # log has it in English with its traceback; the admin reads it here in the staff's words
        say_file_problem("willkommen-server", failure, Words(args.lang))
    return 1 if server.failed.is_set() or simulator_failed else 0


def simulator_error(tasks: list[asyncio.Task]) -> bool:
    """The demo's simulated office stopped with an error: logged with its traceback, and the
    server stops with status 1 (a demo with no visitors is no demo)."""
    for task in tasks:
        if task.done() and not task.cancelled() and (exc := task.exception()) is not None:
            logging.getLogger("willkommen.demo").error("the demo's simulated office failed: the server stops",
                                                       exc_info=exc)
            return True
    return False


def demo_month(argv: list[str]) -> int:
    """`willkommen-server demo-month [--month YYYY-MM] [--db FILE] [--config FILE] [--seed N]`:
    status 0 when filled, 2 with one line when not (a bad month, a file with events)."""
    import argparse
    import sys

    from datetime import date, timedelta

    from server.demo.month import fill, office_days

    last_month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    default = default_db(demo=True).with_name("demo-month.sqlite3")
    parser = OneLineParser(prog="willkommen-server demo-month", lang=command_lang(argv))
    w = parser.words
    parser.description = w("server.demo_month")
    parser.add_argument("--month", default=last_month, help=w("server.month", default=last_month))
    parser.add_argument("--db", type=database, default=default, metavar=w("server.file_metavar"),
                        help=w("server.month_db", default=default))
    parser.add_argument("--config", type=Path, default=None, metavar=w("server.file_metavar"),
                        help=w("server.month_config"))
    parser.add_argument("--seed", type=int, default=None, help=w("server.seed"))
    args = parser.parse_args(argv)
    if is_url(args.db):
        return parser.refuse("usage.demo_month_sqlite")
    try:
        site = load_site(args.config, secrets=False)
    except ConfigError as exc:
        return say_file_problem(parser.prog, exc, w)
    try:
        days = office_days(args.month)
        args.db.parent.mkdir(parents=True, exist_ok=True)
        filled = fill(site, args.db, args.month, seed=month_seed(args.config, site) if args.seed is None else args.seed)
    except ValueError:
        return parser.refuse("usage.month", value=repr(args.month))
    except (FileExistsError, argparse.ArgumentTypeError) as exc:
        print(f"willkommen-server demo-month: {exc}", file=sys.stderr)
        return 2
    from server.manager.stats.dates import label

    port = office_port(args.config)
    run = (f"--config {args.config} " if args.config else "") + f"--db {args.db}"  # the office's services, names, hours
    run += f" --port {port}" if port != DEFAULT_PORT else ""
    print(f"{parser.prog}: " + w("done.demo_month", tickets=filled.tickets, days=len(days), month=args.month,
                                 month_name=label(args.month, w.lang), db=args.db, events=filled.events, run=run,
                                 port=port), file=sys.stderr)
    return 0


def month_seed(config: Path | None, site) -> int:
    """`demo-month`'s seed when none is given: 7 for the bundled demo office (the README's
    figures), else one of the office's own (its name and network id), so two offices' made-up
    months differ and the network page has something to compare (r-admin-4, finding 9)."""
    import zlib

    if config is None or Path(config).resolve() == default_path().resolve():
        return 7
    return zlib.crc32(f"{site.name}|{site.network.office if site.network else ''}".encode())


def office_port(config: Path | None) -> int:
    """The port the office is served on: `PORT` of its `server.env` beside the site file (the
    systemd units' layout), else of the environment, else the default."""
    from server.hosting import ENV_FILE, environment

    found = os.environ.get("PORT", "")
    if config is not None and (Path(config).resolve().parent / ENV_FILE).is_file():
        try:
            found = environment(Path(config).resolve().parent / ENV_FILE).get("PORT", found)
        except Exception:  # an unreadable server.env (its server says so): the hint keeps the default
            pass
    return int(found) if found.isdigit() and 0 < int(found) <= 65535 else DEFAULT_PORT
