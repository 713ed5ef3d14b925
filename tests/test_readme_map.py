"""The README's map of the rooms ("How it works", the table "room | what lives there") names
every module of `server/` with its job, and names no file that is not there; its list of the
port's routes is the route table's (`server.edge.routes.office_routes`).

A row's first cell names its folders (`server/edge/`; `server/` for the server's own modules);
each `name.py` in backticks in its second cell is a module of one of those folders, and a path
with a slash (`server/core/lottery.py`) is a file of the repository. A package's `__init__.py`
is the folder itself and needs no name. The map is read as plain text; only the routes' test
imports the edge (to build the table with stand-ins for the rooms: no server, no socket).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMED = re.compile(r"`([\w/]+\.py)`")
FOLDER = re.compile(r"`([\w/]+/)`")


def rows() -> list[tuple[list[str], list[str]]]:
    """(folders, named files) of each row of the map's table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## How it works\n", 1)[1].split("\n## ", 1)[0]
    table = section.split("| room | what lives there |", 1)[1].split("\n\n", 1)[0]
    found = []
    for line in table.splitlines()[2:]:
        if not line.startswith("| "):
            continue
        room, lives = line[2:].split(" | ", 1)
        found.append((FOLDER.findall(room), NAMED.findall(lives)))
    return found


def modules() -> list[str]:
    """Every module of server/ as a path from the repository's root (packages' __init__ aside)."""
    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "server").rglob("*.py")
                  if p.name != "__init__.py" and "__pycache__" not in p.parts)


def named(table: list[tuple[list[str], list[str]]]) -> tuple[set[str], list[str]]:
    """The files `table`'s rows name (as paths) and the names they give that are no file."""
    paths, missing = set(), []
    for folders, names in table:
        for name in names:
            candidates = [name] if "/" in name else [folder + name for folder in folders]
            there = [c for c in candidates if (ROOT / c).is_file()]
            if there:
                paths.update(there)
            else:
                missing.append(f"{name} (row {', '.join(folders)})")
    return paths, missing


def test_the_map_has_a_row_for_every_folder_of_the_server():
    folders = {folder for row, _ in rows() for folder in row}
    wanted = {p.parent.relative_to(ROOT).as_posix() + "/" for p in (ROOT / "server").rglob("*.py")
              if "__pycache__" not in p.parts}
    assert sorted(wanted - folders) == [], "folders of server/ with no row in the README's map"


def test_every_module_of_the_server_is_named_in_the_readme_map():
    paths, _ = named(rows())
    assert [m for m in modules() if m not in paths] == [], \
        "modules of server/ the README's map ('How it works') does not name: add each with its job"


def test_the_readme_map_names_no_file_that_is_not_there():
    _, missing = named(rows())
    assert missing == [], "the README's map names files that do not exist"


def test_the_map_reader_sees_a_module_left_out_and_a_file_that_is_not_there():
    """The reader itself: a row without `hellos.py` leaves that module unnamed; a made-up name is missing."""
    table = [(folders, [n for n in names if n != "hellos.py"] + (["gone.py"] if "server/edge/" in folders else []))
             for folders, names in rows()]
    paths, missing = named(table)
    assert "server/edge/hellos.py" not in paths and "server/edge/app.py" in paths
    assert missing == ["gone.py (row server/edge/)"]


ROUTE_LINE = re.compile(r"^ {4}(GET|WS) +([a-z]+) +(/.*)$")


def readme_routes() -> set[tuple[str, str, str]]:
    """(kind, room, path) of each route the README's "How it works" lists."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## How it works\n", 1)[1].split("\n## ", 1)[0]
    return {(m[1], m[2], path.strip()) for line in section.splitlines() if (m := ROUTE_LINE.match(line))
            for path in m[3].split(",")}


def test_the_readme_lists_the_routes_of_the_route_table():
    from types import SimpleNamespace

    from server.edge.routes import office_routes

    async def nothing(*_):
        return None

    room = SimpleNamespace(answer=nothing, upgrade=nothing, connection=nothing)  # what the table takes of a room
    table = {(r["kind"], r["room"], r["path"]) for r in office_routes(room, room, room, room, None, None).table()}
    readme = readme_routes()
    assert sorted(readme - table) == [], "in the README's routes, not in the route table"
    assert sorted(table - readme) == [], "in the route table, not in the README's 'How it works' routes"
