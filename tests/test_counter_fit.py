"""The clerk's screen at the sizes terminals have: with forty visitors waiting, every queue's
waiting count, longest wait and estimate are shown whole at 80×24 and up, and the
interpreter note (its own column, what is left) never pushes them out. Pilot against a
real server; the lines are read back as the table draws them."""

from __future__ import annotations

import pytest

from server.wire import protocol as p

from .conftest import make_site
from .test_counter_app import counter_app, until

# 40 visitors for counter 5 (residence and extension); every third asked for an interpreter
VISITORS = [(("residence", "extension")[n % 2], ("ar", "fa", "uk", "ti", "de", "prs", "tr")[n % 7], n % 3 == 0)
            for n in range(40)]


@pytest.fixture
def site():
    """The demo office; its kiosk may draw the forty tickets at once (the `server` fixture's
    100,000 a minute still allow a burst of only 10 when the machine is fast)."""
    return make_site(kiosk_draws_per_minute=10**9)


def table_lines(app) -> list[str]:
    """The queue table's lines as drawn on the screen (what the clerk sees, cropped)."""
    table = app.query_one("#queues")
    return [table.render_line(y).text for y in range(table.content_region.height)]


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)])
async def test_every_queue_figure_is_shown_whole(server, url, terminal, size):
    kiosk = await terminal("kiosk-1")
    for n, (service, lang, interpreter) in enumerate(VISITORS):
        await kiosk.request(p.Draw(id=0, service=service, lang=lang, request=f"v{n}", interpreter=interpreter))
    app = counter_app(url, lang="de")
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.board.desk is not None)
        await pilot.press("o", "o")
        await until(pilot, lambda: app.sub_title == "geöffnet")
        await until(pilot, lambda: sum(q.waiting for q in app.board.queues.values()) == 40
                    and all(q.eta for q in app.board.queues.values() if q.waiting))
        await pilot.pause()
        lines = table_lines(app)
        for service in ("residence", "extension"):
            queue = app.board.queues[service]
            figures = [str(queue.waiting), app.words("panel.minutes", minutes=round(queue.longest_wait / 60)),
                       app.words.eta(queue)]
            name = app.words.service(app.board, service)[:8]  # however short its column, its start shows
            row = next((line for line in lines if name in line), "")
            assert all(f" {figure} " in f" {row} " for figure in figures), (figures, lines)
            if size[0] >= 200:  # room for the interpreter note too, at least by language tag
                assert app.words.interpreters(queue, short=True) in row, lines
        table = app.query_one("#queues")
        assert table.virtual_size.width <= table.scrollable_content_region.width  # nothing beyond the edge
