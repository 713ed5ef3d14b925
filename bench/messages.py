"""Messages after a draw: the real server (in this process, SQLite) posts N e-mails to an SMTP
server (aiosmtpd's sink, its own process) and M SMS to a real Kannel (bearerbox, smsbox,
fakesmsc: tests/gateways.py), as a draw's "not drawn" and "won" texts would. Measured: the
loop time of the posts (what a draw's caller pays), until every row is written, until every
e-mail is taken and every SMS delivered (Kannel's reports back to /messages/dlr), and how late
a 5 ms timer on the event loop runs meanwhile — the terminals' share — beside the same timer on
the idle server (the baseline)."""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from config import load_site
from config.messages import Messages

from .common import emit

TICK = 0.005


async def _lateness(seconds: float | None, stop: asyncio.Event | None = None) -> list[float]:
    """How late (ms) a timer of TICK runs, for `seconds` or until `stop`."""
    late, until = [], time.perf_counter() + (seconds or 1e9)
    while time.perf_counter() < until and not (stop is not None and stop.is_set()):
        asked = time.perf_counter()
        await asyncio.sleep(TICK)
        late.append((time.perf_counter() - asked - TICK) * 1000)
    return late


async def _all(outbox, refs: list[str], state: str) -> None:
    """Until every message is in `state`: the last one first (they go in the order posted),
    looked at every 50 ms, so that the waiting costs the loop next to nothing."""
    deadline = time.monotonic() + 600
    while not all(outbox.state(ref) == state for ref in (refs[-1:] if refs else [])) or \
            not all(outbox.state(ref) == state for ref in refs):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not all {state}: {[outbox.message(r) for r in refs if outbox.state(r) != state][:3]}")
        await asyncio.sleep(0.05)


def _p99(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=100)[98], 2) if len(values) > 1 else round(max(values, default=0), 2)


async def _measure(emails: int, sms: int, folder: Path) -> dict:
    from server.edge.app import Server
    from tests.gateways import Kannel, free_port

    port = free_port()
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                             "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kannel = Kannel().start()
    try:
        messages = Messages(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none", mail_from="amt@example.org",
                            sendsms_url=kannel.sendsms_url, sendsms_user="office", sendsms_password="kannel-secret",
                            sms_from="Amt", retry_seconds=0.2, retry_max_seconds=1.0)
        site = load_site()
        words = site.words("ar")
        server = Server(replace(site, messages=messages), folder / "office.sqlite3", always_open=True)
        await server.start("127.0.0.1", 0)
        kannel._wait_port(port)
        try:
            await asyncio.sleep(1.0)  # the start's own work done
            idle = await _lateness(2.0)
            stop = asyncio.Event()
            ticker = asyncio.create_task(_lateness(None, stop))
            outbox, begun = server.outbox, time.perf_counter()
            for i in range(emails):
                outbox.post(to=f"visitor{i}@example.org", channel="email", lang="ar", subject=words["messages.subject"],
                            text=words["messages.not_drawn"], ref=f"not_drawn:{i}")
            for i in range(sms):
                outbox.post(to=f"+49151{i:08d}", channel="sms", lang="ar", text=words["messages.not_drawn"],
                            ref=f"sms:{i}")
            posted = time.perf_counter()
            await outbox.saved()
            saved = time.perf_counter()
            await _all(outbox, [f"not_drawn:{i}" for i in range(emails)], "sent")
            mailed = time.perf_counter()
            await _all(outbox, [f"sms:{i}" for i in range(sms)], "delivered")
            delivered = time.perf_counter()
            stop.set()
            busy = await ticker
        finally:
            await server.stop()
    finally:
        kannel.stop()
        sink.terminate()
        sink.wait(10)
    return emit("messages_after_a_draw", emails=emails, sms=sms,
                posts_ms=round((posted - begun) * 1000, 1), post_us_each=round((posted - begun) / (emails + sms) * 1e6, 1),
                saved_ms=round((saved - begun) * 1000, 1),
                emails_s=round(mailed - begun, 2), emails_per_s=round(emails / (mailed - begun), 1),
                sms_delivered_s=round(delivered - begun, 2), sms_per_s=round(sms / (delivered - begun), 1),
                loop_late_p99_ms=_p99(busy), loop_late_max_ms=round(max(busy), 1),
                idle_loop_late_p99_ms=_p99(idle), idle_loop_late_max_ms=round(max(idle), 1))


def run(emails: int, sms: int) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="willkommen-bench-messages-") as folder:
        return [asyncio.run(_measure(emails, sms, Path(folder)))]
