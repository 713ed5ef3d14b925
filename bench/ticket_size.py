"""How big a ticket is on the wire, and how long a serial line takes to carry it.

    .venv/bin/python -m bench.ticket_size            # a table, then JSON lines
    .venv/bin/python -m bench.ticket_size --lang ar --lang ps

Every site language of the demo office, for the service with the longest document list
(first residence permit, five documents), with and without the interpreter line (a visitor
who asked for help with German), on 80 mm (TM-T20II) and 58 mm (POS-5890) paper, with the
code pages (`native`) and raster only (`?text=raster`). Bytes are what python-escpos hands the
printer (a Dummy); seconds are those bytes over a serial line at 19200 and 115200 baud, 8N1
(10 bits a byte). The printer's own printing speed comes on top (a raster ticket is also
slower to print: ~80 mm/s on a cheap printer).
"""

from __future__ import annotations

import argparse
import json
import time

from config import load_site
from kiosk.ticket import layout
from printing.printers import open_printer
from server.edge import views
from server.wire import protocol as p

PAPERS = {"80": "dummy:", "58": "dummy:?paper=58"}
BAUDS = (19200, 115200)


def ticket(site: p.SiteView, lang: str, *, interpreter: bool) -> p.Reply:
    view = p.TicketView(number="A017", service="residence", lang=lang, state="waiting", issued_at=time.time(),
                        token="x" * 22, interpreter=interpreter)
    return p.Reply(re=1, ticket=view, ahead=12, eta=(35, 70))


def size(site: p.SiteView, lang: str, paper: str, text: str, interpreter: bool) -> int:
    url = PAPERS[paper] + ("&" if "?" in PAPERS[paper] else "?") + f"text={text}"
    printer = open_printer(url)
    printer.print(layout(site, ticket(site, lang, interpreter=interpreter), lang=lang))
    return len(printer.output)


def run(languages: list[str] | None = None) -> list[dict]:
    site = views.site(load_site())
    rows = []
    for lang in languages or site.languages:
        for paper in PAPERS:
            for text in ("native", "raster"):
                for interpreter in ((False,) if lang == "de" else (False, True)):
                    n = size(site, lang, paper, text, interpreter)
                    rows.append({"lang": lang, "paper_mm": int(paper), "text": text, "interpreter": interpreter,
                                 "bytes": n, **{f"s_at_{baud}": round(n * 10 / baud, 1) for baud in BAUDS}})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ticket_size", description=__doc__.split("\n")[0])
    parser.add_argument("--lang", action="append", help="only this language (repeatable; default: every site language)")
    rows = run(parser.parse_args().lang)
    print(f"{'lang':5} {'mm':>3} {'text':7} {'interp.':7} {'KB':>6} {'s@19200':>8} {'s@115200':>9}")
    for row in rows:
        print(f"{row['lang']:5} {row['paper_mm']:>3} {row['text']:7} {'yes' if row['interpreter'] else '':7} "
              f"{row['bytes'] / 1000:6.1f} {row['s_at_19200']:8.1f} {row['s_at_115200']:9.1f}")
    for row in rows:
        print(json.dumps({"bench": "ticket_size", **row}))


if __name__ == "__main__":
    main()
