"""The draw path in one process, without the network: what the queue core and the store do per
draw, and what in it grows with the queue.

`python -m bench.draw_path [--draws 200000] [--group 30] [--counters 0] [--profile FILE]`

For each draw, as the server does it: `Office.draw` (with the range printed on the ticket),
the kiosk's reply (built and encoded), and per `group` draws one commit (`Store.rows` and
`Store.write`); every `QUEUE_PUSH_DELAY` of the office's clock, the queue frame every kiosk,
counter and display gets (`views.queue` for each service: length, longest wait, estimate,
interpreters). Draws come 10,000 a second of the office's clock, and nobody is called, so the
queues grow as in `python -m bench --only draws` (which piles up hundreds of thousands).

Prints CPU microseconds per draw (process time: the machine's neighbours slow it, they do
not add to it); with `--profile`, cProfile's top functions. An instruction count, which does
not move with the neighbours: `valgrind --tool=callgrind python -m bench.draw_path --draws N`
minus the same with `--draws 0` (a run's imports and start), divided by N.

Measured on 2 busy cores, 200,000 draws, 30 a commit: 32 us per draw before typed events
(the interpreters of each queue counted over every waiting ticket four times a second: 14 % of
the path at 200,000 waiting), 25.5 us after (counted as tickets come and go; events untracked
by the garbage collector).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

from config import load_site
from server.core import Office
from server.edge import views
from server.store.sqlite import Store
from server.wire import protocol as p

SERVICES = ("residence", "extension", "settlement", "passport", "card-pickup", "info")
PER_DRAW = 0.0001  # s of the office's clock between draws: 10,000 a second
QUEUE_PUSH_DELAY = 0.25  # s between queue frames, as the server sends them (server.edge.app)


def run(draws: int, group: int, counters: int) -> None:
    site = load_site()
    office = Office(site, always_open=True)
    now = time.time()
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "path.sqlite3", timezone=site.timezone)
        for counter in site.counters[:counters]:
            office.open(counter=counter.id, services=None, now=now)
        store.write(store.rows(*office.take_changes()))
        pushed = now
        for first in range(0, draws, group):
            for n in range(first, min(first + group, draws)):
                now += PER_DRAW
                _, ticket = office.draw(kiosk="kiosk-1", service=SERVICES[n % 6], lang="ar", request=f"r{n}",
                                        token=f"t{n}", now=now)
                p.encode(p.Reply(re=n, ticket=views.ticket(ticket, with_token=True), ahead=office.ahead(ticket),
                                 eta=views.printed_estimate(ticket)))
            store.write(store.rows(*office.take_changes()))
            if now - pushed >= QUEUE_PUSH_DELAY:
                pushed = now
                p.encode(p.QueuesChanged(queues=[views.queue(office, s, now) for s in SERVICES]))
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.draw_path")
    parser.add_argument("--draws", type=int, default=200_000)
    parser.add_argument("--group", type=int, default=30, help="draws a commit (50 kiosks: about 30)")
    parser.add_argument("--counters", type=int, default=0, help="counters open (none call)")
    parser.add_argument("--profile", default=None, help="write cProfile's stats here and print the top")
    args = parser.parse_args()
    started = time.process_time()
    run(args.draws, args.group, args.counters)
    spent = time.process_time() - started
    print(f"{args.draws} draws, {args.group} a commit, {args.counters} counters open: "
          f"{spent / max(1, args.draws) * 1e6:.1f} us CPU per draw", flush=True)
    if args.profile:
        cProfile.runctx("run(args.draws, args.group, args.counters)", globals(), {"args": args, "run": run},
                        args.profile)
        pstats.Stats(args.profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
