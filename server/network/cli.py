"""`willkommen-server network …`: the network's server and an office's commands.

    willkommen-server network serve --config network.toml [--host H] [--port 8770] [--db FILE|URL]
    willkommen-server network send --to URL --office ID [--days 14]          (server.network.send)
    willkommen-server network publish --to URL --office ID [--config site.toml] (server.network.share)
    willkommen-server network list|compare OFFICE|adopt OFFICE --what … --to URL --office ID
    willkommen-server network undo [--config site.toml]      the newest adoption's language files taken back
    willkommen-server network forget OFFICE --config network.toml [--month M]  an office's days out (server.network.forget)

A configuration error is one line and status 2; a refusal by the network, status 1.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:
        return serve_command(argv[1:])
    if argv[:1] == ["send"]:
        from server.network.send import command
        return command(argv[1:])
    if argv[:1] in (["publish"], ["list"], ["compare"], ["adopt"]):
        from server.network.share import command as share
        return share(argv[0], argv[1:])
    if argv[:1] == ["forget"]:
        from server.network.forget import command as forget
        return forget(argv[1:])
    if argv[:1] == ["undo"]:
        from server.network.share import undo_command
        return undo_command(argv[1:])
    return usage(argv)


def usage(argv: list[str]) -> int:
    """`network --help`: the usage line, then each command in one line (on stdout, status 0); no
    or an unknown command: the usage line alone on stderr, status 2."""
    from config.command import StaffParser, command_lang

    parser = StaffParser(prog="willkommen-server network", lang=command_lang(argv))
    w = parser.words
    parser.usage = "%(prog)s serve|send|publish|list|compare|adopt|undo|forget …"
    parser.description = w("network.description") + "\n\n" + w("network.commands")
    if argv[:1] in (["--help"], ["-h"]):
        parser.print_help()
        return 0
    print(w("usage.network"), file=sys.stderr)
    return 2


def serve_command(argv: list[str]) -> int:
    from config import ConfigError

    from server.network.options import OneLineParser, port_number
    from server.edge import logs
    from server.network.settings import load_network

    from config.command import command_lang

    parser = OneLineParser(prog="willkommen-server network serve", lang=command_lang(argv))
    w = parser.words
    parser.description = w("network.serve")
    parser.add_argument("--config", type=Path, required=True, metavar=w("server.file_metavar"),
                        help=w("network.network_file"))
    parser.add_argument("--host", default="127.0.0.1", help=w("network.host"))
    parser.add_argument("--port", type=port_number, default=8770, help=w("network.port", default=8770))
    parser.add_argument("--db", default=None, metavar=w("server.file_metavar"), help=w("network.network_db"))
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"],
                        help=w("server.log_level"))
    args = parser.parse_args(argv)
    logs.setup(args.log_level)
    try:
        network = load_network(args.config)
    except ConfigError as exc:
        from config.command import say_file_problem
        return say_file_problem(parser.prog, exc, parser.words)
    db = args.db or network.database
    if not db:
        print(f"{parser.prog}: {w('network.said.no_network_db')}", file=sys.stderr)
        return 2
    return asyncio.run(_serve(network, db, args.host, args.port, w))


async def _serve(network, db, host: str, port: int, w) -> int:
    import logging

    from server.network.listener import NetworkServer

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        server = NetworkServer(network, db)
        bound = await server.start(host, port)
    except OSError as exc:
        import errno

        # a port taken: the same sentence as the office's server, naming how to find the holder
        said = w("file.port_taken", host=host, port=port) if exc.errno == errno.EADDRINUSE else \
            w("network.said.cannot_listen", host=host, port=port, problem=_problem(exc, w))
        print(f"willkommen-server network serve: {said}", file=sys.stderr)
        return 2
    logging.getLogger("willkommen.network").info("serving", extra={"fields": {"host": host, "port": bound}})
    collecting = asyncio.create_task(server.collect_every())
    await stop.wait()
    collecting.cancel()
    await server.stop()
    return 0


def _problem(exc: OSError, w) -> str:
    """Why a port cannot be listened on, in the staff's words where it is a common reason."""
    import errno

    key = {errno.EACCES: "port_denied", errno.EADDRNOTAVAIL: "not_here"}.get(exc.errno)  # (taken: file.port_taken)
    return w(f"network.said.{key}") if key else (exc.strerror or str(exc))
