"""The UI string catalogues: one TOML file per language.

`config/strings/<lang>.toml` is what visitors read and hear (kiosk, display, announcements),
in every site language; `config/strings/staff/<lang>.toml` is the clerks' and managers' UI,
in German and English. Every client takes its words from here, so a language is added by
adding one file. Keys are flat dotted names (`error.closed_for_today`); texts use
`str.format` fields (`{number}`, `{counter}`). A test keeps every file's keys equal to
German's.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Mapping


FOLDERS = {"visitor": ("strings",), "staff": ("strings", "staff")}


def _folder(part: str):
    return resources.files("config").joinpath(*FOLDERS[part])


def available(part: str = "visitor") -> tuple[str, ...]:
    return tuple(sorted(p.name.removesuffix(".toml") for p in _folder(part).iterdir() if p.name.endswith(".toml")))


@cache
def strings(lang: str, part: str = "visitor") -> Mapping[str, str]:
    """The `part` ("visitor" or "staff") catalogue of `lang`; German where there is none."""
    if lang not in available(part):
        lang = "de"
    text = (_folder(part) / f"{lang}.toml").read_text(encoding="utf-8")
    return MappingProxyType(dict(_flatten(tomllib.loads(text))))


def _flatten(table: Mapping, prefix: str = ""):
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value
