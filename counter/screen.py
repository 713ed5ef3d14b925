"""What the clerk's screen says, computed once for both counters.

The Textual counter shows it in the terminal; for the counter in the browser the server folds
the same messages into a `Board` and sends the page this screen (`screen(...)`, a `screen`
frame, server/manager/counter_screens.py), so the page holds no sentence of its own: the
visitor at the desk, the queues (what N can call: not the visitors transferred to another
counter; those sent here from services this counter does not serve in a row of their own),
parked and handled tickets, and the entries of every dialog, all in the clerk's language.
"""

from __future__ import annotations

from typing import Any

from server.wire import protocol as p

from counter import referral
from counter.board import Board, Words

Segment = tuple[str, str]   # (text, emphasis): "", "strong", "need" (the interpreter note) or "registered"


def counter_name(board: Board) -> str:
    info = board.counter_info(board.counter)
    return info.name if info else board.counter or "?"


def current_lines(board: Board, words: Words, now: float) -> list[list[Segment]]:
    """The visitor at the desk, line by line (empty: nobody)."""
    ticket = board.current
    if ticket is None:
        return []
    timezone = board.site.timezone if board.site else "Europe/Berlin"
    appointment = words.appointment(ticket, timezone)
    first: list[Segment] = [(ticket.number, "strong"), (words(f"state.{ticket.state}"), "")]
    if ticket.recalls:
        first.append((f"({words('panel.recalls', count=ticket.recalls)})", ""))
    if appointment:
        first.append((appointment, "strong"))
    language: list[Segment] = [(words("panel.language", language=words.language(ticket.lang)), "strong")]
    if ticket.interpreter:
        language.append((words.interpreter(ticket) or "", "need"))
    registered: list[list[Segment]] = []
    if board.person is not None:  # a place won by lot: the name it was registered with, to compare
        registered = [[(words.registered(board.person), "registered")],
                      [(words("registered.compare", refused=words("registered.refused")), "")]]
    return [first, *registered, [(words.service(board, ticket.service), "")], language,
            [(words.waited(ticket, now), "")], [(words("panel.why", reason=words.reason(board, ticket)), "")]]


MARKUP = {"": "{}", "strong": "[b]{}[/b]", "need": "[b reverse]{}[/b reverse]",
          "registered": "[b reverse]{}[/b reverse]"}


def current_text(board: Board, words: Words, now: float) -> str:
    """The visitor at the desk as Textual markup: the bold is ours, every text from outside escaped."""
    from textual.markup import escape  # the terminal counter's only: the server folds `screen()` without Textual
    lines = current_lines(board, words, now)
    if not lines:
        return escape(words("panel.nobody"))
    return "\n".join("   ".join(MARKUP[style].format(escape(text)) for text, style in line) for line in lines)


def handled_text(board: Board, words: Words) -> str:
    return "  ".join(f"{number} {text}" for number, text in handled(board, words)) or "–"


def documents(board: Board, words: Words) -> str:
    """"Mitzubringen: …" for the visitor at the desk ("" if the service lists nothing)."""
    ticket = board.current
    service = board.service(ticket.service) if ticket else None
    listed = (service.documents.get(words.lang) or service.documents.get("de") or []) if service else []
    return words("counterpage.documents", documents=", ".join(listed)) if listed else ""


def queue_rows(board: Board, words: Words) -> list[list[str]]:
    """The queues the clerk's N draws from: service, waiting (for this counter), longest wait,
    estimate, the interpreters needed by name and by tag (the terminal's narrow form)."""
    rows = []
    for service in board.my_services:
        queue = board.queues.get(service)
        rows.append([words.service(board, service), str(board.waiting_for_me(service)),
                     words("panel.minutes", minutes=round(board.longest_for_me(service) / 60)),
                     words.eta(queue), words.interpreters(queue), words.interpreters(queue, short=True)])
    if board.sent_here():
        rows.append([words("panel.sent_here"), str(board.sent_here()),
                     words("panel.minutes", minutes=round(board.sent_here_longest() / 60)), "", "", ""])
    return rows


def queue_headers(words: Words) -> list[str]:
    return [*(words(f"panel.{c}") for c in ("service", "waiting", "longest", "estimate")), words.interpreter_column()]


