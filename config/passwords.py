"""What a `[[people]] password_hash` must be to load: a hash strong enough to stand a stolen
site file, and one that can be checked at all (a garbled line is refused at start, naming the
person, not found out at their first sign-in).

    scrypt$N$r$p$salt$hash          N a power of two from 2^14 (new hashes: 2^17) to 2^20,
                                    r 8-32, p 1-16, salt >= 16 bytes, hash >= 32 bytes
    pbkdf2_sha256$i$salt$hash       i >= 600,000 iterations (OWASP 2023), same salt and hash

Salt and hash are URL-safe base64. The limits at the top keep a hash's cost (memory
128·N·r bytes, time) within what one sign-in may take on an office PC."""

from __future__ import annotations

import base64
import binascii

SCRYPT_N = (2**14, 2**20)
SCRYPT_R = (8, 32)
SCRYPT_P = (1, 16)
PBKDF2_ITERATIONS = 600_000
SALT_BYTES, HASH_BYTES = 16, 32


def problem(stored: str) -> str | None:
    """None for a hash that loads; else what is wrong with it, in words for the admin."""
    kind, *params = stored.split("$")
    if kind == "scrypt":
        return _scrypt(params)
    if kind == "pbkdf2_sha256":
        return _pbkdf2(params)
    return "must start with scrypt$ or pbkdf2_sha256$"


def _scrypt(params: list[str]) -> str | None:
    if len(params) != 5 or not all(p.isdigit() for p in params[:3]):
        return "must be scrypt$N$r$p$salt$hash"
    n, r, p = map(int, params[:3])
    if n & (n - 1) or not SCRYPT_N[0] <= n <= SCRYPT_N[1]:
        return f"scrypt N={n} must be a power of two from 2^14 to 2^20 (new hashes use 2^17)"
    if not SCRYPT_R[0] <= r <= SCRYPT_R[1] or not SCRYPT_P[0] <= p <= SCRYPT_P[1]:
        return f"scrypt r={r}, p={p} must be r 8-32 and p 1-16"
    return _salt_and_hash(params[3:])


def _pbkdf2(params: list[str]) -> str | None:
    if len(params) != 3 or not params[0].isdigit():
        return "must be pbkdf2_sha256$iterations$salt$hash"
    if int(params[0]) < PBKDF2_ITERATIONS:
        iterations = int(params[0])
        return (f"PBKDF2 with {iterations:,} iteration{'s' if iterations != 1 else ''} is too weak: "
                f"at least {PBKDF2_ITERATIONS:,}")
    return _salt_and_hash(params[1:])


def _salt_and_hash(parts: list[str]) -> str | None:
    for what, text, least in (("salt", parts[0], SALT_BYTES), ("hash", parts[1], HASH_BYTES)):
        try:
            length = len(base64.urlsafe_b64decode(text.encode("ascii")))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            return f"its {what} is not URL-safe base64"
        if length < least:
            return f"its {what} has {length} bytes, at least {least} are needed"
    return None
