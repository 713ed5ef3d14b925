"""A text of one language as a kiosk widget shows it: a Textual `Visual` that breaks the text
into lines at the width the widget gives it, in reading order, and only then puts each line of
a right-to-left text in display order (`kiosk.shaping.lines_for_terminal`). A widget handed an
already reordered string breaks it itself, and a long Arabic hint then showed its second line
on top. `str()` of it is the whole text on one line, as `for_terminal` shows it.
"""

from __future__ import annotations

from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual

from kiosk.shaping import for_terminal, lines_for_terminal


class Paragraph(Visual):
    def __init__(self, text: str, *, joined: bool = True):
        self.text, self.joined = text, joined

    def __str__(self) -> str:
        return "\n".join(for_terminal(line, joined=self.joined) for line in self.text.split("\n"))

    def lines(self, width: int) -> list[str]:
        return lines_for_terminal(self.text, width, joined=self.joined)

    def _content(self, rules: RulesMap, width: int) -> Content:
        """The lines for `width` cells less the widget's line padding (a button has one a side)."""
        return Content("\n".join(self.lines(width - 2 * rules.get("line_pad", 0))))

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        return self._content(options.rules, width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return Content(str(self)).get_optimal_width(rules, container_width)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self._content(rules, width).get_height(rules, width)
