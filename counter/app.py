"""The clerk's workstation: one key per action, the next visitor's language before they arrive.

The app holds no rules of the queue. It shows what `Board` keeps from the server's messages
and sends what the clerk did; the server decides and answers. Every action is a key and a
button (the footer lists them); what cannot be undone asks first. Errors are one sentence
from the staff catalogue, never a traceback.

Key map (the same in German and English):

    N next   R recall   S arrived (start)   X no-show   T transfer   P park   B take back
    F finish   C call a number   W pause / resume   O open (choose services)   Q close counter
    E planned end of shift (HH:MM; the visitors' estimates stop counting on the counter then)
    V refer to partners (a partner's desk here: a transfer; outside: a card and, with a printer, a slip)
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Footer, Header, Static

from server.wire import protocol as p
from server.wire.session import ClientSession, ConnectionLost, Refused, ServerError

from counter import referral, waits
from counter.board import STAFF_LANGUAGES, Board, EndPassed, Words, crop, planned_end, queue_widths
from counter import screen
from counter.slip import print_slip
from counter.dialogs import Ask, Choose, Confirm, PickServices, Refer, Transfer

KEYS = [("n", "next"), ("r", "recall"), ("s", "start"), ("x", "noshow"), ("t", "transfer"), ("p", "park"),
        ("b", "takeback"), ("f", "finish"), ("c", "call"), ("w", "pause"), ("o", "open"), ("q", "close"),
        ("e", "endshift"), ("v", "refer")]
NEEDS_VISITOR = {"recall", "start", "noshow", "transfer", "park", "finish", "refer"}
SIMPLE = {"next": p.Next, "recall": p.Recall, "start": p.Start, "park": p.Park}


def action_of(name: str) -> str:
    """The Textual action string for one of KEYS."""
    return f"simple('{name}')" if name in SIMPLE else name


ACTIONS = {"simple", *(name for _, name in KEYS)}  # the action names the keys run


def label_of(name: str) -> str:
    """The staff catalogue key naming one of KEYS (referral words have their own section)."""
    return "referral.action" if name == "refer" else f"action.{name}"


def key_bindings() -> list[Binding]:
    """Every action key once per staff language, labelled in that language. `check_action`
    leaves on only those of the clerk's language (Textual's dynamic actions: a binding whose
    check says False is neither shown nor run, and the key goes to the next binding), so the
    footer speaks the clerk's language through class-level BINDINGS. Priority bindings: see
    `CounterApp.check_action`."""
    return [Binding(key, f"key('{action}', '{lang}')", Words(lang)(label_of(action)), priority=True)
            for lang in STAFF_LANGUAGES for key, action in KEYS]


class QueueTable(DataTable):
    """The counter's queues; the columns are sized to the table's width, again on a resize."""

    class Resized(Message):
        pass

    def __init__(self, **kwargs):
        super().__init__(cursor_type="none", zebra_stripes=True, **kwargs)
        self.widths: list[int] = []

    def on_resize(self) -> None:
        self.post_message(self.Resized())

    def show(self, headers: list[str], widths: list[int], rows: list[list[str]]) -> None:
        """The rows in columns of `widths` (a column of width 0 is left out), cut to fit."""
        shown = [i for i, width in enumerate(widths) if width]
        if widths != self.widths:
            self.clear(columns=True)
            for i in shown:
                self.add_column(Text(crop(headers[i], widths[i])), width=widths[i])
            self.widths = widths
        else:
            self.clear()
        for row in rows:  # as text: a service's name from the site file is no markup
            self.add_row(*(Text(crop(row[i], widths[i])) for i in shown))


class CounterApp(App):
    CSS_PATH = "counter.tcss"
    TITLE = "Willkommen"
    ENABLE_COMMAND_PALETTE = False  # its footer entry and its commands are English words
    BINDINGS = key_bindings()

    def __init__(self, session: ClientSession, *, lang: str = "de", clock: Callable[[], float] = time.time,
                 printer_url: str | None = None):
        super().__init__()
        self.session, self.words, self.clock = session, Words(lang), clock
        self.printer_url, self.printer = printer_url, None  # for referral slips; opened when first used
        self.board = Board()
        self.sending = asyncio.Lock()
        self.held = False  # the action on its way waits for the server's database (`held`)
        session.on_state = self._connection_changed

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Static(id="current", classes="panel")  # its outside parts escaped: board.current_text
                yield Static(id="parked", classes="panel", markup=False)
            with Vertical(id="right"):
                yield QueueTable(id="queues")
                yield Static(id="handled", classes="panel", markup=False)
        # what the server said, a scanned number, a printer's complaint: shown as text, never markup
        yield Static(id="message", markup=False)
        with Horizontal(id="actions"):
            for key, action in KEYS:
                yield Button(f"{key.upper()} {self.words(label_of(action))}", id=f"do-{action}", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#current").border_title = self.words("panel.current")
        self.query_one("#parked").border_title = self.words("panel.parked")
        self.query_one("#queues").border_title = self.words("panel.queues")
        self.query_one("#handled").border_title = self.words("panel.handled")
        self.render_board()
        self.follow_server()

    async def on_unmount(self) -> None:
        self.session.on_state = None
        await self.session.close()
        if self.printer is not None:
            await asyncio.to_thread(self.printer.close)

    # ---- the server's side ---------------------------------------------------------------

    @work(exclusive=True, group="session")
    async def follow_server(self) -> None:
        self.session.start()
        async for event in self.session.events():
            self.board.event(event)
            waits.told(self, event)  # held: said at once; confirmed: its visitor shown now
            self.render_board()

    def _connection_changed(self, connected: bool) -> None:
        if connected:
            self.board.welcome(self.session.welcome)
            self.say("")
        elif self.session.refused is not None:
            self.say(self.words("refused", reason=self.session.refused.reason), error=True)
        else:
            self.say(self.words("offline"), error=True)
        self.render_board()

    async def send(self, message: p.Request) -> p.Reply | None:
        """Send what the clerk did; show the server's answer or why it did not happen.
        Requests go one at a time, in the order the clerk pressed the keys."""
        try:
            async with self.sending:
                reply = await self.session.request(message)
        except ServerError as exc:  # the server's sentence in the clerk's words (an older server: by code)
            self.say(exc.text or self.words.error(exc.code, exc.message), error=True)
            return None
        except ConnectionLost:
            self.say(self.words("error.connection"), error=True)
            return None
        except Refused as exc:  # this terminal's token is refused: say so, never end the app
            self.say(self.words("refused", reason=exc.reason), error=True)
            return None
        finally:
            held, self.held = self.held, False
        self.board.reply(reply)
        self.say(self.words("waits.back") if held else "")
        self.render_board()
        return reply

    # ---- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The action keys are priority bindings: the app acts on each as it arrives, before
        it passes the next key on. Passed to the focused button first (a normal binding), C and
        the A042 typed right after it were all queued at that button before the dialog opened,
        and the number was lost. While a dialog is open they are off, so its keys (N for "no",
        letters of a pause reason) reach it."""
        if action == "key":  # each key is bound once per staff language (`key_bindings`): the clerk's is on
            if parameters[1] != self.words.lang:
                return False
            action = str(parameters[0])
        if len(self.screen_stack) > 1 and action in ACTIONS:
            return False
        action = str(parameters[0]) if action == "simple" and parameters else action
        if action in NEEDS_VISITOR and self.board.current is None:
            return None  # shown greyed out: nobody is at the desk
        return True

    async def action_key(self, name: str, lang: str) -> None:  # a key in the clerk's language
        await waits.act(self, action_of(name))  # not queued behind one that waits for the database

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        await waits.act(self, action_of(event.button.id.removeprefix("do-")))

    @work(group="action")
    async def action_simple(self, name: str) -> None:
        """The actions that need no question: next, recall, start (arrived), park. N during a
        pause ends it (the server's rule): said, not silent."""
        paused = name == "next" and self.board.desk is not None and self.board.desk.state == "paused"
        reply = await self.send(SIMPLE[name](id=0))
        if paused and reply is not None and reply.ticket is not None:
            self.say(self.words("panel.pause_ended", number=reply.ticket.number))

    def action_noshow(self) -> None:
        number = self.board.current.number if self.board.current else "?"

        async def then(yes: bool | None) -> None:
            if yes:
                await self.send(p.NoShow(id=0))
        self.ask(self.confirm(self.words("dialog.confirm_noshow", number=number)), then)

    def action_finish(self) -> None:
        number = self.board.current.number if self.board.current else "?"
        outcomes = screen.outcome_choices(self.board, self.words)

        async def then(outcome: str | None) -> None:
            if outcome:  # "not the registered person" is a message of its own (fair access)
                refused = outcome == p.IDENTITY_REFUSED
                await self.send(p.RefuseIdentity(id=0) if refused else p.Finish(id=0, outcome=outcome))
        self.ask(Choose(self.words("dialog.finish", number=number), outcomes), then)

    def action_transfer(self) -> None:
        board, words = self.board, self.words
        choices = screen.transfer_choices(board, words)
        number = board.current.number if board.current else "?"

        async def then(chosen: tuple[str, str, bool] | None) -> None:
            if chosen:
                kind, target, front = chosen
                reply = await self.send(p.Transfer(id=0, service=target if kind == "service" else None,
                                                   to_counter=target if kind == "counter" else None, front=front))
                if reply is not None and reply.ticket is not None:
                    self.say(words("transfer.done", number=reply.ticket.number,
                                   target=screen.targets(board, words)[f"{kind}:{target}"]))
                    self.render_board()
        self.ask(Transfer(words("dialog.transfer", number=number), choices, words("dialog.front")), then)

    def action_takeback(self) -> None:
        parked = screen.parked_choices(self.board, self.words)
        if parked:
            self.ask(Choose(self.words("dialog.takeback"), parked), self._call_number)

    def action_call(self) -> None:
        self.ask(Ask(self.words("dialog.call"), "A017"), self._call_number)

    async def _call_number(self, number: str | None) -> None:
        if number:
            await self.send(p.Call(id=0, ticket=number))

    def action_pause(self) -> None:
        if self.board.desk and self.board.desk.state == "paused":
            self.run_worker(self.send(p.Resume(id=0)), group="action")
            return

        async def then(reason: str | None) -> None:
            if reason is not None:
                await self.send(p.Pause(id=0, reason=reason))
        # the reason is stored with the counter for the retention days: the dialog says so
        days = self.board.site.retention_days if self.board.site else 90
        self.ask(Ask(self.words("dialog.pause", days=days)), then)

    def action_endshift(self) -> None:
        async def then(answer: str | None) -> None:
            if answer is None:
                return
            try:
                at = planned_end(answer, self.clock(),
                                 self.board.site.timezone if self.board.site else "Europe/Berlin")
            except EndPassed as passed:
                self.say(self.words("error.end_passed", time=passed.time), error=True)
                return
            except ValueError:
                self.say(self.words("error.bad_time"), error=True)
                return
            await self.send(p.CloseAt(id=0, at=at))
        self.ask(Ask(self.words("dialog.endshift"), "12:30"), then)

    def action_open(self) -> None:
        services = screen.service_choices(self.board, self.words)

        async def then(chosen: list[str] | None) -> None:
            if chosen:
                await self.send(p.Open(id=0, services=chosen))
        self.ask(PickServices(self.words("dialog.open"), services, self.board.my_services), then)

    def action_close(self) -> None:
        current = self.board.current

        async def then(yes: bool | None) -> None:
            if yes:
                await self.send(p.Close(id=0))
        if current is None:
            self.run_worker(then(True), group="action")
            return
        self.ask(self.confirm(self.words("dialog.confirm_close", number=current.number)), then)

    def action_refer(self) -> None:
        board, words = self.board, self.words
        choices = referral.choices(board, words)
        if not choices:
            self.say(words("referral.none"), error=True)
            return
        number = board.current.number if board.current else "?"

        async def then(chosen: tuple[list[str], bool] | None) -> None:
            if not chosen:
                return
            partners, front = chosen
            reply = await self.send(p.Refer(id=0, partners=partners, front=front))
            if reply is not None and reply.ticket is not None:
                self.say(words("referral.done", number=reply.ticket.number,
                               partners=referral.names(board, words, partners)))
                await self.print_slip(reply.ticket, partners)
        self.ask(Refer(words("referral.title", number=number), choices, words("dialog.front")), then)

    async def print_slip(self, ticket: p.TicketView, partners: list[str]) -> None:
        """The outside partners' cards on the counter's printer, if it has one."""
        url = self.printer_url or (self.session.welcome.printer if self.session.welcome else None)
        blocks = referral.slip(self.board, self.session.welcome, ticket, partners) if url else []
        if not blocks:
            return
        try:
            self.printer = await asyncio.to_thread(print_slip, self.printer, url, blocks, f"{ticket.number}-slip")
        except Exception as exc:  # PrinterError and what opening a device raises: say it, go on
            self.say(self.words("referral.print_failed", message=exc), error=True)
            return
        self.say(self.words("referral.printed"))

    def confirm(self, title: str) -> Confirm:
        """A yes/no question with the keys of the clerk's language (J/N, Y/N)."""
        w = self.words
        return Confirm(title, w("dialog.yes"), w("dialog.no"), w("dialog.yes_key"), w("dialog.no_key"))

    def ask(self, dialog, then: Callable[[Any], Awaitable[None]]) -> None:
        """Show `dialog` at once, in the key's own handler, and give its answer (None: Escape)
        to `then` in a worker. Opened from a worker instead, the dialog came a moment late and
        keys typed right after the action's (C A042, F 2) went to the main screen and were lost:
        the server was asked for "042"."""
        self.push_screen(dialog, callback=lambda answer: self.run_worker(then(answer), group="action"))

    # ---- rendering -----------------------------------------------------------------------

    def on_queue_table_resized(self) -> None:
        if self.is_running:
            self._render_queues()

    def say(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#message", Static)
        message.update(text)
        message.set_class(error, "error")

    def render_board(self) -> None:
        if not self.is_running:
            return  # a late event while the app shuts down: its widgets are already gone
        board, words = self.board, self.words
        self.title = words("title", counter=screen.counter_name(board))
        timezone = board.site.timezone if board.site else "Europe/Berlin"
        self.sub_title = words.state(board.desk, timezone) if self.session.connected else words("offline")
        self.query_one("#current", Static).update(screen.current_text(self.board, self.words, self.clock()))
        self.query_one("#parked", Static).update(
            "  ".join(t.number for t in board.desk.parked) if board.desk and board.desk.parked else "–")
        self.query_one("#handled", Static).update(screen.handled_text(self.board, self.words))
        self._render_queues()
        self.refresh_bindings()

    def _render_queues(self) -> None:
        """The queues, every figure whole at any width (80×24 and up): the columns get their
        widths from what they hold (`queue_widths`); the service name is shortened and the
        interpreter note ("Arabisch 2, Dari 1", or "ar 2 · prs 1" where that does not fit)
        gets what is left, never the figures' room."""
        table = self.query_one("#queues", QueueTable)
        headers, rows = screen.queue_headers(self.words), screen.queue_rows(self.board, self.words)
        room = table.scrollable_content_region.width or self.size.width
        natural = [max(len(text) for text in [headers[i], *(row[i] for row in rows)]) for i in range(4)]
        for note in (4, 5):  # the languages' names if they fit, else their tags
            needs = max((len(row[note]) for row in rows), default=0)
            widths = queue_widths([*natural, max(needs, len(headers[4])) if needs else 0], room,
                                  padding=table.cell_padding)
            if widths[4] >= needs:
                break
        table.show(headers, widths, [[*row[:4], row[note]] for row in rows])
