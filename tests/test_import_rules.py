"""The house rules of the code, read from the source with `ast` (nothing of the project is
imported here, so an import circle cannot hide a rule's message; the last tests run
subprocesses). Each failure names the file, the line and the rule it breaks.

- the rooms import each other only along the arrows of `ARROWS` below, each with its reason,
  and every arrow there is one the code uses (the table cannot go stale); the README's "How
  it works" lists the same arrows. Some arrows take only named modules (`ONLY`): the rooms take
  the edge's kit, never the edge's modules that import the rooms;
- the queue core (server/core) reaches no I/O, asyncio, clock or randomness: its callers pass
  `now` (and tokens); no `time` import, no `datetime.now()`, `date.today()`, `utcnow()`; of the
  wire it takes data (errors, plan rows), never the client session;
- no method is called by a name computed at run time (`getattr(office, command)`): a renamed
  method must fail the type check, not a clerk's key press; `COMPUTED_GETATTR` lists the few
  data reads by name, each with its reason;
- the wire package (protocol, errors, client session, partner cards) reaches no room of the
  server: kiosk, counter and display import it without the server;
- clients (kiosk, counter, display) import only server.wire, config and printing;
- printing imports only config and server.wire; config imports nothing of the project;
- no import circle among the server's modules;
- a kiosk or counter PC runs without the server's libraries (sqlite-utils, weasyprint, ...);
- no module over 500 lines, no class over 300.

Every import counts: relative ones (`from ..store import sqlite`), those inside functions and
those under `if TYPE_CHECKING:` (only the circle check leaves those out: a type hint runs
nothing). When a forbidden import closes a real circle, tests/conftest.py cannot import the
server and prints `everything_broken()` (these rules' messages) with the ImportError.
`python tests/test_import_rules.py` prints them too, and the measured arrows with their counts.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("server", "kiosk", "counter", "display", "config", "printing", "board")
NO_IO = {"asyncio", "socket", "sqlite3", "sqlite_utils", "websockets", "subprocess", "threading", "time",
         "os", "shutil", "pathlib", "urllib", "http", "ssl", "select", "signal", "psycopg", "random", "secrets"}
# Clock reads by call: `datetime.now()`, `date.today()`, `datetime.utcnow()` (the `time` module's
# are refused with its import). `learning.today` (a dict) is an attribute, not a call: allowed.
CLOCK_CALLS = {"now", "today", "utcnow"}
# The reads of an attribute by a computed name that are data, not dispatch (file: why).
COMPUTED_GETATTR = {
    "server/network/send.py": "the command line's options `to` and `office`, read by name to name the missing one",
    "server/network/store.py": "a sent day's count fields, stored one kind of count per row",
    "server/network/page.py": "the pygal chart class a chart of the network page asks for (Bar, Line, ...)",
}
SERVER_ONLY_LIBS = ("sqlite_utils", "weasyprint", "pygal", "openpyxl", "icalendar", "h11")
TERMINAL_ONLY_LIBS = ("textual", "rich", "escpos", "serial")  # kiosk, counter, display extras only

SETTINGS = "the site's settings, catalogues and languages (config imports nothing of the project)"
WIRE = "the protocol's messages, errors and data (plan rows, partner cards)"
CORE = "the queue's rules and events"
RULES = "the rooms' pages and sockets run on the edge's kit: frame loop, HTTP replies, limits, pushes"
# The rooms of the project: server/<folder>/ each, server's top-level modules each (cli, options,
# hosting, __main__), and the top-level packages. Every import from one room into another is an
# arrow of this table; the reason says why it points that way.
ARROWS: dict[tuple[str, str], str] = {
    ("kiosk", "server.wire"): "the protocol and its reconnecting client session",
    ("kiosk", "config"): SETTINGS,
    ("kiosk", "printing"): "tickets printed on the kiosk's printer",
    ("counter", "server.wire"): "the protocol and its reconnecting client session",
    ("counter", "config"): SETTINGS,
    ("counter", "printing"): "referral slips printed at the counter",
    ("display", "server.wire"): "the protocol and its reconnecting client session",
    ("display", "config"): SETTINGS,
    ("display", "printing"): "the fonts a terminal display draws with (printing.raster)",
    ("server.wire", "config"): "partner cards' languages",
    ("server.core", "config"): "the site's rules (services, counters, plan) as data",
    ("server.core", "server.wire"): "errors and plan rows, data only (never the session: a rule below)",
    ("server.store", "server.core"): "events to store and replay, tickets to project",
    ("server.store", "server.wire"): "errors a commit answers with (busy), plan rows of the kept statistics",
    ("server.edge", "config"): SETTINGS,
    ("server.edge", "server.wire"): WIRE,
    ("server.edge", "server.core"): CORE,
    ("server.edge", "server.store"): "the store and its one writer, opened and handed to the rooms",
    ("server.edge", "server.access"): "builds the room and routes /register/ws, /draw/ to it",
    ("server.edge", "server.booking"): "builds the room and routes the booking push to it",
    ("server.edge", "server.manager"): "builds the room and routes the manager's pages and sockets",
    ("server.edge", "server.messages"): "builds the outbox and routes the gateway's delivery reports",
    ("server.edge", "server.visitors"): "builds the rooms and routes feedback, register, speech",
    ("server.manager", "config"): SETTINGS,
    ("server.manager", "server.wire"): WIRE,
    ("server.manager", "server.core"): CORE,
    ("server.manager", "server.store"): "reads the kept statistics and writes through the one writer",
    ("server.manager", "server.edge"): RULES,
    ("server.manager", "server.booking"): "the plan import's options and printable appointments (plan.py)",
    ("server.manager", "server.visitors"): "the board announces through the office's speech",
    ("server.manager", "server.network"): "the board's panel adopts the network's published texts (office side)",
    ("server.manager", "counter"): "the browser counter folds its screens with the Textual counter's own "
                                   "model and prints its slips (one counter, two faces)",
    ("server.manager", "printing"): "the counter page's slip printer, the charts' fonts",
    ("server.booking", "config"): SETTINGS,
    ("server.booking", "server.wire"): WIRE,
    ("server.booking", "server.core"): CORE,
    ("server.booking", "server.store"): "the push endpoint's changes go through the one writer",
    ("server.booking", "server.edge"): RULES,
    ("server.booking", "server.options"): "`appointments import` shares the command line's parser",
    ("server.visitors", "config"): SETTINGS,
    ("server.visitors", "server.wire"): WIRE,
    ("server.visitors", "server.core"): CORE,
    ("server.visitors", "server.store"): "feedback goes through the one writer",
    ("server.visitors", "server.edge"): RULES,
    ("server.access", "config"): SETTINGS,
    ("server.access", "server.wire"): WIRE,
    ("server.access", "server.core"): "the lottery's pure rules (core/lottery.py, core/access.py)",
    ("server.access", "server.store"): "registrations through the one writer, the side tables",
    ("server.access", "server.edge"): RULES,
    ("server.access", "server.messages"): "outcomes to visitors through the outbox",
    ("server.access", "server.options"): "`draw verify|export` share the command line's parser",
    ("server.messages", "config"): SETTINGS,
    ("server.messages", "server.core"): CORE,
    ("server.messages", "server.store"): "the outbox's rows in the office's database",
    ("server.messages", "server.edge"): RULES,
    ("server.network", "config"): SETTINGS,
    ("server.network", "server.store"): "an office's kept statistics and reasons, read as the network sees them",
    ("server.network", "server.edge"): "the network's port runs on the edge's kit (HTTP, limits, logs)",
    ("server.network", "server.manager"): "the coordinator's pages reuse the manager's sign-in, words and charts",
    ("server.network", "server.options"): "the network commands share the command line's parser",
    ("server.demo", "config"): SETTINGS,
    ("server.demo", "server.wire"): WIRE,
    ("server.demo", "server.core"): CORE,
    ("server.demo", "server.store"): "the demo month written into a store, its days kept",
    ("server.options", "config"): "the staff's command-line words",
    ("server.hosting", "config"): SETTINGS,
    ("server.hosting", "server.edge"): "one Server per office, their logs",
    ("server.hosting", "server.options"): "the command line's parser and checks",
    ("server.hosting", "server.store"): "each office's database and its lock",
    ("server.hosting", "server.manager"): "each office's site refused while it holds the demo's public passwords",
    ("server.cli", "config"): SETTINGS,
    ("server.cli", "server.edge"): "starts the Server, its logs",
    ("server.cli", "server.store"): "opens, backs up and checks the database",
    ("server.cli", "server.options"): "the command line's parser and checks",
    ("server.cli", "server.hosting"): "`willkommen-server host`: several offices in one process",
    ("server.cli", "server.access"): "`draw verify|export` and the demo's lottery",
    ("server.cli", "server.booking"): "`appointments import`",
    ("server.cli", "server.manager"): "`plan import`, the report's dates, the demo's public passwords refused",
    ("server.cli", "server.network"): "`network ...`",
    ("server.cli", "server.demo"): "`--demo`, `demo-month`",
    ("server.__main__", "server.cli"): "`python -m server`",
}
# The edge's kit: the modules of server/edge that import no room of the server, so a room that
# takes them reaches nothing that imports it back (app, hellos, storage, health, routes, requests,
# pushes, welcomes and pages build or call the rooms: those no room may import).
EDGE_KIT = ("server.edge.fanout", "server.edge.frames", "server.edge.limits", "server.edge.ratelimit",
            "server.edge.terminals", "server.edge.replies", "server.edge.views", "server.edge.http11",
            "server.edge.doorway", "server.edge.logs")
# Arrows that may take only the named modules (and what those import within their own room).
ONLY: dict[tuple[str, str], tuple[str, ...]] = {
    **{(room, "server.edge"): EDGE_KIT for room in ("server.manager", "server.booking", "server.visitors",
                                                   "server.access", "server.messages", "server.network")},
    ("server.manager", "counter"): ("counter.board", "counter.screen", "counter.slip"),
    ("server.network", "server.manager"): ("server.manager.people", "server.manager.words",
                                           "server.manager.stats.tables", "server.manager.stats.charts",
                                           "server.manager.stats.words"),
    ("server.manager", "server.network"): ("server.network.adoption", "server.network.in_force",
                                           "server.network.send"),
}


def resolve(name: str) -> str:
    """`server.edge.views` for the module itself; `server.edge` for a name defined in a package."""
    path = ROOT / Path(*name.split("."))
    return name if path.is_dir() or path.with_suffix(".py").exists() else name.rpartition(".")[0]


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def imports(path: Path, *, annotations: bool = True) -> list[tuple[int, str]]:
    """(line, module) for every import in a file, at any depth (lazy imports count too), the
    relative ones made absolute; a `from X import Y` gives X.Y when Y is a module, else X.
    Without `annotations`, not those under `if TYPE_CHECKING:` (names for type hints only)."""
    tree = _tree(path)
    hints: set[int] = set()
    if not annotations:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
                hints |= {id(n) for child in node.body for n in ast.walk(child)}
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if id(node) in hints:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            for alias in node.names:
                found.append((node.lineno, resolve(f"{base}.{alias.name}") if top(base) in PROJECT else base))
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def broken(packages: tuple[str, ...], allowed) -> list[str]:
    """`file:line imports X` for each import that `allowed(module_of_file, imported)` refuses."""
    return [f"{path.relative_to(ROOT)}:{line} imports {name}"
            for package in packages for path in files(package)
            for line, name in imports(path) if not allowed(module_name(path), name)]


def none(found: list[str]) -> None:
    assert not found, "\n".join(found)


def top(name: str) -> str:
    return name.split(".")[0]


def within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def project(name: str) -> bool:
    return top(name) in PROJECT


def room(module: str) -> str:
    """server/<folder>/ is a room, each of server's own modules is one, a top-level package is one."""
    parts = module.split(".")
    if parts[0] != "server" or len(parts) == 1:
        return parts[0]
    return ".".join(parts[:2])


