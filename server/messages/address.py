"""A visitor's contact as the gateways take it: a mobile number in international form
(+4915112345678) or one plain e-mail address.

The registration accepts what people write ("0151 123 456 78", "+49 (151) 12345678",
"0049151…"); Kannel and the SMSC want "+" and digits. An address that is neither fails its
message at once with a clear reason (`check`), instead of bouncing around the gateways.
"""

from __future__ import annotations

import re

SEPARATORS = re.compile(r"[\s()/.-]")
INTERNATIONAL = re.compile(r"^\+[1-9][0-9]{6,14}$")   # E.164: at most 15 digits
ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
LOCAL = re.compile(rf"^{ATOM}(\.{ATOM})*$")  # RFC 5322's dot-atom, no quoted local parts
DOMAIN = re.compile(r"^(?=.{4,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,62}$")


def channel_of(contact: str) -> str:
    """"email" for something with an @, else "sms" (what the registration form offers)."""
    return "email" if "@" in contact else "sms"


def phone(text: str, country_code: str = "49") -> str | None:
    """The number in international form, or None when it is not one."""
    number = SEPARATORS.sub("", text.strip())
    if number.startswith("00"):
        number = "+" + number[2:]
    elif number.startswith("0"):
        number = f"+{country_code}{number[1:]}"
    return number if INTERNATIONAL.match(number) else None


def email(text: str) -> str | None:
    """One plain address (local@domain), or None. No display name, no line breaks: the text
    goes into a header. The local part in ASCII (what every relay takes), a domain in any
    script as its ASCII form (IDNA: bücher.example -> xn--bcher-kva.example). A regular
    expression, not `email.headerregistry` (64 us an address: 10,000 after a draw is 0.6 s)."""
    local, at, domain = text.strip().rpartition("@")
    if not at or not LOCAL.fullmatch(local):
        return None
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return f"{local}@{domain}" if DOMAIN.fullmatch(domain) else None


def check(channel: str, text: str, country_code: str = "49") -> tuple[str, str]:
    """(address, "") or (the text as given, why it cannot be sent)."""
    if channel == "sms":
        number = phone(text, country_code)
        return (number, "") if number else (text, "not a mobile phone number")
    found = email(text)
    return (found, "") if found else (text, "not an e-mail address")
