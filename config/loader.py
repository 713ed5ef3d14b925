"""Load a site's TOML file into `config.site.Site`, failing loudly.

Every problem raises `ConfigError` naming the file, the key path and what was expected::

    default.toml: services[2].prefix: "AA" must be one capital letter

Unknown keys are errors too, so a typo never silently falls back to a default. Tokens may
come from the environment instead of the file: `token_env = "NAME"` reads `$NAME`.
"""

from __future__ import annotations

import json
import os
import re
from datetime import time
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from config import languages as bcp47
from config import access, passwords, strings, urls, zones
from config.errors import ConfigError
from config.files import read_toml
from config.limits import parse_limits
from config.messages import parse_messages
from config.network import parse_network
from config.office_texts import with_office_texts
from config.unread import Unread
from config.site import (PEOPLE_ROLES, ROLES, WEEKDAYS, Appointments, Counter, Feedback, Manager, Partner, Person,
                   Service, Site, Terminal)

MISSING: Any = object()
SYNCHRONOUS = ("normal", "full")
IDENT = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
SPAN = re.compile(r"^(\d\d):(\d\d)-(\d\d):(\d\d)$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()/-]{3,30}$")
PASSWORD_HASH = re.compile(r"^(scrypt\$\d+\$\d+\$\d+|pbkdf2_sha256\$\d+)\$[A-Za-z0-9_=-]+\$[A-Za-z0-9_=-]+$")


def _q(value: Any) -> str:
    """A value as TOML would spell it: "AA", 3, true."""
    return json.dumps(value, ensure_ascii=False)


def default_path() -> Path:
    """The bundled demo office."""
    return Path(str(resources.files("config") / "default.toml"))


def load_site(path: str | os.PathLike | None = None, *, environ: Mapping[str, str] | None = None,
              secrets: bool = True) -> Site:
    """The site file at `path` (the bundled demo office without one). `secrets=False`: read for
    its texts, services and paths, never to serve (`network publish|compare|adopt|undo`, the
    board's network panel, `demo-month`): a `…_env` variable that is not set (the terminals'
    tokens live in the office's `server.env`, which only its server is given) is not asked for."""
    path = Path(path) if path is not None else default_path()
    environ = os.environ if environ is None else environ
    return parse_site(read_toml(path), file=path.name, environ=environ if secrets else Unread(environ),
                      folder=path.resolve().parent)


class Node:
    """A TOML table with its key path, for reading typed values with clear errors."""

    def __init__(self, data: Mapping[str, Any], file: str, path: str = ""):
        self.data, self.file, self.path = data, file, path
        self.read: set[str] = set()

    def at(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str | int | None, problem: str, why: str = "", **fields: Any) -> ConfigError:
        """`why` names a `[cli.file]` sentence the command line says in the staff's words."""
        path = self.path if key is None else self.at(key)
        return ConfigError(self.file, path, problem, why=why, fields={"key": path, **fields})

    def get(self, key: str, kind: type | tuple, expected: str, default: Any = MISSING) -> Any:
        self.read.add(key)
        if key not in self.data:
            if default is MISSING:
                raise self.fail(key, f"missing, expected {expected}", "key_missing", expected=expected)
            return default
        value = self.data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(key, f"{_q(value)} is not {expected}", "key_type", value=_q(value), expected=expected)
        return value

    def text(self, key: str, default: Any = MISSING, *, pattern: re.Pattern | None = None,
             expected: str = "a string") -> str:
        value = self.get(key, str, expected, default)
        if pattern is not None and value is not default and not pattern.match(value):
            raise self.fail(key, f"{_q(value)} must be {expected}")
        return value

    def number(self, key: str, default: Any = MISSING, *, minimum: float = 0, kind: type | tuple = int) -> Any:
        expected = "a whole number" if kind is int else "a number"
        value = self.get(key, kind, expected, default)
        if value < minimum:
            raise self.fail(key, f"{value} must be at least {minimum}", "key_minimum", value=value, minimum=minimum)
        return value

    def texts(self, key: str, default: Any = MISSING) -> tuple[str, ...]:
        value = self.get(key, list, "a list of strings", default)
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise ConfigError(self.file, f"{self.at(key)}[{i}]", f"{_q(item)} is not a string")
        return tuple(value)

    def table(self, key: str, default: Any = MISSING) -> "Node":
        value = self.get(key, dict, "a table", {} if default is not MISSING else MISSING)
        return Node(value, self.file, self.at(key))

    def tables(self, key: str, *, optional: bool = False) -> list["Node"]:
        value = self.get(key, list, "an array of tables ([[" + key + "]])", [] if optional else MISSING)
        nodes = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise ConfigError(self.file, f"{self.at(key)}[{i}]", "must be a table")
            nodes.append(Node(item, self.file, f"{self.at(key)}[{i}]"))
        return nodes

    def done(self) -> None:
        """Reject keys nobody read: a misspelt key must not pass silently."""
        unknown = sorted(set(self.data) - self.read)
        if unknown:
            raise self.fail(unknown[0], "unknown key", "key_unknown")