def measured() -> dict[tuple[str, str], list[str]]:
    """(from room, to room) -> `file:line imports module` for every import between two rooms."""
    arrows: dict[tuple[str, str], list[str]] = defaultdict(list)
    for package in PROJECT:
        for path in files(package):
            source = room(module_name(path))
            for line, name in dict.fromkeys(imports(path)):  # `from a import b, c`: once per module
                if project(name) and name != "server" and (target := room(name)) != source:
                    arrows[source, target].append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return dict(arrows)


def module_graph() -> dict[str, set[str]]:
    """Every project module -> the project modules it imports (any import)."""
    graph: dict[str, set[str]] = {}
    for package in PROJECT:
        for path in files(package):
            graph[module_name(path)] = {name for _, name in imports(path) if project(name)}
    return graph


def arrows_not_in_the_table() -> list[str]:
    found = []
    for (source, target), where in sorted(measured().items()):
        if (source, target) not in ARROWS:
            found += [f"{w}: the arrow {source} -> {target} is not in ARROWS (import from a room below, "
                      "or add it to ARROWS with its reason and to the README's 'How it works' list)" for w in where]
        elif (source, target) in ONLY:
            found += [f"{w}: {source} may take of {target} only {', '.join(ONLY[source, target])}"
                      for w in where if not within(w.rsplit(" ", 1)[1], *ONLY[source, target])]
    return found


