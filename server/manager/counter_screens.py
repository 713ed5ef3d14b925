"""The browser counter's screen, computed on the server by the Textual counter's own code
(`counter.screen`), so that both counters show the same words: the server folds the messages
it sends a browser counter (its welcome, the replies to it, the pushes to staff) into a
`counter.board.Board`, as the Textual counter does, and after each sends the page

    {"type": "screen", "screen": {...}}     counter.screen.screen(): every sentence, in the clerk's language

when what it shows changed. The page holds no sentence of its own (counter/static/counter.js).
An action answered `unconfirmed` is folded in once the database confirms it (`server.edge.held`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Awaitable, Callable

import msgspec
from websockets.asyncio.server import ServerConnection

from counter.board import Board, Words
from counter.screen import screen
from config import Site
from server.edge.fanout import Fanout
from server.edge.frames import Explain
from server.edge.terminals import Session
from server.manager.words import StaffWords, error_text
from server.wire import protocol as p

Handle = Callable[[Any], Awaitable[Any]]
Held = Callable[[ServerConnection, Session, Handle, Callable[[ServerConnection, Any], None]], Handle]


@dataclass
class _Page:
    words: Words
    board: Board = field(default_factory=Board)
    shown: str = ""


class CounterScreens:
    def __init__(self, site: Site, fanout: Fanout, clock: Callable[[], float], held: Held | None = None):
        self.site, self.fanout, self.clock = site, fanout, clock
        self.held = held  # a counter's action that waits on the database, told (server/edge/held.py `serve`)
        self.pages: dict[ServerConnection, _Page] = {}

    def serve(self, ws: ServerConnection, session: Session, welcome: p.Welcome,
              handle: Handle) -> tuple[Handle, Explain | None]:
        """A terminal connection's request handler and error explainer: a browser counter's
        (a person's session) gets its screen now and after each reply; a connection whose
        hello asks to `explain` (and every browser counter) gets errors in its staff words."""
        explain = partial(error_text, StaffWords(session.lang), self.site) if session.explain else None
        if self.held is not None:  # `held` while it waits on a lost database, `confirmed` after `unconfirmed`
            handle = self.held(ws, session, handle, self.replied)
        if not session.person:
            return handle, explain
        self.start(ws, session.lang, welcome)

        async def and_screen(message: Any) -> Any:
            reply = await handle(message)
            self.replied(ws, reply)
            return reply
        return and_screen, explain

    def start(self, ws: ServerConnection, lang: str, welcome: p.Welcome) -> None:
        page = self.pages[ws] = _Page(Words(lang))
        page.board.welcome(welcome)
        self._show(ws, page)

    def leave(self, ws: ServerConnection) -> None:
        self.pages.pop(ws, None)

    def replied(self, ws: ServerConnection, reply: msgspec.Struct) -> None:
        page = self.pages.get(ws)
        if page is not None and isinstance(reply, p.Reply):
            page.board.reply(reply)
            self._show(ws, page)

    def pushed(self, messages: list[msgspec.Struct]) -> None:
        """What was pushed to staff, folded into every browser counter's board."""
        for ws, page in list(self.pages.items()):
            for message in messages:
                page.board.event(message)
            self._show(ws, page)

    def _show(self, ws: ServerConnection, page: _Page) -> None:
        shown = json.dumps({"type": "screen", "screen": screen(page.board, page.words, self.clock())},
                           ensure_ascii=False)
        if shown != page.shown:
            page.shown = shown
            self.fanout.push([ws], shown)
