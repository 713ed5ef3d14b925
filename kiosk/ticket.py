"""The printed ticket as a list of blocks, in the visitor's language and in German.

`layout(...)` is pure: it turns the server's reply and the site into blocks (text lines with a
size, a QR code, a cut). `printing.output` sends blocks to an ESC/POS printer through
python-escpos; `printing.preview` draws the same blocks into a PNG. Where the printer's code pages
cannot carry a script (Arabic, Persian, ...), a text block is printed as a raster image.
"""

from __future__ import annotations

from datetime import datetime
from typing import Mapping
from zoneinfo import ZoneInfo

from config import strings
from printing.blocks import QR, Block, Cut, Text
from server.wire import protocol as p




def layout(site: p.SiteView, reply: p.Reply, *, lang: str, timezone: str | None = None,
           words: Mapping[str, str] | None = None) -> list[Block]:
    """The ticket a visitor takes away: number large, service, time, wait, documents, QR.
    `words` is the visitor's catalogue (the kiosk's from the server's welcome; bundled if none)."""
    ticket, words = reply.ticket, words if words is not None else strings(lang)
    service = next(s for s in site.services if s.id == ticket.service)
    issued = datetime.fromtimestamp(ticket.issued_at, ZoneInfo(timezone or site.timezone))
    blocks: list[Block] = [Text(site.name, bold=True, lang="de"), Text(ticket.number, size=4, bold=True),
                           Text(service.names.get(lang) or service.names["de"], size=2, bold=True,
                                lang=lang if service.names.get(lang) else "de")]
    if lang != "de":
        blocks.append(Text(service.names["de"], lang="de"))
    blocks.append(Text(issued.strftime("%d.%m.%Y  %H:%M")))
    blocks.extend(appointment(reply, lang=lang, tz=issued.tzinfo, words=words))
    if reply.arrival != "on_time":  # early waits as a walk-in until its time; on time is called first
        blocks.append(Text(words["ticket.ahead"].format(n=reply.ahead or 0), lang=lang))
        blocks.append(Text(words["ticket.eta"].format(low=reply.eta[0], high=reply.eta[1]) if reply.eta
                           else words["ticket.no_eta"], lang=lang))
    if ticket.interpreter:  # what they asked for, on paper: nobody is left wondering whether it was heard
        blocks.append(Text(words["interpreter.on_ticket"], lang=lang))
    documents, documents_lang = service.documents.get(lang), lang
    if not documents:
        documents, documents_lang = service.documents.get("de") or [], "de"
    if documents:
        blocks.append(Text(words["ticket.documents"], bold=True, align="left", lang=lang))
        blocks.extend(Text(f"• {doc}", align="left", lang=documents_lang) for doc in documents)
    if ticket.token:
        blocks.append(QR(f"{site.public_url.rstrip('/')}/t/{ticket.token}"))
        blocks.append(Text(words["ticket.scan"], lang=lang))
    blocks.append(Text(words["ticket.footer"], lang=lang))
    blocks.append(Cut())
    return blocks


def appointment(reply: p.Reply, *, lang: str, tz, words: Mapping[str, str]) -> list[Text]:
    """A checked-in visitor's appointment: its time large (again in German, as native text a
    clerk reads), and when they will be called (early: perhaps before their time, so they stay in the
waiting room); a late walk-in is told their time has passed."""
    if reply.booking is None or reply.arrival is None:
        return []
    time = datetime.fromtimestamp(reply.booking.due_at, tz).strftime("%H:%M")
    if reply.arrival == "late":
        return [Text(words["appointment.late_walk_in"].format(time=time), lang=lang)]
    lines = [Text(words["appointment.time"].format(time=time), size=2, bold=True, lang=lang)]
    if lang != "de":
        lines.append(Text(strings("de")["appointment.time"].format(time=time), lang="de"))
    return [*lines, Text(words[f"appointment.{reply.arrival}"].format(time=time), lang=lang)]
