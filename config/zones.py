"""[zones.<id>]: the staff's names of the zones the counters stand in ("Erdgeschoss"), German
at least; a zone the site file does not name is shown by its id."""

from __future__ import annotations

from typing import Any, Callable


def parse(node: Any, used: set[str], per_language: Callable[[Any, str], dict[str, str]]) -> dict[str, dict[str, str]]:
    """The zones' names from the `[zones]` table `node` (config.loader's Node); `used`: the
    counters' zones; `per_language(node, key)`: the loader's reading of a name per language."""
    names = {}
    for zone in list(node.data):
        if zone not in used:
            raise node.fail(zone, f'no counter stands in zone "{zone}" (zones: {", ".join(sorted(used))})')
        names[zone] = per_language(node, zone)
        if "de" not in names[zone]:
            raise node.fail(zone, 'missing "de": a zone needs at least its German name')
    return names
