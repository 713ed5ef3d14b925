"""What every message of the wire protocol is made of: the base classes, the checked field
types and their limits, and the one sentence that says what is wrong with a frame.

`server.wire.protocol` (the terminals' messages), `server.wire.manager` (sign-in and floor
board) and `server.wire.feedback` (the visitors' answers) build on it. It imports only the
standard library and msgspec.
"""

from __future__ import annotations

from typing import Annotated, Union

import msgspec
from msgspec import Meta

from server.wire.errors import BadRequest, UnknownType

MAX_CLOSE_REASON = 123     # bytes: a close frame's payload is 125, two of them the code
MAX_KEY = 256              # characters in a name: terminal, service, counter, ticket, booking ...
MAX_TEXT = 1000            # characters of free text: a pause reason, a printer's detail
MAX_SERVICES = 64
SAFE_INT = 2**53 - 1       # the largest integer a browser's JSON parser holds exactly
EARLIEST, LATEST = 946684800.0, 4102444800.0   # 2000-01-01 and 2100-01-01 UTC: appointment times

RequestId = Union[Annotated[int, Meta(ge=0, le=SAFE_INT)], Annotated[str, Meta(max_length=64)]]
Key = Annotated[str, Meta(max_length=MAX_KEY)]
Text = Annotated[str, Meta(max_length=MAX_TEXT)]
Timestamp = Annotated[float, Meta(ge=EARLIEST, le=LATEST)]


class Message(msgspec.Struct, tag_field="type", forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    pass


class Request(Message):
    id: RequestId


def tags(*types: type[msgspec.Struct]) -> set[str]:
    """The `type` of each message class."""
    return {str(cls.__struct_config__.tag) for cls in types}


_json_decoder = msgspec.json.Decoder(float_hook=float)  # 1e400 reads as inf here, not as an error


def explain(data: str | bytes, exc: Exception, known: set[str]) -> BadRequest:
    """Say what is wrong, reading the frame as plain JSON: which request (`re`) it was, if that
    much is readable, and whether its type is unknown or a field is wrong."""
    try:
        raw = _json_decoder.decode(data)
    except msgspec.DecodeError as error:
        return BadRequest(f"JSON is malformed: {str(error).removeprefix('JSON is malformed: ')}")
    except RecursionError:
        return BadRequest("JSON is nested too deeply")
    if not isinstance(raw, dict):
        return BadRequest('a message must be a JSON object with a "type"')
    re, kind = _request_id(raw.get("id")), raw.get("type", "message")
    if not isinstance(kind, str):
        return BadRequest('"type" must be a string naming the message', re=re)
    if kind not in known and "type" in raw:
        return UnknownType(f"unknown message type {_shorten(kind)!r}", re=re)
    if isinstance(exc, RecursionError):
        return BadRequest(f"{kind}: JSON is nested too deeply", re=re)
    return BadRequest(f"{kind}: {exc}", re=re)


def _request_id(value: object) -> str | int | None:
    """The frame's `id` if it is a valid one (an error may only echo what a client could send)."""
    try:
        return msgspec.convert(value, RequestId)
    except msgspec.ValidationError:
        return None


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def close_reason(text: str) -> str:
    """`text` cut to what a close frame holds: `MAX_CLOSE_REASON` bytes of UTF-8, whole
    characters only (cutting by characters overflowed the frame with non-Latin names)."""
    return text.encode()[:MAX_CLOSE_REASON].decode(errors="ignore")
