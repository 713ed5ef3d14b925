"""`willkommen-counter`: the clerk's workstation.

    willkommen-counter --terminal counter-3 --token demo-counter-3            # the demo server
    WILLKOMMEN_TOKEN=... willkommen-counter --url wss://queue.example.de/ --terminal counter-3 --lang en

The counter it stands at comes from the server's site config (the terminal's `counter`).
"""

from __future__ import annotations

import argparse
import os
import sys

from server.wire.session import ClientSession


def parser() -> argparse.ArgumentParser:
    """The options (tests/test_deploy.py reads deploy/willkommen-counter.service's with it)."""
    parser = argparse.ArgumentParser(prog="willkommen-counter", description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("WILLKOMMEN_URL", "ws://127.0.0.1:8765/"),
                        help="the server (default ws://127.0.0.1:8765/ or $WILLKOMMEN_URL)")
    parser.add_argument("--terminal", default=os.environ.get("WILLKOMMEN_TERMINAL"),
                        help="this terminal's id in the site config (or $WILLKOMMEN_TERMINAL)")
    parser.add_argument("--token", default=os.environ.get("WILLKOMMEN_TOKEN"),
                        help="this terminal's token (better: $WILLKOMMEN_TOKEN, not visible in ps)")
    parser.add_argument("--lang", default="de", choices=["de", "en"], help="the clerk's language (default de)")
    parser.add_argument("--printer", default=None,
                        help="referral slips: a printer URL as the kiosk's (tcp://, serial://, usb://, file://, "
                             "preview://); default: the terminal's printer in the site config, else none")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not args.terminal or not args.token:
        print("willkommen-counter: --terminal and --token (or $WILLKOMMEN_TERMINAL, $WILLKOMMEN_TOKEN) "
              "are needed", file=sys.stderr)
        return 2
    from counter.app import CounterApp  # Textual loads only when there is something to show

    session = ClientSession(args.url, role="counter", terminal=args.terminal, token=args.token, lang=args.lang,
                            explain=True)
    CounterApp(session, lang=args.lang, printer_url=args.printer).run()
    return 0
