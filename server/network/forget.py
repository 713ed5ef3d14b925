"""`willkommen-server network forget OFFICE --config network.toml [--month 2026-11] [--db FILE|URL]`:
the coordinator takes an office's days out of the network — a try with a made-up month
(`demo-month` sent with `network send`), or days sent by mistake — so the page compares only
what is real. Its days and their counts, of one month or all; what it published stays (a new
`network publish` replaces that). Beside the running network server (the page reads the
database at each request: the days are gone from it at once). An office the network reads
itself (`read`) gets its real days back at the next hourly read. German, English with
`--lang en`; status 0 when days were removed, 1 when there were none, 2 for a wrong file.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def command(argv: list[str]) -> int:
    from config import ConfigError
    from config.command import command_lang, say_file_problem

    from server.network.options import OneLineParser
    from server.network.settings import load_network
    from server.network.store import NetworkStore

    parser = OneLineParser(prog="willkommen-server network forget", lang=command_lang(argv))
    w = parser.words
    parser.description = w("network.forget")
    parser.add_argument("office", metavar=w("network.other_metavar"), help=w("network.forget_office"))
    parser.add_argument("--config", type=Path, required=True, metavar=w("server.file_metavar"),
                        help=w("network.network_file"))
    parser.add_argument("--month", type=_month, default=None, metavar="JJJJ-MM", help=w("network.forget_month"))
    parser.add_argument("--db", default=None, metavar=w("server.file_metavar"), help=w("network.network_db"))
    args = parser.parse_args(argv)
    try:
        network = load_network(args.config, secrets=False)  # it only deletes rows: no office's token
    except ConfigError as exc:
        return say_file_problem(parser.prog, exc, w)
    db = args.db or network.database
    if not db:
        print(f"{parser.prog}: {w('network.said.no_network_db')}", file=sys.stderr)
        return 2
    store = NetworkStore(db)
    try:
        first, last = (f"{args.month}-01", f"{args.month}-31") if args.month else ("0000-01-01", "9999-12-31")
        removed = store.forget_days(args.office, first, last)
    finally:
        store.close()
    where = args.month or w("network.said.every_month")
    if not removed:
        print(f"{parser.prog}: {w('network.said.nothing_to_forget', office=args.office, month=where)}", file=sys.stderr)
        return 1
    print(f"{parser.prog}: {w('network.said.forgotten', count=removed, office=args.office, month=where)}",
          file=sys.stderr)
    return 0


def _month(text: str) -> str:
    import argparse

    from config.command import said

    if not MONTH.fullmatch(text):
        raise argparse.ArgumentTypeError(said("not_a_month", value=text))
    return text
