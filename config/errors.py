"""The one error of the configuration: a file that cannot be used, named with its key."""

from __future__ import annotations


class ConfigError(Exception):
    """A site file or catalogue that cannot be used; `str()` is the one line to show the admin."""

    def __init__(self, file: str, path: str, problem: str):
        super().__init__(f"{file}: {path}: {problem}" if path else f"{file}: {problem}")
        self.file, self.path, self.problem = file, path, problem
