"""A button of the start screen under the services ("I have an appointment", "Register for a
place"): its label in two site languages at a time, turning every ROTATE_SECONDS, and a press
opens the first screen of its path, which goes back to the start by itself when left alone."""

from __future__ import annotations

from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button

ROTATE_SECONDS = 3.0


class StartButton(Button):
    """Subclasses name the catalogue key of the label (`WORD`) and the screen a press opens."""

    WORD = ""

    DEFAULT_CSS = """
    StartButton { width: 100%; height: 3; margin-top: 1; text-style: bold; }
    """

    def __init__(self, languages: list[str], *, id: str):
        super().__init__("", id=id)
        self.languages, self.turn = languages, 0

    def on_mount(self) -> None:
        self.show()
        self.set_interval(ROTATE_SECONDS, self.rotate)

    def rotate(self) -> None:
        self.turn = (self.turn + 1) % max(1, (len(self.languages) + 1) // 2)
        self.show()

    def show(self) -> None:
        shown = self.languages[2 * self.turn:2 * self.turn + 2]
        self.label = Content(" · ".join(self.app.word(lang, self.WORD) for lang in shown))

    def first_screen(self) -> Screen:
        raise NotImplementedError

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        screen = self.first_screen()
        self.app.push_screen(screen)
        self.app.back_to_start_later(screen)
