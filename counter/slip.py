"""The referral slip: the card of each outside partner a clerk referred the visitor to, as
ticket blocks (`kiosk.ticket`), printed by the counter's printer like a ticket.

First the card in the visitor's language, then -- for the partner's staff, who read German --
the same card in German. Its content is the phone page's (`server.wire.partners.card`): who, what
for, address, hours, phone, web; the map link as a QR code the visitor's phone can open.
"""

from __future__ import annotations

from typing import Mapping

from server.wire import partners as cards
from server.wire import protocol as p

from printing.blocks import QR, Block, Cut, Text


def layout(site: p.SiteView, ticket: p.TicketView, referred: list[p.PartnerView], *,
           words: Mapping[str, Mapping[str, str]]) -> list[Block]:
    """The slip for `ticket`'s visitor; `words` holds the visitor catalogues by language (the
    welcome's `strings`), German among them. Empty when no partner is an outside one."""
    outside = [partner for partner in referred if partner.service is None]
    if not outside:
        return []
    blocks: list[Block] = [Text(site.name, bold=True, lang="de")]
    for half, lang in enumerate(dict.fromkeys((ticket.lang, "de"))):
        said = words.get(lang) or words["de"]
        blocks.append(Text(said["referral.slip"].format(number=ticket.number), size=2, bold=True, lang=lang))
        for partner in outside:
            blocks += card(cards.card(partner, lang), said, lang, with_map=half == 0)
    blocks.append(Cut())
    return blocks


def card(data: dict, said: Mapping[str, str], lang: str, *, with_map: bool) -> list[Block]:
    """One partner's card in `lang` (a text the site has no translation for is German); the
    map as a QR code only `with_map` (on the visitor's half: one code per partner). Each value
    stands on its own line under its label, so an address or a phone number never shares a
    line with right-to-left words (no bidi reordering of "+49 611 …")."""
    blocks: list[Block] = [Text("—" * 3), Text(data["name"]["text"], bold=True, lang=data["name"]["lang"])]
    for key in ("helps", "address", "hours", "phone", "web"):
        value = data[key]
        if not value:
            continue
        text, value_lang = (value["text"], value["lang"]) if isinstance(value, dict) else (value, "de")
        blocks += [Text(said[f"referral.{key}"], bold=True, align="left", lang=lang),
                   Text(text, align="left", lang=value_lang)]
    if data["map"] and with_map:
        blocks += [QR(data["map"]), Text(said["referral.map"], lang=lang)]
    return blocks


def print_slip(printer, url: str, blocks: list, name: str):
    """In a thread: print the slip on the counter's printer, opened once (a preview printer's
    file is named `name`, "F001-slip", not after a ticket); returns the printer for the next."""
    from printing.printers import open_printer  # python-escpos loads only where slips are printed

    if printer is None:
        printer = open_printer(url)
    printer.print(blocks, name=name)
    return printer
