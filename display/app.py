"""The waiting-room board for terminal screens: the newest call large, the last calls, the
queues, and the site's clock. It reconnects by itself; the browser page (/display) is the one
with sound.

Like the page it speaks the site's visitor languages: its labels, the second name of each
service and the counts turn through the display terminal's label `languages` (else every site
language) every `rotate_seconds`, from the catalogues the server sends in its welcome; the
called visitor's counter stands in German and in their own language. Terminals neither join
nor reorder Arabic script, so right-to-left text is shaped and put in display order here
(`printing.raster.visual_order`). The clock shows the site's time zone, not the machine's.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Callable, Mapping
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Digits, Static
from textual.renderables.digits import DIGITS

from config import strings
from printing.raster import visual_order
from server.wire.session import ClientSession

from display.board import DisplayBoard

ROTATE_SECONDS = 6.0


def shown(text: str) -> str:
    """Text as a terminal must get it: right-to-left runs shaped and in display order."""
    return visual_order(text)


class DisplayApp(App):
    CSS_PATH = "display.tcss"
    TITLE = "Willkommen"

    def __init__(self, session: ClientSession, *, zones: list[str] | None = None,
                 clock: Callable[[], float] = time.time, rotate_seconds: float = ROTATE_SECONDS):
        super().__init__()
        self.session, self.board = session, DisplayBoard(zones=list(zones or []))
        self.clock, self.rotate_seconds = clock, rotate_seconds
        self.languages, self.rotation = ["de"], 0
        session.on_state = self._connection_changed

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Static("Willkommen", id="office", markup=False)
            yield Static("", id="clock", markup=False)
        with Horizontal(id="main"):
            with Vertical(id="now"):
                yield Static("", id="now-label", classes="label", markup=False)
                yield Digits("", id="now-digits")
                yield Static("", id="now-number", markup=False)
                yield Static("", id="now-counter", markup=False)
                yield Static("", id="now-counter-own", markup=False)
                yield Static("", id="now-repeat", markup=False)
            yield DataTable(id="calls", cursor_type="none", show_header=False)
        yield DataTable(id="queues", cursor_type="none", show_header=False)

    def on_mount(self) -> None:
        self.query_one("#calls", DataTable).add_columns("", "")
        self.query_one("#queues", DataTable).add_columns("", "", "", "")
        self.set_interval(self.rotate_seconds, self.rotate)
        self.set_interval(10, self.tick)
        self.render_board()
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
            welcome = self.session.welcome
            self.board.welcome(welcome)
            wanted = welcome.languages or welcome.site.languages
            self.languages = [lang for lang in wanted if lang in welcome.strings or lang == "de"] or ["de"]
        self.render_board()

    # ---- languages ------------------------------------------------------------------------

    def words(self, lang: str) -> Mapping[str, str]:
        """`lang`'s catalogue as the server sent it (the site's own words), else the bundled one."""
        sent = self.session.welcome.strings if self.session.welcome else {}
        return sent.get(lang) or strings(lang)

    def say(self, lang: str, key: str, **fields) -> str:
        return shown(self.words(lang)[key].format(**fields))

    @property
    def label_language(self) -> str:
        return self.languages[self.rotation % len(self.languages)]

    def second_language(self) -> str | None:
        """The language of the line beside each German service name: the labels' own, or while
        they are German the next one the rotation turns to (as the page does)."""
        if self.label_language != "de":
            return self.label_language
        order = list(self.languages if len(self.languages) > 1 else (self.board.site.languages if self.board.site else []))
        after = order.index("de") + 1 if "de" in order else 0
        return next((lang for lang in order[after:] + order[:after] if lang != "de"), None)

    def rotate(self) -> None:
        self.rotation += 1
        self.render_board()

    # ---- showing --------------------------------------------------------------------------

    def tick(self) -> None:
        """The site's time, whatever the machine's own time zone (often UTC on a server)."""
        zone = ZoneInfo(self.board.site.timezone) if self.board.site else None
        self.query_one("#clock", Static).update(datetime.fromtimestamp(self.clock(), zone).strftime("%H:%M"))

    def render_board(self) -> None:
        if not self.is_running:
            return
        board, lang = self.board, self.label_language
        self.query_one("#office", Static).update(board.site.name if board.site else "Willkommen")
        self.tick()
        self.query_one("#now-label", Static).update(
            self.say(lang, "display.now") if self.session.connected else self.say(lang, "display.offline"))
        self._render_now()
        calls = self.query_one("#calls", DataTable)
        calls.border_title = self.say(lang, "display.last")
        calls.clear()
        for call in board.calls[1:]:
            calls.add_row(Text(call.number), Text(call.counter))
        self._render_queues()

    def _render_now(self) -> None:
        now = self.board.calls[0] if self.board.calls else None
        number = now.number if now else "–"
        big = all(ch in DIGITS for ch in number)  # Digits draws A–F and numbers; others stay plain
        self.query_one("#now-digits", Digits).update(number if big else "")
        self.query_one("#now-number", Static).update("" if big else number)
        self.query_one("#now-counter", Static).update(self.say("de", "call.counter", counter=now.counter) if now else "")
        own = now.lang if now and now.lang != "de" and now.lang in self.languages + list(self._sent()) else None
        self.query_one("#now-counter-own", Static).update(
            self.say(own, "call.counter", counter=now.counter) if own else "")
        self.query_one("#now-repeat", Static).update(
            self.say(self.label_language, "display.repeat") if now and now.recall else "")

    def _sent(self) -> Mapping[str, Mapping[str, str]]:
        return self.session.welcome.strings if self.session.welcome else {}

    def _render_queues(self) -> None:
        table = self.query_one("#queues", DataTable)
        lang, other = self.label_language, self.second_language()
        table.border_title = self.say(lang, "display.queues")
        table.clear()
        for service in self.board.site.services if self.board.site else []:
            queue = self.board.queues.get(service.id)
            waiting = queue.waiting if queue else 0
            eta = queue.eta if queue and waiting else None
            table.add_row(Text(service.names.get("de", service.id)),
                          Text(shown(service.names.get(other, "")) if other else ""),
                          Text(self.say(lang, "display.waiting", n=waiting)),
                          Text(self.say(lang, "display.eta", low=eta[0], high=eta[1]) if eta else ""))
