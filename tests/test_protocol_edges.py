"""Edges of decoding that the wire tests do not reach: a request id of the wrong type is not
echoed, and the manager pages' frames are decoded or refused with a sentence."""

from __future__ import annotations

import pytest

from server.wire import protocol as p
from server.wire.errors import BadRequest


@pytest.mark.parametrize("request_id, echoed", [("7", "7"), (7, 7), ([7], None), (7.5, None), ({"n": 7}, None)])
def test_a_refused_frame_echoes_its_id_only_when_it_is_a_string_or_an_integer(request_id, echoed):
    import json

    frame = json.dumps({"type": "draw", "id": request_id, "lang": "de", "request": "x"})  # no service
    with pytest.raises(BadRequest) as info:
        p.decode_client(frame)
    assert info.value.re == echoed


def test_manager_frames_decode_and_a_bad_one_is_named():
    message = p.decode_manager('{"type": "open_counter", "id": 3, "counter": "5"}')
    assert (type(message), message.id, message.counter) == (p.OpenCounter, 3, "5")
    with pytest.raises(BadRequest) as info:
        p.decode_manager('{"type": "open_counter", "id": 3}')
    assert info.value.message == "not a valid manager message: Object missing required field `counter`"


def test_ticket_tokens_are_never_repeated_across_blocks_of_random_bytes():
    """A ticket's token opens its status page: each is 16 URL-safe characters and none comes
    twice, also across the 4 KiB blocks the system's random bytes are read in (341 tokens each)."""
    import re

    from server.edge.requests import new_token

    tokens = [new_token() for _ in range(1_000)]
    assert len(set(tokens)) == len(tokens)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{16}", token) for token in tokens)


async def test_the_gate_tells_whether_one_connection_alone_received_bytes_in_the_last_turn():
    """`Gate.others_woke` (without them a lone kiosk's draw commits without waiting a turn):
    counted per turn of the event loop, before the requests the bytes woke run."""
    import asyncio

    from server.edge.limits import Gate

    gate = Gate()
    gate.heard()
    gate.heard()  # two kiosks' frames in one turn
    await asyncio.sleep(0)
    assert gate.others_woke()
    gate.heard()  # one kiosk's frame
    await asyncio.sleep(0)
    assert not gate.others_woke()
