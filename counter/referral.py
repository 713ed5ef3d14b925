"""Referring the visitor at the counter: the partners the clerk chooses from, and the slip.

The rule (a partner's desk here is a transfer, an outside partner a card) is the server's; the
counter shows the partners, sends `refer`, and where it has a printer (`--printer` or the
terminal's `printer` in the site config: the kiosk's printer URLs) prints the cards of the
outside partners as a slip in the visitor's language and in German (`counter.slip`).
"""

from __future__ import annotations

from config import strings
from server.wire import protocol as p

from counter.board import Board, Words


def name(partner: p.PartnerView, words: Words) -> str:
    return partner.names.get(words.lang) or partner.names["de"]


def choices(board: Board, words: Words) -> list[tuple[str, str]]:
    """(partner id, what the clerk reads): its name, and whether it is a desk here or a card."""
    listed = []
    for partner in board.site.partners if board.site else []:
        kind = (words("referral.desk", service=words.service(board, partner.service)) if partner.service
                else words("referral.card"))
        listed.append((partner.id, f"{name(partner, words)} ({kind})"))
    return listed


def names(board: Board, words: Words, chosen: list[str]) -> str:
    """The chosen partners' names, for the clerk's confirmation."""
    return ", ".join(name(partner, words) for partner in board.site.partners if partner.id in chosen)


def slip(board: Board, welcome: p.Welcome | None, ticket: p.TicketView, chosen: list[str]) -> list:
    """The slip's blocks for the outside partners among `chosen` (empty: nothing to print)."""
    from counter.slip import layout  # the printing side loads only where a slip is printed

    partners = {partner.id: partner for partner in board.site.partners}
    referred = [partners[i] for i in chosen if i in partners]
    catalogues = dict(welcome.strings) if welcome and welcome.strings else {}
    for lang in (ticket.lang, "de"):
        catalogues.setdefault(lang, dict(strings(lang)))  # bundled words where the server sent none
    return layout(board.site, ticket, referred, words=catalogues)
