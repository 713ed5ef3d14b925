"""The floor board's panel of the network's shared knowledge (README "A network of offices"):
a supervisor asks what the other offices published and how it differs from this office's texts
(`network_knowledge`), and adopts a group of them (`adopt`) — written as files to review, as the
command `willkommen-server network adopt` writes them (`server.network.adoption`).

Only a supervisor: a reader sees the floor, not the network. The network is asked on a thread
(HTTP, and the site file read for the comparison), so the board's pushes go on meanwhile. Every
way it can fail is a `network` error whose `why` names the staff catalogue's sentence (German),
and nothing is written then.
"""

from __future__ import annotations

import asyncio
import logging

import msgspec

from config import ConfigError
from server.network.adoption import Adoptions
from server.network.send import NetworkAway, NetworkGarbage, NetworkRefused
from server.wire import protocol as p
from server.wire.errors import NetworkTrouble, NotAllowed
from server.manager.people import SignedIn

log = logging.getLogger("willkommen.board")


def for_site(site) -> Adoptions | None:
    """The office's view of the network, when its site file has `[network]`."""
    return Adoptions(site.network, site.timezone) if site.network is not None else None


async def answer(adoptions: Adoptions | None, who: SignedIn, message: msgspec.Struct) -> msgspec.Struct:
    if not who.may_act:
        raise NotAllowed(f"{who.name} is a {who.role}: only a supervisor adopts from the network", why="supervisor_only")
    if adoptions is None:
        raise NetworkTrouble("this office's site file has no [network]", why="network_none")
    try:
        if isinstance(message, p.AskNetwork):
            offices = await asyncio.to_thread(adoptions.overview, who.lang)
            return p.NetworkKnowledge(re=message.id, offices=offices)
        folder, files, items = await asyncio.to_thread(adoptions.adopt, message.office, list(message.what), who.name)
        return p.Adopted(re=message.id, folder=str(folder), files=files, items=items)
    except Exception as exc:
        raise trouble(exc, adoptions, message) from None


def trouble(exc: Exception, adoptions: Adoptions, message: msgspec.Struct) -> Exception:
    """What went wrong as the staff's sentence says it (nothing was written in any case)."""
    url = adoptions.network.url
    if isinstance(exc, NetworkAway):
        found = NetworkTrouble(str(exc), why="network_away", url=url)
    elif isinstance(exc, NetworkRefused):
        found = NetworkTrouble(str(exc), why="network_refused", url=url, status=exc.status, said=exc.said[:300])
    elif isinstance(exc, NetworkGarbage):
        found = NetworkTrouble(str(exc), why="network_garbage", url=url)
    elif isinstance(exc, ConfigError):
        found = NetworkTrouble(str(exc), why="network_site", problem=str(exc))
    elif isinstance(exc, ValueError):  # knowledge.select: the group is not (or no longer) published
        found = NetworkTrouble(str(exc), why="network_nothing", office=getattr(message, "office", ""))
    elif isinstance(exc, OSError):
        found = NetworkTrouble(str(exc), why="network_write", folder=str(adoptions.network.into),
                               problem=exc.strerror or str(exc))
    else:
        return exc  # a fault of the server's own: logged by the frame loop, "internal" to the viewer
    log.warning("network: nothing adopted or shown", extra={"fields": {"why": found.fields["why"], "error": str(exc)}})
    return found
