"""The counter's dialogs: each a small modal screen that returns what the clerk chose
(or None on Escape). Every entry of a list has a key of its own, shown before it: 1–9, then
letters (a, b, c, … without the dialog's own keys, such as F for "to the front"), so a
practised clerk never needs the arrow keys: F 1 finishes with the first outcome, T a sends
the visitor to the tenth target. Arrow keys and Enter work too."""

from __future__ import annotations

import string

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.markup import escape
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
    """Yes or no for what cannot be undone; No is the default. The keys are the clerk's
    language's (`yes_key`, `no_key` from the staff catalogue: J/N in German, Y/N in English),
    shown before each answer; another language's yes key does nothing."""

    BINDINGS = [*Dialog.BINDINGS, *(Binding(key, f"key('{key}')", show=False) for key in "jny")]

    def __init__(self, title: str, yes: str, no: str, yes_key: str = "J", no_key: str = "N"):
        super().__init__(title)
        self.keys = {yes_key.lower(): True, no_key.lower(): False}
        self.choices = [Option(f"[b]{escape(yes_key)}[/b]  {escape(yes)}", id="yes"),
                        Option(f"[b]{escape(no_key)}[/b]  {escape(no)}", id="no")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield OptionList(*self.choices, id="choices")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 1

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id == "yes")

    def action_key(self, key: str) -> None:
        if key in self.keys:
            self.dismiss(self.keys[key])


def entry_keys(count: int, reserved: str = "") -> list[str]:
    """The keys of a list's entries: 1–9, then the letters the dialog does not use itself.

    >>> entry_keys(12, reserved="f")
    ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c']
    >>> entry_keys(16, reserved="f")[-4:]
    ['d', 'e', 'g', 'h']
    """
    keys = [*"123456789", *(c for c in string.ascii_lowercase if c not in reserved)]
    return keys[:count]


class Keyed:
    """A dialog whose entries each have a key (`entry_keys`): the key runs `on_entry(index)`."""

    RESERVED = ""  # the dialog's own letters

    def on_key(self, event: events.Key) -> None:
        if event.character in self.keys:
            event.stop()
            event.prevent_default()
            self.on_entry(self.keys.index(event.character))


class Choose(Keyed, Dialog):
    """One of a list; returns the chosen value. Each entry's key chooses it at once."""

    def __init__(self, title: str, choices: list[tuple[str, str]]):
        super().__init__(title)
        self.values = [value for value, _ in choices]
        self.labels = [label for _, label in choices]
        self.keys = entry_keys(len(choices), self.RESERVED)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield OptionList(*(f"[b]{key}[/b]  {escape(label)}" for key, label in zip(self.keys, self.labels)),
                             id="choices")
            yield from self.extra()

    def extra(self) -> ComposeResult:
        return iter(())

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_pick(event.option_index)

    def on_entry(self, index: int) -> None:
        self.action_pick(index)

    def action_pick(self, index: int) -> None:
        if index < len(self.values):
            self.dismiss(self.result(self.values[index]))

    def result(self, value: str):
        return value


class Transfer(Choose):
    """Where to send the visitor: a service or a counter; F puts them at the front."""

    BINDINGS = [*Choose.BINDINGS, Binding("f", "toggle_front", "Front")]
    RESERVED = "f"

    def __init__(self, title: str, choices: list[tuple[str, str]], front_label: str):
        super().__init__(title, choices)
        self.front_label = front_label

    def extra(self) -> ComposeResult:
        yield Checkbox(f"[b]F[/b]  {escape(self.front_label)}", id="front")

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
            yield Label(self.title_text, classes="dialog-title", markup=False)
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
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield SelectionList(*((Content(label), value, value in self.chosen) for value, label in self.services),
                                id="services")

    def action_confirm(self) -> None:
        chosen = self.query_one(SelectionList).selected
        self.dismiss([value for value, _ in self.services if value in chosen] or None)


class Refer(Keyed, Dialog):
    """To which partners to refer the visitor: Space or Enter (or the entry's key) ticks, F
    puts them at the front of a partner desk's queue, V (again) refers. Returns (partner ids,
    front). An OptionList with its own ticks, not a SelectionList: a SelectionList cuts each
    name to one line, and a partner is told apart by the end of its name as often as by its start."""

    BINDINGS = [*Dialog.BINDINGS, Binding("v", "confirm", "OK"), Binding("f", "toggle_front", "Front")]
    RESERVED = "fv"

    def __init__(self, title: str, partners: list[tuple[str, str]], front_label: str):
        super().__init__(title)
        self.partners, self.front_label = partners, front_label
        self.keys = entry_keys(len(partners), self.RESERVED)
        self.ticked: set[str] = set()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield OptionList(*(self.prompt(i) for i in range(len(self.partners))), id="partners")
            yield Checkbox(f"[b]F[/b]  {escape(self.front_label)}", id="front")

    def prompt(self, index: int) -> str:
        value, label = self.partners[index]
        return f"{'☑' if value in self.ticked else '☐'} [b]{self.keys[index]}[/b]  {escape(label)}"

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_tick(event.option_index)

    def on_entry(self, index: int) -> None:
        self.action_tick(index)

    def action_tick(self, index: int) -> None:
        if index < len(self.partners):
            self.ticked ^= {self.partners[index][0]}
            self.query_one(OptionList).replace_option_prompt_at_index(index, self.prompt(index))

    def action_toggle_front(self) -> None:
        self.query_one("#front", Checkbox).toggle()

    def action_confirm(self) -> None:
        picked = [value for value, _ in self.partners if value in self.ticked]
        self.dismiss((picked, self.query_one("#front", Checkbox).value) if picked else None)
