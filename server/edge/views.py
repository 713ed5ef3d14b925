"""What the core's objects look like on the wire: core types in, protocol structs out."""

from __future__ import annotations

from config import Site
from config.site import Partner

from server.wire import protocol as p
from server.core import Desk, Office, Ticket
from server.core.model import PARKED, WAITING, Booking


def ticket(t: Ticket, *, with_token: bool = False) -> p.TicketView:
    return p.TicketView(number=t.number, service=t.service, lang=t.lang, state=t.state,
                        issued_at=t.issued_at, called_at=t.called_at, counter=t.counter,
                        recalls=t.recalls, reason=t.reason, outcome=t.outcome, appointment_at=t.appointment_at,
                        interpreter=t.interpreter, token=t.token if with_token else None, target=t.target,
                        referrals=list(t.referrals))


def printed_estimate(t: Ticket) -> tuple[int, int] | None:
    """The range recorded with the draw, for the kiosk to print: the one the statistics
    measure (`server.manager.stats`), also on a retried draw. None once the ticket left the queue."""
    if t.eta_low is None or t.state != WAITING:
        return None
    return (t.eta_low, t.eta_high)


def booking(b: Booking) -> p.BookingView:
    return p.BookingView(booking=b.code, service=b.service, lang=b.lang, due_at=b.due_at, ticket=b.ticket)


def desk(office: Office, d: Desk, *, detail: bool = False, person: bool = False) -> p.DeskView:
    """A counter's state; `detail` adds its parked and handled tickets (for itself, not for
    every screen in the building), `person` the name and birth date its current visitor
    registered with for a place by lot (only ever for the counter itself: not for admins,
    the board or displays)."""
    current = office.tickets[d.current] if d.current else None
    view = p.DeskView(counter=d.id, state=d.state, services=list(d.services), pause_reason=d.pause_reason,
                      closes_at=d.closes_at, current=ticket(current) if current else None)
    if detail:
        view.parked = [ticket(t) for t in office.tickets.values() if t.state == PARKED and t.counter == d.id]
        view.handled = [ticket(office.tickets[n]) for n in d.handled]
        gone = set(d.handled)  # not the visitor still at the desk after a referral outside
        view.left = {n: p.LeftView(how=x.how, service=x.service, target=x.target, partners=list(x.partners))
                     for n, x in d.left.items() if n in gone and n != d.current}
    registered = office.registered_person(current) if person and current else None
    if registered is not None:
        view.person = p.PersonView(name=registered.name, birth_date=registered.birth_date)
    return view


def queue(office: Office, service: str, now: float) -> p.QueueView:
    info = office.queue_info(service, now)
    sent: dict[str, int] = {}
    sent_since: dict[str, float] = {}
    for ticket in office.directed.values():  # few: the tickets transferred to one counter, waiting
        if ticket.service == service and ticket.target is not None:
            sent[ticket.target] = sent.get(ticket.target, 0) + 1
            sent_since[ticket.target] = min(sent_since.get(ticket.target, now), ticket.issued_at)
    view = p.QueueView(service=service, waiting=info.waiting, longest_wait=round(info.longest_wait, 1),
                       eta=info.eta, interpreters=office.interpreters(service), sent=sent,
                       sent_longest={c: round(now - at, 1) for c, at in sent_since.items()})
    oldest = office.oldest_waiting(service)
    if sent_since and oldest is not None and min(sent_since.values()) <= oldest:
        # the first in line is one only its counter calls: every other counter's "longest" is
        # the longest of the rest (a review's clerk read "Wartend 0, Längste 5 min")
        rest = [t.issued_at for t in office.waiting[service].values() if t.target is None]
        view.longest_open = round(now - min(rest), 1) if rest else 0.0
    return view


def site(s: Site, *, partners: bool = True) -> p.SiteView:
    """The site as terminals see it; `partners` only for those that refer (counters, admins):
    a display or kiosk never needs them, and every byte of a welcome is paid per screen."""
    return p.SiteView(
        name=s.name, timezone=s.timezone, languages=list(s.languages), outcomes={k: dict(v) for k, v in s.outcomes.items()},
        public_url=s.public_url, retention_days=s.retention_days,
        services=[p.ServiceView(id=v.id, prefix=v.prefix, max_wait_minutes=v.max_wait_minutes, names=dict(v.names),
                                hints=dict(v.hints),
                                documents={k: list(d) for k, d in v.documents.items()}) for v in s.services],
        counters=[p.CounterInfo(id=c.id, name=c.name, zone=c.zone, direction=c.direction,
                                services=list(c.services)) for c in s.counters],
        partners=[partner(x) for x in s.partners] if partners else [], access=access(s))


def access(s: Site) -> p.AccessView | None:
    rules = s.access
    if not rules.enabled:
        return None
    return p.AccessView(services=list(rules.services), opens=f"{rules.opens:%H:%M}", closes=f"{rules.closes:%H:%M}",
                        draw_at=f"{rules.draw_at:%H:%M}", urgent_days=rules.urgent_days, same_day=rules.same_day)


def partner(x: Partner) -> p.PartnerView:
    return p.PartnerView(id=x.id, names=dict(x.names), helps=dict(x.helps), hours=dict(x.hours), service=x.service,
                         interprets=list(x.interprets), phone=x.phone, web=x.web, address=x.address, map=x.map)


def snapshot(office: Office, now: float, *, detail_for: str | None = None,
             person_for: str | None = None) -> p.Snapshot:
    """The whole office now; `detail_for` a counter id, or "*" for every counter (admins);
    `person_for` the one counter that sees its visitor's registered name (a counter's own)."""
    return p.Snapshot(day=office.day,
                      queues=[queue(office, s, now) for s in office.waiting],
                      desks=[desk(office, d, detail=detail_for in (d.id, "*"), person=d.id == person_for)
                             for d in office.desks.values()],
                      calls=[ticket(t) for t in office.last_calls()])


def snapshot_for(office: Office, now: float, role: str, counter: str | None) -> p.Snapshot:
    """The snapshot in a terminal's welcome: an admin sees every counter's detail, a counter
    its own, and its own visitor's registered name (fair access) -- no one else sees a name."""
    return snapshot(office, now, detail_for="*" if role == "admin" else counter,
                    person_for=counter if role == "counter" else None)


def called(office: Office, t: Ticket) -> p.Called:
    """The call as displays show and speak it: in German and in the visitor's language."""
    counter = office.site.counter(t.counter)
    texts = {lang: office.site.words(lang)["call.announcement"].format(number=t.number, counter=counter.name)
             for lang in dict.fromkeys(("de", t.lang, *office.site.announce_languages))}
    return p.Called(ticket=ticket(t), counter=counter.id, counter_name=counter.name, direction=counter.direction,
                    zone=counter.zone, recall=t.recalls, texts=texts)
