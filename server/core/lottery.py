"""The fair-access lottery: who gets the day's places. Pure: no I/O, no clock, no randomness of
its own (the seed is passed in), so anyone holding the published file reproduces the result.

**Identity.** A person is their passport name and birth date, as a keyed hash
(`identity(secret, name, birth_date)`: HMAC-SHA256 with the site's secret), so the office keeps
no name beyond the day and nobody without the secret can test a name against the hashes. The
name is normalised first, so that one person typing their name a little differently is still
one person: Unicode NFKC, case folded, diacritics dropped (é → e, Arabic vowel marks dropped),
every run of non-letters a separator, and the parts in sorted order, joined ("Al-Hassan,
Ahmad" and "ahmad alhassan" are one identity). Transliterations (Mohammed / Muhammad) are
not one: the counter compares the passport.

**The draw** (`draw`), per service, deterministic from the seed, the entries (sorted by their
public key), their weights, the contingent and the urgent share:

1. the urgent lane: at most ⌊share × places⌋ places go to urgent entries (a permit about to
   expire), ranked among themselves by the weighted lottery below;
2. everyone not placed so far (urgent ones too) is ranked by the weighted lottery, and the first
   take the remaining places; the others, in that order, are the waiting list for no-shows.

The weighted lottery is Efraimidis and Spirakis' sampling without replacement: each entry
draws u in (0, 1) from HMAC-SHA256(seed, lane|service|key) and is ranked by −ln(u) ÷ weight,
smallest first (ties: the key). An entry of weight 3 has three times the odds of weight 1 in
every round, and a higher weight only ever moves an entry up (`test_access_lottery`).
A weight is 1 plus the days an identity registered and won nothing; a place resets it.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Mapping, Sequence

from server.wire.access import latin_letters, shown_as_is

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U to misread
CODE_LENGTH = 8
MIN_LETTERS = 2


# ---- identity ------------------------------------------------------------------------------------

def normalise_name(name: str) -> str:
    """The name as the identity key reads it (see the module's docstring); "" without letters."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = unicodedata.normalize("NFKC", text)
    parts = "".join(c if c.isalnum() else " " for c in text).split()
    return "".join(sorted(parts))


def has_name(name: str) -> bool:
    """At least two letters once normalised, and only Latin letters: what `register` accepts."""
    return latin_letters(name) and sum(c.isalpha() for c in normalise_name(name)) >= MIN_LETTERS


def birth_date(text: str, day: str) -> str | None:
    """`text` as YYYY-MM-DD if it is a real date after 1900 and not after `day`; else None."""
    try:
        found = date.fromisoformat(text.strip())
    except ValueError:
        return None
    if len(text.strip()) != 10 or not date(1900, 1, 1) <= found <= date.fromisoformat(day):
        return None
    return found.isoformat()


def identity(secret: bytes, name: str, born: str) -> str:
    """The keyed hash of a person: who may hold one entry a day."""
    return hmac.new(secret, f"{normalise_name(name)}\n{born}".encode(), hashlib.sha256).hexdigest()


def contact_key(secret: bytes, contact: str) -> str:
    """The keyed hash of a contact (its digits with a leading +, or the e-mail address in lower
    case): how many entries one phone holds is counted without keeping the number."""
    return hmac.new(secret, f"contact\n{normal_contact(contact)}".encode(), hashlib.sha256).hexdigest()


def address_key(secret: bytes, address: str) -> str:
    """The keyed hash of the network address a web entry came from: its entries a day are
    counted (and kept over a restart, until the next day) without keeping the address."""
    return hmac.new(secret, f"address\n{address}".encode(), hashlib.sha256).hexdigest()


def normal_contact(contact: str) -> str:
    text = contact.strip()
    if "@" in text:
        return text.casefold()
    digits = "".join(c for c in text if c.isdigit())
    return ("+" if text.startswith("+") else "") + digits


def plain_contact(contact: str) -> str:
    """The contact stripped, with any script's digits as 0-9: a number typed in Arabic-Indic or
    Persian digits (the info desk's form, a raw frame) reaches the SMS gateway as digits it
    knows, and a family's phone counts once however its digits were typed."""
    return "".join(_digit(c) for c in contact.strip())


def _digit(c: str) -> str:
    value = unicodedata.decimal(c, None)
    return str(value) if value is not None else c


def channel(contact: str) -> str:
    """"sms", "email" or "" (none, or not a number or an address: one with a control character,
    such as a line break that would go into an e-mail's header, is neither)."""
    text = contact.strip()
    if not text or not shown_as_is(text):
        return ""
    if "@" in text:
        local, _, host = text.rpartition("@")
        return "email" if local and "." in host and " " not in text else ""
    digits = sum(c.isdigit() for c in text)
    allowed = all(c.isdigit() or c in "+ -/()" for c in text)
    return "sms" if allowed and 6 <= digits <= 15 else ""


def public_key(entry: str) -> str:
    """The entry as the published file names it: SHA-256 of the visitor's secret entry key, so
    a visitor finds themselves in the list and nobody else learns their key."""
    return hashlib.sha256(entry.encode()).hexdigest()


def seed_hash(seed: str) -> str:
    """What is published when the window opens: SHA-256 of the seed's bytes (the seed is hex)."""
    return hashlib.sha256(bytes.fromhex(seed)).hexdigest()


def entries_hash(public_keys: Iterable[str]) -> str:
    """What is published when the window closes: SHA-256 of the entries' public keys, sorted,
    one a line. Kept by anyone who fetched it then, it shows an entry added after the close."""
    return hashlib.sha256("\n".join(sorted(public_keys)).encode()).hexdigest()


MAX_WITNESS = 40  # characters a witness's words may have


def witness_words(text: str) -> str | None:
    """A witness's words as the draw mixes them in: stripped, inner spaces as one, 1 to
    `MAX_WITNESS` printable characters; None for anything else."""
    words = " ".join(text.split())
    if not 0 < len(words) <= MAX_WITNESS or not words.isprintable():
        return None
    return words


def draw_seed(seed: str, entries: str, witness: str | None) -> str:
    """The seed the draw ranks by. Without a witness, the seed kept since the window opened.
    With one, HMAC-SHA256(seed, "witness\n" + entries hash + "\n" + the words): the office
    holds the seed from the opening, but the witness's words come only after the close, so
    nobody can know before the close who will win, unless office and witness act together."""
    if witness is None:
        return seed
    return hmac.new(bytes.fromhex(seed), f"witness\n{entries}\n{witness}".encode(), hashlib.sha256).hexdigest()


def code(key: bytes, day: str, entry: str) -> str:
    """A place's check-in code: keyed by the site's secret, so the same draw gives the same codes
    and nobody can make one up."""
    digest = hmac.new(key, f"code\n{day}\n{entry}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    letters = []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, len(CODE_ALPHABET))
        letters.append(CODE_ALPHABET[digit])
    return "L" + "".join(letters)


# ---- the draw ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Entry:
    key: str        # the public key (`public_key`)
    service: str
    urgent: bool
    weight: int     # 1 + earlier days without a place


@dataclass(frozen=True, slots=True)
class Place:
    key: str
    service: str
    urgent: bool    # placed through the urgent lane


@dataclass(frozen=True, slots=True)
class Result:
    places: tuple[Place, ...]   # per service (sorted), in the order drawn
    rest: tuple[str, ...]       # everyone else, per service, in the order drawn: the waiting list


def urgent_places(places: int, share: float) -> int:
    return math.floor(places * share + 1e-9)


def draw(seed: str, entries: Iterable[Entry], contingent: Mapping[str, int], urgent_share: float) -> Result:
    """The day's places: see the module's docstring. Entries of a service without contingent get
    no place (they stay in `rest`)."""
    by_service: dict[str, list[Entry]] = {}
    for entry in sorted(entries, key=lambda e: e.key):
        by_service.setdefault(entry.service, []).append(entry)
    places: list[Place] = []
    rest: list[str] = []
    key = bytes.fromhex(seed)
    for service in sorted(by_service):
        pool = by_service[service]
        n = max(0, contingent.get(service, 0))
        lane = rank(key, "urgent", service, [e for e in pool if e.urgent])[:urgent_places(n, urgent_share)]
        chosen = {e.key for e in lane}
        ranked = rank(key, "all", service, [e for e in pool if e.key not in chosen])
        general = ranked[:n - len(lane)]
        places += [Place(e.key, service, True) for e in lane] + [Place(e.key, service, False) for e in general]
        rest += [e.key for e in ranked[n - len(lane):]]
    return Result(tuple(places), tuple(rest))


def rank(seed: bytes, lane: str, service: str, entries: Sequence[Entry]) -> list[Entry]:
    """The weighted lottery's order of `entries`, first drawn first."""
    keyed = hmac.new(seed, digestmod=hashlib.sha256)  # the key's pads once, copied per entry (2x faster)
    prefix = f"{lane}|{service}|".encode()
    return sorted(entries, key=lambda e: (_score(keyed, prefix, e), e.key))


def score(seed: bytes, lane: str, service: str, entry: Entry) -> float:
    """−ln(u) ÷ weight, u from HMAC-SHA256(seed, lane|service|key): smaller is drawn first."""
    return _score(hmac.new(seed, digestmod=hashlib.sha256), f"{lane}|{service}|".encode(), entry)


def _score(keyed: "hmac.HMAC", prefix: bytes, entry: Entry) -> float:
    mac = keyed.copy()
    mac.update(prefix + entry.key.encode())
    u = ((int.from_bytes(mac.digest()[:8], "big") >> 11) + 0.5) / 2.0**53  # in (0, 1), never 0 or 1
    return -math.log(u) / max(1, entry.weight)


# ---- the time windows ------------------------------------------------------------------------------

def windows(spans: Sequence[tuple[float, float]], minutes: int, count: int) -> list[tuple[float, float]]:
    """`count` time windows for the places of one service, in the order drawn: contiguous
    windows of `minutes` fill the opening `spans`, and the places are spread evenly over them
    (the first drawn come first). A span shorter than a window is one window."""
    if count <= 0:
        return []
    length = minutes * 60.0
    slots: list[tuple[float, float]] = []
    for start, end in spans:
        t = start
        while t + length <= end + 1e-6:
            slots.append((t, t + length))
            t += length
        if t == start and end > start:
            slots.append((start, end))
    if not slots:
        return []
    return [slots[i * len(slots) // count] for i in range(count)]


# ---- checking a published draw -----------------------------------------------------------------

def verify(proof: Mapping) -> list[str]:
    """Recompute a published draw (`server.access.proof`): the differences, [] if it matches."""
    problems = []
    seed = str(proof.get("seed", ""))
    try:
        if seed_hash(seed) != proof.get("seed_hash"):
            problems.append("the seed does not match the seed hash published when the window opened")
    except ValueError:
        return ["the file holds no seed (the draw has not been made yet?)"]
    entries = [Entry(str(e["entry"]), str(e["service"]), bool(e["urgent"]), int(e["weight"]))
               for e in proof.get("entries", [])]
    listed = entries_hash(e.key for e in entries)
    committed = proof.get("entries_hash")
    if committed is not None and listed != committed:
        problems.append("the entries differ from the list committed when the window closed (entries_hash)")
    witness = proof.get("witness")
    result = draw(draw_seed(seed, listed, None if witness is None else str(witness)), entries, {str(k): int(v) for k, v in proof.get("contingent", {}).items()},
                  float(proof.get("urgent_share", 0.0)))
    published = [(str(p["entry"]), str(p["service"]), bool(p["urgent"])) for p in proof.get("places", [])]
    drawn = [(p.key, p.service, p.urgent) for p in result.places]
    for i, (ours, theirs) in enumerate(zip(drawn, published)):
        if ours != theirs:
            problems.append(f"place {i + 1}: the file says {theirs[0][:12]}… ({theirs[1]}), "
                            f"the draw gives {ours[0][:12]}… ({ours[1]})")
    if len(drawn) != len(published):
        problems.append(f"the file lists {len(published)} places, the draw gives {len(drawn)}")
    if list(result.rest) != [str(k) for k in proof.get("rest", [])]:
        problems.append("the waiting list (rest) differs from the draw's order")
    return problems
