"""People who sign in: managers and team leaders, not terminals.

Accounts live in the site config (`[[people]]`: name, role, password hash). A password is
stored only as an scrypt hash (`willkommen-server people hash` asks for one and prints the
line to paste); PBKDF2-SHA256 hashes are accepted too. Signing in gives a random session id
in a cookie (HttpOnly, SameSite=Strict, Secure under TLS) that expires after the site's
`manager.session_minutes`; signing out forgets it. Sessions live in the server's memory, and
the cookie carries the name and end of its session signed with a key made from the site
file's secrets (the people's password hashes and the terminals' tokens): after a restart a
cookie whose signature holds is taken up again (a clerk's counter page reconnects without a new
sign-in), and a changed password or token ends every session. A sign-out is kept in the
office's store until the cookie's end (a hash of the session id: `signed_out_key`, table
`signed_out`), so a cookie signed out before a restart (copied, or kept by a browser that missed
the sign-out) is refused after it too.

Wrong passwords are throttled by name and address, and forgiven over time; a person signing
in from a place they used before is never locked out by a stranger elsewhere
(`server.manager.lockout`, whose limits are the site file's `[limits] signin_*`). An unknown
name costs as much time as a known one.

A `reader` looks; a `supervisor` may also act (`may_act`). Every action a supervisor takes
is an event whose `by` names them (`stamp`).
"""

from __future__ import annotations

import base64
import functools
import getpass
import hashlib
import hmac
import re
from hashlib import sha256
import secrets
import sys
import termios
import time
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any, Callable, Iterable

from config import Site
from config.site import Person

from server.core.events import Event
from server.manager.lockout import Lockout, Throttled

__all__ = ["People", "SignedIn", "Throttled", "check_password", "cookie_value", "hash_password"]

COOKIE = "willkommen_session"
UNTIL = re.compile(r"[0-9]{1,12}")  # a session cookie's end, in seconds since 1970
DEMO_PASSWORDS = {"manager": "demo-manager", "reader": "demo-reader", "anna": "demo-anna", "ben": "demo-ben"}  # public: printed in the README
SCRYPT = {"n": 2**17, "r": 8, "p": 1}  # OWASP's choice: 128 MiB and ~0.3 s a check (2^14 hashes still verify)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """`scrypt$n$r$p$salt$hash`: what `[[people]] password_hash` holds."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, maxmem=_maxmem(SCRYPT["n"], SCRYPT["r"]), **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    """True when `password` matches the stored scrypt or PBKDF2-SHA256 hash (constant time)."""
    kind, *params, salt, expected = stored.split("$")
    salt_bytes, expected_bytes = base64.urlsafe_b64decode(salt), base64.urlsafe_b64decode(expected)
    if kind == "scrypt":
        n, r, p = map(int, params)
        digest = hashlib.scrypt(password.encode(), salt=salt_bytes, n=n, r=r, p=p, dklen=len(expected_bytes),
                                maxmem=_maxmem(n, r))
    else:  # pbkdf2_sha256
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt_bytes, int(params[0]), len(expected_bytes))
    return hmac.compare_digest(digest, expected_bytes)


def _maxmem(n: int, r: int) -> int:
    return 128 * n * r * 2 + 2**20


@dataclass
class SignedIn:
    """A person's session: who, their role, when it ends."""

    name: str
    role: str
    expires_at: float
    lang: str = "de"  # the staff pages' language; the board names languages and services in it (`Person.lang`)
    counters: tuple[str, ...] = ()  # the counters they may staff in the browser (`Person.counters`)
    id: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def may_act(self) -> bool:
        return self.role == "supervisor"

    @property
    def may_register(self) -> bool:
        """Whether they may register a caller for the lottery at the board's desk form: a
        reader (the staff council) only looks, and would write a visitor's personal data."""
        return self.role != "reader"


