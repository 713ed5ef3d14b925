"""The developers' guide (docs/developers.md) cannot drift: every repository path it names in
backticks exists (a folder when it ends in `/`), every `path.py::name` is a function or class of
that file, every `module.symbol` is defined in that module (a class's member too), and every
README section it cites by its quoted name ("How it works") is a heading of the README. The
README's pointer for developers leads to the guide.

Read with `ast` and the file system only: nothing of the project is imported.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "developers.md"
PACKAGES = ("server", "config", "kiosk", "counter", "display", "printing", "board", "tests", "bench")
TICKED = re.compile(r"`([^`\s]+)`")
SYMBOL = re.compile(rf"^(?:{'|'.join(PACKAGES)})(?:\.[A-Za-z_]\w*)+$")
README_SECTION = re.compile(r'README "([^"]+)"')


def ticked(text: str) -> list[str]:
    return TICKED.findall(text)


def is_path(word: str) -> bool:
    """A repository path: has a slash or a file suffix we keep, is no command or URL or pattern."""
    if word.startswith((".venv/", "http", "/", "~")) or any(c in word for c in "<>*{}()=\"'$"):
        return False
    return "/" in word or word.endswith((".py", ".toml", ".md", ".jsonl"))


@cache
def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def defined(body: list[ast.stmt]) -> set[str]:
    """Names a module or class body defines: functions, classes, assignments, imports."""
    names: set[str] = set()
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def member(path: Path, names: list[str]) -> bool:
    """`names` (a top-level name, then its members) is defined in the module at `path`."""
    body = tree(path).body
    for name in names:
        if name not in defined(body):
            return False
        node = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == name), None)
        body = node.body if node is not None else []
    return True


def symbol_problem(word: str) -> str | None:
    """None when `module.symbol` names something defined; else what is missing."""
    parts = word.split(".")
    for cut in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:cut])
        module = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
        if module.is_file():
            rest = parts[cut:]
            if not rest or member(module, rest):
                return None
            return f"`{word}`: {module.relative_to(ROOT)} defines no {'.'.join(rest)}"
    return f"`{word}`: no such module"


def path_problem(word: str) -> str | None:
    path, _, name = word.partition("::")
    target = ROOT / path
    if path.endswith("/") and not target.is_dir():
        return f"`{word}`: no such folder"
    if not target.exists():
        return f"`{word}`: no such file"
    if name and not member(target, [name]):
        return f"`{word}`: {path} defines no {name}"
    return None


def problems(text: str, headings: set[str]) -> list[str]:
    found = []
    for word in ticked(text):
        if SYMBOL.match(word):
            found.append(symbol_problem(word))
        elif is_path(word):
            found.append(path_problem(word))
    found += [f'README "{name}": no such heading' for name in README_SECTION.findall(text.replace("\n", " "))
              if name not in headings]
    return [p for p in found if p]


def readme_headings() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return {m.group(1).strip() for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)}


def test_every_path_symbol_and_section_the_guide_names_exists():
    assert problems(GUIDE.read_text(encoding="utf-8"), readme_headings()) == []


def test_the_guide_names_enough_to_be_checked():
    """The check reads what the guide names: a reader that found nothing would pass anything."""
    text = GUIDE.read_text(encoding="utf-8")
    assert sum(map(is_path, ticked(text))) >= 40
    assert sum(bool(SYMBOL.match(w)) for w in ticked(text)) >= 5
    assert len(README_SECTION.findall(text)) >= 3


def test_a_renamed_file_symbol_test_or_heading_is_found():
    headings = {"How it works"}
    text = ("`server/core/events.py` `server/core/no_such.py` `server/nowhere/` "
            "`server.core.events.TicketCalled` `server.core.events.TicketCalledd` "
            "`server.core.counter.CounterCommands.park` `server.core.counter.CounterCommands.parkk` "
            "`tests/test_stored_events.py::test_no_such_test` `.venv/bin/ruff` "
            'README "How it works" README "For developerz"')
    assert problems(text, headings) == [
        "`server/core/no_such.py`: no such file",
        "`server/nowhere/`: no such folder",
        "`server.core.events.TicketCalledd`: server/core/events.py defines no TicketCalledd",
        "`server.core.counter.CounterCommands.parkk`: server/core/counter.py defines no CounterCommands.parkk",
        "`tests/test_stored_events.py::test_no_such_test`: tests/test_stored_events.py defines no test_no_such_test",
        'README "For developerz": no such heading',
    ]


def test_the_readmes_pointer_for_developers_leads_to_the_guide():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    two_commands = text.split("\n## Two commands\n", 1)[1].split("\n## ", 1)[0]
    assert "docs/developers.md" in two_commands
    how_it_works = text.split("\n## How it works\n", 1)[1].split("\n## ", 1)[0]
    assert "docs/developers.md" in how_it_works.split("\nFor developers", 1)[1][:200]
    assert problems(two_commands, readme_headings()) == []
