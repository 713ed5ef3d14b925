"""Shared knowledge: what an office publishes to the network, how two offices' differ, and the
fragment an office adopts.

An office's knowledge is its site file's texts, flat, one item a key (`Published.items`):

    documents.<doc>.<lang>            a document to bring, as a language names it ("Reisepass")
    services.<id>.names.<lang>        a service's name; services.<id>.hints.<lang> its hint;
    services.<id>.documents           the documents it asks for (a list of document ids)
    partners.<id>.<field>[.<lang>]    a partner's card: name, helps, hours per language;
                                      phone, web, address, map, interprets
    strings.<lang>.<key>              the visitor catalogue of a site language as the office has
                                      it (bundled, with the office's own file laid over it)

Another office compares by keys (`differences`) and adopts a selection (`select`: an item or
every item under a prefix, `documents.passport`, `strings.ti`) as a **fragment to review**
(`fragment`): a TOML file in the site file's shape and, for a language, a catalogue file —
written beside the site file under a new name, never over it.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Union

import msgspec
from msgspec import Meta

Key = Annotated[str, Meta(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
ItemKey = Annotated[str, Meta(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.-]+$")]
Text = Annotated[str, Meta(max_length=4000)]
Lang = Annotated[str, Meta(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")]
Value = Union[Text, Annotated[list[Annotated[str, Meta(max_length=200)]], Meta(max_length=100)]]
PARTNER_TEXTS = ("name", "helps", "hours")
PARTNER_FIELDS = ("service", "phone", "web", "address", "map")


class Published(msgspec.Struct, forbid_unknown_fields=True):
    office: Key
    name: Annotated[str, Meta(max_length=200)]
    languages: Annotated[list[Lang], Meta(max_length=60)]
    items: Annotated[dict[ItemKey, Value], Meta(max_length=50_000)]


def read(body: bytes) -> Published:
    """What an office publishes (`msgspec.ValidationError`, `msgspec.DecodeError`: it is not)."""
    return msgspec.json.decode(body, type=Published)


def count(published: Published) -> int:
    return len(published.items)


# ---- what an office has ---------------------------------------------------------------------

def of_site(path: Path | None, office: str) -> Published:
    """An office's knowledge from its site file (the bundled demo office without one)."""
    from config import default_path, load_site
    from config.office_texts import with_office_texts

    path = Path(path) if path is not None else default_path()
    site = load_site(path, secrets=False)  # checked as the server checks it (no tokens needed): one line, status 2
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    folder = _strings_folder(raw, path)
    data = with_office_texts(raw, site.languages, folder, path.name)
    items: dict[str, Any] = {}
    for doc, names in data.get("documents", {}).items():
        items.update({f"documents.{doc}.{lang}": text for lang, text in names.items()})
    for service in data.get("services", []):
        base = f"services.{service['id']}"
        for table in ("names", "hints"):
            items.update({f"{base}.{table}.{lang}": text for lang, text in service.get(table, {}).items()})
        items[f"{base}.documents"] = list(service.get("documents", []))
    for partner in data.get("partners", []):
        base = f"partners.{partner['id']}"
        for table in PARTNER_TEXTS:
            items.update({f"{base}.{table}.{lang}": text for lang, text in partner.get(table, {}).items()})
        items.update({f"{base}.{key}": partner[key] for key in PARTNER_FIELDS if partner.get(key)})
        if partner.get("interprets"):
            items[f"{base}.interprets"] = list(partner["interprets"])
    for lang, catalogue in site.strings.items():
        items.update({f"strings.{lang}.{key}": text for key, text in catalogue.items()})
    return Published(office=office, name=site.name, languages=list(site.languages), items=items)


def _strings_folder(data: dict, path: Path) -> Path | None:
    name = data.get("site", {}).get("strings")
    folder = path.resolve().parent / (name or "strings")
    return folder if folder.is_dir() else None


# ---- comparing ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Difference:
    key: str
    mine: Any   # None: this office has no such item
    theirs: Any  # None: the other office has none

    @property
    def kind(self) -> str:
        return "only_theirs" if self.mine is None else "only_mine" if self.theirs is None else "differs"


def differences(mine: Published, theirs: Published, what: list[str] | tuple[str, ...] = ()) -> list[Difference]:
    """Every item where the two differ (under the prefixes `what`, if given), by key."""
    keys = sorted(set(mine.items) | set(theirs.items))
    return [Difference(k, mine.items.get(k), theirs.items.get(k)) for k in keys
            if mine.items.get(k) != theirs.items.get(k) and (not what or any(under(k, w) for w in what))]


