"""The command line's small helpers for the network's commands; the options every command
shares are in `server.options` (`server.cli` imports this room, so not from there)."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from server.options import OneLineParser, port_number  # noqa: F401 (the network commands take them from here)


def office_db() -> Path:
    """The office's default file, as `willkommen-server` uses it (`server.cli.default_db`)."""
    return platformdirs.user_data_path("willkommen") / "willkommen.sqlite3"


def sentence(exc: Exception, words) -> str:
    """What went wrong in a network command as the staff's sentence says it (`words`: the
    command's `config.command.Words`): a site file's problem as every command says it, the
    network's refusal or silence from `[cli.network.said]` (the exception's `why` and `fields`);
    anything else as it is."""
    from config.command import file_sentence
    from config.errors import ConfigError

    why = getattr(exc, "why", "")
    if not isinstance(exc, ConfigError) and why and f"cli.network.said.{why}" in words.text:
        fields = dict(getattr(exc, "fields", {}))
        if fields.get("last_kind"):  # the network not reached: why, in the staff's words
            fields["last"] = words(f"network.said.last_{fields['last_kind']}")
        if f"cli.network.said.{why}_{fields.get('status')}" in words.text:  # a refusal: what its status means
            why = f"{why}_{fields['status']}"
        return words(f"network.said.{why}", **fields)
    return file_sentence(exc, words)
