"""[zones.<id>]: the staff's names of the zones the counters stand in ("Erdgeschoss") per staff
language (the staff catalogues', config/strings/staff: German at least); a zone the site file
does not name is shown by its id."""

from __future__ import annotations

from typing import Any

from config.strings import available


def parse(node: Any, used: set[str]) -> dict[str, dict[str, str]]:
    """The zones' names from the `[zones]` table `node` (config.loader's Node); `used`: the
    counters' zones."""
    staff, names = available("staff"), {}
    for zone in list(node.data):
        if zone not in used:
            raise node.fail(zone, f'no counter stands in zone "{zone}" (zones: {", ".join(sorted(used))})')
        table = node.table(zone)
        for lang in list(table.data):
            if lang not in staff:
                raise table.fail(lang, f"not a staff language ({', '.join(staff)})")
        names[zone] = {lang: table.text(lang) for lang in list(table.data)}
        if "de" not in names[zone]:
            raise node.fail(zone, 'missing "de": a zone needs at least its German name')
        table.done()
    return names
