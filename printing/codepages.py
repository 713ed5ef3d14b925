"""Which code pages a ticket may use on a printer profile, and under which `ESC t` number.

python-escpos takes a profile's pages from escpos-printer-db (its `capabilities.json`) and,
where a profile lists one encoding under several numbers, keeps the last, i.e. the highest
(`escpos.capabilities.Profile.get_code_pages` turns `{number: name}` into `{name: number}`).
For the POS-5890 (58 mm) that sends `ESC t 52` for CP437, 54 (CP852), 59 (CP866), 60 (CP855),
61 (CP857), 71 (CP1252), 73 (CP1251) ...: numbers from one community table for that printer
series, which cites no vendor document (escpos-printer-db's `POS-5890` entry; the AK912
command sheet proposed in mike42/escpos-php#809 numbers differently), on printers sold under
many names. A printer that reads the number otherwise prints the ticket in the wrong letters.

The rule here, so every page sent can be traced to a source:

1. A page is used under a number only where the profile's own table and Epson's `ESC t`
   table agree. Epson's table is escpos-printer-db's `default` profile ("suitable for
   standards-compliant or Epson-branded printers", from Epson's ESC/POS reference: `ESC t`,
   "Select character code table"). For Epson's own profiles (TM-T20II ...) that is their
   table, taken from Epson's technical reference of that model.
2. Of several agreeing numbers, the lowest; python-escpos' own encoder searches "code pages
   in lower ESCPOS slots first. Presumably, they are more likely to be supported"
   (`escpos.magicencode.Encoder.find_suitable_encoding`).

For the POS-5890 that leaves 0 CP437, 1 CP932, 2 CP850, 3 CP860, 4 CP863, 5 CP865,
16 CP1252, 17 CP866, 18 CP852 and 19 CP858 — the numbers a "POS-58" printer's own self-test
page shows (escpos-printer-db issue #47, ZJ-5870: tables 0-5 and 16-18 as above). German,
French, English and Turkish print as text (Turkish through CP850 and CP852: ı ş ğ), Russian
through CP866 (17); Ukrainian's і, which only the disputed numbers would carry there, makes its
lines raster, like Arabic: a bigger ticket, never a wrong letter. Every page a profile will use is on the printer test page
(`willkommen-kiosk printer-test`), so an office sees in one minute whether its printer agrees.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from printing.library import escpos

STANDARD = "default"   # escpos-printer-db's profile with Epson's ESC t numbers


@cache
def _table(profile: str) -> dict[int, str]:
    """A profile's `ESC t` table as escpos-printer-db has it: number -> encoding."""
    return {int(number): name for number, name in escpos().get_profile(profile).codePages.items() if name != "Unknown"}


def code_pages(profile: str) -> dict[str, int]:
    """Encoding -> `ESC t` number for the pages a ticket may use on `profile` (the rule above)."""
    standard = _table(STANDARD)
    pages: dict[str, int] = {}
    for number, name in sorted(_table(profile).items()):
        if standard.get(number) == name and name not in pages:
            pages[name] = number
    return pages


def encoder(profile: str) -> Any:
    """python-escpos' encoder (`escpos.magicencode.Encoder`) over `code_pages(profile)` only
    (`magic_encode_args`)."""
    return escpos().Encoder(code_pages(profile))
