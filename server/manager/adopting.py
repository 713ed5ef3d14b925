"""The floor board's panel of the network's shared knowledge (README "A network of offices"):
a supervisor asks what the other offices published and how it differs from this office's texts
(`network_knowledge`), and adopts a group of them (`adopt`) — written as files to review, as the
command `willkommen-server network adopt` writes them (`server.network.adoption`) — or takes the
newest adoption of a language file back (`undo_adoption`, as `willkommen-server network undo`).

Only a supervisor: a reader sees the floor, not the network. The network is asked on a thread
(HTTP, and the site file read for the comparison) in a task beside the board's socket: the
request is answered `reply` at once, its answer follows as a frame with the same `re`, and the
supervisor's other actions and the board's pushes go on meanwhile. Every way it can fail is a
`network` error whose `why` names the staff catalogue's sentence (German), and nothing is
written then.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

import msgspec
import websockets
from websockets.asyncio.server import ServerConnection

from config import ConfigError, Site, languages
from server.network.adoption import Adoptions, AlreadyAdopted
from server.network.in_force import NothingToUndo, Unfit
from server.network.send import NetworkAway, NetworkGarbage, NetworkRefused
from server.wire import protocol as p
from server.wire.errors import NetworkTrouble, NotAllowed
from server.manager.people import SignedIn
from server.manager.words import StaffWords, error_text

log = logging.getLogger("willkommen.board")
ASKING: set[asyncio.Task] = set()  # asks running beside the boards' sockets (a task needs a reference)


def for_site(site) -> Adoptions | None:
    """The office's view of the network, when its site file has `[network]`."""
    return Adoptions(site.network, site.timezone, site=site) if site.network is not None else None


def ask(adoptions: Adoptions | None, who: SignedIn, message: msgspec.Struct, ws: ServerConnection,
        site: Site, catalogues_changed: Callable[[], Awaitable[None]] | None = None) -> p.Reply:
    """Start asking the network beside the board's socket, whose frames are answered in turn: a
    network that is slow to answer (up to `adoption.TIMEOUT`) holds none of the supervisor's
    other actions. `reply` now; the answer (`network`, `adopted` or an `error`, same `re`) follows."""
    if not who.may_act:
        raise NotAllowed(f"{who.name} is a {who.role}: only a supervisor adopts from or publishes to the network",
                         why="supervisor_only")
    if adoptions is None:
        raise NetworkTrouble("this office's site file has no [network]", why="network_none")
    task = asyncio.create_task(_answer_later(adoptions, who, message, ws, site, catalogues_changed), name="willkommen-network-ask")
    ASKING.add(task)
    task.add_done_callback(ASKING.discard)
    return p.Reply(re=message.id)


async def _answer_later(adoptions: Adoptions, who: SignedIn, message: msgspec.Struct, ws: ServerConnection,
                        site: Site, catalogues_changed: Callable[[], Awaitable[None]] | None = None) -> None:
    try:
        answer = await _answer(adoptions, who, message, catalogues_changed)
    except NetworkTrouble as exc:
        words = StaffWords(who.lang)
        answer = p.Error(re=message.id, code=exc.code, message=exc.message, fields=exc.fields,
                         text=error_text(words, site, exc.code, exc.fields, exc.message))
    except Exception:
        log.exception("network ask failed", extra={"fields": {"by": who.name}})
        answer = p.Error(re=message.id, code="internal", message="the server could not do this; it is logged",
                         text=StaffWords(who.lang)("error.internal"))
    try:
        await ws.send(p.encode(answer), text=True)
    except websockets.ConnectionClosed:
        pass  # the board was closed meanwhile; what was adopted is in its folder and the log


async def _answer(adoptions: Adoptions, who: SignedIn, message: msgspec.Struct,
                  catalogues_changed: Callable[[], Awaitable[None]] | None = None) -> msgspec.Struct:
    try:
        if isinstance(message, p.AskNetwork):
            offices = await asyncio.to_thread(adoptions.overview, who.lang)
            return p.NetworkKnowledge(re=message.id, offices=offices)
        if isinstance(message, p.Publish):
            texts = await asyncio.to_thread(adoptions.publish, who.lang)
            log.info("network publish from the board", extra={"fields": {"by": who.name, "texts": texts}})
            return p.PublishedTexts(re=message.id, texts=texts, office=adoptions.network.office)
        if isinstance(message, p.UndoAdoption):
            folder, langs = await asyncio.to_thread(adoptions.undo, who.name)
            if catalogues_changed is not None:
                await catalogues_changed()
            return p.Undone(re=message.id, folder=str(folder), in_force=langs,
                            names=[languages.name(lang, who.lang) for lang in langs])
        folder, files, items, forced = await asyncio.to_thread(adoptions.adopt, message.office, list(message.what),
                                                               who.name, who.lang)
        if forced and catalogues_changed is not None:  # the terminals get the new words before the board says so
            await catalogues_changed()
        return p.Adopted(re=message.id, folder=str(folder), files=files, items=items, in_force=forced)
    except Exception as exc:
        raise trouble(exc, adoptions, message) from None


def trouble(exc: Exception, adoptions: Adoptions, message: msgspec.Struct) -> Exception:
    """What went wrong as the staff's sentence says it (nothing was written in any case)."""
    url = adoptions.network.url
    if isinstance(message, p.Publish) and isinstance(exc, (NetworkAway, NetworkRefused, NetworkGarbage)):
        found = NetworkTrouble(str(exc), why="network_publish", url=url)  # nothing adopted: said otherwise
        if isinstance(exc, NetworkRefused):
            found = NetworkTrouble(str(exc), why="network_publish_refused", url=url, status=exc.status,
                                   said=exc.said[:300])
    elif isinstance(exc, NetworkAway):
        found = NetworkTrouble(str(exc), why="network_away", url=url)
    elif isinstance(exc, NetworkRefused):
        found = NetworkTrouble(str(exc), why="network_refused", url=url, status=exc.status, said=exc.said[:300])
    elif isinstance(exc, NetworkGarbage):
        found = NetworkTrouble(str(exc), why="network_garbage", url=url)
    elif isinstance(exc, ConfigError):
        found = NetworkTrouble(str(exc), why="network_site", problem=str(exc))
    elif isinstance(exc, NothingToUndo):
        found = NetworkTrouble(str(exc), why="network_nothing_to_undo")
    elif isinstance(exc, Unfit) and isinstance(message, p.UndoAdoption):
        found = NetworkTrouble(str(exc), why="network_undo_unfit", problem=exc.problem[:300])
    elif isinstance(exc, Unfit):
        found = NetworkTrouble(str(exc), why="network_unfit", office=getattr(message, "office", ""),
                               problem=exc.problem[:300])
    elif isinstance(exc, AlreadyAdopted):  # a second click, or another board's: named as the board names it
        found = NetworkTrouble(str(exc), why="network_already", office=exc.name or exc.office)
    elif isinstance(exc, ValueError):  # knowledge.select: the group is not (or no longer) published
        found = NetworkTrouble(str(exc), why="network_nothing", office=getattr(message, "office", ""))
    elif isinstance(exc, OSError):
        found = NetworkTrouble(str(exc), why="network_write", folder=str(adoptions.network.into),
                               problem=exc.strerror or str(exc))
    else:
        return exc  # a fault of the server's own: logged by the frame loop, "internal" to the viewer
    log.warning("network: nothing adopted or shown", extra={"fields": {"why": found.fields["why"], "error": str(exc)}})
    return found
