"""`willkommen-server draw verify FILE` and `willkommen-server draw export DAY`.

    willkommen-server draw verify FILE [--closed EARLY]
                                                recompute a published draw (GET /draw/<day>.json):
                                                "matches" and status 0, what differs and status 1,
                                                "not drawn yet" and status 3 before the draw
    willkommen-server draw export DAY [--url http://127.0.0.1:8765] [--out FILE]
                                                fetch a day's proof from the running server

Anyone can run `verify`: it needs the file only, not the office's secret or database.
"""

from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request
from pathlib import Path

from server.access.proof import against_close, verify_file

USAGE = ("usage: willkommen-server draw verify FILE | willkommen-server draw export DAY [--url URL] [--out FILE]")


def main(argv: list[str]) -> int:
    if argv[:1] == ["verify"]:
        parser = argparse.ArgumentParser(prog="willkommen-server draw verify",
                                         description="recompute a published draw and say whether it matches")
        parser.add_argument("file", type=Path, help="the draw's file, as GET /draw/<day>.json gives it")
        parser.add_argument("--closed", type=Path, default=None, metavar="EARLY",
                            help="the same day's file as fetched after the window closed, before the draw")
        args = parser.parse_args(argv[1:])
        status, lines = verify_file(args.file)
        if args.closed is not None and status == 0:
            problems = against_close(args.file, args.closed)
            if problems:
                status, lines = 1, [f"does not match the file fetched at the close ({args.closed})", *problems]
            else:
                lines.append(f"and the seed hash and the entries are those committed at the close ({args.closed})")
        print("\n".join(lines))
        return status
    if argv[:1] == ["export"]:
        parser = argparse.ArgumentParser(prog="willkommen-server draw export",
                                         description="fetch a day's draw file from the running server")
        parser.add_argument("day", help="the lottery day, YYYY-MM-DD")
        parser.add_argument("--url", default="http://127.0.0.1:8765", help="the server (default %(default)s)")
        parser.add_argument("--out", type=Path, default=None, help="the file (default draw-DAY.json)")
        args = parser.parse_args(argv[1:])
        out = args.out or Path(f"draw-{args.day}.json")
        try:
            with urllib.request.urlopen(f"{args.url.rstrip('/')}/draw/{args.day}.json", timeout=30) as response:
                out.write_bytes(response.read())
        except urllib.error.HTTPError as exc:
            said = "no lottery for that day" if exc.code == 404 else f"the server answered {exc.code} {exc.reason}"
            print(f"willkommen-server draw export: {said} ({args.day} at {args.url})", file=sys.stderr)
            return 2
        except (urllib.error.URLError, OSError) as exc:
            print(f"willkommen-server draw export: {exc}", file=sys.stderr)
            return 2
        print(f"willkommen-server draw export: {out}", file=sys.stderr)
        return 0
    print(USAGE, file=sys.stdout if argv[:1] in (["--help"], ["-h"]) else sys.stderr)
    return 0 if argv[:1] in (["--help"], ["-h"]) else 2
