"""Adopting another office's texts: the files to review that `network adopt` and the floor board
both write (`write_review`), and the office server's view of the network for its board
(`Adoptions`: what the other offices published, what differs from this office's own, adopt).

The files go into a new folder `adopted-<office>-<time>/` under the folder given (the command's
`--into`, the site file's `[network] into`), never over anything, and whole or not at all: they
are written into a hidden folder beside it, flushed to the disk, and the folder is then renamed
to its name in one step — a crash or a full disk leaves no half-written fragment to copy in.

What the board is shown is grouped into what one "Übernehmen" takes (`UNITS`): a language's
catalogue (`strings.ti`), a service's texts (`services.residence`), a document to bring
(`documents.passport`), a partner's card (`partners.jobcenter`). Only groups where the other
office has something this one has not, or has it otherwise, are shown; each item with both
texts cut into words, the changed words marked (`marked`), as data: the page shows it as text.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import secrets
import shutil
import threading
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from config import Site, languages
from config.network import Network
from server.network import in_force, knowledge
from server.network.send import NetworkGarbage, call

log = logging.getLogger("willkommen.network")
UNITS = ("strings", "services", "documents", "partners")
WORDS = re.compile(r"\s+|\w+|[^\w\s]")
SPELT = 6  # keys a fragment's head names one by one (more: the group and how many)
TIMEOUT = 10.0  # seconds the board waits for the network before it says it is not reached


class Listed(msgspec.Struct):
    office: str
    name: str
    published_at: str


def write_review(base: Path, other: str, timezone: str, files: dict[str, str]) -> Path:
    """`files` (name -> text) in a new folder `adopted-<other>-<time>` under `base`, all or none."""
    stamp = datetime.now(ZoneInfo(timezone)).strftime("%Y%m%d-%H%M%S")
    hidden = base / f".adopting-{other}-{secrets.token_hex(4)}"
    try:
        for name, text in files.items():
            path = hidden / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
        folder, n = base / f"adopted-{other}-{stamp}", 1
        while folder.exists():  # never over earlier files
            n += 1
            folder = base / f"adopted-{other}-{stamp}-{n}"
        os.rename(hidden, folder)
        _sync(base)
        return folder
    except BaseException:
        shutil.rmtree(hidden, ignore_errors=True)
        raise


def adopt_files(base: Path, other: str, timezone: str, files: dict[str, str], *, site: Site | None = None,
                chosen: dict[str, Any] | None = None, head: str = "") -> tuple[Path, dict[str, str], list[str]]:
    """The files to review in a new folder under `base` (`write_review`); with a site that has
    `[network]`, the language texts of `chosen` put in force too (`in_force`: checked first, the
    files before laid aside in `before/` to undo), under the lock of `into`. The folder, every
    file written, the languages put in force."""
    if site is None or site.network is None or not chosen:
        return write_review(base, other, timezone, files), files, []
    with in_force.locked(site.network.into):
        forced = in_force.prepared(site, chosen, head)
        files = files | in_force.befores(forced)
        folder = write_review(base, other, timezone, files)
        in_force.put_in_force(site.network.in_force, forced)
    return folder, files, sorted(forced)


def _sync(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def local(at: str, timezone: str) -> str:
    """The network's UTC time as the office reads its clock: `2026-11-30 15:05 (Europe/Berlin)`."""
    try:
        when = datetime.fromisoformat(at)
    except ValueError:  # not a time: shown as the network said it, cut and without control characters
        return re.sub(r"[\x00-\x1f\x7f]", " ", at)[:40]
    return f"{when.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M} ({timezone})"


def group(key: str) -> str:
    """The unit an item belongs to: `strings.ti.display.now` -> `strings.ti`."""
    return ".".join(key.split(".")[:2])


