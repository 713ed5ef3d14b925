"""Shared fixtures: the demo site, a real server on 127.0.0.1 with a temporary SQLite file,
and terminals connected to it through the real client session."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import pytest
import pytest_asyncio
from hypothesis import Phase, settings

try:
    from config import default_path, parse_site
    from server.edge.app import Server
    from server.wire.session import ClientSession
except ImportError as exc:  # a forbidden import that closed a circle: say which house rule it breaks
    from .test_import_rules import everything_broken  # reads the source with ast, imports nothing of ours
    raise ImportError(f"{exc}\n\nThe import rules (tests/test_import_rules.py) broken:\n{everything_broken()}") from exc

from .postgres import Cluster

ROOT = Path(__file__).resolve().parent.parent

# A test server may take up to 110 s for an HTTP answer (the HTTP helpers wait 120), not an
# office's 60: the monthly report's PDF took 61-82 s at a load of 12-16 with three workers, and
# what the report tests assert is its pages, not its speed (bench --only report measures that).
import server.edge.app  # noqa: E402
server.edge.app.OPEN_TIMEOUT = 110.0


# The property tests try the same examples on every run and every machine (`derandomize`): a
# run that passes here passes in CI, and a failure there is one anyone can repeat. Two landings
# were lost to an example drawn for the first time in CI. To search for new failing examples,
# run with WILLKOMMEN_EXPLORE=1 (random examples, as Hypothesis's default), and pin what it
# finds with `@example`. No example has a deadline: tests assert no timings (bench/ measures),
# and a loaded machine made Hypothesis's default 200 ms a failure of its own.
settings.register_profile("repeatable", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile("explore" if os.environ.get("WILLKOMMEN_EXPLORE") else "repeatable")
if os.environ.get("WILLKOMMEN_MUTATION"):  # a mutant is killed by any failing example: no shrinking
    settings.register_profile("mutation", phases=[Phase.explicit, Phase.reuse, Phase.generate], database=None,
                              derandomize=True, deadline=None)
    settings.load_profile("mutation")


def examples(n: int) -> int:
    """How many hypothesis examples a property test tries: a tenth under mutation testing
    (`tools/mutate.py` sets WILLKOMMEN_MUTATION), where it runs once per mutant."""
    return max(10, n // 10) if os.environ.get("WILLKOMMEN_MUTATION") else n


def demo_data() -> dict:
    return tomllib.loads(default_path().read_text(encoding="utf-8"))


def make_site(**site_overrides):
    """The bundled demo office, with `[site]` keys overridden (tests draw fast: no rate limit)."""
    data = demo_data()
    data["site"].update({"kiosk_draws_per_minute": 100_000, **site_overrides})
    return parse_site(data, file="default.toml")


def token(terminal: str) -> str:
    return make_site().terminal(terminal).token


@pytest.fixture
def site():
    return make_site()


@pytest.fixture
async def server(tmp_path, site):
    server = Server(site, tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


@pytest.fixture
def url(server) -> str:
    return f"ws://127.0.0.1:{server.port}/"


@pytest.fixture
async def terminal(url):
    """`await terminal("counter-5")` -> a welcomed ClientSession; all closed at the end."""
    sessions = []

    async def open_session(terminal_id: str = "", role: str | None = None, **options) -> ClientSession:
        role = role or make_site().terminal(terminal_id).role
        session = ClientSession(url, role=role, terminal=terminal_id,
                                token=token(terminal_id) if terminal_id else "", **options)
        sessions.append(session)
        session.start()
        await session.ready()
        return session

    yield open_session
    for session in sessions:
        await session.close()


@pytest.fixture(scope="session")
def postgres_cluster():
    """One throwaway PostgreSQL for the whole session (tests/postgres.py), started when a test
    first asks for it and stopped at the end."""
    cluster = Cluster()
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_db(request, tmp_path):
    """The office's database on each backend: an SQLite file, then a fresh PostgreSQL database
    (its URL). `server.store.open_store` and `--db` take either."""
    if request.param == "sqlite":
        return tmp_path / "o.sqlite3"
    return request.getfixturevalue("postgres_cluster").database()


class ServerProcess:
    """`python -m server` in its own process on a free port, its log drained by a thread."""

    def __init__(self, db: Path, *extra: str, open_files: int | None = None):
        limit = ["prlimit", f"--nofile={open_files}:{open_files}"] if open_files else []  # util-linux
        self.proc = subprocess.Popen([*limit, sys.executable, "-m", "server", "--port", "0", "--db", str(db), *extra],
                                     cwd=ROOT, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})
        self.pid, self.port, self.log = self.proc.pid, None, []
        for line in self.proc.stderr:
            self.log.append(line)
            entry = json.loads(line) if line.startswith("{") else {}
            if entry.get("msg") == "serving":
                self.port = entry["port"]
                break
        self.drain = threading.Thread(target=lambda: self.log.extend(self.proc.stderr), daemon=True)
        self.drain.start()
        if self.port is None:
            raise RuntimeError(f"server did not start (exit {self.wait()}): {''.join(self.log)}")

    def wait(self, timeout: float = 10) -> int:
        code = self.proc.wait(timeout)
        self.drain.join(timeout) if hasattr(self, "drain") else None
        self.proc.stderr.close()
        return code

    def stop(self) -> int:
        self.proc.terminate()
        return self.wait()


def always_open_config(tmp_path: Path) -> Path:
    """The demo office's file without opening hours (no hours: always open) or rate limit."""
    text = re.sub(r"\[site\.opening_hours\][^\[]*", "", default_path().read_text(encoding="utf-8"))
    text = text.replace("kiosk_draws_per_minute = 30", "kiosk_draws_per_minute = 100000")
    path = tmp_path / "always-open.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def http_get(url: str) -> tuple[int, dict, bytes]:
    """GET from a thread (the server runs on this test's event loop): status, headers, body."""
    import urllib.error
    import urllib.request

    def get():
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    return await asyncio.to_thread(get)


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest_asyncio.fixture(scope="module")
async def module_chromium():
    """Debian's headless Chromium driven by Playwright (never a downloaded browser), one per test
    module: starting Playwright's driver and Chromium takes a second or more of a loaded 2-core
    machine, and the page tests would pay it each (the loop is the module's, pyproject.toml)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def browser(module_chromium):
    """The module's Chromium for one test: every context and page the test opened is closed after
    it, so the next test starts as in a fresh browser (no cookie, no page, no socket left)."""
    before = set(module_chromium.contexts)
    yield module_chromium
    for context in module_chromium.contexts:
        if context not in before:
            await context.close()


VISITORS = ROOT / "tests" / "sites" / "visitors"
EVERY_SCRIPT = ("ti", "ps", "prs", "kmr", "so")   # beside the demo's eight: Ethiopic, Arabic, Latin


def visitors_site(**site_overrides):
    """The demo office with Kurmanji and Somali too, added the way the README tells an office:
    one file each in a `strings/` folder beside the site (tests/sites/visitors), with their
    words and the office's texts, and the tags in site.languages."""
    data = demo_data()
    data["site"]["languages"] += ["kmr", "so"]
    data["site"].update({"kiosk_draws_per_minute": 100_000, **site_overrides})
    return parse_site(data, file="visitors.toml", folder=VISITORS)


def noon_clock(site):
    """Today's noon in the site's time zone, running on from there: a server whose test needs
    time left in its day (a banner until an hour from now) passes at 23:30 too."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    start = time.time()
    noon = datetime.now(ZoneInfo(str(site.timezone))).replace(hour=12, minute=0, second=0, microsecond=0).timestamp()
    return lambda: noon + (time.time() - start)


@pytest.fixture
async def visitors_server(tmp_path):
    """A real server for the office with every script's language (`visitors_site`), at noon."""
    site = visitors_site()
    server = Server(site, tmp_path / "office.sqlite3", always_open=True, clock=noon_clock(site))
    await server.start("127.0.0.1", 0)
    yield server
    await server.stop()


# ---- the fast subset: `pytest -m fast`, its files named and its promise held in tests/fast.py --
from .fast import fast_guard, mark_fast  # noqa: E402,F401  (a fixture: pytest finds it here)
from .order import file_order  # noqa: E402


def pytest_collection_modifyitems(config, items):
    mark_fast(items)
    items[:] = file_order(items)  # the longest files first (tests/order.py)
