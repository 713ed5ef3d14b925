"""Interpreters on the floor board: who is waiting for one, by language (issue 15).

A visitor asks at the kiosk for help with German (`Draw.interpreter`); the ticket carries it.
A team leader needs to call the language mediation service before those visitors reach a
desk, so the board lists, per language, how many wait, the longest wait and their numbers
(oldest first), and the site's interpreting partners for that language (`site.partners`,
`partner.interprets`: how to reach them). Only waiting tickets count: a visitor at a desk
has their interpreter or does not, and a parked one is not in the queue.

    waiting(office, now) -> [{"lang": "ar", "name": "Arabisch", "waiting": 2, "longest_wait": 840,
                              "numbers": ["A003", "B001"],
                              "partners": [{"id": "sprachmittlung", "name": "Sprach- und …",
                                            "phone": "+49 …", "web": "https://…", "hours": "Mo–Fr …"}]}, ...]

Longest wait first: the language whose visitor has waited longest is the one to call about.
"""

from __future__ import annotations

from typing import Any

from config import Site, languages

from server.core import Office, Ticket


def waiting(office: Office, now: float, reader: str = "de") -> list[dict[str, Any]]:
    """`reader`: the language the rows name the visitors' languages in (the board viewer's)."""
    by_lang: dict[str, list[Ticket]] = {}
    for queue in office.waiting.values():
        for ticket in queue.values():
            if ticket.interpreter:
                by_lang.setdefault(ticket.lang, []).append(ticket)
    rows = []
    for lang, tickets in by_lang.items():
        tickets.sort(key=lambda t: (t.issued_at, t.number))
        rows.append({"lang": lang, "name": languages.name(lang, reader), "waiting": len(tickets),
                     "longest_wait": round(max(0.0, now - tickets[0].issued_at)),
                     "numbers": [t.number for t in tickets], "partners": partners_for(office.site, lang, reader)})
    return sorted(rows, key=lambda row: (-row["longest_wait"], row["name"]))


def partners_for(site: Site, lang: str, reader: str = "de") -> list[dict[str, str]]:
    """The site's partners that interpret `lang` (its tag, or one with the same language
    subtag: a partner for "fa" serves "fa-AF"; Dari, "prs", is a language of its own), with
    what a team leader needs to reach them, in `reader` where the site file has it (else German)."""
    base = lang.split("-")[0]
    return [{"id": partner.id, "name": partner.names.get(reader) or partner.names["de"], "phone": partner.phone,
             "web": partner.web, "hours": partner.hours.get(reader) or partner.hours.get("de", "")}
            for partner in site.partners if any(tag.split("-")[0] == base for tag in partner.interprets)]
