"""A terminal's welcome: the site as that kind of terminal sees it, and the office now.

The site's part (its view, `views.site`, and each language's catalogue) is nearly all of a
welcome, and it changes only with the site: a display's welcome in the demo office is 79 KB, 60 KB
of them its 11 catalogues, 19 KB the site's view, under 1 KB the snapshot. So it is made and
encoded once per site and kind of terminal and reused; a terminal that connects costs its
snapshot. A stranger opening anonymous displays by the hundred (`python -m bench.hostile --only
idle_sockets`) took 0.5-1 ms of the server's loop for each one's catalogues, filtered key by
key, and for encoding them, in the same turn of the loop that kiosks' draws wait for.

`encode` sends the kept encoding (`msgspec.Raw`); the `Welcome` itself carries the kept objects,
which whoever reads it (a browser counter's screen) must not change.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Callable

import msgspec

from config import ConfigError, Site
from config.loader import site_catalogues

from server.core import Office
from server.edge import views
from server.visitors import feedback
from server.wire import protocol as p


class Welcomes:
    """`welcome(...)` for a terminal; `site()` is the server's site now (the demo's is replaced
    once it knows its port: what was kept for the one before is made again)."""

    def __init__(self, site: Callable[[], Site], office: Office, clock: Callable[[], float]):
        self.site, self.office, self.clock = site, office, clock
        self._made_for: Site | None = None
        self._kept: dict[tuple[str, Any], Any] = {}             # (part, kind of terminal) -> its value
        self._raw: dict[int, tuple[Any, msgspec.Raw]] = {}      # id(value) -> the value, its encoding

    def welcome(self, role: str, terminal_id: str, counter: str | None) -> p.Welcome:
        site = self.site()
        terminal = site.terminal(terminal_id)
        catalogues = self._catalogue_key(role, terminal_id)
        return p.Welcome(v=p.VERSION, role=role, terminal=terminal_id, counter=counter,
                         zones=list(terminal.zones) if terminal else [],
                         languages=list(terminal.languages) if terminal else [],
                         printer=terminal.printer if terminal else None,
                         strings=self._part("strings", catalogues),
                         site=self._part("site", role in ("counter", "admin")),
                         snapshot=views.snapshot_for(self.office, self.clock(), role, counter))

    def catalogues_changed(self, sessions) -> list[tuple[Any, bytes]]:
        """The site's catalogues were read again (`Server.reload_catalogues`): forget what was
        kept; each connection that got catalogues in its welcome, with its `strings` frame."""
        self._made_for, self._kept, self._raw = None, {}, {}
        frames = []
        for ws, session in sessions.items():
            key = self._catalogue_key(session.role, session.terminal)
            if key:
                frames.append((ws, p.encode(p.StringsChanged(strings=self._part("strings", key)))))
        return frames

    def _catalogue_key(self, role: str, terminal_id: str) -> str:
        """Which catalogues a terminal gets: a kiosk's, a display's, a printing counter's, or none."""
        terminal = self.site().terminal(terminal_id)
        return role if role in ("kiosk", "display") or (terminal and terminal.printer) else ""

    def encode(self, welcome: p.Welcome) -> bytes:
        """The welcome's bytes, the site's part as encoded when it was kept."""
        return p.encode(msgspec.structs.replace(welcome, strings=self._encoded(welcome.strings),
                                                site=self._encoded(welcome.site)))

    def _encoded(self, value: Any) -> Any:
        kept = self._raw.get(id(value))
        return kept[1] if kept is not None and kept[0] is value else value  # not a kept one: as it is

    def _part(self, part: str, key: Any) -> Any:
        site = self.site()
        if site is not self._made_for:
            self._made_for, self._kept, self._raw = site, {}, {}
        value = self._kept.get((part, key))
        if value is None:
            value = self._kept[(part, key)] = self._catalogues(site, key) if part == "strings" else \
                views.site(site, partners=key)
            if value:  # an empty one is left out of the welcome (omit_defaults): no Raw for it
                self._raw[id(value)] = (value, msgspec.Raw(msgspec.json.encode(value)))
        return value

    @staticmethod
    def _catalogues(site: Site, role: str) -> dict[str, dict[str, str]]:
        """Each site language's catalogue as a terminal of `role` gets it ("": none)."""
        if not role:
            return {}
        return {lang: feedback.terminal_catalogue(site.words(lang), role=role) for lang in site.languages}


async def reload_catalogues(site: Site, welcomes: Welcomes, terminals, fanout) -> None:
    """Read the site's catalogues again (after a language file was adopted on the board:
    `server.network.in_force`) and send each connected kiosk, display and printing counter its
    new words (`strings`); the phone's and the display's pages read them at their next request.
    `Site.strings` is the one part of the running site that changes: the dict every room reads
    through `site.words` is updated in place (a language at a time, on the server's loop), so the
    rooms holding the site see the new words without being built again."""
    fresh = await asyncio.to_thread(site_catalogues, site.languages, site.strings_folder, site.network, site.source)
    site.strings.update(fresh)  # type: ignore[attr-defined]  # a dict (config.strings.catalogues)
    for ws, frame in welcomes.catalogues_changed(terminals.sessions):
        fanout.push([ws], frame.decode())
    logging.getLogger("willkommen.server").info("catalogues read again", extra={"fields": {"languages": sorted(fresh)}})


WATCH_SECONDS = 2.0  # how soon a language file put in force beside the server (`network adopt`) is read


class AdoptedFiles:
    """The language files adopted from the network (`[network] into`'s `strings/`), read again
    when they change. The board's adoption or undo reads them at once (`reload`); one the command
    line put there (`willkommen-server network adopt|undo`, which write as the board does: checked,
    whole, renamed into place) or IT by hand is found by looking every `WATCH_SECONDS` at the
    files' names, sizes, times and inodes — a look of a few `stat` calls, no reading. A file that
    does not load (written by hand) is logged and the words in force stay."""

    def __init__(self, site: Site, welcomes: Welcomes, terminals, fanout):
        self.site, self.welcomes, self.terminals, self.fanout = site, welcomes, terminals, fanout
        self.folder: Path | None = site.network.in_force if site.network is not None else None
        self.reading = asyncio.Lock()
        self.seen = self._look()
        self.task = asyncio.create_task(self._watch(), name="willkommen-adopted") if self.folder else None

    def _look(self) -> tuple:
        if self.folder is None:
            return ()
        found = []
        for path in sorted(self.folder.glob("*.toml")):
            try:
                s = path.stat()
            except OSError:  # gone between the listing and the look: the next look sees it
                continue
            found.append((path.name, s.st_size, s.st_mtime_ns, s.st_ino))
        return tuple(found)

    async def reload(self) -> None:
        async with self.reading:
            seen = self._look()  # before reading: a file replaced meanwhile is read at the next look
            try:
                await reload_catalogues(self.site, self.welcomes, self.terminals, self.fanout)
            finally:
                self.seen = seen

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            if self._look() != self.seen:
                try:
                    await self.reload()
                except ConfigError as exc:
                    logging.getLogger("willkommen.server").warning(
                        "an adopted language file does not load: the words in force stay",
                        extra={"fields": {"folder": str(self.folder), "error": str(exc)}})

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
