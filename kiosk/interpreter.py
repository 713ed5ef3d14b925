"""The kiosk's one question after the service: "Do you need help with German?" (issue 15).

Asked in the visitor's language, answered with one tap: yes, no, or skip (the same as no for
the ticket: nobody is made to answer). The answer travels with the draw (`Draw.interpreter`),
so the clerk sees "Dolmetscher: Arabisch" before the visitor reaches the desk and the floor
board counts who is waiting for an interpreter. A visitor who chose German is not asked.

Visitors with an appointment are asked too, after their code, when they chose a language on
the kiosk (`Checkin.interpreter`); one who scans before choosing is not (the kiosk knows their
language only from the booking, after the ticket is out).

The screen only asks; drawing or checking in stays the caller's (`answer`, e.g.
`KioskApp.issue`), so a lost reply is retried with the same request and prints once.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.paragraph import Paragraph

NOT_ASKED = ("de",)  # languages whose visitors need no help with German


def asks(lang: str) -> bool:
    """Whether a visitor who chose `lang` at the kiosk is asked about an interpreter."""
    return lang.split("-")[0] not in NOT_ASKED


class InterpreterScreen(Screen):
    """Yes and no as large buttons, a smaller skip, back to the services.

    "Yes" has the focus in every language, so Enter gives the same answer whichever side it
    stands on (left in English, right in Arabic): the visitor who presses Enter without reading
    the question well is the one who needs the help most."""

    CSS_PATH = "interpreter.tcss"
    AUTO_FOCUS = "#interpreter-yes"

    def __init__(self, lang: str, answer: Callable[[bool], object]):
        super().__init__()
        self.lang, self.answer = lang, answer   # answer(True): the visitor needs an interpreter

    def compose(self) -> ComposeResult:
        word = self.app.word
        rtl = "rtl" if self.app.words(self.lang)["direction"] == "rtl" else ""
        with Vertical(id="interpreter-screen", classes=rtl):
            yield Static(self.app.said(self.lang, "interpreter.question"), id="interpreter-question", markup=False)
            yield Static(self.app.said(self.lang, "interpreter.detail"), id="interpreter-detail", markup=False)
            answers = [Button(Content(word(self.lang, "interpreter.yes")), id="interpreter-yes", classes="answer",
                              variant="success"),
                       Button(Content(word(self.lang, "interpreter.no")), id="interpreter-no", classes="answer",
                              variant="primary")]
            more = [Button(Content(word(self.lang, "kiosk.back")), id="interpreter-back"),
                    Button(Content(word(self.lang, "interpreter.skip")), id="interpreter-skip")]
            order = reversed if rtl else list  # a right-to-left reader meets "yes" (and "back") first
            yield Horizontal(*order(answers), id="interpreter-answers")
            yield Static("", id="problem", markup=False)
            yield Horizontal(*order(more), id="interpreter-more")

    @on(Button.Pressed, "#interpreter-yes, #interpreter-no, #interpreter-skip")
    def answered(self, event: Button.Pressed) -> None:
        event.stop()
        for button in self.query(Button):
            button.disabled = True  # one ticket per visitor, however often they tap
        self.answer(event.button.id == "interpreter-yes")

    @on(Button.Pressed, "#interpreter-back")
    def back(self, event: Button.Pressed) -> None:
        event.stop()
        self.app.pop_screen()
        for button in self.app.screen.query(".service"):
            button.disabled = False  # the service tapped before may be chosen again, or another

    def drawing(self) -> None:
        """The draw is on its way (kiosk/drawing.py): no button takes a tap until it is answered."""
        for button in self.query(Button):
            button.disabled = True

    def held(self, text: Paragraph) -> None:
        """The draw is held (the database briefly away): "one moment, your ticket is being made"."""
        self.query_one("#problem", Static).set_class(True, "held").update(text)

    def problem(self, text: Paragraph) -> None:
        """The draw failed (closed, no server ...): say why and let the visitor try again."""
        self.query_one("#problem", Static).set_class(False, "held").update(text)
        for button in self.query(Button):
            button.disabled = False