def taken_modules_reach_back() -> list[str]:
    """An ONLY arrow's modules, and what they import within their own room, import nothing of
    the room that takes them: the taker stays above them."""
    graph, found = module_graph(), []
    for (source, target), allowed in sorted(ONLY.items()):
        seen, todo = set(), [m for m in graph if within(m, *allowed)]
        while todo:
            if (module := todo.pop()) in seen:
                continue
            seen.add(module)
            for name in sorted(graph.get(module, ())):
                if room(name) == source:
                    found.append(f"{module} (taken by {source}) imports {name}: back up into {source}")
                elif room(name) == target and name in graph:
                    todo.append(name)
    return found


def _core_allowed(_, name):
    if top(name) in NO_IO:
        return False
    if within(name, "server.wire.session"):  # the wire's data (errors, plan rows) yes, its socket no
        return False
    return not project(name) or within(name, "server.core", "server.wire", "config") or name == "server"


def test_the_core_reaches_no_io_asyncio_or_clock():
    none(broken(("server/core",), _core_allowed))


def clock_reads(package: str = "server/core") -> list[str]:
    """`file:line reads the clock` for each `X.now()`, `X.today()`, `X.utcnow()` (and each
    `datetime.now` taken as a value) in the package."""
    found: dict[tuple[str, int], str] = {}
    for path in files(package):
        for node in ast.walk(_tree(path)):
            called = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            attribute = node.func if called else node
            if not isinstance(attribute, ast.Attribute) or attribute.attr not in CLOCK_CALLS:
                continue
            taken = isinstance(attribute.value, ast.Name) and attribute.value.id in ("datetime", "date")
            if called or taken or attribute.attr != "today":
                where = (path.relative_to(ROOT).as_posix(), node.lineno)
                found[where] = f"{where[0]}:{where[1]} reads the clock ({attribute.attr}): the core's callers pass `now`"
    return [found[where] for where in sorted(found)]


