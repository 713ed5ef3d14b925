"""Reading a configuration file (the site file, the network's file) as TOML."""

from __future__ import annotations

import tomllib
from pathlib import Path

from config.errors import ConfigError


def read_toml(path: Path) -> dict:
    """A TOML file's tables, or one `ConfigError` line: not found, or not TOML and where."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), "", "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path.name, "", f"not valid TOML ({exc})") from None
