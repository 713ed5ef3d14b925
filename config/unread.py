"""An environment for reading a site (or network) file without its secrets: for commands that
read it for its texts, services and paths, never to serve (`load_site(secrets=False)`)."""

from __future__ import annotations

from typing import Iterator, Mapping


class Unread(Mapping[str, str]):
    """An environment in which every variable is set: a missing one reads as a placeholder long
    enough for any secret's check and never a real token (it names the variable). Only for
    `load_site(secrets=False)`, whose Site never serves a terminal."""

    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ

    def __getitem__(self, name: str) -> str:
        return self.environ.get(name) or f"(not read: ${name})".ljust(64, "-")

    def __iter__(self) -> Iterator[str]:
        return iter(self.environ)

    def __len__(self) -> int:
        return len(self.environ)
