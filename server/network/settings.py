"""The network's file (`network.toml`): its name, database, offices and the people who sign in.

    [network]
    name = "Netzwerk Willkommensbehörden Hessen"
    database = "/var/lib/willkommen-network/network.sqlite3"   # or postgresql://…; --db wins
    public_url = "https://netzwerk.example.de"  # behind a TLS proxy: the sign-in cookie is Secure
    session_minutes = 480                                    # how long a sign-in lasts

    [[people]]                      # the coordinator's staff: they see the comparison page
    name = "ministerium"
    role = "network"                # the one role here: looks at every office's figures
    password_hash = "scrypt$…"      # willkommen-server people hash
    lang = "de"                     # the page's language (staff catalogue; German by default)

    [[offices]]
    id = "wetzlar"                  # lower-case letters, digits, - or _: how the office is known
    name = "Ausländerbehörde Wetzlar"
    token_env = "NETWORK_TOKEN_WETZLAR"   # or token = "…" (16+ characters): its send/publish key
    read = "postgresql://network@db.example/willkommen?options=-csearch_path%3Dwetzlar"
                                    # optional: an office hosted on the shared PostgreSQL, whose
                                    # kept statistics the network reads itself (README)

Read with the site file's reader (`config.loader.Node`): a wrong or unknown key is one line
naming the file and the key. `Network` offers what `server.manager.people.People` reads of a
site (people, limits, session length), so sign-in, sessions and throttling are the office's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from config import passwords
from config import languages as bcp47
from config.errors import ConfigError
from config.limits import Limits, parse_limits
from config.files import read_toml
from config.loader import IDENT, PASSWORD_HASH, Node, _token
from config.site import Manager, Person

ROLE = "network"
TOKEN_LENGTH = 16


@dataclass(frozen=True)
class Member:
    """An office of the network: its id and name, its token, and (hosted) where to read it."""

    id: str
    name: str
    token: str = field(repr=False)
    read: str = ""


@dataclass(frozen=True)
class Network:
    name: str
    database: str
    offices: tuple[Member, ...]
    public_url: str = ""
    people: tuple[Person, ...] = ()
    manager: Manager = Manager()
    limits: Limits = Limits()
    terminals: tuple = ()  # People's session key is made from people and terminals; a network has none
    source: str = ""

    def person(self, name: str) -> Person | None:
        return next((p for p in self.people if p.name == name), None)

    def office(self, office_id: str) -> Member | None:
        return next((o for o in self.offices if o.id == office_id), None)


def load_network(path: str | os.PathLike, *, environ: Mapping[str, str] | None = None,
                 secrets: bool = True) -> Network:
    """The network's file; `secrets=False` (`network forget`, which only deletes rows): the
    offices' `token_env` variables need not be set (`config.loader.Unread`)."""
    from config.unread import Unread

    path = Path(path)
    environ = os.environ if environ is None else environ
    return parse_network(read_toml(path), file=path.name, environ=environ if secrets else Unread(environ),
                         folder=path.resolve().parent)


def parse_network(data: Mapping, *, file: str = "network.toml", environ: Mapping[str, str] | None = None,
                  folder: Path | None = None) -> Network:
    root = Node(data, file)
    top = root.table("network")
    name = top.text("name")
    database = top.text("database", "")
    if database and "://" not in database and folder is not None and not Path(database).is_absolute():
        database = str(folder / database)  # beside the network file, wherever the command runs
    public_url = top.text("public_url", "")
    if public_url and not public_url.startswith(("https://", "http://")):
        raise top.fail("public_url", f'"{public_url}" must start with https:// (or http:// on this machine)')
    manager = Manager(session_minutes=top.number("session_minutes", 480, minimum=5))
    top.done()
    offices = tuple(_office(n, environ or {}) for n in root.tables("offices"))
    people = tuple(_person(n) for n in root.tables("people", optional=True))
    limits = parse_limits(root.table("limits", {})) if "limits" in data else Limits()
    root.done()
    _unique(file, "offices", [o.id for o in offices])
    _unique(file, "people", [p.name for p in people])
    tokens = [o.token for o in offices]
    if len(set(tokens)) != len(tokens):
        raise ConfigError(file, "offices", "two offices have the same token: each office needs its own")
    return Network(name=name, database=database, offices=offices, public_url=public_url, people=people,
                   manager=manager, limits=limits, source=file)


def _office(node: Node, environ: Mapping[str, str]) -> Member:
    office = Member(id=node.text("id", pattern=IDENT, expected="lower-case letters, digits, - or _"),
                    name=node.text("name"), token=_token(node, environ), read=node.text("read", ""))
    if len(office.token) < TOKEN_LENGTH:
        raise node.fail("token", f"must be at least {TOKEN_LENGTH} characters (it crosses networks): "
                                 "python -c 'import secrets; print(secrets.token_urlsafe(24))' makes one")
    if office.read and not office.read.startswith(("postgresql://", "postgres://")):
        raise node.fail("read", "must be a postgresql:// URL (an office hosted on the shared database)")
    node.done()
    return office


def _person(node: Node) -> Person:
    person = Person(name=node.text("name", pattern=IDENT, expected="lower-case letters, digits, - or _"),
                    role=node.text("role"), password_hash=node.text("password_hash"),
                    lang=bcp47.canonical(node.text("lang", "de")))
    if person.role != ROLE:
        raise node.fail("role", f'"{person.role}" must be "{ROLE}" (the network\'s people look at every office)')
    if not PASSWORD_HASH.match(person.password_hash):
        raise node.fail("password_hash", "must be a hash made by `willkommen-server people hash`, "
                                         "never the password itself")
    if (weak := passwords.problem(person.password_hash)) is not None:
        raise node.fail("password_hash", f"{person.name}'s hash: {weak}")
    node.done()
    return person


def _unique(file: str, key: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i, value in enumerate(ids):
        if value in seen:
            raise ConfigError(file, f"{key}[{i}]", f'"{value}" is there twice')
        seen.add(value)