def transfer_choices(board: Board, words: Words) -> list[tuple[str, str]]:
    """The transfer dialog's entries, each saying where the visitor would be called: a service
    with the counters open for it now ("geöffnet: Schalter 2, 4" or "kein Schalter geöffnet"),
    a counter with its state (a closed one is refused by the server: only it calls a visitor
    sent to it). A pause shows as "in Pause", never its reason."""
    site = board.site
    choices = [(f"service:{s.id}", f"{words('dialog.to_service')}: {words.service(board, s.id)} · "
                f"{service_open(board, words, s.id)}") for s in (site.services if site else [])]
    return choices + [(f"counter:{c.id}", f"{words('dialog.to_counter')}: {c.name} · "
                       f"{words('dialog.target_' + board.desk_state(c.id))}")
                      for c in (site.counters if site else []) if c.id != board.counter]


def service_open(board: Board, words: Words, service: str) -> str:
    names = [info.name for c in board.open_for(service) if (info := board.counter_info(c))]
    return words("dialog.service_open", counters=", ".join(names)) if names else words("dialog.service_none")


def outcome_choices(board: Board, words: Words) -> list[tuple[str, str]]:
    """The ways a visit ends; for a place won by lot also "not the registered person" (sent as
    `refuse_identity`, which the server counts apart)."""
    outcomes = board.site.outcomes if board.site else {}
    found = [(key, names.get(words.lang) or names.get("de", key)) for key, names in outcomes.items()]
    return found + ([(p.IDENTITY_REFUSED, words("registered.refused"))] if board.person is not None else [])


def service_choices(board: Board, words: Words) -> list[tuple[str, str]]:
    info = board.counter_info(board.counter)
    return [(s, words.service(board, s)) for s in (info.services if info else [])]


def parked_choices(board: Board, words: Words) -> list[tuple[str, str]]:
    return [(t.number, f"{t.number}  {words.service(board, t.service)}")
            for t in (board.desk.parked if board.desk else [])]


def targets(board: Board, words: Words) -> dict[str, str]:
    """Where a transfer can send the visitor, by the dialog's value: "Schalter 9", a service."""
    site = board.site
    named = {f"service:{s.id}": words.service(board, s.id) for s in (site.services if site else [])}
    return named | {f"counter:{c.id}": words.transfer_target(board, "counter", c.id) for c in (site.counters if site else [])}


def handled(board: Board, words: Words) -> list[tuple[str, str]]:
    """Today's handled tickets, the latest first: (number, how it left the desk)."""
    return [(t.number, words.handled(board, t)) for t in reversed(board.desk.handled if board.desk else [])]


def screen(board: Board, words: Words, now: float) -> dict[str, Any]:
    """Everything the counter page shows, as JSON-able data in the clerk's words."""
    timezone = board.site.timezone if board.site else "Europe/Berlin"
    ticket: p.TicketView | None = board.current
    return {
        "title": words("title", counter=counter_name(board)),
        "state": words.state(board.desk, timezone),
        "desk": board.desk.state if board.desk else "closed",   # closed | open | paused (a code, for scripts)
        "paused": bool(board.desk and board.desk.state == "paused"),
        "current": None if ticket is None else {"number": ticket.number, "state": ticket.state,
                                                "recalls": ticket.recalls,
                                                "lines": current_lines(board, words, now)[1:],
                                                "head": current_lines(board, words, now)[0][1:],
                                                "documents": documents(board, words)},
        "nobody": words("panel.nobody"),
        "headers": queue_headers(words),
        # a row per service N draws from (its id: the page's tests find it), the last one the
        # visitors sent here from other services ("sent-here")
        "queues": [[service, *row[:5]] for service, row in
                   zip([*board.my_services, "sent-here"], queue_rows(board, words))],
        "parked": [t.number for t in (board.desk.parked if board.desk else [])],
        "handled": handled(board, words),
        "choices": {"transfer": transfer_choices(board, words), "refer": referral.choices(board, words),
                    "finish": outcome_choices(board, words), "open": service_choices(board, words),
                    "open_now": list(board.my_services), "takeback": parked_choices(board, words)},
        "targets": targets(board, words),
        "partners": {x.id: referral.name(x, words) for x in (board.site.partners if board.site else [])},
        "outside": [x.id for x in (board.site.partners if board.site else []) if not x.service],
    }
