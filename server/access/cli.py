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

import sys
import urllib.error
import urllib.request
from pathlib import Path

from config import ConfigError
from config.command import Words, command_lang, say_file_problem
from config.files import readable
from server.access.proof import against_close, verify_file
from server.options import OneLineParser


def main(argv: list[str]) -> int:
    lang = command_lang(argv)
    if argv[:1] == ["verify"]:
        parser = OneLineParser(prog="willkommen-server draw verify", lang=lang)
        w = parser.words
        parser.description = w("draw.verify")
        parser.add_argument("file", type=Path, metavar=w("server.file_metavar"), help=w("draw.verify_file"))
        parser.add_argument("--closed", type=Path, default=None, metavar=w("draw.closed_metavar"),
                            help=w("draw.closed"))
        args = parser.parse_args(argv[1:])
        try:  # a file not there or not allowed is the admin's to fix (2), not a draw that differs (1)
            for path in (args.file, args.closed):
                if path is not None:
                    readable(path)
        except ConfigError as exc:
            return say_file_problem(parser.prog, exc, w)
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
        parser = OneLineParser(prog="willkommen-server draw export", lang=lang)
        w = parser.words
        parser.description = w("draw.export")
        parser.add_argument("day", metavar=w("draw.day_metavar"), help=w("draw.day"))
        parser.add_argument("--url", default="http://127.0.0.1:8765", help=w("draw.url", default="http://127.0.0.1:8765"))
        parser.add_argument("--out", type=Path, default=None, metavar=w("server.file_metavar"), help=w("draw.out"))
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
    print(Words(lang)("usage.draw"), file=sys.stdout if argv[:1] in (["--help"], ["-h"]) else sys.stderr)
    return 0 if argv[:1] in (["--help"], ["-h"]) else 2