def marked(mine: Any, theirs: Any) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """Both texts as runs of words, each run marked True where it differs from the other text."""
    a, b = WORDS.findall(_plain(mine)), WORDS.findall(_plain(theirs))
    left: list[tuple[str, bool]] = []
    right: list[tuple[str, bool]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if i2 > i1:
            left.append(("".join(a[i1:i2]), op != "equal"))
        if j2 > j1:
            right.append(("".join(b[j1:j2]), op != "equal"))
    return left, right


def _plain(value: Any) -> str:
    if value is None:
        return ""
    return ", ".join(value) if isinstance(value, list) else str(value)


class AlreadyAdopted(ValueError):
    """What was asked for is published and this office's texts are the same already (adopted
    before, on this board, another one or the command line): nothing to write."""

    def __init__(self, office: str, name: str, what: list[str]):
        super().__init__(f"{office} has nothing under {', '.join(what)} that differs from this office's texts "
                         "(adopted already)")
        self.office, self.name = office, name


class Adoptions:
    """This office's view of the network's shared knowledge, for its floor board. Its calls
    block (HTTP to the network, the site file read): the board runs them on a thread."""

    def __init__(self, network: Network, timezone: str, *, timeout: float = TIMEOUT, site: Site | None = None):
        self.network, self.timezone, self.timeout = network, timezone, timeout
        self.site = site  # with it, an adopted language file is put in force (`server.network.in_force`)
        self.writing = threading.Lock()  # two supervisors adopting at once: one read-merge-write after the other

    def _get(self, path: str, lang: str) -> Any:
        """`lang`: the language the network says a refusal in (the supervisor's, `Accept-Language`)."""
        return call(self.network.endpoint(path), self.network.token, tries=1, timeout=self.timeout, lang=lang)

    def listing(self, lang: str = "de") -> list[Listed]:
        try:
            return msgspec.convert(self._get("/knowledge", lang), list[Listed])
        except msgspec.ValidationError as exc:
            raise NetworkGarbage(f"the network's list of publications is not one: {exc}", "not_a_list",
                                 url=self.network.url) from None

    def theirs(self, office: str, lang: str = "de") -> knowledge.Published:
        found = self._get(f"/knowledge/{office}", lang)
        try:
            return msgspec.convert(found, knowledge.Published)
        except msgspec.ValidationError as exc:
            raise NetworkGarbage(f"what the network gave as {office}'s knowledge is not an office's: {exc}",
                                 "not_knowledge", url=self.network.url, office=office) from None

    def publish(self, lang: str = "de") -> int:
        """This office's texts to the network, as `network publish` sends them; how many it holds."""
        mine = self.mine()
        answer = call(self.network.endpoint("/knowledge"), self.network.token, body=msgspec.json.encode(mine),
                      tries=1, timeout=self.timeout, lang=lang)
        count = answer.get("published") if isinstance(answer, dict) else None
        if not isinstance(count, int):
            raise NetworkGarbage(f"the network answered a publication with {str(answer)[:80]!r}", "garbage",
                                 url=self.network.url)
        log.info(f"network publish: {count} texts of {self.network.office} published to {self.network.url}",
                 extra={"fields": {"texts": count}})
        return count

    def mine(self) -> knowledge.Published:
        return knowledge.of_site(self.network.site_file, self.network.office)

    def overview(self, lang: str = "de") -> list[dict[str, Any]]:
        """Each other office that published: its name, when (the office's clock), and the groups
        where it has something this office has not or has otherwise, with their items."""
        mine, offices = self.mine(), []
        for entry in self.listing(lang):
            if entry.office == self.network.office:
                continue
            theirs = self.theirs(entry.office, lang)
            offices.append({"office": entry.office, "name": entry.name,
                            "published": local(entry.published_at, self.timezone),
                            "groups": groups(mine, theirs, lang)})
        return offices

    def adopt(self, other: str, what: list[str], by: str, lang: str = "de") -> tuple[Path, list[str], int, list[str]]:
        """What `network adopt OTHER --what KEY …` writes for each of the other office's texts under
        `what` that this office has not or has otherwise — what the board showed, not the rest of a
        catalogue, which would stand over the bundled one's later fixes — with who did it in its head;
        and, with the office's site, its language texts put in force (the languages: the server then
        reads its catalogues again). Nothing is written when they do not fit (`in_force.Unfit`)."""
        theirs = self.theirs(other, lang)
        keys = [d.key for d in knowledge.differences(self.mine(), theirs, what) if d.kind != "only_mine"]
        listed = next((e for e in self.listing(lang) if e.office == other), None)
        if not keys:
            knowledge.select(theirs, what)  # not published at all: `NothingUnder`, said otherwise
            raise AlreadyAdopted(theirs.office, listed.name if listed else theirs.office, what)  # as the board names it
        chosen = knowledge.select(theirs, keys)
        published = listed.published_at if listed else ""
        named = " ".join(f"--what {k}" for k in keys) if len(keys) <= SPELT else (
            " ".join(f"--what {w}" for w in what) + f" (the {len(keys)} texts that differ)")
        command = f"willkommen-server network adopt {other} {named} ({_board_by(by)})"
        when = local(published, self.timezone) if published else ""
        files = knowledge.fragment(chosen, theirs, published_at=when, command=command)
        with self.writing:
            folder, files, forced = adopt_files(self.network.into, theirs.office, self.timezone, files, site=self.site,
                                                chosen=chosen, head=in_force.head(theirs.office, theirs.name, when, by))
        site_file = self.network.site_file.name if self.network.site_file else "the site file"
        log.info(f"network adopt: {len(chosen)} item(s) of {theirs.office} written to review in {folder}: "
                 + ", ".join(sorted(f for f in files if not f.startswith("before/"))) + f". {site_file} is unchanged."
                 + (f" In force: {', '.join(sorted(forced))} ({self.network.in_force})." if forced else ""),
                 extra={"fields": {"by": by, "office": theirs.office, "what": what, "folder": str(folder),
                                   "in_force": sorted(forced)}})
        return folder, sorted(files), len(chosen), sorted(forced)

    def undo(self, by: str) -> tuple[Path, list[str]]:
        """The newest adoption's language files taken back (`in_force.undo`), logged with who."""
        assert self.site is not None
        with self.writing:
            folder, langs = in_force.undo(self.site)
        log.info(f"network undo: {', '.join(langs)} of {folder.name} taken back, the files before it in force",
                 extra={"fields": {"by": by, "folder": str(folder), "in_force": langs}})
        return folder, langs


def groups(mine: knowledge.Published, theirs: knowledge.Published, lang: str) -> list[dict[str, Any]]:
    """The groups where the other office brings something, each with every item that differs."""
    found: dict[str, list[knowledge.Difference]] = {}
    for d in knowledge.differences(mine, theirs):
        if d.key.split(".")[0] in UNITS:
            found.setdefault(group(d.key), []).append(d)
    tags = set(mine.languages) | set(theirs.languages)
    shown = []
    for what, ds in found.items():
        if all(d.kind == "only_mine" for d in ds):
            continue  # nothing of theirs to take
        kind, ident = what.split(".", 1)
        shown.append({"what": what, "kind": kind, "id": ident, "name": _name(kind, ident, mine, theirs, lang),
                      "items": [_item(d, what, tags) for d in ds]})
    return sorted(shown, key=lambda g: (UNITS.index(g["kind"]), g["id"]))


def _item(d: knowledge.Difference, what: str, tags: set[str]) -> dict[str, Any]:
    rest = d.key[len(what) + 1:]
    last = rest.rsplit(".", 1)[-1]
    lang = what.split(".")[1] if what.startswith("strings.") else last if last in tags else ""
    left, right = marked(d.mine, d.theirs)
    return {"key": rest or what, "lang": lang, "kind": d.kind, "mine": left, "theirs": right}


def _name(kind: str, ident: str, mine: knowledge.Published, theirs: knowledge.Published, lang: str) -> str:
    """A group's name in the viewer's board language, as the rest of the board names services: a
    language's name; else the name this office (then the other) gives in that language, else
    the German one, else its id."""
    if kind == "strings":
        return languages.name(ident, lang)
    key = {"services": "services.{}.names.{}", "documents": "documents.{}.{}", "partners": "partners.{}.name.{}"}[kind]
    for tag in dict.fromkeys((lang, "de")):
        name = mine.items.get(key.format(ident, tag)) or theirs.items.get(key.format(ident, tag))
        if isinstance(name, str) and name:
            return name
    return ident


def _board_by(by: str) -> str:
    """Who adopted on the board, as the review file's comment says it (German: the IT reads it)."""
    from config.command import Words

    return Words("de")("network.file.by_board", user=by)