class People:
    """Sign-in, sessions and throttling for one site."""

    def __init__(self, site: Site, *, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time, signed_out: Iterable[str] = ()):
        # `clock` times intervals (locks, session lifetimes): a monotonic one, so a wall-clock
        # step (NTP, a VM resumed) neither ends every session nor unlocks a throttled name;
        # `wall` only dates a cookie for a restart (the monotonic clock starts anew)
        self.site, self.clock, self.wall = site, clock, wall
        self.key = sha256("\0".join(["willkommen-session", *(p.password_hash for p in site.people),
                                      *(t.token for t in site.terminals)]).encode()).digest()
        self.sessions: dict[str, SignedIn] = {}
        self.ended: set[str] = set()  # signed out or expired in this run: never taken up again
        self.signed_out = set(signed_out)  # `signed_out_key`s of sign-outs before this start (the store's)
        self.lockout = Lockout(site.limits, {person.name.lower() for person in site.people})

    def attempt(self, name: str, *, address: str) -> None:
        """Before a password is checked: raise `Throttled` while a count that applies to this
        name and address is locked, else count the try as wrong until `signed_in` proves it
        right (so tries sent in parallel are all counted)."""
        self.lockout.check(name, address, self.clock())

    def verify(self, name: str, password: str) -> Person | None:
        """The person if the password is theirs (slow on purpose: run it in a thread). An unknown
        name is checked against a dummy hash so it takes as long as a known one."""
        person = self.site.person(name.strip().lower())
        right = check_password(password, person.password_hash if person else self._dummy())
        return person if right and person is not None else None

    def signed_in(self, person: Person | None, name: str, *, address: str) -> SignedIn | None:
        """After `verify`: a new session for the right password (and the try forgiven)."""
        if person is None:
            return None
        self.lockout.right(name, address, self.clock())
        minutes = self.site.manager.session_minutes * 60
        session = SignedIn(person.name, person.role, self.clock() + minutes, lang=person.lang,
                           counters=person.counters)
        session.id = self._signed(secrets.token_urlsafe(24), person.name, int(self.wall() + minutes))
        self.sessions[session.id] = session
        return session

    def sign_in(self, name: str, password: str, *, address: str) -> SignedIn | None:
        """All three steps at once (for tests and tools; the server runs `verify` in a thread)."""
        self.attempt(name, address=address)
        return self.signed_in(self.verify(name, password), name, address=address)

    def _dummy(self) -> str:
        """What an unknown name is checked against: a hash as costly as the site's first person's
        (a 2^17 dummy beside 2^14 hashes would tell the names that exist by their speed)."""
        first = next((person.password_hash for person in self.site.people
                      if person.password_hash.startswith("scrypt$")), None)
        params = tuple(map(int, first.split("$")[1:4])) if first else (SCRYPT["n"], SCRYPT["r"], SCRYPT["p"])
        return _dummy_hash(params)

    def sign_out(self, session_id: str) -> tuple[str, float] | None:
        """End the session; return what the store keeps of it (`signed_out_key`, the cookie's
        end in wall-clock seconds) so no restart takes it up again, None for an id that is not
        a signed cookie's."""
        self.sessions.pop(session_id, None)
        self.ended.add(session_id)
        until = session_id.split("~")[2] if session_id.count("~") == 3 else ""
        return (signed_out_key(session_id), float(until)) if until.isdigit() else None

    def session(self, session_id: str | None) -> SignedIn | None:
        """The live session of that id, or None (unknown or expired: then it is forgotten)."""
        session = self.sessions.get(session_id or "") or self._taken_up(session_id or "")
        if session is not None and session.expires_at <= self.clock():
            del self.sessions[session.id]
            self.ended.add(session.id)
            return None
        return session

    def _signed(self, nonce: str, name: str, until: int) -> str:
        body = f"{nonce}~{name}~{until}"
        return f"{body}~{_b64(hmac.new(self.key, body.encode(), sha256).digest()[:18])}"

    def _taken_up(self, session_id: str) -> SignedIn | None:
        """A session from before a restart, if its cookie's signature holds and it has not ended."""
        parts = session_id.split("~")
        # the end as this server writes it (seconds, ASCII digits): a forged cookie's 5,000-digit
        # end raised in int() (a 500 and a traceback in the log for each request, from anyone)
        if len(parts) != 4 or not UNTIL.fullmatch(parts[2]) or session_id in self.ended \
                or signed_out_key(session_id) in self.signed_out:
            return None
        nonce, name, until, _ = parts
        if not hmac.compare_digest(self._signed(nonce, name, int(until)), session_id):
            return None
        person, left = self.site.person(name), int(until) - self.wall()
        if person is None or left <= 0:
            return None
        session = SignedIn(person.name, person.role, self.clock() + left, lang=person.lang,
                           counters=person.counters, id=session_id)
        self.sessions[session_id] = session
        return session

    def from_headers(self, headers: Any) -> SignedIn | None:
        """The session a request's Cookie header names (HTTP or the websocket upgrade)."""
        return self.session(session_cookie(headers.get("Cookie", "")))

    def cookie(self, session: SignedIn | None, *, secure: bool) -> str:
        """The Set-Cookie value that holds (or, for None, clears) a session."""
        value, age = (session.id, int(session.expires_at - self.clock())) if session else ("", 0)
        return f"{COOKIE}={value}; Path=/; Max-Age={age}; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")


