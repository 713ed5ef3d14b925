"""The house rules of the code, read from the imports themselves (no code is run but the
last test's subprocesses). Each failure names the file, the line and the rule it breaks.

- the queue core (server/core) reaches no I/O, asyncio or clock: its callers pass `now`; of the
  wire it takes data (errors, plan rows), never the client session;
- the wire package (protocol, errors, client session, partner cards) reaches no room of the
  server: kiosk, counter and display import it without the server;
- clients (kiosk, counter, display) import only server.wire, config and printing;
- printing imports only config and server.wire; config imports nothing of the project;
- no import circle among the server's modules;
- a kiosk or counter PC runs without the server's libraries (sqlite-utils, weasyprint, ...);
- no module over 500 lines, no class over 300.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("server", "kiosk", "counter", "display", "config", "printing", "board")
NO_IO = {"asyncio", "socket", "sqlite3", "sqlite_utils", "websockets", "subprocess", "threading", "time",
         "os", "shutil", "pathlib", "urllib", "http", "ssl", "select", "signal", "psycopg"}
SERVER_ONLY_LIBS = ("sqlite_utils", "weasyprint", "pygal", "openpyxl", "icalendar", "h11")


def imports(path: Path, *, annotations: bool = True) -> list[tuple[int, str]]:
    """(line, module) for every import in a file, at any depth (lazy imports count too);
    without `annotations`, not those under `if TYPE_CHECKING:` (names for type hints only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    if not annotations:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
                node.body = []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
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


def top(name: str) -> str:
    return name.split(".")[0]


def within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def project(name: str) -> bool:
    return top(name) in PROJECT


def test_the_core_reaches_no_io_asyncio_or_clock():
    def allowed(_, name):
        if top(name) in NO_IO:
            return False
        if within(name, "server.wire.session"):  # the wire's data (errors, plan rows) yes, its socket no
            return False
        return not project(name) or within(name, "server.core", "server.wire", "config") or name == "server"
    assert broken(("server/core",), allowed) == []


def test_the_wire_package_reaches_no_room_of_the_server():
    def allowed(module, name):
        if top(name) in ("sqlite3", "sqlite_utils", "psycopg"):
            return False
        if top(name) == "websockets":  # the client session is a websocket client; the rest is data
            return module == "server.wire.session"
        return not project(name) or within(name, "server.wire", "config") or name == "server"
    assert broken(("server/wire",), allowed) == []


@pytest.mark.parametrize("client", ["kiosk", "counter", "display"])
def test_clients_import_only_the_wire_config_and_printing(client):
    def allowed(_, name):
        return not project(name) or within(name, client, "server.wire", "config", "printing") or name == "server"
    assert broken((client,), allowed) == []


def test_printing_imports_only_config_and_the_wire_and_config_nothing_of_the_project():
    assert broken(("printing",), lambda _, name: not project(name) or within(
        name, "printing", "server.wire", "config") or name == "server") == []
    assert broken(("config",), lambda _, name: not project(name) or within(name, "config")) == []


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
    assert broken(("server",), allowed) == []


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
