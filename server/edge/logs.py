"""Structured logging: one JSON object per line on stderr, fields passed as
`log.info("connected", extra={"fields": {...}})`. Easy for journald and for grep. The time
carries its offset from UTC (a server on UTC beside pages in Berlin time is an hour "off" otherwise)
and milliseconds (a failover's order of events is read from them).

A process that serves several offices (`willkommen-server host`, `server.hosting`) sets `OFFICE`
in each office's context before starting it: every task and connection started from there
inherits it, and each line carries `"office": "<name>"` (`journalctl ... | grep '"office": "wetzlar"'`).
Threads do not inherit a context by themselves: the offices' thread pools are made with
`server.store.threads.carrying`, which sets each thread to the context the pool was made in, and
the statistics worker process sets it at its start (`server.manager.stats.worker`). A line from a
thread other than the main one also names it (`"thread": "willkommen-store_0"`).
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
        if record.threadName != "MainThread":  # a store's, a checkpoint's, a password check's thread
            entry["thread"] = record.threadName
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
