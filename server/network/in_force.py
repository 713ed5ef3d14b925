"""Adopted language files in force without a restart: what "Übernehmen" on the floor board takes
of another office's catalogue (`strings.<lang>.…`) is laid, one file per language, into
`[network] into`'s `strings/` folder (`Network.in_force`). The loader lays that folder over the
site's own catalogues (`config.strings.catalogues`' `adopted`), at start and when the running
server reads its catalogues again after an adoption (`server.edge.welcomes.AdoptedFiles`); the site's own
files are never written.

Safe to read at any moment: each file is first checked as the server checks catalogues at start
(every key known, every `{field}` as German has it: a text with a foreign `{field}` would break
every ticket printed in that language) with all of it laid over the site's catalogues, then
written to a hidden file beside its place, flushed, and renamed over the old one in one step —
a reader (a reload, a restart, a power cut) finds the old file or the new one, never half of
one. The file before lies in the adoption's review folder (`before/strings/<lang>.toml`, a file
of comments alone where none was in force), beside `before/in-force.json` (when, which languages):
`undo` puts the newest adoption's files before back in force, the same way, and renames its
`before/` to `undone/`, so a second undo goes back one adoption further. The running server
watches the folder (`server.edge.welcomes.AdoptedFiles`): what the command line puts there
(`network adopt`, `network undo`) is in force within seconds too. Reading, merging and writing
happen under a lock on `into/.adopting.lock` (the board's server and a command at the same time).
Services, documents and partners go into the site file, which stays the admin's: those stay files
to review (`server.network.adoption`).
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import tomllib
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from config import Site
from config.errors import ConfigError
from config.strings import FROM_LOCALE_DATA, catalogues, read_catalogue_file
from server.network.knowledge import _comment, _key, _text


MANIFEST = "before/in-force.json"


class NothingToUndo(ValueError):
    """No adoption put a language file in force that was not undone already."""

    def __init__(self, into: Path):
        super().__init__(f"no adoption in {into} is left to undo")
        self.into = into
        self.why, self.fields = "nothing_to_undo", {"into": str(into)}


class Unfit(ValueError):
    """The adopted texts do not fit this office's catalogue (a `{field}` or a key German has not)."""

    def __init__(self, problem: str):
        super().__init__(f"the adopted texts do not fit this office's catalogues: {problem}")
        self.problem = problem
        self.why, self.fields = "unfit", {"problem": problem[:300]}


def prepared(site: Site, chosen: dict[str, Any], head: str) -> dict[str, tuple[str, str]]:
    """Each language of `chosen` (`strings.<lang>.<key>` -> text): the file in force now ("" where
    none) and the new one — the one before with the adopted texts laid over it — checked as the
    server will read it. `Unfit` (nothing written) where the office's catalogue would not load."""
    assert site.network is not None
    adopted: dict[str, dict[str, Any]] = {}
    for key, text in chosen.items():
        if key.startswith("strings."):
            _, lang, rest = key.split(".", 2)
            if rest not in FROM_LOCALE_DATA:  # the language's own name and direction stay the locale data's
                adopted.setdefault(lang, {})[rest] = text
    files = {}
    for lang, texts in adopted.items():
        path = site.network.in_force / f"{lang}.toml"
        before = path.read_text(encoding="utf-8") if path.is_file() else ""
        merged = {**(read_catalogue_file(path) if before else {}), **texts}
        files[lang] = (before, head + "".join(f"{_key(k)} = {_text(v)}\n" for k, v in sorted(merged.items())))
    _check(site, {lang: new for lang, (_, new) in files.items()})
    return files


def _check(site: Site, files: dict[str, str | None]) -> None:
    """The catalogues of the site's languages as they would be read with `files` in force (None:
    that language's adopted file removed)."""
    assert site.network is not None
    trying = site.network.into / f".checking-{secrets.token_hex(4)}"
    try:
        trying.mkdir()
        for path in site.network.in_force.glob("*.toml"):  # the other languages' adopted files, as they are
            if path.stem not in files:
                shutil.copy(path, trying / path.name)
        for lang, text in files.items():
            if text is not None:
                (trying / f"{lang}.toml").write_text(text, encoding="utf-8")
        catalogues(site.languages, site.strings_folder, site_file=site.source, key_path="site.languages",
                   adopted=trying)
    except ConfigError as exc:
        raise Unfit(f"{exc.path}: {exc.problem}" if exc.path else exc.problem) from None
    finally:
        shutil.rmtree(trying, ignore_errors=True)


