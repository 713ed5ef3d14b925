"""`python -m bench [--quick]`: run the benchmarks, print JSON lines and a table."""

from __future__ import annotations

import argparse

from . import draws


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small counts, a smoke run (CI)")
    parser.add_argument("--clients", type=int, nargs="+", default=None)
    parser.add_argument("--seconds", type=float, default=None)
    args = parser.parse_args()
    seconds = args.seconds or (0.5 if args.quick else 5.0)
    clients = args.clients or ([2] if args.quick else [1, 20, 50])
    rows = draws.run(clients, seconds, ["normal"] if args.quick else ["normal", "full"])
    print(f"\n{'clients':>7} {'sync':>6} {'draws/s':>8} {'echo/s':>8} {'ratio':>6}")
    for r in rows:
        print(f"{r['clients']:>7} {r['synchronous']:>6} {r['willkommen']:>8} {r['echo_baseline']:>8} "
              f"{r['ratio_to_echo']:>6}")


if __name__ == "__main__":
    main()