def test_the_core_reads_no_clock_through_datetime():
    assert clock_reads() == [], "\n".join(clock_reads())


def test_the_clock_rule_finds_datetime_now_today_and_utcnow(tmp_path, monkeypatch):
    """The rule itself: each way of reading the clock without the `time` module is found."""
    core = tmp_path / "server" / "core"
    core.mkdir(parents=True)
    (core / "sneaky.py").write_text("from datetime import date, datetime\n"
                                    "def a():\n    return datetime.now().timestamp()\n"
                                    "def b():\n    return date.today()\n"
                                    "def c():\n    return datetime.utcnow()\n"
                                    "CLOCK = datetime.now\n"
                                    "def fine(learning, local):\n    return learning.today, local.time()\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert [line.split(" ")[0] for line in clock_reads()] == [
        "server/core/sneaky.py:3", "server/core/sneaky.py:5", "server/core/sneaky.py:7", "server/core/sneaky.py:8"]


def computed_getattrs(package: str = "server") -> list[str]:
    """`file:line` for each `getattr(x, name)` whose name is not a string written out."""
    found = []
    for path in files(package):
        where = path.relative_to(ROOT).as_posix()
        for node in ast.walk(_tree(path)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
                    and len(node.args) >= 2 and not isinstance(node.args[1], ast.Constant)
                    and where not in COMPUTED_GETATTR):
                found.append(f"{where}:{node.lineno} calls getattr with a computed name: call the method "
                             "itself or keep a table of them (a renamed method must fail mypy)")
    return found


