"""Reading a configuration file (the site file, the network's file, a file an admin imports).

Every way a file can fail to be read is one `ConfigError` with a `why` the command line says in
the staff's words (`config.command.file_sentence`): `not_found`, `denied`, `directory`,
`unreadable` (another system error, named by its errno), `not_utf8` and `not_toml` (with the
line and column where the reader stopped), `not_csv` (with the line), `binary` (a spreadsheet
or other binary file given for a CSV). The file is named as the admin gave it.
"""

from __future__ import annotations

import errno
import re
import tomllib
from pathlib import Path

from config.errors import ConfigError

SYSTEM = {FileNotFoundError: "not_found", PermissionError: "denied", IsADirectoryError: "directory",
          NotADirectoryError: "not_found"}
PROBLEMS = {"not_found": "file not found", "denied": "permission denied", "directory": "a folder, not a file",
            "unreadable": "cannot be read"}
AT = re.compile(r"\(at line (\d+), column (\d+)\)")
ZIP = b"PK\x03\x04"   # .xlsx and .ods are zip files


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or the `ConfigError` saying why there are none."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise _system(path, exc) from None


def read_toml(path: Path) -> dict:
    """A TOML file's tables, or one `ConfigError` line: not found, or not TOML and where."""
    data = read_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = position(data[:exc.start])
        raise ConfigError(path.name, "", f"not UTF-8 text (line {line}, column {column})", why="not_utf8",
                          fields={"file": str(path), "line": line, "column": column}) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = AT.search(str(exc))
        line, column = (int(at[1]), int(at[2])) if at else position(text.encode())
        raise ConfigError(path.name, "", f"not valid TOML ({exc})", why="not_toml",
                          fields={"file": str(path), "line": line, "column": column}) from None


def position(before: bytes) -> tuple[int, int]:
    """Line and column (from 1) just after `before`, the file's bytes up to a place."""
    text = before.decode("utf-8", errors="replace")
    return text.count("\n") + 1, len(text.rpartition("\n")[2]) + 1


def binary(path: Path, data: bytes) -> None:
    """Refuses a spreadsheet or other binary file where a CSV is wanted (the most likely mistake:
    today.xlsx for today.csv), before its bytes are read as rows."""
    if data.startswith(ZIP) or (b"\x00" in data[:4096] and data[:2] not in (b"\xff\xfe", b"\xfe\xff")
                                and data[1:400:2].count(0) <= len(data[:400]) // 4):
        raise ConfigError(str(path), "", "not a text file (a spreadsheet?)", why="binary")


def not_csv(path: Path, line: int) -> ConfigError:
    """A CSV the csv module cannot read (a field past its limit, ...), at `line`."""
    return ConfigError(str(path), "", f"not a readable CSV file (line {line})", why="not_csv",
                       fields={"line": line})


def readable(path: Path) -> None:
    """Refuses, as `read_bytes` would, a file this user cannot open for reading (without reading
    it: a database or a backup may be large)."""
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise _system(path, exc) from None


def _system(path: Path, exc: OSError) -> ConfigError:
    why = next((w for kind, w in SYSTEM.items() if isinstance(exc, kind)), "unreadable")
    return ConfigError(str(path), "", PROBLEMS[why], why=why,
                       fields={"error": errno.errorcode.get(exc.errno or 0, str(exc.errno))})
