"""What the network's port says to a person, in the staff catalogue's words (`[network.answer]`):
the refusals an office's admin reads after "Es sagt:" (`willkommen-server network send|publish|…`,
the floor board) and the plain pages a coordinator's browser gets. German; English where the
office's command was asked for English (`--lang en`: it sends `Accept-Language: en`, `lang_of`)
or the page was (`?lang=en`, a person's `lang`). A refusal's JSON carries the sentence as `error`
and its key as `why`, for a program to tell refusals apart whatever the language.
"""

from __future__ import annotations

from server.manager.words import StaffWords


def lang_of(headers: dict[str, str]) -> str:
    """`en` when the request's first language is English (`Accept-Language: en`), else `de`."""
    first = headers.get("accept-language", "").split(",")[0].split(";")[0].strip().lower()
    return "en" if first.split("-")[0] == "en" else "de"


def said(lang: str, why: str, /, **fields) -> str:
    return StaffWords(lang)(f"network.answer.{why}", **fields)
