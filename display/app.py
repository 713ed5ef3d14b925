"""The waiting-room board for terminal screens: the newest call large, the last calls, the
queues. It reconnects by itself; the browser page (/display) is the one with sound."""

from __future__ import annotations

from textual import work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Digits, Header, Static
from textual.renderables.digits import DIGITS

from config import strings
from server.wire.session import ClientSession

from display.board import DisplayBoard


class DisplayApp(App):
    CSS_PATH = "display.tcss"
    TITLE = "Willkommen"

    def __init__(self, session: ClientSession, *, zones: list[str] | None = None):
        super().__init__()
        self.session, self.board = session, DisplayBoard(zones=list(zones or []))
        self.words = strings("de")
        session.on_state = self._connection_changed

    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        with Horizontal(id="main"):
            with Vertical(id="now"):
                yield Static(self.words["display.now"], classes="label")
                yield Digits("", id="now-digits")
                yield Static("", id="now-number")
                yield Static("", id="now-counter")
                yield Static("", id="now-repeat")
            yield DataTable(id="calls", cursor_type="none", show_header=False)
        yield DataTable(id="queues", cursor_type="none")

    def on_mount(self) -> None:
        self.query_one("#calls", DataTable).add_columns("", "")
        self.query_one("#calls").border_title = self.words["display.last"]
        self.query_one("#queues", DataTable).add_columns("", "", "")
        self.query_one("#queues").border_title = self.words["display.queues"]
        self.follow_server()

    async def on_unmount(self) -> None:
        self.session.on_state = None
        await self.session.close()

    @work(exclusive=True)
    async def follow_server(self) -> None:
        self.session.start()
        async for event in self.session.events():
            if self.board.event(event):
                self.bell()
            self.render_board()

    def _connection_changed(self, connected: bool) -> None:
        if connected:
            self.board.welcome(self.session.welcome)
        self.render_board()

    def render_board(self) -> None:
        board = self.board
        self.title = board.site.name if board.site else "Willkommen"
        self.sub_title = "" if self.session.connected else self.words["display.offline"]
        now = board.calls[0] if board.calls else None
        number = now.number if now else "–"
        big = all(ch in DIGITS for ch in number)  # Digits draws A–F and numbers; others stay plain
        self.query_one("#now-digits", Digits).update(number if big else "")
        self.query_one("#now-number", Static).update("" if big else number)
        self.query_one("#now-counter", Static).update(
            self.words["call.counter"].format(counter=now.counter) if now else "")
        self.query_one("#now-repeat", Static).update(self.words["display.repeat"] if now and now.recall else "")
        calls = self.query_one("#calls", DataTable)
        calls.clear()
        for call in board.calls[1:]:
            calls.add_row(call.number, call.counter)
        self._render_queues()

    def _render_queues(self) -> None:
        table = self.query_one("#queues", DataTable)
        table.clear()
        for service in self.board.site.services if self.board.site else []:
            queue = self.board.queues.get(service.id)
            waiting = queue.waiting if queue else 0
            eta = queue.eta if queue and waiting else None
            table.add_row(service.names.get("de", service.id), self.words["display.waiting"].format(n=waiting),
                          self.words["display.eta"].format(low=eta[0], high=eta[1]) if eta else "")
