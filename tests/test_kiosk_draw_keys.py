"""The kiosk's draw keys (kiosk/draw_keys.py): a draw the database did not confirm is sent again
with its key when the same is asked next, so the visitor gets the ticket that waited."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from kiosk.draw_keys import KEEP_SECONDS, UNANSWERED, DrawKeys


def keys(now: list[float]) -> DrawKeys:
    counter = itertools.count(1)
    return DrawKeys(lambda: f"k{next(counter)}", clock=lambda: now[0])


def test_an_unanswered_draw_keeps_its_key_for_the_same_touch_only():
    now = [0.0]
    draw = keys(now)
    first = draw.key("info", "uk", False)
    draw.answered("unconfirmed")
    assert draw.key("info", "uk", False) == first  # the same touch: the ticket that waited
    draw.answered("busy")
    now[0] += KEEP_SECONDS - 1  # counted from the last unanswered try
    assert draw.key("info", "uk", False) == first
    draw.answered()  # a ticket: forgotten
    assert draw.key("info", "uk", False) != first


@given(st.sampled_from(["closed_for_today", "unknown_service", "rate_limited", 4401]),
       st.floats(min_value=0, max_value=2 * KEEP_SECONDS))
def test_a_refusal_a_later_touch_or_another_choice_gets_a_new_key(code, later):
    now = [0.0]
    draw = keys(now)
    first = draw.key("info", "ar", True)
    draw.answered(code)  # nothing stands: a new draw
    assert draw.key("info", "ar", True) != first
    second = draw.key("info", "ar", True)
    draw.answered(None)  # no answer at all: it may stand
    now[0] += later
    again = draw.key("info", "ar", True)
    assert (again == second) == (later < KEEP_SECONDS)
    draw.answered(None)
    assert draw.key("info", "ar", False) not in (second, again)  # another answer to the interpreter question
    assert set(UNANSWERED) == {None, "busy", "unconfirmed"}
