"""The one error of the configuration: a file that cannot be used, named with its key."""

from __future__ import annotations


class ConfigError(Exception):
    """A site file or catalogue that cannot be used; `str()` is the one line to show the admin.

    A file that could not be read at all (not there, not allowed, not TOML) also carries `why`,
    the staff catalogue's `[cli.file]` key, and the `fields` its sentence names (`file`, `line`,
    `column`): `config.command.file_sentence` says it in the staff's language."""

    def __init__(self, file: str, path: str, problem: str, *, why: str = "", fields: dict | None = None):
        super().__init__(f"{file}: {path}: {problem}" if path else f"{file}: {problem}")
        self.file, self.path, self.problem = file, path, problem
        self.why, self.fields = why, {"file": file, **(fields or {})}
