"""Structured logging: one JSON object per line on stderr, fields passed as
`log.info("connected", extra={"fields": {...}})`. Easy for journald and for grep. The time
carries its offset from UTC (a server on UTC beside pages in Berlin time is an hour "off" otherwise)
and milliseconds (a failover's order of events is read from them).

A process that serves several offices (`willkommen-server host`, `server.hosting`) sets `OFFICE`
in each office's context before starting it: every task, connection and thread started from there
inherits it, and each line carries `"office": "<name>"` (`journalctl ... | grep '"office": "wetzlar"'`).
A server of one office sets none and its lines are as they were."""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import datetime

OFFICE: ContextVar[str] = ContextVar("willkommen_office", default="")


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
                 "level": record.levelname.lower(), "logger": record.name, "msg": record.getMessage()}
        if office := OFFICE.get():
            entry["office"] = office
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup(level: str = "info") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines())
    root = logging.getLogger("willkommen")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
