"""Referral cards: what a visitor referred to an outside partner reads, on the phone page
(`/t/<token>`) and on the slip the counter prints. Pure: no I/O.

The rule (a desk here is a transfer, an outside partner a card) is the core's
(`server.core.referrals`); this module says what a card holds, in the visitor's language.
`card` takes a site partner (`config.site.Partner`) or its wire form (`protocol.PartnerView`):
both have the same fields, so the phone page and the slip cannot drift apart. A text the site
file has no translation for is German, and says so (`lang`), so a screen reader reads it as
German and the page's `lang` attributes stay true.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from config import languages

LABELS = ("title", "helps", "address", "hours", "phone", "web", "map")
NOT_DIALLED = re.compile(r"[^0-9+]")


def text(texts: Mapping[str, str], lang: str) -> dict[str, str] | None:
    """A text in `lang`, else in German, with the language it is in; None when there is none."""
    used = lang if texts.get(lang) else "de"
    if not texts.get(used):
        return None
    return {"text": texts[used], "lang": used, "dir": languages.direction(used)}


def tel(phone: str) -> str:
    """The `tel:` address of a phone number as people write it ("+49 611 000300")."""
    return "tel:" + NOT_DIALLED.sub("", phone) if phone else ""


def card(partner: Any, lang: str) -> dict[str, Any]:
    """One partner's card in `lang`: who, what for, where, when, how to reach them."""
    return {"id": partner.id, "name": text(partner.names, lang), "helps": text(partner.helps, lang),
            "hours": text(partner.hours, lang), "address": partner.address, "phone": partner.phone,
            "tel": tel(partner.phone), "web": partner.web, "map": partner.map}


def cards(partners: Mapping[str, Any], referred: list[str], lang: str) -> list[dict[str, Any]]:
    """The cards of the outside partners among `referred` (partner ids), in the clerk's order;
    a partner with a desk here is a place in its queue, not a card."""
    return [card(partners[i], lang) for i in referred if i in partners and partners[i].service is None]


def labels(words: Mapping[str, str]) -> dict[str, str]:
    """The card's headings in the visitor's catalogue (`[referral]`)."""
    return {key: words[f"referral.{key}"] for key in LABELS}


def for_ticket(site: Any, ticket: Any, words: Mapping[str, str]) -> dict[str, Any] | None:
    """What the phone page shows of a ticket's referrals: headings and cards, or None."""
    found = cards({p.id: p for p in site.partners}, ticket.referrals, ticket.lang)
    return {"labels": labels(words), "cards": found} if found else None
