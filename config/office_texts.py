"""The office's own texts in a site catalogue (`strings/<tag>.toml` beside the site file):
`[office.services]`, `[office.hints]`, `[office.documents]`, `[office.outcomes]` and
`[office.partners.<id>]` (name, helps, hours) put into the site file's tables before the
loader reads them, so a language is added by its file and the tag in the site file's lists."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Mapping

from config import strings
from config.errors import ConfigError


OFFICE_TEXTS = {"services": ("services", "names"), "hints": ("services", "hints"),
                "documents": ("documents", None), "outcomes": ("outcomes", None)}


def with_office_texts(data: Mapping[str, Any], languages: tuple[str, ...], folder: Path | None,
                      file: str) -> Mapping[str, Any]:
    """The site file's data with the office's texts each site catalogue beside it holds
    (`office.services.residence = "..."`: a service's name; `office.hints.<service>`,
    `office.documents.<document>`, `office.outcomes.<outcome>`) put in their tables, so a
    language is added by its file and its tag alone. A text the site file has too, or for an id
    it does not have, is refused naming the catalogue's file and key; so is a catalogue with
    office texts that leaves out a service, document or outcome the site file names nowhere
    in its language."""
    texts = {lang: strings.office_texts(lang, folder) for lang in languages}
    if not any(found for found, _ in texts.values()):
        return data
    data = copy.deepcopy(dict(data))
    for lang, (found, shown) in texts.items():
        for key, text in found.items():
            _put_office_text(data, lang, key, text, shown, file)
        if found:
            _office_texts_complete(data, lang, shown, file)
    return data


def _office_texts_complete(data: dict, lang: str, shown: str, file: str) -> None:
    """Every service, document and outcome has a text in `lang` now (the site file's own
    tables say it in their error otherwise; this one points at the catalogue the admin writes)."""
    services = data.get("services") if isinstance(data.get("services"), list) else []
    named = [("services", item.get("id"), item.get("names")) for item in services if isinstance(item, dict)]
    for section in ("documents", "outcomes"):
        tables = data.get(section) if isinstance(data.get(section), dict) else {}
        named += [(section, ident, table) for ident, table in tables.items()]
    for section, ident, table in named:
        if isinstance(ident, str) and isinstance(table, dict) and lang not in table:
            raise ConfigError(shown, f"office.{section}.{ident}",
                              f'missing: {file} has the {section[:-1]} "{ident}" and no text for it in "{lang}"')


PARTNER_TEXTS = ("name", "helps", "hours")   # office.partners.<id>.<these>: a partner's card in the language


def _put_office_text(data: dict, lang: str, key: str, text: str, shown: str, file: str) -> None:
    parts = key.split(".")
    partner = len(parts) == 4 and parts[1] == "partners" and parts[3] in PARTNER_TEXTS
    if not partner and (len(parts) != 3 or parts[1] not in OFFICE_TEXTS):
        raise ConfigError(shown, key, "unknown key (office texts are office.services.<id>, office.hints.<id>, "
                                      "office.documents.<id>, office.outcomes.<id> and "
                                      "office.partners.<id>.name, .helps, .hours)")
    _, kind, ident = parts[:3]
    section, field = ("partners", parts[3]) if partner else OFFICE_TEXTS[kind]
    if field is None:
        table = data.get(section, {}).get(ident) if isinstance(data.get(section), dict) else None
        where = f"{section}.{ident}"
    else:
        items = data.get(section) if isinstance(data.get(section), list) else []
        found = [i for i, item in enumerate(items) if isinstance(item, dict) and item.get("id") == ident]
        table = items[found[0]].setdefault(field, {}) if found else None
        where = f"{section}[{found[0]}].{field}" if found else ""
    if not isinstance(table, dict):
        raise ConfigError(shown, key, f'{file} has no {section[:-1]} "{ident}"')
    if lang in table:
        raise ConfigError(shown, key, f"{file} gives it too ({where}.{lang}): keep one of the two")
    table[lang] = text
