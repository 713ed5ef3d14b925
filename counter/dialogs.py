"""The counter's dialogs: each a small modal screen that returns what the clerk chose
(or None on Escape). Digits pick an entry of a list directly, so a practised clerk never
needs the arrow keys: F 1 finishes with the first outcome."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, OptionList, SelectionList
from textual.widgets.option_list import Option


class Dialog(ModalScreen):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str):
        super().__init__()
        self.title_text = title

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(Dialog):
    """Yes or no for what cannot be undone; No is the default."""

    BINDINGS = [*Dialog.BINDINGS, Binding("y,j", "answer(True)", "Yes"), Binding("n", "answer(False)", "No")]

    def __init__(self, title: str, yes: str, no: str):
        super().__init__(title)
        self.choices = [Option(f"[b]Y[/b]  {yes}", id="yes"), Option(f"[b]N[/b]  {no}", id="no")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(*self.choices, id="choices")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 1

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class Choose(Dialog):
    """One of a list; returns the chosen value. Digits 1–9 choose at once."""

    BINDINGS = [*Dialog.BINDINGS, *(Binding(str(n), f"pick({n - 1})", show=False) for n in range(1, 10))]

    def __init__(self, title: str, choices: list[tuple[str, str]]):
        super().__init__(title)
        self.values = [value for value, _ in choices]
        self.labels = [label for _, label in choices]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(*(f"[b]{i}[/b]  {label}" if i < 10 else f"   {label}"
                               for i, label in enumerate(self.labels, 1)), id="choices")
            yield from self.extra()

    def extra(self) -> ComposeResult:
        return iter(())

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_pick(event.option_index)

    def action_pick(self, index: int) -> None:
        if index < len(self.values):
            self.dismiss(self.result(self.values[index]))

    def result(self, value: str):
        return value


class Transfer(Choose):
    """Where to send the visitor: a service or a counter; F puts them at the front."""

    BINDINGS = [*Choose.BINDINGS, Binding("f", "toggle_front", "Front")]

    def __init__(self, title: str, choices: list[tuple[str, str]], front_label: str):
        super().__init__(title, choices)
        self.front_label = front_label

    def extra(self) -> ComposeResult:
        yield Checkbox(f"[b]F[/b]  {self.front_label}", id="front")

    def action_toggle_front(self) -> None:
        self.query_one("#front", Checkbox).toggle()

    def result(self, value: str) -> tuple[str, str, bool]:
        kind, _, target = value.partition(":")
        return kind, target, self.query_one("#front", Checkbox).value


class Ask(Dialog):
    """A line of text (a number to call, a reason for the pause); Enter confirms."""

    def __init__(self, title: str, placeholder: str = ""):
        super().__init__(title)
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(placeholder=self.placeholder, id="answer")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())


class PickServices(Dialog):
    """Which of the counter's services to serve now; all are ticked, O (again) confirms."""

    BINDINGS = [*Dialog.BINDINGS, Binding("o", "confirm", "OK")]

    def __init__(self, title: str, services: list[tuple[str, str]], chosen: list[str]):
        super().__init__(title)
        self.services, self.chosen = services, chosen

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield SelectionList(*((label, value, value in self.chosen) for value, label in self.services),
                                id="services")

    def action_confirm(self) -> None:
        chosen = self.query_one(SelectionList).selected
        self.dismiss([value for value, _ in self.services if value in chosen] or None)


class Refer(Dialog):
    """To which partners to refer the visitor: Space (or a digit) ticks, F puts them at the front
    of a partner desk's queue, V (again) refers. Returns (partner ids, front)."""

    BINDINGS = [*Dialog.BINDINGS, Binding("v", "confirm", "OK"), Binding("f", "toggle_front", "Front"),
                *(Binding(str(n), f"tick({n - 1})", show=False) for n in range(1, 10))]

    def __init__(self, title: str, partners: list[tuple[str, str]], front_label: str):
        super().__init__(title)
        self.partners, self.front_label = partners, front_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield SelectionList(*((f"{i}  {label}" if i < 10 else label, value, False)
                                  for i, (value, label) in enumerate(self.partners, 1)), id="partners")
            yield Checkbox(f"[b]F[/b]  {self.front_label}", id="front")

    def action_tick(self, index: int) -> None:
        if index < len(self.partners):
            self.query_one(SelectionList).toggle(self.partners[index][0])

    def action_toggle_front(self) -> None:
        self.query_one("#front", Checkbox).toggle()

    def action_confirm(self) -> None:
        chosen = self.query_one(SelectionList).selected
        picked = [value for value, _ in self.partners if value in chosen]
        self.dismiss((picked, self.query_one("#front", Checkbox).value) if picked else None)
