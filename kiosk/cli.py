"""`willkommen-kiosk`: the ticket kiosk.

    willkommen-kiosk --terminal kiosk-1 --token demo-kiosk-1 --printer preview:///tmp/tickets
    WILLKOMMEN_TOKEN=... willkommen-kiosk --url wss://queue.example.de/ --terminal kiosk-1
    willkommen-kiosk printer-test --printer serial:///dev/ttyUSB0?paper=58 [--profile NAME] [--raster]

The printer comes from `--printer` or from the terminal's `printer` in the site config.
`printer-test` prints the printer test page (printing/testpage.py) and says what it sent.
"""

from __future__ import annotations

import os
import sys

from config.command import StaffParser, command_lang, say_file_problem
from server.wire.session import ClientSession

IDLE_SECONDS = 30.0  # until the start screen returns: a visitor who walked away leaves no choices behind


def parser(lang: str = "de") -> StaffParser:
    """The options (tests/test_deploy.py reads deploy/willkommen-kiosk.service's with it), in the
    staff's words (`--lang en`: English; the visitors choose their own language on the screen)."""
    parser = StaffParser(prog="willkommen-kiosk", lang=lang)
    w = parser.words
    parser.description, parser.epilog = w("client.kiosk"), w("client.kiosk_epilog")
    parser.add_argument("--url", default=os.environ.get("WILLKOMMEN_URL", "ws://127.0.0.1:8765/"), help=w("client.url"))
    parser.add_argument("--terminal", default=os.environ.get("WILLKOMMEN_TERMINAL"), help=w("client.kiosk_terminal"))
    parser.add_argument("--token", default=os.environ.get("WILLKOMMEN_TOKEN"), help=w("client.kiosk_token"))
    parser.add_argument("--printer", default=os.environ.get("WILLKOMMEN_PRINTER"), help=w("client.printer"))
    parser.add_argument("--on-print-failure", choices=["show", "cancel"], default="show",
                        help=w("client.on_print_failure"))
    parser.add_argument("--idle", type=float, default=IDLE_SECONDS, metavar=w("client.idle_metavar"),
                        help=w("client.idle", default=f"{IDLE_SECONDS:g}"))
    return parser


def printer_test_parser(lang: str = "de") -> StaffParser:
    parser = StaffParser(prog="willkommen-kiosk printer-test", lang=lang)
    w = parser.words
    parser.description = w("client.printer_test")
    parser.add_argument("--printer", default=os.environ.get("WILLKOMMEN_PRINTER"), help=w("client.test_printer"))
    parser.add_argument("--profile", help=w("client.profile"))
    parser.add_argument("--raster", action="store_true", help=w("client.raster"))
    return parser


def with_options(url: str, **options: str) -> str:
    """`url` with query options added (or replaced)."""
    from urllib.parse import parse_qsl, urlencode

    base, _, query = url.partition("?")
    merged = dict(parse_qsl(query)) | {k: v for k, v in options.items() if v}
    return f"{base}?{urlencode(merged, safe=':/')}" if merged else base


def printer_test(argv: list[str]) -> int:
    command = printer_test_parser(command_lang(argv))
    args = command.parse_args(argv)
    if not args.printer:
        return command.refuse("usage.printer")
    from printing.printers import PrinterError, open_printer
    from printing.testpage import test_page, used_pages

    url = with_options(args.printer, profile=args.profile, text="raster" if args.raster else "")
    try:
        printer = open_printer(url)
        width = getattr(printer, "width", None) or int(printer.device.profile.media["width"]["pixels"])
        printer.print(test_page(printer.profile, width, raster_only=printer.raster_only), name="printer-test")
    except PrinterError as exc:  # a printer URL that names no device, or a wrong option: in the staff's words
        return say_file_problem(command.prog, exc, command.words)
    from printing.codepages import code_pages

    numbers = code_pages(printer.profile)
    print(f"printed the test page on {url} (profile {printer.profile}, {width} dots)")
    if printer.raster_only:
        print("text: raster only, no code page sent")
    for page, langs in ([] if printer.raster_only else used_pages(printer.profile).items()):
        print(f"  ESC t {numbers[page]:>3} = {page:<8} {' '.join(langs) or 'ASCII'}")
    if getattr(printer, "last", None):
        print(f"picture: {printer.last}")
    printer.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["printer-test"]:
        return printer_test(argv[1:])
    command = parser(command_lang(argv))
    args = command.parse_args(argv)
    if not args.terminal or not args.token:
        return command.refuse("usage.terminal_token")
    if args.printer:
        from printing.printers import PrinterError, open_printer

        try:
            open_printer(args.printer).close()
        except PrinterError as exc:
            return say_file_problem(command.prog, exc, command.words)
    from kiosk.app import KioskApp

    session = ClientSession(args.url, role="kiosk", terminal=args.terminal, token=args.token)
    KioskApp(session, printer_url=args.printer, on_print_failure=args.on_print_failure,
             idle_seconds=args.idle).run()
    return 0