def test_only_the_store_opens_the_offices_database_read_only():
    """The office's database read beside its server is opened in one place
    (`server.store.open_read_only`, SQLite or PostgreSQL): a `?mode=ro` URI written out
    elsewhere is that function again (r-dev-2 F9). The outbox's and the network's own tables
    open their connections themselves: they write."""
    found = [f"{path.relative_to(ROOT)}:{node.lineno} opens the database read-only itself: "
             "use server.store.open_read_only"
             for path in files("server") if not within(module_name(path), "server.store")
             for node in ast.walk(_tree(path))
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and "mode=ro" in node.value]
    assert found == [], "\n".join(found)


def test_no_method_is_called_by_a_computed_name():
    assert computed_getattrs() == [], "\n".join(computed_getattrs())
    assert all((ROOT / f).exists() for f in COMPUTED_GETATTR), "COMPUTED_GETATTR names a file that is gone"


def test_the_wire_package_reaches_no_room_of_the_server():
    def allowed(module, name):
        if top(name) in ("sqlite3", "sqlite_utils", "psycopg"):
            return False
        if top(name) == "websockets":  # the client session is a websocket client; the rest is data
            return module == "server.wire.session"
        return not project(name) or within(name, "server.wire", "config") or name == "server"
    none(broken(("server/wire",), allowed))


@pytest.mark.parametrize("client", ["kiosk", "counter", "display"])
def test_clients_import_only_the_wire_config_and_printing(client):
    def allowed(_, name):
        return not project(name) or within(name, client, "server.wire", "config", "printing") or name == "server"
    none(broken((client,), allowed))


def test_printing_imports_only_config_and_the_wire_and_config_nothing_of_the_project():
    none(broken(("printing",), lambda _, name: not project(name) or within(
        name, "printing", "server.wire", "config") or name == "server"))
    none(broken(("config",), lambda _, name: not project(name) or within(name, "config")))


def server_graph() -> dict[str, set[str]]:
    """Module -> the server modules it imports (a `from package import module` counts as the module)."""
    modules = {module_name(path): path for path in files("server")}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = set()
        for _, name in imports(path, annotations=False):  # a type hint's import runs nothing
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):  # a package's own __init__
                targets.add(name)
        graph[module] = {t for t in targets if t != "server" and not t.endswith(".__init__")}
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle as its modules in order, or []."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_no_import_circle_in_the_server():
    circle = cycle({m: {t for t in ts if "__init__" not in t} for m, ts in server_graph().items()
                    if not m.endswith("__init__")})
    assert circle == [], " -> ".join(circle)


def test_rooms_are_given_what_they_need_never_the_server():
    """Only the edge's app and the command line (one office's, and the host of several:
    `server.hosting`) know the `Server` class; a room that imports it (even for a type hint)
    is reaching for the whole server."""
    def allowed(module, name):
        return not within(name, "server.edge.app") or module in ("server.edge.app", "server.cli", "server.hosting")
    none(broken(("server",), allowed))


def test_no_module_over_500_lines_no_class_over_300():
    """Rooms stay rooms: a module past 500 lines or a class past 300 is two jobs in one."""
    found = []
    for package in PROJECT + ("bench",):
        for path in files(package):
            text = path.read_text(encoding="utf-8")
            if (lines := text.count("\n")) > 500:
                found.append(f"{path.relative_to(ROOT)}: {lines} lines")
            found += [f"{path.relative_to(ROOT)}: class {node.name} {node.end_lineno - node.lineno + 1} lines"
                      for node in ast.walk(ast.parse(text)) if isinstance(node, ast.ClassDef)
                      and node.end_lineno - node.lineno + 1 > 300]
    assert found == []


def test_the_circle_finder_finds_a_circle():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("app", ["kiosk.app", "counter.app", "display.app"])
def test_a_terminal_pc_runs_without_the_servers_libraries(app):
    code = (f"import sys, {app}; print(sorted({{m.split('.')[0] for m in sys.modules}} & "
            f"set({SERVER_ONLY_LIBS!r})))")
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]", f"{app} loads {loaded.stdout.strip()}"