def parse_site(data: Mapping[str, Any], *, file: str = "site.toml",
               environ: Mapping[str, str] = {}, folder: Path | None = None) -> Site:
    """`folder` is where the site file lies: `site.strings` is found from there."""
    site = Node(data, file).table("site")
    languages = _languages(site)
    catalogue_folder = _strings_folder(site, folder)
    catalogues = strings.catalogues(languages, catalogue_folder, site_file=file, key_path=site.at("languages"))
    root = Node(with_office_texts(data, languages, catalogue_folder, file), file)
    site = root.table("site")
    site.read.update(("languages", "strings"))  # read above
    documents = _named_texts(root.table("documents", {}), languages)
    services = _unique(root, "services", [_service(n, languages, documents) for n in root.tables("services")],
                       ("id", "prefix"))
    service_ids = {s.id for s in services}
    counters = _unique(root, "counters", [_counter(n, service_ids) for n in root.tables("counters")], ("id",))
    counter_ids = {c.id for c in counters}
    network = parse_network(root.table("network", {}), folder, file)
    if network is not None and network.in_force.is_dir():  # the language files adopted on the board
        catalogues = site_catalogues(languages, catalogue_folder, network, file)
    terminals = _unique(root, "terminals",
                        [_terminal(n, counter_ids, languages, environ) for n in root.tables("terminals")], ("id",))
    result = Site(
        name=site.text("name"),
        timezone=_timezone(site),
        languages=languages,
        opening_hours=_opening_hours(site.table("opening_hours", {})),
        retention_days=site.number("retention_days", 90, minimum=1),
        synchronous=site.text("synchronous", "normal", pattern=re.compile("^(normal|full)$"),
                              expected='"normal" or "full"'),
        public_url=urls.public_url(site),
        anonymous_displays=site.get("anonymous_displays", bool, "true or false", True),
        kiosk_draws_per_minute=site.number("kiosk_draws_per_minute", 30, minimum=1),
        push_buffer_kib=site.number("push_buffer_kib", 64, minimum=16),
        announce_languages=_announce(site, languages),
        tls_cert=site.text("tls_cert", None),
        tls_key=site.text("tls_key", None),
        database=site.text("database", "", pattern=re.compile(r"^(postgres(ql)?://\S+|/.*)$"),
                           expected="a postgresql:// URL or an absolute file path"),
        outcomes=_named_texts(root.table("outcomes", {}), languages) or {"done": {lang: "done" for lang in languages}},
        services=tuple(services),
        counters=tuple(counters),
        terminals=tuple(terminals),
        source=file,
        people=tuple(_unique(root, "people", [_person(n, {c.id for c in counters})
                                              for n in root.tables("people", optional=True)], ("name",))),
        manager=_manager(root.table("manager", {})),
        limits=parse_limits(root.table("limits", {})),
        appointments=_appointments(root.table("appointments", {}), environ),
        feedback=_feedback(root.table("feedback", {})),
        messages=parse_messages(root.table("messages", {}), environ),
        access=access.parse_access(root.table("access", {}), service_ids, environ),
        strings=catalogues,
        voices=_per_language(site, "voices", languages, Node.text, required=False),
        partners=tuple(_unique(root, "partners", [_partner(n, languages, service_ids)
                                                 for n in root.tables("partners", optional=True)], ("id",))),
        zones=zones.parse(root.table("zones", {}), {c.zone for c in counters}),
        network=network,
        strings_folder=catalogue_folder,
    )
    if (result.tls_cert is None) != (result.tls_key is None):
        raise site.fail("tls_key" if result.tls_key is None else "tls_cert",
                        "missing: TLS needs both tls_cert and tls_key (PEM files)")
    site.done()
    root.done()
    return result


def site_catalogues(languages: tuple[str, ...], folder: Path | None, network, file: str) -> dict:
    """The site's catalogues as they are on disk now: bundled, the site's own folder, then what
    was adopted on the board (`Server.reload_catalogues` reads them again after an adoption)."""
    return strings.catalogues(languages, folder, site_file=file, key_path="site.languages",
                              adopted=network.in_force if network is not None else None)


