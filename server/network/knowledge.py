"""Shared knowledge: what an office publishes to the network (`Published`). Filled in below."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

Key = Annotated[str, Meta(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]


class Published(msgspec.Struct, forbid_unknown_fields=True):
    office: Key


def read(body: bytes) -> Published:
    try:
        return msgspec.json.decode(body, type=Published)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ValueError(f"not an office's knowledge: {exc}") from None


def count(published: Published) -> int:
    return 0