@pytest.mark.parametrize("entry", ["server.edge.app", "server.cli", "server.hosting"])
def test_the_server_runs_without_the_terminals_libraries(entry):
    """`pip install '.[server]'` has no Textual and no printer drivers: the server imports the
    Textual counter's screen model (ARROWS: server.manager -> counter), never Textual itself."""
    code = (f"import sys, {entry}; print(sorted({{m.split('.')[0] for m in sys.modules}} & "
            f"set({TERMINAL_ONLY_LIBS!r})))")
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]", f"{entry} loads {loaded.stdout.strip()}"


def test_an_install_carries_every_room_and_its_files():
    """A non-editable install (`pip install '.[server]'` on an office's server) holds what the
    pyproject names: every folder of Python files must be a package setuptools finds, and every
    other file in it (pages, styles, catalogues, fonts) must match a package-data pattern."""
    import fnmatch
    import tomllib

    from setuptools import find_packages

    tool = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    found = set(find_packages(str(ROOT), include=tool["packages"]["find"]["include"]))
    data = tool.get("package-data", {})
    missing = []
    for package in PROJECT:
        for path in sorted((ROOT / package).rglob("*")):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            folder = module_name(path.parent / "__init__.py")
            if path.suffix == ".py":
                if folder not in found:
                    missing.append(f"{path.relative_to(ROOT)}: its folder {folder} is not a package an install finds")
                continue
            owner = next((p for p in sorted(found, key=len, reverse=True) if folder == p or folder.startswith(p + ".")), None)
            inner = path.relative_to(ROOT / owner.replace(".", "/")).as_posix() if owner else ""
            if owner is None or not any(fnmatch.fnmatch(inner, pattern) for pattern in data.get(owner, ())):
                missing.append(f"{path.relative_to(ROOT)}: no package-data pattern of {owner} carries it")
    assert not missing, "\n".join(missing)


def test_every_import_between_rooms_is_an_arrow_of_the_table():
    found = arrows_not_in_the_table()
    assert not found, "\n".join(found)


def test_every_arrow_of_the_table_is_one_the_code_uses():
    """A table that names an arrow no code takes (any more) says something false: out with it."""
    arrows = measured()
    stale = [f"ARROWS: {s} -> {t} (no import takes it)" for s, t in ARROWS if (s, t) not in arrows]
    taken = {w.rsplit(" ", 1)[1] for arrow in ONLY for w in arrows.get(arrow, ())}
    stale += [f"ONLY: {m} (no room takes it)" for m in sorted({m for ms in ONLY.values() for m in ms})
              if not any(within(name, m) for name in taken)]
    assert not stale, "\n".join(stale)


def test_the_modules_an_arrow_takes_import_nothing_back():
    found = taken_modules_reach_back()
    assert not found, "\n".join(found)


ARROW_LINE = re.compile(r"^ {4}([a-z_.]+) +-> (.+)$")


def readme_arrows() -> set[tuple[str, str]]:
    """The arrows the README's "How it works" lists, one line per room: `    room -> a, b, c`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## How it works\n", 1)[1].split("\n## ", 1)[0]
    return {(m[1], target.strip()) for line in section.splitlines() if (m := ARROW_LINE.match(line))
            for target in m[2].split("#", 1)[0].split(",")}


def test_the_readme_map_lists_the_arrows_of_the_table():
    readme = readme_arrows()
    assert sorted(readme - set(ARROWS)) == [], "in the README, not in ARROWS"
    assert sorted(set(ARROWS) - readme) == [], "in ARROWS, not in the README's 'How it works'"


def everything_broken() -> str:
    """Every rule of this file that the source breaks, read with ast alone (tests/conftest.py
    prints it when the server cannot be imported: a forbidden import closed a circle)."""
    checks = {"the arrows of the table": arrows_not_in_the_table, "modules taken reach back": taken_modules_reach_back,
              "an import circle": lambda: [" -> ".join(c)] if (c := cycle(
                  {m: {t for t in ts if "__init__" not in t} for m, ts in server_graph().items()
                   if not m.endswith("__init__")})) else [],
              "the core": lambda: broken(("server/core",), _core_allowed)}
    return "\n".join(f"{rule}: {line}" for rule, check in checks.items() for line in check())


if __name__ == "__main__":
    for (source, target), where in sorted(measured().items()):
        print(f"{source:18} -> {target:18} {len(where):4}")
    print(f"{len(measured())} arrows, {sum(map(len, measured().values()))} imports")
    print(everything_broken() or "no rule broken")
