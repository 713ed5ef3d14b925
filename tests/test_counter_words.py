"""The minutes a clerk reads (how long a visitor waited, why routing chose them), worked out by
hand: the counter snapshots show only waits of 0 min, so they cannot catch wrong arithmetic."""

from __future__ import annotations

from counter.board import Board, Words
from server.wire import protocol as p
from server.edge import views

from .conftest import make_site

ISSUED = 1_795_000_000.0


def ticket(state: str = "waiting", called_after: float | None = None, reason: str = "") -> p.TicketView:
    called = ISSUED + called_after if called_after is not None else None
    return p.TicketView(number="A007", service="residence", lang="ar", state=state, issued_at=ISSUED,
                        called_at=called, reason=reason)


def test_a_waiting_visitor_has_waited_until_now_in_whole_minutes():
    words = Words("de")
    assert words.waited(ticket(), ISSUED + 17 * 60 + 29) == "Gewartet: 17 min"   # 17.48 min
    assert words.waited(ticket(), ISSUED + 17 * 60 + 31) == "Gewartet: 18 min"   # 17.52 min
    assert words.waited(ticket(), ISSUED + 3 * 3600) == "Gewartet: 180 min"


def test_a_called_visitors_wait_ends_at_the_call():
    words = Words("de")
    called = ticket(state="called", called_after=5 * 60)
    assert words.waited(called, ISSUED + 2 * 3600) == "Gewartet: 5 min"


def test_the_reason_names_the_wait_and_the_services_limit():
    board = Board(site=views.site(make_site()))
    overdue = ticket(state="called", called_after=61 * 60, reason="past_max_wait")
    assert Words("de").reason(board, overdue) == "wartet 61 min, länger als 60 min"  # residence: 60 min in default.toml