def put_in_force(folder: Path, files: dict[str, tuple[str, str]]) -> None:
    """Each new file in its place, whole: written beside it, flushed, renamed over it."""
    if not files:
        return
    folder.mkdir(exist_ok=True)
    for lang, (_, text) in files.items():
        hidden = folder / f".{lang}.toml.{secrets.token_hex(4)}"
        try:
            with open(hidden, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(hidden, folder / f"{lang}.toml")
        finally:
            hidden.unlink(missing_ok=True)
    _sync(folder)


def _sync(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def befores(forced: dict[str, tuple[str, str]]) -> dict[str, str]:
    """What an adoption lays aside to be undone: each language's file before it, and when."""
    if not forced:
        return {}
    files = {f"before/strings/{lang}.toml": before or _said("nothing", lang=lang) for lang, (before, _) in forced.items()}
    at = datetime.now(timezone.utc).isoformat(timespec="microseconds")
    return files | {MANIFEST: json.dumps({"at": at, "languages": sorted(forced)}) + "\n"}


@contextmanager
def locked(into: Path):
    """One adoption or undo at a time in `into`, across processes (the server's board, a command)."""
    with open(into / ".adopting.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def newest(into: Path) -> tuple[Path, list[str]] | None:
    """The newest adoption that put language files in force and is not undone: its folder, languages."""
    found = []
    for manifest in into.glob(f"adopted-*/{MANIFEST}"):
        try:
            said = json.loads(manifest.read_text(encoding="utf-8"))
            found.append((str(said["at"]), manifest.parent.parent, [str(lang) for lang in said["languages"]]))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not one an adoption wrote: not undone by this
    return max(found)[1:] if found else None


def undo(site: Site) -> tuple[Path, list[str]]:
    """The newest adoption's language files before it, back in force (checked and written as an
    adoption's are; a file of comments alone: the adopted file removed); its `before/` renamed to
    `undone/`. `NothingToUndo` when no adoption is left; `Unfit` (nothing changed) when the file
    before no longer fits the site's catalogues (the bundled ones changed since)."""
    assert site.network is not None
    with locked(site.network.into):
        last = newest(site.network.into)
        if last is None:
            raise NothingToUndo(site.network.into)
        folder, langs = last
        texts = {lang: (folder / "before" / "strings" / f"{lang}.toml").read_text(encoding="utf-8") for lang in langs}
        try:
            files: dict[str, str | None] = {lang: text if tomllib.loads(text) else None for lang, text in texts.items()}
        except tomllib.TOMLDecodeError as exc:
            raise Unfit(f"{folder.name}/before: {exc}") from None
        _check(site, files)
        put_in_force(site.network.in_force, {lang: ("", text) for lang, text in files.items() if text is not None})
        for lang in (lang for lang, text in files.items() if text is None):
            (site.network.in_force / f"{lang}.toml").unlink(missing_ok=True)
        if site.network.in_force.is_dir():
            _sync(site.network.in_force)
        os.rename(folder / "before", folder / "undone")
        _sync(folder)
    return folder, langs


def head(office: str, name: str, published_at: str, by: str, how: str = "board", lang: str = "de") -> str:
    """The comment atop a file in force, in the staff's words (German: the office's IT reads it;
    `how`: `board` or `command`): which file wins, who adopted what, where the file before lies."""
    return _said("in_force", lang, how=_said(f"how_{how}", lang), office=_comment(office), name=_comment(name),
                 published=_comment(published_at), by=_comment(by))


def _said(key: str, lang: str = "de", /, **fields) -> str:
    from config.command import Words

    return Words(lang)(f"network.file.{key}", **fields)
