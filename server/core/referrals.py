"""Referrals to partner organisations: which partner is a transfer, which a card. Pure.

A clerk refers the visitor at the counter to one or more partners of the site
(`config.site.Partner`). The rule::

    partner with a desk here (`service` set)  ->  the ticket moves into that service's queue,
                                                  same number, at the front if the clerk says so
    partner outside (no `service`)            ->  a card: the visitor's phone page (and a slip
                                                  where the counter prints) shows who, what for,
                                                  where, when and how to reach them

A visitor can queue at one desk at a time, so a referral names at most one desk partner; it
may add any number of cards. `Office.refer` turns the plan into events: one `ticket_referred`
per partner (statistics count them per partner and service), then the transfer if any.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from config import Site
from config.site import Partner

from server.wire import errors


@dataclass(frozen=True)
class Plan:
    """What a referral does: the partners in the clerk's order, and the one desk among them."""

    partners: tuple[Partner, ...]
    desk: Partner | None

    @property
    def cards(self) -> tuple[Partner, ...]:
        return tuple(p for p in self.partners if not p.has_desk)


def plan(site: Site, partner_ids: Iterable[str]) -> Plan:
    """Check the clerk's choice against the site and say what it does; a partner named twice
    counts once."""
    chosen = []
    for partner_id in dict.fromkeys(partner_ids):
        partner = site.partner(partner_id)
        if partner is None:
            known = ", ".join(p.id for p in site.partners) or "none configured"
            raise errors.UnknownPartner(f"unknown partner {partner_id!r} (expected one of {known})",
                                        partner=partner_id)
        chosen.append(partner)
    if not chosen:
        raise errors.BadRequest("a referral names at least one partner", why="no_partner")
    desks = [p for p in chosen if p.has_desk]
    if len(desks) > 1:
        raise errors.BadRequest(f"a visitor can queue at one partner's desk at a time, not at "
                                f"{' and '.join(p.id for p in desks)}: refer to one, then to the next",
                                why="one_desk")
    return Plan(partners=tuple(chosen), desk=desks[0] if desks else None)
