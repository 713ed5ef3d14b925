"""The network page's hidden counts against an exact integer attacker, over many made-up months.

`python -m bench.network_privacy [--months 3000] [--seed 1] [--off]` (needs scipy, which the
project does not depend on: `pip install scipy` in the venv). For each month of 1 to 6 offices
with counts around five (as the property test's, tests/test_network_privacy.py, but many more),
`figures.protected` hides what it hides; then, for every hidden count, scipy's MILP solver (HiGHS)
finds its least and greatest whole value under every sum a reader adds up (the network's total
of each count, visitors = served + no-shows where the rest is 0) and what the marks say ("–*"
1 to 4, "–†" 5 or more, or 1 or more where `shield` lifted it: `figures.UNSIZED`). A count whose least and
greatest are one value is a leak. Complete where the test's attacker (elimination and range
narrowing) need not be. `--off` switches the shield off: what the page gave away before.
Also the time `protected` takes for thirty offices' year.
"""

from __future__ import annotations

import argparse
import json
import random
import time

from server.network import figures as f
from server.network.store import Month


def office(rng: random.Random) -> Month:
    def small() -> int:
        return rng.choice([rng.randint(0, 9), rng.randint(0, 9), rng.randint(10, 400)])
    served, no_shows, rest = small(), small(), rng.choice([0, 0, 0, 1, 2, -1])
    referrals, answers = small(), small()
    return Month(days=20, visitors=max(0, served + no_shows + rest), served=served, no_shows=no_shows,
                 counts={"referral": {"jobcenter": referrals} if referrals else {},
                         "feedback": {"4": answers} if answers else {}})


def pinned(months: dict[str, Month]) -> tuple[list, int]:
    """(the hidden counts an exact attacker pins, with their values; how many are hidden)."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    rows, whole = f.protected(months)
    table, raw = {**rows, f.NETWORK: whole}, {**months, f.NETWORK: f.total(list(months.values()))}
    keys = [(o, k) for o in table for k in f.COUNTS]
    at = {key: i for i, key in enumerate(keys)}
    low, high, hidden = np.zeros(len(keys)), np.full(len(keys), 10.0 ** 7), []
    for (o, k), i in at.items():
        shown = table[o][k]
        if f.hidden(shown):
            hidden.append(i)
            low[i], high[i] = (1, 4) if shown is f.HIDDEN else (1 if shown is f.UNSIZED else 5, 10.0 ** 7)
        else:
            low[i] = high[i] = shown
    sums = []
    for k in f.COUNTS:
        sums.append({at[(f.NETWORK, k)]: 1, **{at[(o, k)]: -1 for o in months}})
    for o, m in raw.items():
        if m.visitors == m.served + m.no_shows:
            sums.append({at[(o, "visitors")]: 1, at[(o, "served")]: -1, at[(o, "no_shows")]: -1})
    matrix = np.zeros((len(sums), len(keys)))
    for r, terms in enumerate(sums):
        for i, a in terms.items():
            matrix[r, i] = a
    rule = LinearConstraint(matrix, 0, 0)
    found = []
    for i in hidden:
        ends = []
        for sign in (1, -1):
            aim = np.zeros(len(keys))
            aim[i] = sign
            answer = milp(aim, constraints=rule, bounds=Bounds(low, high), integrality=np.ones(len(keys)))
            ends.append(round(answer.x[i]))
        if ends[0] == ends[1]:
            found.append((keys[i], ends[0]))
    return found, len(hidden)


def run(months: int, seed: int, off: bool = False) -> dict:
    rng = random.Random(seed)
    shield = f.shield
    if off:
        f.shield = lambda cells, few, **_: {}
    try:
        leaking = hidden = 0
        for _ in range(months):
            found, count = pinned({f"o{i}": office(rng) for i in range(rng.randint(1, 6))})
            leaking, hidden = leaking + bool(found), hidden + count
    finally:
        f.shield = shield
    year = [{f"o{i:02d}": office(rng) for i in range(30)} for _ in range(12)]
    start = time.perf_counter()
    for month in year:
        f.protected(month)
    return {"bench": "network_privacy", "months": months, "seed": seed, "shield": not off, "hidden_counts": hidden,
            "months_with_a_pinned_count": leaking, "thirty_offices_year_s": round(time.perf_counter() - start, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.network_privacy")
    parser.add_argument("--months", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--off", action="store_true", help="the shield switched off: what the page gave away before")
    args = parser.parse_args()
    print(json.dumps(run(args.months, args.seed, args.off)))


if __name__ == "__main__":
    main()
