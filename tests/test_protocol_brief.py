"""The README's "The protocol in brief" names every message a client sends (under its role's
line; the board's, feedback's and lottery's sockets under theirs) and every error code a client
can be told: a client writer who trusts the brief meets no code it does not list (`busy` went
unlisted while kiosks had to handle it)."""

from __future__ import annotations

import re
from typing import get_args

import pytest

from server.wire import protocol as p
from server.wire.access import ACCESS_TYPES
from server.wire.feedback import FEEDBACK_TYPES
from server.wire.manager import ManagerMessage
from server.wire.errors import ERRORS
from server.wire.fields import tags
from server.store.writer import StorageFailed

from .conftest import ROOT


# every code an `error` frame can carry: the wire's classes, the writer's, and the frame loop's
# answer to a bug of the server's own (server/edge/frames.py)
CODES = set(ERRORS) | {StorageFailed.code, "internal"}


def brief() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## The protocol in brief\n")
    return readme[start:readme.index("\n## ", start + 1)]


def item(label: str) -> str:
    """The bullet that starts with `label` (it runs to the next bullet or the section's end)."""
    found = re.search(rf"^- {re.escape(label)}(.*?)(?=^- |^\S|\Z)", brief(), re.M | re.S)
    assert found, f"README 'The protocol in brief' has no bullet starting '- {label}'"
    return found.group(1)


def named(text: str) -> set[str]:
    return set(re.findall(r"`([a-z_]+)[` ]", text))


@pytest.mark.parametrize(("label", "messages"), [
    ("Kiosk:", p.KIOSK_REQUESTS), ("Counter:", p.COUNTER_REQUESTS), ("Admin:", p.ADMIN_REQUESTS)])
def test_every_request_a_role_sends_is_in_the_brief_under_its_role(label, messages):
    missing = sorted(tags(*messages) - named(item(label)))
    assert not missing, f"README 'The protocol in brief', '{label}' does not name {missing}"


def test_every_message_the_other_sockets_take_is_in_the_brief():
    sent = tags(*get_args(ManagerMessage)) | FEEDBACK_TYPES | ACCESS_TYPES  # board, feedback, lottery
    missing = sorted(sent - named(item("Other sockets")))
    assert not missing, f"README 'The protocol in brief', 'Other sockets' does not name {missing}"


def test_every_error_code_is_in_the_brief():
    missing = sorted(CODES - named(item("Error codes")))
    assert not missing, f"README 'The protocol in brief', 'Error codes' does not name {missing}"


def test_the_brief_names_no_code_the_server_does_not_have():
    unknown = sorted(named(item("Error codes")) - CODES - p.CLIENT_TYPES)  # `next` with an empty queue
    assert not unknown, f"README 'The protocol in brief', 'Error codes' names {unknown}, which no error frame carries"
