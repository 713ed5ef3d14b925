"""The UI string catalogue: one TOML file per language in `config/strings/`.

Every client and the server's announcements take their words from here, so a language is
added by adding one file. Keys are flat dotted names (`error.closed_for_today`); texts use
`str.format` fields (`{number}`, `{counter}`). A test keeps every file's keys equal to
German's.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Mapping


def available() -> tuple[str, ...]:
    folder = resources.files("config") / "strings"
    return tuple(sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")))


@cache
def strings(lang: str) -> Mapping[str, str]:
    """The catalogue of `lang`, German for a language without a catalogue."""
    if lang not in available():
        lang = "de"
    text = (resources.files("config") / "strings" / f"{lang}.toml").read_text(encoding="utf-8")
    return MappingProxyType(dict(_flatten(tomllib.loads(text))))


def _flatten(table: Mapping, prefix: str = ""):
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value