def signed_out_key(session_id: str) -> str:
    """How the store names a signed-out session: a hash, worth nothing as a cookie."""
    return sha256(session_id.encode()).hexdigest()


def session_cookie(header: str) -> str | None:
    return cookie_value(header, COOKIE)


def cookie_value(header: str, name: str) -> str | None:
    cookies = SimpleCookie()
    try:
        cookies.load(header)
    except CookieError:
        return None
    morsel = cookies.get(name)
    return morsel.value if morsel else None


def stamp(events: list[Event], who: SignedIn) -> list[Event]:
    """Name the supervisor on the events their action caused. The events are the journal's
    own, not yet committed (the writer commits after the command returns), so the name
    is stored with them; the queue core ignores the field (but for announcements)."""
    for event in events:
        event.by = who.name
    return events


def public_passwords(site: Site) -> list[str]:
    """The people of `site` whose password is one the README prints for the demo office."""
    return [person.name for person in site.people
            if person.name in DEMO_PASSWORDS and check_password(DEMO_PASSWORDS[person.name], person.password_hash)]


@functools.cache
def _dummy_hash(params: tuple[int, int, int]) -> str:
    n, r, p = params
    salt, password = secrets.token_bytes(16), secrets.token_bytes(16)
    digest = hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, dklen=32, maxmem=_maxmem(n, r))
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def main(argv: list[str] | None = None, *, prog: str = "python -m server.manager.people") -> int:
    """`willkommen-server people hash` (or `python -m server.manager.people hash`): ask for a
    password twice at a terminal (or read one line piped in, for scripts: `printf '%s\\n' "$PW" |
    … hash`), print the line for the site file. Said in the staff's words (`[cli.people]`),
    English with `--lang en`: status 2 for a wrong call, 1 for no usable password."""
    from config.command import StaffParser, Words, command_lang

    argv = sys.argv[1:] if argv is None else argv
    words = Words(command_lang(argv))
    if argv[:1] != ["hash"]:  # the group's only command: its usage line (`server.cli.usage`'s way)
        helping = bool(argv) and argv[0] in ("--help", "-h")
        print(words("usage.people", prog=prog), file=sys.stdout if helping else sys.stderr)
        return 0 if helping else 2
    parser = StaffParser(prog=f"{prog} hash", lang=words.lang, description=words("people.hash"))
    parser.parse_args(argv[1:])
    password, problem = _password(words)
    if problem is None and len(password) < 10:
        problem = words("people.short", least=10)
    if problem is not None:
        print(f"{parser.prog}: {problem}", file=sys.stderr)
        return 1
    print(f'password_hash = "{hash_password(password)}"')
    return 0


def _password(words: Any) -> tuple[str, str | None]:
    """The password and, if there is none, why: typed twice at a terminal, else stdin's first line."""
    if not sys.stdin.isatty():  # piped in: getpass would ask a terminal there is none of, or fail
        line = sys.stdin.readline()
        return (line.rstrip("\r\n"), None) if line.strip() else ("", words("people.none_piped"))
    try:
        password = getpass.getpass(words("people.prompt"))
        again = getpass.getpass(words("people.again"))
    except (EOFError, KeyboardInterrupt, OSError, termios.error):  # Ctrl-D, Ctrl-C, a terminal gone
        return "", words("people.none")
    return (password, None) if password == again else ("", words("people.differ"))


if __name__ == "__main__":
    raise SystemExit(main())
