"""A visitor's contact as the gateways take it: a mobile number in international form
(+4915112345678) or one plain e-mail address.

The registration accepts what people write ("0151 123 456 78", "+49 (151) 12345678",
"0049151…"); Kannel and the SMSC want "+" and digits. An address that is neither fails its
message at once with a clear reason (`check`), instead of bouncing around the gateways.
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.headerregistry import Address

SEPARATORS = re.compile(r"[\s()/.-]")
INTERNATIONAL = re.compile(r"^\+[1-9][0-9]{6,14}$")   # E.164: at most 15 digits


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
    goes into a header."""
    text = text.strip()
    if not text or any(c in text for c in "\r\n<>,;\"") or text.count("@") != 1:
        return None
    try:
        parsed = Address(addr_spec=text)
    except (HeaderParseError, ValueError, IndexError):
        return None
    return parsed.addr_spec if parsed.domain and "." in parsed.domain and parsed.username else None


def check(channel: str, text: str, country_code: str = "49") -> tuple[str, str]:
    """(address, "") or (the text as given, why it cannot be sent)."""
    if channel == "sms":
        number = phone(text, country_code)
        return (number, "") if number else (text, "not a mobile phone number")
    found = email(text)
    return (found, "") if found else (text, "not an e-mail address")