def _languages(site: Node) -> tuple[str, ...]:
    """BCP 47 tags, written in their usual case (fa-AF), each known to the locale data."""
    languages = tuple(bcp47.canonical(lang) for lang in site.texts("languages"))
    for i, lang in enumerate(languages):
        where = f"{site.at('languages')}[{i}]"
        if not bcp47.well_formed(lang):
            raise ConfigError(site.file, where, f'{_q(site.data["languages"][i])} must be a BCP 47 language tag '
                                                'such as "ar", "prs", "fa-AF" or "ku-Latn"')
        if not bcp47.known(lang):
            raise ConfigError(site.file, where, f"{_q(lang)} is not a language of the Unicode locale data (CLDR)")
        if lang in languages[:i]:
            raise ConfigError(site.file, where, f"{_q(lang)} is listed twice")
    if "de" not in languages:
        raise site.fail("languages", 'must include "de": every call is also announced in German')
    return languages


def _strings_folder(site: Node, folder: Path | None) -> Path | None:
    """The site's own catalogues: `site.strings` (relative to the site file), else a
    `strings/` folder beside the site file if there is one."""
    name = site.text("strings", None)
    if name is None:
        return folder / "strings" if folder is not None and (folder / "strings").is_dir() else None
    path = Path(name) if folder is None else folder / name
    if not path.is_dir():
        raise site.fail("strings", f"{_q(name)} is not a folder (catalogues <language>.toml, beside the site file)")
    return path


def _announce(site: Node, languages: tuple[str, ...]) -> tuple[str, ...]:
    """Languages every call is spoken in besides German and the visitor's own."""
    return _subset(site, "announce_languages", languages)


def _subset(node: Node, key: str, languages: tuple[str, ...]) -> tuple[str, ...]:
    """A list of site languages (empty when the key is absent)."""
    chosen = tuple(bcp47.canonical(lang) for lang in node.texts(key, ()))
    for i, lang in enumerate(chosen):
        if lang not in languages:
            raise ConfigError(node.file, f"{node.at(key)}[{i}]", f"{_q(lang)} is not in site.languages")
    return chosen


def _timezone(site: Node) -> str:
    name = site.text("timezone", "Europe/Berlin")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise site.fail("timezone", f"{_q(name)} is not a time zone such as \"Europe/Berlin\"") from None
    return name


def _opening_hours(node: Node) -> dict[str, tuple[tuple[time, time], ...]]:
    hours = {}
    for day in node.data:
        if day not in WEEKDAYS:
            raise node.fail(day, f"unknown day, expected one of {', '.join(WEEKDAYS)}")
        hours[day] = tuple(_span(node, day, part.strip()) for part in node.text(day).split(",") if part.strip())
    node.done()
    return hours


