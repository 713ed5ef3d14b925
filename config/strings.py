"""The UI string catalogues: one TOML file per language.

`config/strings/<lang>.toml` is what visitors read and hear (kiosk, display, announcements);
`config/strings/staff/<lang>.toml` is the clerks' and managers' UI, in German and English.
Keys are flat dotted names (`error.closed_for_today`); texts use `str.format` fields
(`{number}`, `{counter}`).

A site adds or changes visitor catalogues without touching the installed package: files in the
folder its site file names (`site.strings`, by default `strings/` beside the site file) extend
the bundled ones (a new language: every key of `de.toml`) or override single keys of them.
`catalogues(...)` loads what a site's languages need and refuses, in one line naming the file
and the key, a catalogue that misses a key, has a key German does not, or changes a text's
`{fields}`. A site's own file may also hold the office's texts in its language (`[office.services]`,
`[office.hints]`, `[office.documents]`, `[office.outcomes]`: `config.office_texts`), so a
language is added by one file and its tag. The server sends each terminal the site's catalogues in its welcome, so kiosks need
no local files. `language_name` and `direction` come from the locale data (`config.languages`)
unless a catalogue sets them.
"""

from __future__ import annotations

import string
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from config import languages
from config.errors import ConfigError

FOLDERS = {"visitor": ("strings",), "staff": ("strings", "staff")}
FROM_LOCALE_DATA = ("language_name", "direction")   # optional in a catalogue file
OFFICE = "office."   # a site catalogue's [office.*]: the office's own texts (config.office_texts)


COUNTED = ("count", "items", "tries")  # the fields a sentence's number is in


def counted(text: Mapping[str, str], key: str, lang: str, fields: Mapping[str, object]) -> str:
    """The key a sentence with a number is said with: `<key>_one` where the catalogue has it and
    the language says that number in the singular (CLDR's plural rules through babel: German's and
    English's `one` is 1 alone), else `key`. So "1 Eintrag", "2 Einträge" are two keys, not "Einträge(e)"."""
    number = next((fields[f] for f in COUNTED if isinstance(fields.get(f), int)), None)
    if number is None or f"{key}_one" not in text:
        return key
    from babel import Locale

    return f"{key}_one" if Locale.parse(lang).plural_form(number) == "one" else key


def _folder(part: str):
    return resources.files("config").joinpath(*FOLDERS[part])


def available(part: str = "visitor") -> tuple[str, ...]:
    return tuple(sorted(p.name.removesuffix(".toml") for p in _folder(part).iterdir() if p.name.endswith(".toml")))


@cache
def strings(lang: str, part: str = "visitor") -> Mapping[str, str]:
    """A bundled `part` ("visitor" or "staff") catalogue; German where there is none. Visitor
    surfaces take their site's catalogues (`Site.strings`, the welcome's `strings`) instead."""
    if lang not in available(part):
        lang = "de"
    table = _read(Path(str(_folder(part) / f"{lang}.toml")), f"config/strings/{lang}.toml")
    if part == "visitor":
        table = {**_from_locale_data(lang), **table}
    return MappingProxyType(table)


def _from_locale_data(lang: str) -> dict[str, str]:
    return {"language_name": languages.name(lang), "direction": languages.direction(lang)}


def read_catalogue_file(path: Path) -> dict[str, str]:
    """A catalogue file's texts by their flat keys (`kiosk.take_ticket`), as the loader reads them."""
    return _read(path, f"{path.parent.name}/{path.name}")


def _read(path: Path, shown: str) -> dict[str, str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(shown, "", f"not valid TOML ({exc})") from None
    table = {}
    for key, value in _flatten(data):
        if not isinstance(value, str):
            raise ConfigError(shown, key, f"{value!r} is not a string")
        table[key] = value
    return table


def _flatten(table: Mapping, prefix: str = ""):
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _fields(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def catalogues(site_languages: tuple[str, ...], folder: Path | None, *, site_file: str,
               key_path: str, adopted: Path | None = None) -> dict[str, Mapping[str, str]]:
    """Each site language's visitor catalogue: bundled, extended or overridden by `folder`, and
    then by `adopted` (the texts adopted from other offices on the floor board, `[network] into`'s
    `strings/`: `server.network.in_force`), each checked as a whole."""
    german = strings("de")
    found = {}
    layers = tuple(dict.fromkeys(f for f in (folder, adopted) if f is not None and f.is_dir()))
    for i, lang in enumerate(site_languages):
        table, shown = _catalogue(lang, layers)
        if table is None:
            where = f"{folder.name}/{lang}.toml" if folder else f"a folder named by site.strings with {lang}.toml"
            raise ConfigError(site_file, f"{key_path}[{i}]",
                              f'no catalogue for "{lang}": add {where} with every key of de.toml')
        _check(table, german, shown)
        found[lang] = MappingProxyType({**_from_locale_data(lang), **table})
    return found


def _catalogue(lang: str, folders: tuple[Path, ...]) -> tuple[dict[str, str] | None, str]:
    """The bundled file of `lang` (or of its language subtag: fa-AF takes fa) with each folder's
    file of the same name laid over it, in turn."""
    names = dict.fromkeys((lang, lang.split("-")[0]))
    for name in names:
        bundled = Path(str(_folder("visitor") / f"{name}.toml"))
        locals_ = [folder / f"{name}.toml" for folder in folders if (folder / f"{name}.toml").is_file()]
        if not bundled.is_file() and not locals_:
            continue
        table = _read(bundled, f"config/strings/{name}.toml") if bundled.is_file() else {}
        shown = f"config/strings/{name}.toml"
        for local in locals_:
            shown = f"{local.parent.name}/{name}.toml"
            overrides = {key: text for key, text in _read(local, shown).items() if not key.startswith(OFFICE)}
            for key in overrides:
                if key not in table and key not in strings("de") and key not in FROM_LOCALE_DATA:
                    raise ConfigError(shown, key, "unknown key (the keys are those of de.toml)")
            table.update(overrides)
        return table, shown
    return None, ""


def office_texts(lang: str, folder: Path | None) -> tuple[dict[str, str], str]:
    """The `[office.*]` texts (`office.services.<id>` ...) of the site's own catalogue of `lang`,
    and the file's name as errors show it; empty where the site has no file for it."""
    local = folder / f"{lang}.toml" if folder else None
    if local is None or not local.is_file():
        return {}, ""
    shown = f"{folder.name}/{lang}.toml"
    return {key: text for key, text in _read(local, shown).items() if key.startswith(OFFICE)}, shown


def _check(table: Mapping[str, str], german: Mapping[str, str], shown: str) -> None:
    for key in german:
        if key in FROM_LOCALE_DATA:
            continue
        if key not in table:
            raise ConfigError(shown, key, "missing (a catalogue has every key of de.toml)")
        if _fields(table[key]) != _fields(german[key]):
            wanted = ", ".join("{" + f + "}" for f in sorted(_fields(german[key]))) or "no {fields}"
            raise ConfigError(shown, key, f"{table[key]!r} must use {wanted}, as de.toml does")
    for key in table:
        if key not in german and key not in FROM_LOCALE_DATA:
            raise ConfigError(shown, key, "unknown key (the keys are those of de.toml)")
