"""Structured logging: one JSON object per line on stderr, fields passed as
`log.info("connected", extra={"fields": {...}})`. Easy for journald and for grep. The time
carries its offset from UTC (a server on UTC beside pages in Berlin time is an hour "off" otherwise)
and milliseconds (a failover's order of events is read from them)."""

from __future__ import annotations

import json
import logging
from datetime import datetime


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
                 "level": record.levelname.lower(), "logger": record.name, "msg": record.getMessage()}
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
