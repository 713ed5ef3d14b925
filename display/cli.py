"""`willkommen-display`: the waiting-room board in a terminal.

    willkommen-display                                        # anonymous, every zone
    willkommen-display --terminal display-ground --token … --zone ground-floor

For a TV, open http://<server>:8765/display in a browser instead: it also gongs and speaks.
"""

from __future__ import annotations

import argparse
import os

from server.wire.session import ClientSession


def parser() -> argparse.ArgumentParser:
    """The options (tests/test_deploy.py reads deploy/willkommen-display.service's with it)."""
    parser = argparse.ArgumentParser(prog="willkommen-display", description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("WILLKOMMEN_URL", "ws://127.0.0.1:8765/"),
                        help="the server (default ws://127.0.0.1:8765/ or $WILLKOMMEN_URL)")
    parser.add_argument("--terminal", default=os.environ.get("WILLKOMMEN_TERMINAL", ""),
                        help="a display terminal of the site config, e.g. display-ground (or $WILLKOMMEN_TERMINAL; "
                             "empty: anonymous, if the site allows)")
    parser.add_argument("--token", default=os.environ.get("WILLKOMMEN_TOKEN", ""),
                        help="that terminal's token (better: $WILLKOMMEN_TOKEN, not visible in ps)")
    parser.add_argument("--zone", action="append", default=[], help="show only this zone; repeatable")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from display.app import DisplayApp

    session = ClientSession(args.url, role="display", terminal=args.terminal, token=args.token)
    DisplayApp(session, zones=args.zone).run()
    return 0
