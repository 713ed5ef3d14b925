"""The one writer: commands change the office at once, and are answered once committed.

A connection `submit`s a command (a function of `now`). It runs at once against the in-memory
`Office` (asyncio runs one task at a time, so commands never interleave); the events it caused
wait in the office's journal. The writer task takes everything journaled so far, writes it in
one transaction, and only then answers every command that ran meanwhile and hands the events
to `on_committed` (the broadcaster). Many kiosks drawing at once therefore cost one commit,
not one each (group commit, gathered a little longer under load: `_gather`), and no reply
ever confirms what is not on disk.

What the waiting room's screens show goes out before that: each command's events are handed
to `on_applied` as soon as it ran (`_applied`), in the order they happened, before any commit.
A display confirms nothing to anyone (it only listens), and its welcome's snapshot is read
from the same memory anyway; waiting for the commit put a PostgreSQL fsync (2.7-4.4 ms on
this machine's disk) between a counter's `next` and the screen, which SQLite's default
"normal" does not have (`python -m bench --only offices`). A commit that then fails stops the
server (below); the displays reconnect to the restarted one and get the truth from its
snapshot, so at worst a screen showed a call its counter was never confirmed (as a call
committed with "normal" is lost with the power). The replies and the staff's pushes wait.

SQLite's commits run on the event loop (`store.commit` writes inline), with the site's
`synchronous`: "normal" is a write to the WAL (tens of microseconds), "full" adds an fsync.
Committing on the store's thread drew 1,632/s for 1 kiosk against 2,981/s inline (normal,
`python -m bench --only draws`): a lone kiosk's commit stays inline. With "full", a group of
several commands runs its COMMIT (the WAL write and fsync) on a thread of its own
(`server.store.beside`): an inline fsync held the loop for 49 % of its time at 50 kiosks on
this machine's shared disk (py-spy), and while the thread waits for the disk the loop draws
the next group; that group waits here, as it does behind PostgreSQL's round trips.
PostgreSQL's commit (`server.store.postgres`) awaits its network round trips instead: the
loop serves terminals meanwhile, and what they ask joins the next group.

Besides the office's events, the store keeps a few facts of its own that are no event (a
signed-out session, until its end): `keep` queues such a write, and the writer runs it between
commits, so one connection writes at a time on either store.

If a commit fails (disk full, file gone) the memory is ahead of the file: the writer fails
every waiting command with `StorageFailed`, refuses all later ones, and calls `on_failure`;
the server stops so that a restart rebuilds the truth from the file. Crash-only is simpler
than an undo.

A database *lost* on the way (PostgreSQL: its primary died, a failover, a restart; the store's
`lost(exc)` tells) is not a failure but a wait: the commands of the group stay unanswered
(held), new ones are answered `Busy` without being run (the memory moves no further ahead),
and the writer reaches the database again (`store.reconnect()`, trying on with a pause that
grows to `RECONNECT_PAUSE`): there it learns whether the lost commit was made (then the held
commands are answered) or not (then it is made now, and they are answered). So a reply never
confirms what is not in the database the server writes to after the failover. Only a database
that another server took meanwhile (`StoreLocked`) or an error that is not a lost connection
ends it as a failure.

A database that is there but does not confirm (PostgreSQL with a synchronous standby that is
gone keeps every COMMIT waiting, with no error and no end) is said after `commit_wait`
seconds (the site's `[limits] commit_wait_seconds`): the writer is *stalled*. New commands are
answered `Busy` as while reaching it again (a kiosk then asks its visitor to wait a moment
instead of waiting for ever), the held ones are answered `Unconfirmed` (done, not confirmed:
"not done" would be untrue, their commit is still on its way and counts once it comes back; a
kiosk's draw sent again with its key gets that very ticket then), the store is asked why
(`server.store.commit_wait`: the standby, a lock, the disk), and `/healthz` and the floor board say
so with what to do (`stalled`). Once the commit comes back, all goes on.

What a held command's terminal is told meanwhile: `went_away()` is resolved when the database
is found lost with commands held (a counter then says at once that its action waits, instead of
a screen that seems frozen: `server.edge.held`), and each `Unconfirmed` carries `confirmed`, a
future settled when its command's commit is confirmed after all (or fails), and `value`, what the
command returned: the counter that did it is sent its reply then (`confirmed`), so its clerk
sees the visitor it called without a reload.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, Awaitable, Callable

from server.core import Event, Office
from server.core import events as ev
from server.wire.errors import Busy, Unconfirmed, WillkommenError
from server.store.projection import Projection, Rows
from server.store.reasons import one_line
from server.store.commit_wait import Waiting

log = logging.getLogger("willkommen.writer")
GATHER_TURNS = 4         # at most this many more turns of the event loop ...
GATHER_SECONDS = 0.001   # ... and no turn begun after this: a turn that broadcast a call to 500
                         # displays took milliseconds, and the calls behind it waited for each
RECONNECT_PAUSE = (0.2, 2.0)  # seconds between tries to reach a lost database, doubling up to the second
COMMIT_WAIT = 5.0  # seconds a commit may wait before the writer is stalled ([limits] commit_wait_seconds)
ASK_EVERY = 5.0    # seconds between two questions to a stalled database: why does the commit wait?


class StorageFailed(WillkommenError):
    code = "storage_failed"


class Writer:
    def __init__(self, office: Office, store: Projection, *, on_committed: Callable[[list[Event]], None],
                 on_failure: Callable[[], None], clock: Callable[[], float] = time.time,
                 on_applied: Callable[[list[Event]], None] = lambda events: None,
                 on_new_day: Callable[[str], None] | None = None, commit_wait: float = COMMIT_WAIT,
                 others_may_join: Callable[[], bool] = lambda: True):
        self.office, self.store, self.on_new_day = office, store, on_new_day
        self.others_may_join = others_may_join  # other requests woke with this one (`_alone`)
        self.on_committed, self.on_failure, self.clock = on_committed, on_failure, clock
        self.on_applied = on_applied  # each command's events once it ran, before their commit (`_applied`)
        self.told = 0  # events at the journal's head already handed to `on_applied`
        self.loop = asyncio.get_running_loop()
        self.pending: list[asyncio.Future] = []    # commands whose events are still in the journal
        self.wakeup: asyncio.Future | None = None  # the writer task waits here for work
        self.failed = False
        self.failure: BaseException | None = None  # why it failed: said on the command line at the stop
        self.commits = 0
        self.last_group = 0  # commands the last commit answered
        self.committing = False  # a commit is on its way (PostgreSQL's round trips)
        self.leading = False  # a lone command is about to commit itself (`_alone`)
        self.reconnecting = False  # the database was lost: commands are answered Busy until it is back
        self.inflight: list[asyncio.Future] = []  # the commands the commit on its way answers
        self.steps: list[tuple[Callable[[Projection], Awaitable[None]], asyncio.Future]] = []  # `keep`
        self.commit_wait = commit_wait
        self.stalled_since: float | None = None  # (wall clock) when the commit that does not come back began
        self.waiting: Waiting | None = None  # why it waits, once the store said
        self._asking: asyncio.Task | None = None
        self._away_news: asyncio.Future | None = None  # `went_away`
        self._confirming: set[asyncio.Future] = set()  # held commands answered Unconfirmed, to confirm

    @property
    def state(self) -> str:
        """/healthz's status: ok, reconnecting, or stalled (a commit not confirmed for `commit_wait`:
        `health()` says why and what to do)."""
        return "reconnecting" if self.reconnecting else "stalled" if self.stalled_since is not None else "ok"

    @property
    def away(self) -> bool:
        """Commands are answered busy: the database is being reached again, or does not confirm."""
        return self.reconnecting or self.stalled_since is not None

    @property
    def busy(self) -> bool:
        return bool(self.office.journal) or self.committing or bool(self.steps)

    def went_away(self) -> asyncio.Future:
        """Resolved when the database is next found lost with commands held (shared: never cancel it)."""
        if self._away_news is None or self._away_news.done():
            self._away_news = self.loop.create_future()
        return self._away_news

    async def keep(self, step: Callable[[Projection], Awaitable[None]]) -> None:
        """Have the writer run `step(store)` (a write of the store's own, no event) between
        commits; return once it is written, or raise what it raised."""
        if self.failed:
            raise StorageFailed("the server could not save its work and is restarting")
        self.steps.append((step, done := self.loop.create_future()))
        self._wake()
        await done

    async def submit(self, command: Callable[[float], Any]) -> Any:
        """Run `command(now)` now; return its result (or raise its error) once everything it
        saw and changed is committed."""
        if self.failed:
            raise StorageFailed("the server could not save its work and is restarting")
        if self.reconnecting:  # not run: nothing changes in memory that the database may never see
            raise Busy("the office's database is being reached again (a failover?); nothing was done, "
                       "try again in a moment")
        if self.stalled_since is not None:  # held commands wait on; new ones would only pile up behind them
            raise Busy(f"the office's database has not confirmed a commit for {self.clock() - self.stalled_since:.0f} s"
                       " (its synchronous standby is away?); nothing was done, try again in a moment",
                       why="commit_waiting")
        error, value = self._run(command)
        self._applied()
        if self.office.journal and not await self._alone():  # its own events, or those of others it saw
            self.pending.append(committed := self.loop.create_future())
            self._wake()
            await _confirmed(committed, error, value)
        elif self.committing and error is None:  # it may have read what the commit on its way
            self.inflight.append(committed := self.loop.create_future())  # writes (a resent draw)
            await _confirmed(committed, error, value)
        if error is not None:
            raise error
        return value

    async def _alone(self) -> bool:
        """A lone kiosk's command commits itself: True once it did. While the last commit
        answered one command and the writer waits for work, the command lets the rest of this
        turn of the event loop run (what they submit joins it, as it would join the writer's
        group) and, if nothing joined and the store commits this group inline, commits it
        here, in its own turn: no wake-up of the writer's task and no further turn before the
        reply (the turns a lone draw took, `bench --only draws`). Otherwise the writer
        commits it with the others, as every command under load. When no other request woke
        in the same turn as this one (`others_may_join`: the edge counts the connections that
        received bytes), there is nobody to wait for, and it commits without that turn (one
        kiosk, paired rounds: 204 against 229 us of server CPU a draw)."""
        if self.leading or self.last_group > 1 or self.pending or self.committing or self.steps or not self._idle():
            return False
        self.leading, journaled = True, len(self.office.journal)
        try:
            if self.others_may_join():
                await asyncio.sleep(0)
        except BaseException:  # its connection went: its events are still to be committed
            self._wake()
            raise
        finally:
            self.leading = False
        if (len(self.office.journal) != journaled or self.pending or self.committing or self.steps
                or not self._idle() or self.failed or not self.store.commits_inline(journaled)):
            return False
        await self._commit_journal()  # inline: it never suspends, so nothing runs in between
        if self.failed:
            raise StorageFailed("the change could not be saved; the server restarts")
        return True

    def _idle(self) -> bool:
        """The writer's task waits for work (not woken, not committing)."""
        return self.wakeup is not None and not self.wakeup.done()

    def _wake(self) -> None:
        if self.wakeup is not None and not self.wakeup.done():
            self.wakeup.set_result(None)

    async def run(self, *, warm: bool = False) -> None:
        if warm:  # the commits' session now (PostgreSQL), not at the first draw, which waited for its login
            try:
                await self.store.open_writing()
            except Exception as exc:  # the first commit opens it (and reaches a lost database again)
                log.warning("the commits' session is opened at the first commit", extra={"fields": {
                    "error": one_line(exc)}})
        while not self.failed:
            if not self.office.journal and not self.steps:
                self.wakeup = self.loop.create_future()
                await self.wakeup
                continue
            if self.office.journal:
                if self.last_group > 1:
                    await self._gather()
                await self._commit_journal()
            await self._keep_steps()

    async def _keep_steps(self) -> None:
        """The queued `keep` writes. One that fails is told to its caller; the office's events
        are not touched by it, so the server goes on."""
        steps, self.steps = self.steps, []
        for step, done in steps:
            try:
                await step(self.store)
            except Exception as exc:
                log.exception("a write of the store's own failed")
                if not done.done():
                    done.set_exception(exc)
            else:
                if not done.done():
                    done.set_result(None)

    async def _gather(self) -> None:
        """Under load (the last commit answered more than one command) let the commands of a
        few more turns of the event loop join before committing, while each turn brings more.
        A lone kiosk never waits; 50 kiosks shared commits of ~45 instead of ~9 and drew
        17,000-19,000 tickets/s against 14,400-15,600 in runs just before, without it
        (`python -m bench --only draws`)."""
        until = time.perf_counter() + GATHER_SECONDS
        for _ in range(GATHER_TURNS):
            waiting = len(self.pending)
            await asyncio.sleep(0)
            if len(self.pending) == waiting or time.perf_counter() > until:
                return

    def _applied(self) -> None:
        """The events journaled since the last look to `on_applied`, in order (the displays'
        pushes, before the commit); its failure is logged, not the command's."""
        journal = self.office.journal
        if len(journal) <= self.told:
            return
        fresh, self.told = journal[self.told:], len(journal)
        try:
            self.on_applied(fresh)
        except Exception:
            log.exception("telling the displays of a change failed")

    async def _commit_journal(self) -> None:
        self._applied()  # events journaled outside `submit`, if any, are told before they are taken
        self.told = 0
        events, changed = self.office.take_changes()
        answered, self.pending = self.pending, []
        self.inflight, self.last_group = answered, len(answered)
        self.committing = True
        try:
            await self._write(self.store.rows(events, changed, self.office.take_private()))
        except Exception as exc:
            log.critical("commit failed; stopping so a restart rebuilds from the file", exc_info=True)
            self.failed, self.failure = True, exc
            # and those that ran while it was on its way (PostgreSQL): they saw what is lost
            answered, self.pending = answered + self.inflight + self.pending, []
            _settle(answered + [done for _, done in self.steps], StorageFailed("the change could not be saved; "
                                                                               "the server restarts"))
            self.steps = []
            self.on_failure()
            return
        finally:
            self.committing = self.reconnecting = False
        self.commits += 1
        _settle(answered + self.inflight, None)  # (the latter: those answered Unconfirmed, `_stalled`)
        self._confirming.difference_update(answered + self.inflight)
        if self.on_new_day is not None:  # the store's day change
            _start_days(events, self.store, self.on_new_day)
        self.on_committed(events)

    async def _write(self, rows: Rows) -> None:
        """Commit `rows` once, reaching the database again as often as it is lost on the way."""
        while True:
            try:
                if self.store.commits_inline(len(rows.events)):  # the loop waits with it: no watch could
                    return await self.store.commit(rows)       # fire before it is back (a lone draw's path)
                with self._watched():
                    return await self.store.commit(rows)
            except Exception as exc:
                if not self.store.lost(exc):
                    raise
                log.warning("database lost; answering busy while reaching it again",
                            extra={"fields": {"error": one_line(exc), "held": len(self.inflight)}})
            self.reconnecting, lost_at = True, time.monotonic()
            if self._away_news is not None and not self._away_news.done():
                self._away_news.set_result(None)  # their terminals are told they wait (`went_away`)
            made = await self.reach()
            log.warning("database reached again", extra={"fields": {
                "after_s": round(time.monotonic() - lost_at, 2),
                "lost_commit": "had been made" if made else "is made now"}})
            if made:
                return

    @contextlib.contextmanager
    def _watched(self):
        """A commit that has not come back after `commit_wait` seconds stalls the writer until it does."""
        watch = self.loop.call_later(self.commit_wait, self._stalled, self.clock())
        try:
            yield
        finally:
            watch.cancel()
            if self.stalled_since is not None:
                log.warning("commits confirmed again", extra={"fields": {
                    "after_s": round(self.clock() - self.stalled_since, 1)}})
                self.stalled_since, self.waiting = None, None
                if self._asking is not None:
                    self._asking.cancel()

    def _stalled(self, began: float) -> None:
        self.stalled_since = began
        # a connection's requests are answered in turn: a held one would keep its terminal from
        # hearing anything at all, also the busy of what it sends again
        # each answered Unconfirmed now, and confirmed through the future that takes its place
        held = len(self.inflight) + len(self.pending)
        self.inflight = [_unconfirmed(self, done) for done in self.inflight]
        self.pending = [_unconfirmed(self, done) for done in self.pending]
        log.warning("commits wait for the database; answering busy", extra={"fields": {
            "waited_s": round(self.clock() - began, 1), "held": held}})
        self._asking = self.loop.create_task(_ask(self), name="willkommen-commit-wait")

    def health(self) -> dict[str, Any]:
        """For /healthz: how long the commit on its way has waited, why, and what to do."""
        if self.stalled_since is None:
            return {"commit_waiting_s": 0.0}
        waiting = self.waiting or Waiting("unknown", "not known yet: the database is being asked")
        return {"commit_waiting_s": round(self.clock() - self.stalled_since, 1), "why": waiting.why,
                "detail": waiting.detail, "hint": waiting.hint}

    async def reach(self) -> bool:
        """Reach the lost database; whether the commit on its way had been made there (also
        `server.store.liveness`, for a database found lost while idle)."""
        pause = RECONNECT_PAUSE[0]
        while True:
            try:
                return await self.store.reconnect()
            except Exception as exc:
                if not self.store.lost(exc):
                    raise  # another server holds the office there (StoreLocked): stop
                log.info("database not reached yet", extra={"fields": {"error": one_line(exc)}})
            await asyncio.sleep(pause)
            pause = min(pause * 2, RECONNECT_PAUSE[1])

    def give_up(self) -> None:
        """The server stops while its database is away: the held commands are answered as
        not done, so their connections close now. (Their commit may yet be in the database:
        a kiosk that sends its draw again gets that ticket from the next server.) Nothing
        when the database is there and confirms: the server waits for the commit on its way."""
        if not self.away:
            return
        held, self.inflight, self.pending = self.inflight + self.pending, [], []
        _settle(held, StorageFailed("the server stopped before its database was back; not confirmed"))

    def _run(self, command: Callable[[float], Any]) -> tuple[BaseException | None, Any]:
        try:
            return None, command(self.clock())
        except WillkommenError as exc:
            return exc, None
        except Exception as exc:  # a bug: answer it, keep serving the others
            log.exception("command failed")
            return exc, None


def _start_days(events: list[Event], store: Projection, on_new_day: Callable[[str], None]) -> None:
    """The store's day change (statistics kept, retention purge) runs on the writer,
    right after the commit that started the day: no page or push writes to the file. On
    PostgreSQL (`store.day_change_aside`) it runs on a thread, on the store's own session
    beside the commits' (it touches no row of the new day): its round trips took 17-46 ms,
    and on the loop the day's first draws waited for them, in each of thirty offices
    opening at once (`python -m bench --only offices`). It is the session's one thread
    (`store.aside`): on the default pool two day changes moments apart ran at once on the
    one psycopg session and failed (OutOfOrderTransactionNesting), as did the lottery's seeds
    beside them; now each waits for the one before, the loop for none."""
    for event in events:
        if isinstance(event, ev.DayStarted):
            if store.day_change_aside:
                store.aside(on_new_day, event.day).add_done_callback(_housekept)
                continue
            try:
                on_new_day(event.day)
            except Exception:  # housekeeping: the day's tickets are safe, tomorrow retries
                log.exception("day change housekeeping failed")


def _housekept(done: asyncio.Future) -> None:
    if not done.cancelled() and done.exception() is not None:  # the day's tickets are safe, tomorrow retries
        log.error("day change housekeeping failed", exc_info=done.exception())


async def _ask(writer: Writer) -> None:
    """Ask the store why the commit waits, now and every ASK_EVERY seconds; log each new answer."""
    while writer.stalled_since is not None:
        try:
            found = await writer.store.waiting_for()
        except Exception as exc:  # a question about the trouble must not become one
            found = Waiting("unknown", one_line(exc))
        if found != writer.waiting:
            writer.waiting = found
            log.warning("why commits wait", extra={"fields": {"why": found.why, "detail": found.detail,
                                                              "hint": found.hint}})
        await asyncio.sleep(ASK_EVERY)


def _unconfirmed(writer: Writer, done: asyncio.Future) -> asyncio.Future:
    """Answer a held command `Unconfirmed`; the future its commit settles from now on."""
    if done in writer._confirming or done.done():  # answered so at an earlier stall of this commit
        return done
    later = writer.loop.create_future()
    later.add_done_callback(_retrieved)  # nobody may wait for it (a kiosk's draw)
    writer._confirming.add(later)
    done.set_exception(Unconfirmed(f"done, but the office's database has not confirmed it for {writer.commit_wait:g} s "
                                   "(its synchronous standby is away?); it counts once confirmed", confirmed=later))
    return later


async def _confirmed(committed: asyncio.Future, error: BaseException | None, value: Any) -> None:
    """Wait for a command's commit; an `Unconfirmed` answer carries what the command returned."""
    try:
        await committed
    except Unconfirmed as exc:
        exc.value = value if error is None else None
        raise


def _retrieved(future: asyncio.Future) -> None:
    if not future.cancelled():
        future.exception()


def _settle(futures: list[asyncio.Future], error: BaseException | None) -> None:
    for future in futures:
        if future.done():  # the connection that asked has gone away
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(None)
