"""`willkommen-display`: the waiting-room board in a terminal.

    willkommen-display                                        # anonymous, every zone
    willkommen-display --terminal display-ground --token … --zone ground-floor

For a TV, open http://<server>:8765/display in a browser instead: it also gongs and speaks.
"""

from __future__ import annotations

import os
import sys

from config.command import StaffParser, command_lang
from server.wire.session import ClientSession


def parser(lang: str = "de") -> StaffParser:
    """The options (tests/test_deploy.py reads deploy/willkommen-display.service's with it), in
    the staff's words (`--lang en`: English)."""
    parser = StaffParser(prog="willkommen-display", lang=lang)
    w = parser.words
    parser.description = w("client.display")
    parser.add_argument("--url", default=os.environ.get("WILLKOMMEN_URL", "ws://127.0.0.1:8765/"), help=w("client.url"))
    parser.add_argument("--terminal", default=os.environ.get("WILLKOMMEN_TERMINAL", ""),
                        help=w("client.display_terminal"))
    parser.add_argument("--token", default=os.environ.get("WILLKOMMEN_TOKEN", ""), help=w("client.display_token"))
    parser.add_argument("--zone", action="append", default=[], help=w("client.zone"))
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser(command_lang(argv)).parse_args(argv)
    from display.app import DisplayApp

    session = ClientSession(args.url, role="display", terminal=args.terminal, token=args.token)
    DisplayApp(session, zones=args.zone).run()
    return 0