def _span(node: Node, day: str, text: str) -> tuple[time, time]:
    match = SPAN.match(text)
    problem = f'{_q(text)} must look like "07:30-12:00" (several separated by commas)'
    if not match:
        raise node.fail(day, problem)
    h1, m1, h2, m2 = map(int, match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59:
        raise node.fail(day, problem)
    end = time(23, 59, 59) if h2 == 24 else time(h2, m2)
    if time(h1, m1) >= end:
        raise node.fail(day, f"{_q(text)} ends before it starts")
    return time(h1, m1), end


def _per_language(node: Node, key: str, languages: tuple[str, ...], read: Callable[[Node, str], Any],
                  *, required: bool = True) -> dict[str, Any]:
    table = node.table(key, None if not required else MISSING)
    values = {bcp47.canonical(lang): read(table, lang) for lang in list(table.data)}
    table.read.update(table.data)
    for lang in values:
        if lang not in languages:
            raise table.fail(lang, f"language not in site.languages ({', '.join(languages)})")
    if required:  # optional tables (hints) may leave a language out: it shows none
        missing = [lang for lang in languages if lang not in values]
        if missing:
            them = "it" if len(missing) == 1 else "them"
            raise node.fail(key, f"missing {', '.join(_q(m) for m in missing)} (site.languages lists {them})")
    return values


def _service(node: Node, languages: tuple[str, ...], catalogue: Mapping[str, Mapping[str, str]]) -> Service:
    ids = node.texts("documents", ())
    for i, doc in enumerate(ids):
        if doc not in catalogue:
            raise ConfigError(node.file, f"{node.at('documents')}[{i}]",
                              f"unknown document {_q(doc)}: add it as [documents.{doc}] with a name per language")
    service = Service(
        id=node.text("id", pattern=IDENT, expected="lower-case letters, digits, - or _"),
        prefix=node.text("prefix", pattern=re.compile(r"^[A-Z]$"), expected="one capital letter"),
        names=_per_language(node, "names", languages, Node.text),
        hints=_per_language(node, "hints", languages, Node.text, required=False),
        documents={lang: tuple(catalogue[doc][lang] for doc in ids) for lang in languages},
        max_wait_minutes=node.number("max_wait_minutes", 60, minimum=1),
        typical_minutes=float(node.number("typical_minutes", 10, minimum=0.5, kind=(int, float))),
    )
    node.done()
    return service


def _counter(node: Node, service_ids: set[str]) -> Counter:
    services = node.texts("services")
    for i, service in enumerate(services):
        if service not in service_ids:
            raise ConfigError(node.file, f"{node.at('services')}[{i}]",
                              f"unknown service {_q(service)}, expected one of {', '.join(sorted(service_ids))}")
    if not services:
        raise node.fail("services", "must list at least one service")
    cid = node.text("id", pattern=IDENT, expected="lower-case letters, digits, - or _")
    counter = Counter(id=cid, name=node.text("name", cid), zone=node.text("zone", "main"),
                      services=services, direction=node.text("direction", ""), printer=node.text("printer", None))
    if counter.printer is not None and not re.match(r"^(serial|usb|tcp|file|preview):|^dummy:$", counter.printer):
        raise node.fail("printer", f"{_q(counter.printer)} must be a printer URL such as \"tcp://10.0.0.7:9100\" "
                                   "(serial://, usb://, tcp://, file://, preview://, dummy:)")
    node.done()
    return counter


def _terminal(node: Node, counter_ids: set[str], languages: tuple[str, ...],
              environ: Mapping[str, str]) -> Terminal:
    role = node.text("role")
    if role not in ROLES:
        raise node.fail("role", f"{_q(role)} must be one of {', '.join(ROLES)}")
    counter = node.text("counter", None)
    if role == "counter" and counter is None:
        raise node.fail("counter", "missing: a counter terminal names the counter it stands at")
    if counter is not None and counter not in counter_ids:
        raise node.fail("counter", f"unknown counter {_q(counter)}")
    terminal = Terminal(id=node.text("id", pattern=IDENT, expected="lower-case letters, digits, - or _"),
                        role=role, token=_token(node, environ), name=node.text("name", ""), counter=counter,
                        printer=node.text("printer", None), zones=node.texts("zones", ()),
                        languages=_subset(node, "languages", languages))
    node.done()
    return terminal


def _token(node: Node, environ: Mapping[str, str], key: str = "token") -> str:
    if f"{key}_env" in node.data:
        name = node.text(f"{key}_env")
        if not environ.get(name):
            raise node.fail(f"{key}_env", f"environment variable {name} is not set")
        token = environ[name]
    else:
        token = node.text(key, expected=f"a string (or {key}_env naming an environment variable)")
    if len(token) < 8:
        raise node.fail(key, "must be at least 8 characters")
    return token


def _person(node: Node, counter_ids: set[str]) -> Person:
    person = Person(name=node.text("name", pattern=IDENT, expected="lower-case letters, digits, - or _"),
                    role=node.text("role"), password_hash=node.text("password_hash"),
                    lang=bcp47.canonical(node.text("lang", "de")), counters=node.texts("counters", ()))
    for i, counter in enumerate(person.counters):
        if counter not in counter_ids:
            raise ConfigError(node.file, f"{node.at('counters')}[{i}]",
                              f"unknown counter {_q(counter)}: the counters a person may staff are counter ids "
                              f"of this office, one of {', '.join(sorted(counter_ids))}")
    if person.role == "clerk" and not person.counters:
        raise node.fail("counters", "missing: a clerk names the counters they may staff, "
                                    'such as counters = ["1", "2"]')
    if not bcp47.well_formed(person.lang) or not bcp47.known(person.lang):
        raise node.fail("lang", f"{_q(node.data['lang'])} must be a BCP 47 language tag of the Unicode locale data "
                                '(CLDR), such as "en" or "de"')
    if person.role not in PEOPLE_ROLES:
        raise node.fail("role", f"{_q(person.role)} must be one of {', '.join(PEOPLE_ROLES)}")
    if not PASSWORD_HASH.match(person.password_hash):
        raise node.fail("password_hash", "must be a hash made by `willkommen-server people hash`, "
                                         "never the password itself")
    if (weak := passwords.problem(person.password_hash)) is not None:
        raise node.fail("password_hash", f"{person.name}'s hash: {weak}; make a new one with "
                                         "`willkommen-server people hash`")
    node.done()
    return person


def _partner(node: Node, languages: tuple[str, ...], service_ids: set[str]) -> Partner:
    """A [[partners]] entry: with `service` a desk in this building, without it an address."""
    service = node.text("service", None)
    if service is not None and service not in service_ids:
        raise node.fail("service", f"unknown service {_q(service)}: a partner's desk is a service of this "
                                   f"office, one of {', '.join(sorted(service_ids))}")
    partner = Partner(
        id=node.text("id", pattern=IDENT, expected="lower-case letters, digits, - or _"),
        names=_german_first(node, "name", languages),
        helps=_german_first(node, "helps", languages),
        hours=_german_first(node, "hours", languages, required=False),
        service=service,
        interprets=_interprets(node),
        phone=node.text("phone", "", pattern=PHONE, expected='a phone number such as "+49 611 123456"'),
        web=urls.web(node, "web"),
        address=node.text("address", ""),
        map=urls.web(node, "map"),
    )
    if not partner.has_desk and not partner.address.strip():
        raise node.fail("address", "missing: a partner without a desk here (no service) needs an address "
                                   "for the visitor's card")
    node.done()
    return partner


def _german_first(node: Node, key: str, languages: tuple[str, ...], *, required: bool = True) -> dict[str, str]:
    """Texts per site language where German must be given (it stands in for the others)."""
    if not required and key not in node.data:
        node.read.add(key)
        return {}
    texts = _per_language(node, key, languages, Node.text, required=False)
    if not texts.get("de", "").strip():
        raise node.fail(key, 'missing "de": German is required, it stands in for a language not given')
    return texts


def _interprets(node: Node) -> tuple[str, ...]:
    """Languages a partner's mediators interpret: any CLDR language, not only the site's."""
    tags = tuple(bcp47.canonical(lang) for lang in node.texts("interprets", ()))
    for i, lang in enumerate(tags):
        if not bcp47.well_formed(lang) or not bcp47.known(lang):
            raise ConfigError(node.file, f"{node.at('interprets')}[{i}]",
                              f"{_q(lang)} is not a language of the Unicode locale data (CLDR), such as \"ar\"")
    return tags


def _manager(node: Node) -> Manager:
    manager = Manager(session_minutes=node.number("session_minutes", 480, minimum=1),
                      pause_limit_minutes=node.number("pause_limit_minutes", 20, minimum=1),
                      personal_statistics=node.get("personal_statistics", bool, "true or false", False))
    node.done()
    return manager


def _appointments(node: Node, environ: Mapping[str, str]) -> Appointments:
    """[appointments]: grace and the late rule; the push endpoint when `push_port` is set."""
    port = node.number("push_port", None, minimum=0) if node.data.get("push_port") is not None else None
    if port is not None and port > 65535:
        raise node.fail("push_port", f"{port} must be at most 65535")
    has_token = "push_token" in node.data or "push_token_env" in node.data
    if port is not None and not has_token:
        raise node.fail("push_token", "missing: the push endpoint needs a token (push_token or push_token_env)")
    token = _token(node, environ, "push_token") if has_token else ""
    appointments = Appointments(
        grace_minutes=node.number("grace_minutes", 15, minimum=0),
        late=node.text("late", "walk_in", pattern=re.compile("^(walk_in|refuse)$"), expected='"walk_in" or "refuse"'),
        push_host=node.text("push_host", "127.0.0.1"), push_port=port, push_token=token)
    node.done()
    return appointments


def _feedback(node: Node) -> Feedback:
    feedback = Feedback(phone=node.get("phone", bool, "true or false", True),
                        taps_per_minute=node.number("taps_per_minute", 12, minimum=1),
                        thanks_seconds=node.number("thanks_seconds", 4, minimum=1))
    node.done()
    return feedback


def _named_texts(node: Node, languages: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """A table of id -> {language: text}, as [documents.<id>] and [outcomes.<id>]."""
    for key in node.data:
        if not IDENT.match(key):
            raise node.fail(key, "must be lower-case letters, digits, - or _")
    return {key: _per_language(node, key, languages, Node.text) for key in list(node.data)}


def _unique(root: Node, key: str, items: list, fields: tuple[str, ...]) -> list:
    for name in fields:
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            value = getattr(item, name)
            if value in seen:
                raise ConfigError(root.file, f"{key}[{i}].{name}",
                                  f"{_q(value)} is already used by {key}[{seen[value]}]")
            seen[value] = i
    return items
