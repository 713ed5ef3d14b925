"""The outbox: messages to visitors, kept until a gateway took them.

`post` returns at once: the message is kept in memory and its row written by the table's
thread (`server.messages.table`) in the next group, before or while a sender sends it (a few
ms; 10,000 after a draw: under a second). A caller that must know it is on disk awaits
`saved()`; one that posts from events it replays (the draw's outcomes) may post again after a
restart, as the refs make that a no-op. A
sender task per channel that is on (`[messages]`: Kannel for SMS, SMTP for e-mail) takes the
messages that are due, hands them in small batches to its gateway on a thread (the
gateways' libraries block: urllib, smtplib), and records what came back:

- taken by the gateway: `sent` (Kannel's delivery report later makes it `delivered` or
  `failed`: `dlr`);
- refused for good (a recipient the SMTP server refuses, a number Kannel denies, an address
  that is none): `failed`, at once, with what the gateway said;
- the gateway down or busy: it waits `retry_seconds`, doubling up to `retry_max_seconds`,
  and tries again; after `give_up_minutes`, or the caller's `valid_until`, it is `failed`.

A restart loads the day's rows and sends what still waits: nothing is lost that was
written. A message whose gateway took it just before the server died, before its `sent` was
written, goes out a second time (at least once, never lost). A channel that is off keeps its
messages `waiting`: they are recorded, and the visitor's pages show the same outcome.

`ref` is the caller's key for a message ("won:<entry>", "near_call:<day>:<number>"): a second
post with a ref already known is ignored, so a caller may post again after a restart without
sending twice. Rows are the day's only (`Table.forget_before` when a new day starts).
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
import time
from itertools import islice
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Coroutine, Iterable, Protocol
from zoneinfo import ZoneInfo

from config.messages import Messages
from server.messages import address
from server.messages.table import DELIVERED, FAILED, FINAL, RETRY, SENT, WAITING, Message, Table

if TYPE_CHECKING:
    from server.messages.near_call import NearCall

log = logging.getLogger("willkommen.messages")
CHANNELS = ("sms", "email")
BATCH = 20          # messages handed to a gateway at once (one SMTP session)
SAVE_GROUP = 200    # rows written in one transaction at most: ~6 ms, while which the store's own
                    # commit (a kiosk's draw, on SQLite) waits for the file's write lock; 2,000 took 85 ms
YIELD_EVERY = 500   # posts between two turns of the other tasks (post_many)
IDLE = 60.0         # seconds a sender sleeps at most (the day's change is noticed within this)


class Gateway(Protocol):
    """Sends a batch on a thread; one (state, detail) per message: SENT, FAILED or RETRY."""

    def send(self, batch: list[Message]) -> list[tuple[str, str]]: ...


class Outbox:
    def __init__(self, settings: Messages, db: str | Path, *, timezone: str, synchronous: str = "normal",
                 gateways: dict[str, Gateway] | None = None, clock: Callable[[], float] = time.time,
                 day_check: float = IDLE):
        self.settings, self.db, self.synchronous, self.clock = settings, db, synchronous, clock
        self.day_check = day_check  # seconds between two looks at the date (a new day forgets the last)
        self.tz = ZoneInfo(timezone)
        self.gateways = gateways if gateways is not None else {}
        self.messages: dict[str, Message] = {}      # the day's, by ref
        self.by_token: dict[str, Message] = {}      # SMS by the secret in their delivery report's URL
        self.waiting: dict[str, dict[str, Message]] = {c: {} for c in CHANNELS}  # per channel, in posting order:
        # a sender looks at these only (a pass over the day's 10,000 for every batch of 20 held the loop)
        self.unsaved: dict[str, Message] = {}       # changed since the table last wrote them
        self.day = ""
        self.day_ends = 0.0  # when `day` ends (the next local midnight)
        self.table_thread = ThreadPoolExecutor(1, thread_name_prefix="willkommen-outbox")
        self.gateway_threads = ThreadPoolExecutor(len(CHANNELS), thread_name_prefix="willkommen-gateway")
        self.tasks: list[asyncio.Task] = []
        self.companions: list[Callable[[], Coroutine[Any, Any, None]]] = []  # run while the outbox runs
        self.near_call: NearCall | None = None  # the "your call is near" notice (`server.messages.build`)
        self.started = False

    # ---- life cycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Open the table, forget earlier days, load today's messages, start the senders."""
        loop = asyncio.get_running_loop()
        self.table = await loop.run_in_executor(self.table_thread, lambda: Table(self.db, synchronous=self.synchronous))
        self._new_day(self.clock())
        await loop.run_in_executor(self.table_thread, self.table.forget_before, self.day)
        for message in await loop.run_in_executor(self.table_thread, self.table.load, self.day):
            self._keep(message)
        self.wakeup = {channel: asyncio.Event() for channel in CHANNELS}
        self.dirty = asyncio.Event()
        self.idle = asyncio.Event()
        self.idle.set()
        self.tasks = [asyncio.create_task(self._save_loop(), name="willkommen-outbox-table")]
        self.tasks += [asyncio.create_task(self._send_loop(channel, gateway), name=f"willkommen-outbox-{channel}")
                       for channel, gateway in self.gateways.items()]
        self.tasks += [asyncio.create_task(run(), name="willkommen-outbox-companion")
                       for run in (self._day_loop, *self.companions)]
        self.started = True
        waiting = sum(len(w) for w in self.waiting.values())
        log.info("outbox", extra={"fields": {"sms": "sms" in self.gateways, "email": "email" in self.gateways,
                                             "waiting": waiting}})

    async def stop(self) -> None:
        """Stop sending, write what is unsaved, close the table; never raises (the server stops anyway)."""
        try:
            await self._stop()
        except Exception:
            log.exception("stopping the outbox failed")

    async def _stop(self) -> None:
        if not self.started:
            return
        self.started = False
        for task in self.tasks[1:]:
            task.cancel()
        await asyncio.gather(*self.tasks[1:], return_exceptions=True)
        await self.saved()
        self.tasks[0].cancel()
        await asyncio.gather(self.tasks[0], return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(self.table_thread, self.table.close)
        self.table_thread.shutdown()
        self.gateway_threads.shutdown(wait=False, cancel_futures=True)

    # ---- the interface -------------------------------------------------------------------

    def post(self, *, to: str, channel: str, lang: str, text: str, subject: str = "", ref: str = "",
             valid_until: float | None = None) -> str:
        """Keep a message for `to` and return its ref at once; a ref already known is ignored.
        An address that is none ("not a phone number") fails the message at once, clearly:
        the caller learns it from `state`, nothing raises on the caller's path. Not sent by
        `valid_until` (a place's window end: "come now" after it sends someone for nothing)
        or by `give_up_minutes`, whichever is first, it is failed unsent."""
        if channel not in CHANNELS:
            raise ValueError(f"channel must be one of {CHANNELS}, not {channel!r}")
        ref = ref or secrets.token_hex(8)
        if ref in self.messages:
            return ref
        now = self.clock()
        self._new_day(now)
        normal, problem = address.check(channel, to, self.settings.country_code)
        message = Message(ref=ref, day=self.day, channel=channel, address=normal, lang=lang, subject=subject,
                          text=text, posted_at=now, next_at=now, token=secrets.token_urlsafe(16) if channel == "sms" else "",
                          valid_until=min(now + self.settings.give_up_minutes * 60, valid_until or math.inf))
        if problem:
            message.state, message.done_at, message.detail = FAILED, now, problem
        self._keep(message)
        self._changed(message)
        if message.state == WAITING and channel in self.gateways:
            self.wakeup[channel].set()
        return ref

    async def post_many(self, messages: Iterable[dict[str, Any]]) -> list[str]:
        """`post` each (its keyword arguments), letting the terminals in every `YIELD_EVERY`:
        a post costs the loop about 5-10 us, so a draw's 10,000 "not drawn" texts in one go
        would hold it for 50-130 ms."""
        refs = []
        for i, message in enumerate(messages, 1):
            refs.append(self.post(**message))
            if i % YIELD_EVERY == 0:
                await asyncio.sleep(0)
        return refs

    def state(self, ref: str) -> str:
        """"waiting", "sent", "delivered" or "failed"; "" for a ref this day has not seen."""
        message = self.messages.get(ref)
        return message.state if message is not None else ""

    def status(self) -> dict[str, dict[str, int | bool]]:
        """Per channel: whether its gateway is on, and today's messages by state (/healthz):
        a gateway that is down shows as messages waiting."""
        counts: dict[str, dict[str, int | bool]] = {
            c: {"on": c in self.gateways, WAITING: 0, SENT: 0, DELIVERED: 0, FAILED: 0} for c in CHANNELS}
        for message in self.messages.values():
            counts[message.channel][message.state] += 1
        return counts

    def message(self, ref: str) -> Message | None:
        return self.messages.get(ref)

    async def saved(self) -> None:
        """Wait until every message posted or changed so far is written."""
        while self.unsaved or not self.idle.is_set():
            self.dirty.set()
            await asyncio.sleep(0.005)

    def delivery_report(self, token: str, kind: int, answer: str) -> bool:
        """Kannel's delivery report for the SMS with this token (dlr-mask types: 1 delivered to
        the phone, 2 not delivered to it, 8 taken by the SMSC, 16 refused by it). False for a
        token this day has not seen."""
        message = self.by_token.get(token)
        if message is None:
            return False
        if message.state in FINAL:  # a late report does not undo the last word
            return True
        if kind == 1:
            self._settle(message, DELIVERED, answer or "delivered to the phone")
        elif kind in (2, 16):
            self._settle(message, FAILED, f"not delivered ({'by the SMSC' if kind == 16 else 'to the phone'})"
                                          + (f": {answer}" if answer else ""))
        elif answer:
            message.detail = f"SMSC: {answer}"
            self._changed(message)
        return True

    # ---- the senders ---------------------------------------------------------------------

    async def _send_loop(self, channel: str, gateway: Gateway) -> None:
        loop = asyncio.get_running_loop()
        wakeup = self.wakeup[channel]
        while True:
            now = self.clock()
            self._new_day(now)
            waiting = self.waiting[channel]
            due = list(islice((m for m in waiting.values() if min(m.next_at, self._until(m)) <= now), BATCH))
            late = [m for m in due if now >= self._until(m)]
            for message in late:
                self._too_late(message)
            due = [m for m in due if m not in late]
            if late and not due:
                continue
            if not due:
                wakeup.clear()
                later = min((min(m.next_at, self._until(m)) for m in waiting.values()), default=now + IDLE)
                try:
                    await asyncio.wait_for(wakeup.wait(), max(0.0, min(later - now, IDLE)))
                except TimeoutError:
                    pass
                continue
            try:
                answers = await loop.run_in_executor(self.gateway_threads, gateway.send, due)
            except Exception as exc:  # a bug in a gateway: the messages wait, the loop goes on
                log.exception("gateway failed", extra={"fields": {"channel": channel}})
                answers = [(RETRY, f"{type(exc).__name__}: {exc}")] * len(due)
            for message, (state, detail) in zip(due, answers):
                self._answered(message, state, detail)

    def _answered(self, message: Message, state: str, detail: str) -> None:
        now = self.clock()
        message.tries += 1
        if message.state in FINAL:  # its delivery report came before the gateway's answer did
            return self._changed(message)
        if state != RETRY:
            return self._settle(message, state, detail)
        if now >= self._until(message):
            message.detail = detail
            return self._too_late(message)
        wait = min(self.settings.retry_seconds * 2 ** (message.tries - 1), self.settings.retry_max_seconds)
        message.next_at, message.detail = now + wait, detail
        self._changed(message)
        if message.tries == 1:  # one line per message that has to wait, not one per try
            log.warning("message waits", extra={"fields": {"ref": message.ref, "channel": message.channel,
                                                           "why": _unnamed(detail, message), "retry_s": round(wait, 1)}})

    def _until(self, message: Message) -> float:
        """When it is too late to send (rows of an earlier version have no `valid_until`)."""
        return message.valid_until or message.posted_at + self.settings.give_up_minutes * 60

    def _too_late(self, message: Message) -> None:
        self._settle(message, FAILED, f"not sent in time ({message.tries} tries"
                                      + (f"; the last: {message.detail})" if message.detail else ")"))

    def _settle(self, message: Message, state: str, detail: str) -> None:
        message.state, message.detail = state, detail
        if state in FINAL or state == SENT:
            message.done_at = self.clock()
        self._changed(message)
        if state == FAILED:
            log.info("message failed", extra={"fields": {"ref": message.ref, "channel": message.channel,
                                                         "why": _unnamed(detail, message)}})

    # ---- keeping -------------------------------------------------------------------------

    def _keep(self, message: Message) -> None:
        self.messages[message.ref] = message
        if message.token:
            self.by_token[message.token] = message
        self._index(message)

    def _index(self, message: Message) -> None:
        if message.state == WAITING:
            self.waiting[message.channel][message.ref] = message
        else:
            self.waiting[message.channel].pop(message.ref, None)

    def _changed(self, message: Message) -> None:
        self._index(message)
        self.unsaved[message.ref] = message
        if self.started:
            self.dirty.set()

    async def _save_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self.dirty.wait()
            self.dirty.clear()
            if not self.unsaved:
                continue
            refs = list(islice(self.unsaved, SAVE_GROUP))  # copied on the loop: well under a ms a group
            group = {ref: self.unsaved.pop(ref) for ref in refs}
            rows = [Message(**vars(m)) for m in group.values()]  # as they are now: the loop goes on changing them
            if self.unsaved:
                self.dirty.set()  # the rest in the next group
            self.idle.clear()
            try:
                await loop.run_in_executor(self.table_thread, self.table.save, rows)
            except Exception:
                log.exception("outbox not written; trying again")
                self.unsaved = {**group, **self.unsaved}
                await asyncio.sleep(1.0)
                self.dirty.set()
            finally:
                self.idle.set()

    async def _day_loop(self) -> None:
        """Forget the day before soon after midnight, also when nothing is posted or sent."""
        while True:
            await asyncio.sleep(self.day_check)
            self._new_day(self.clock())

    def today(self, now: float | None = None) -> str:
        return datetime.fromtimestamp(self.clock() if now is None else now, self.tz).date().isoformat()

    def _new_day(self, now: float) -> None:
        """A new day: forget the last one's messages (memory now, the table in its turn)."""
        if now < self.day_ends:  # the date is read once a day, not once a post
            return
        day = self.today(now)
        start = datetime.combine(date.fromisoformat(day), datetime.min.time(), self.tz)
        self.day_ends = (start + timedelta(days=1)).timestamp()
        if day <= self.day:
            return
        self.day = day
        for ref in [ref for ref, m in self.messages.items() if m.day < day]:
            message = self.messages.pop(ref)
            self.by_token.pop(message.token, None)
            self.waiting[message.channel].pop(ref, None)
            self.unsaved.pop(ref, None)
        if self.started:
            forgotten = asyncio.get_running_loop().run_in_executor(self.table_thread, self.table.forget_before, day)
            forgotten.add_done_callback(_said_if_failed)


def _unnamed(detail: str, message: Message) -> str:
    """What a gateway said, for the log: without the visitor's address (a mail server's "550
    <amira@example.org>: no such user"): the log outlives the day's contacts."""
    return detail.replace(message.address, "<address>") if message.address else detail


def _said_if_failed(deleted: "asyncio.Future[int]") -> None:
    if not deleted.cancelled() and deleted.exception() is not None:
        log.error("outbox: earlier days not deleted (tried again at the next start)", exc_info=deleted.exception())
