"""The draw's public proof, `GET /draw/<day>.json`, and `willkommen-server draw verify FILE`.

The file holds no name, birth date, contact, identity hash or code: each entry is named by
SHA-256 of its secret entry key (`lottery.public_key`), which only its visitor knows::

    {"day": "2026-12-08", "seed_hash": "…",            published when the window opens
     "entries_hash": "…",                               from the window's close: SHA-256 of the
                                                        sorted entry hashes, one a line
     "witness": "4 2 6 1",                              a witness's words, given after the close
                                                        on the floor board (null: none); the
                                                        draw ranks by `lottery.draw_seed`
     "seed": "…", "urgent_share": 0.25,                 from the draw on
     "contingent": {"residence": 30},
     "entries": [{"entry": "…", "service": "residence", "urgent": false, "weight": 2}, …],
     "places": [{"entry": "…", "service": "residence", "urgent": true,
                 "window_start": "07:30", "window_end": "08:00"}, …],
     "rest": ["…", …]}                                  the waiting list, in the order drawn

`verify` recomputes the places from the seed, the entries and their weights, the contingent
and the urgent share (`server.core.lottery.verify`) and says "matches" or what differs.
With `--closed EARLY` (the file as fetched between the window's close and the draw) it also
checks that the seed hash and the entry list are the ones committed then.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec

from server.core.access import AccessDay
from server.core.lottery import entries_hash
from server.core.lottery import verify as recompute


def version(day: AccessDay, now: float) -> tuple:
    """What `proof` reads that can still change: entries are only added (each fixed when it
    came), the window closes once, a witness speaks once, the draw is made once. Two equal
    versions make the same file (`Access.published` keeps it made: after a draw of 10,000
    entries the file is 2 MB and took the event loop 0.3-0.7 s a request)."""
    return len(day.entries), day.drawn is not None, day.witness is not None, now >= day.closes_at


def encoded(day: AccessDay, tz: ZoneInfo, now: float) -> bytes:
    """The file as served: msgspec's encoder, not `json.dumps(indent=…)`, whose indenting runs in
    Python (a draw of 10,000 entries: 80 ms instead of 350 ms)."""
    return msgspec.json.format(msgspec.json.encode(proof(day, tz, now)), indent=1)


def proof(day: AccessDay, tz: ZoneInfo, now: float) -> dict:
    found: dict = {"day": day.day, "seed_hash": day.seed_hash, "draw_at": day.draw_at, "drawn": day.drawn is not None,
                   "entries": len(day.entries)}
    drawn = day.drawn
    if drawn is not None or now >= day.closes_at:  # the list is final: commit to it before the draw
        found["entries_hash"] = entries_hash(x.public for x in day.entries.values())
        found["witness"] = drawn.witness if drawn is not None else day.witness and day.witness.words
    if drawn is None:
        return found
    public = {x.entry: x.public for x in day.entries.values()}
    found.update({
        "seed": drawn.seed, "urgent_share": drawn.urgent_share, "contingent": drawn.contingent,
        "entries": sorted(({"entry": x.public, "service": x.service, "urgent": x.urgent, "weight": x.weight}
                           for x in day.entries.values()), key=lambda e: e["entry"]),
        "places": [{"entry": public[p.entry], "service": p.service, "urgent": p.urgent,
                    "window_start": clock(p.window_start, tz), "window_end": clock(p.window_end, tz)}
                   for p in drawn.places],
        "rest": [public[entry] for entry in drawn.rest],
    })
    return found


def clock(at: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(at, tz).strftime("%H:%M")


NOT_DRAWN = 3  # `draw verify`'s exit status for a file fetched before the draw (nothing to check yet)


def verify_file(path: Path) -> tuple[int, list[str]]:
    """(exit status, lines to print) for a downloaded proof file: 0 the draw matches, 1 it
    differs or the file is not a draw file, `NOT_DRAWN` the file was fetched before the draw."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return 1, [f"{path}: cannot be read as JSON ({exc})"]
    if not isinstance(data, dict) or "entries" not in data:
        return 1, [f"{path}: not a draw file of Willkommen (GET /draw/<day>.json)"]
    if data.get("drawn") is False or ("seed" not in data and not isinstance(data["entries"], list)):
        return NOT_DRAWN, [f"not drawn yet: the draw of {data.get('day', '?')} has not been made "
                           f"(seed hash {data.get('seed_hash', '?')}"
                           + (f", entries hash {data['entries_hash']}" if "entries_hash" in data else
                              "; the window is still open")
                           + "); keep this file and fetch it again after the draw"]
    try:
        problems = recompute(data)
    except (KeyError, TypeError, ValueError) as exc:
        return 1, [f"{path}: an entry or place is incomplete ({exc!r})"]
    if problems:
        return 1, [f"does not match: the draw of {data.get('day', '?')} differs", *problems]
    places = len(data.get("places", []))
    said = [f"matches: the draw of {data.get('day', '?')} gives the same {places} places from "
            f"{len(data.get('entries', []))} entries"]
    if data.get("witness") is None:
        said.append("no witness's words were given after the close: the office, which held the seed, could "
                    "have known the outcome before the close")
    else:
        said.append(f"with the witness's words {data['witness']!r} (ask the witness whether they gave them)")
    return 0, said


def against_close(path: Path, early: Path) -> list[str]:
    """What differs between a drawn file and the commitments of the same day's file fetched
    between the window's close and the draw ([]: the draw used what was committed)."""
    try:
        before, after = (json.loads(p.read_text(encoding="utf-8")) for p in (early, path))
    except (OSError, ValueError) as exc:
        return [f"cannot read the two files as JSON ({exc})"]
    if not isinstance(before, dict) or "entries_hash" not in before:
        return [f"{early}: holds no entries_hash (fetched before the window closed?)"]
    problems = []
    if before.get("day") != after.get("day"):
        problems.append(f"{early} is of {before.get('day')}, {path} of {after.get('day')}")
    if before.get("seed_hash") != after.get("seed_hash"):
        problems.append("the seed hash differs from the one published when the window opened")
    listed = after.get("entries") if isinstance(after.get("entries"), list) else []
    if entries_hash(str(e.get("entry")) for e in listed) != before["entries_hash"]:
        problems.append("the entries differ from the list committed when the window closed")
    return problems