def under(key: str, prefix: str) -> bool:
    return key == prefix or key.startswith(prefix.rstrip(".") + ".")


class NothingUnder(ValueError):
    """`--what` names nothing the other office published: `fields` say which and what there is."""

    def __init__(self, text: str, **fields):
        super().__init__(text)
        self.why, self.fields = "nothing_under", fields


def select(theirs: Published, what: list[str]) -> dict[str, Any]:
    """The other office's items under each prefix of `what`; a ValueError naming a prefix that
    selects nothing (with what there is)."""
    chosen: dict[str, Any] = {}
    for prefix in what:
        found = {k: v for k, v in theirs.items.items() if under(k, prefix)}
        if not found:
            tops = sorted({".".join(k.split(".")[:2]) for k in theirs.items})
            section = [t for t in tops if t.split(".")[0] == prefix.split(".")[0]]
            tops = section or sorted({k.split(".")[0] for k in theirs.items})  # its section's items, else the sections
            there = ", ".join(tops[:40]) + (" …" if len(tops) > 40 else "")
            raise NothingUnder(f"{theirs.office} published nothing under {prefix!r}; there is: {there}",
                               office=theirs.office, prefix=prefix, there=there)
        chosen.update(found)
    return chosen


# ---- the fragment to review -----------------------------------------------------------------

def fragment(chosen: dict[str, Any], theirs: Published, *, published_at: str, command: str,
             lang: str = "de") -> dict[str, str]:
    """File name -> TOML text: `site-fragment.toml` in the site file's shape for documents,
    services and partners, `strings/<lang>.toml` for each language's catalogue items; each begins
    with what to do with it in the staff's words (`[cli.network.file]`, German: the IT reads it)."""
    from config.command import Words

    words = Words(lang)
    head = words("network.file.from", office=theirs.office, name=_comment(theirs.name), published=published_at,
                 command=_comment(command))
    files: dict[str, str] = {}
    site = _site_part({k: v for k, v in chosen.items() if not k.startswith("strings.")})
    if site:
        files["site-fragment.toml"] = head + words("network.file.site") + site
    langs = sorted({k.split(".")[1] for k in chosen if k.startswith("strings.")})
    for catalogue in langs:
        lines = [f"{_key(k.split('.', 2)[2])} = {_text(v)}" for k, v in sorted(chosen.items())
                 if k.startswith(f"strings.{catalogue}.") and k.split(".", 2)[2] not in ("language_name", "direction")]
        files[f"strings/{catalogue}.toml"] = (head + words("network.file.strings", lang=catalogue)
                                              + "\n".join(lines) + "\n")
    return files


def _site_part(chosen: dict[str, Any]) -> str:
    out: list[str] = []
    docs: dict[str, dict[str, str]] = {}
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    for key, value in sorted(chosen.items()):
        section, ident, *rest = key.split(".")
        if section == "documents":
            docs.setdefault(ident, {})[rest[0]] = value
        else:
            entries.setdefault((section, ident), {})[".".join(rest)] = value
    for doc, names in docs.items():
        out.append(f"[documents.{_key(doc)}]\n" + "".join(f"{_key(lang)} = {_text(t)}\n" for lang, t in names.items()))
    for (section, ident), fields in entries.items():
        plain = {k: v for k, v in fields.items() if "." not in k}
        tables: dict[str, dict[str, Any]] = {}
        for k, v in fields.items():
            if "." in k:
                table, lang = k.split(".", 1)
                tables.setdefault(table, {})[lang] = v
        text = f"[[{section}]]\nid = {_text(ident)}\n" + "".join(f"{_key(k)} = {_text(v)}\n" for k, v in plain.items())
        for table, names in tables.items():
            text += f"[{section}.{_key(table)}]\n" + "".join(f"{_key(lang)} = {_text(t)}\n" for lang, t in names.items())
        out.append(text)
    return "\n".join(out)


BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    """A TOML key: bare where it may be, else quoted; a catalogue's `error.closed` stays dotted."""
    return ".".join(part if BARE.match(part) else json.dumps(part, ensure_ascii=False) for part in key.split("."))


def _text(value: Any) -> str:
    """A TOML value: JSON's string escapes are TOML's basic string's (control characters as \\uXXXX)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")  # TOML refuses a raw DEL too


def _comment(text: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f]", " ", text)
