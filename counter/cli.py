"""`willkommen-counter`: the clerk's workstation.

    willkommen-counter --terminal counter-3 --token demo-counter-3            # the demo server
    WILLKOMMEN_TOKEN=... willkommen-counter --url wss://queue.example.de/ --terminal counter-3 --lang en

The counter it stands at comes from the server's site config (the terminal's `counter`).
"""

from __future__ import annotations

import os
import sys

from config.command import StaffParser, Words, command_lang
from server.wire.session import ClientSession


def parser(lang: str = "de") -> StaffParser:
    """The options (tests/test_deploy.py reads deploy/willkommen-counter.service's with it), in
    the staff's words; `--lang` is also the clerk's language at the counter."""
    parser = StaffParser(prog="willkommen-counter", lang=lang, lang_help=Words(lang)("client.counter_lang"))
    w = parser.words
    parser.description = w("client.counter")
    parser.add_argument("--url", default=os.environ.get("WILLKOMMEN_URL", "ws://127.0.0.1:8765/"), help=w("client.url"))
    parser.add_argument("--terminal", default=os.environ.get("WILLKOMMEN_TERMINAL"), help=w("client.counter_terminal"))
    parser.add_argument("--token", default=os.environ.get("WILLKOMMEN_TOKEN"), help=w("client.token"))
    parser.add_argument("--printer", default=None, help=w("client.counter_printer"))
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = parser(command_lang(argv))
    args = command.parse_args(argv)
    if not args.terminal or not args.token:
        return command.refuse("usage.terminal_token")
    from counter.app import CounterApp  # Textual loads only when there is something to show

    session = ClientSession(args.url, role="counter", terminal=args.terminal, token=args.token, lang=args.lang,
                            explain=True)
    CounterApp(session, lang=args.lang, printer_url=args.printer).run()
    return 0
