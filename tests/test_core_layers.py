"""How the queue core and the wire package are laid out: small modules and classes, no import
circle, and a forecast that sees the office only through its public view."""

from __future__ import annotations

import ast
import pytest

from .conftest import ROOT

PACKAGES = ("server/core", "server/wire")


def modules(package: str) -> dict[str, ast.Module]:
    return {f"{package.replace('/', '.')}.{path.stem}".removesuffix(".__init__"): ast.parse(path.read_text("utf-8"))
            for path in sorted((ROOT / package).glob("*.py"))}


def imported(tree: ast.Module, package: str) -> set[str]:
    """The modules of `package` a module imports (TYPE_CHECKING imports too: a circle for a reader)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(package):
            found |= {f"{node.module}.{alias.name}" for alias in node.names} | {node.module}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith(package)}
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_over_500_lines_and_no_class_over_300(package):
    for path in sorted((ROOT / package).glob("*.py")):
        text = path.read_text("utf-8")
        assert text.count("\n") <= 500, f"{path.name} has {text.count(chr(10))} lines"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                assert size <= 300, f"{path.name}: class {node.name} has {size} lines"


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_circle_inside_the_package(package):
    found = modules(package)
    dotted = package.replace("/", ".")
    graph = {name: (imported(tree, dotted) & set(found)) - {name, dotted} for name, tree in found.items()}

    def circle_from(start: str, path: tuple[str, ...]) -> tuple[str, ...] | None:
        for nxt in graph[path[-1]]:
            if nxt == start:
                return (*path, nxt)
            if nxt not in path and (circle := circle_from(start, (*path, nxt))) is not None:
                return circle
        return None

    for name in graph:
        assert circle_from(name, (name,)) is None, " -> ".join(circle_from(name, (name,)) or ())


def test_the_forecast_reads_the_office_only_through_its_view():
    """The forecast, what it learns and its simulation import neither the office nor its
    commands or state: `Office` feeds them events and asks them for estimates."""
    found = modules("server/core")
    for name in ("server.core.forecast", "server.core.learning", "server.core.simulation", "server.core.view"):
        reached = imported(found[name], "server.core")
        assert not reached & {"server.core.office", "server.core.state", "server.core.commands",
                              "server.core.kiosk", "server.core.counter", "server.core.supervisor"}, name
        assert "server.core.Office" not in reached, name
