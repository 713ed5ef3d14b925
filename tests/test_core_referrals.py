"""The referral rule in the core: a partner with a desk here is a transfer, one outside a card."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.wire import errors
from server.core import Office
from server.core.events import as_dict
from server.core.model import DONE, SERVING, WAITING

from .conftest import examples, make_site
from .test_core_office import MIN, T0, draw, opened

PARTNERS = ("mbe", "sprachmittlung", "jobcenter")


@pytest.fixture
def office() -> Office:
    return Office(make_site(), always_open=True)


def at_counter(office: Office, service: str = "residence", counter: str = "5", lang: str = "fa"):
    draw(office, service, lang=lang)
    opened(office, counter)
    return office.next(counter=counter, now=T0 + MIN)[1]


def test_an_outside_partner_is_a_card_and_the_visit_goes_on(office):
    ticket = at_counter(office)
    events, same = office.refer(counter="5", partners=["jobcenter"], front=False, now=T0 + 2 * MIN)
    assert same is ticket and ticket.referrals == ["jobcenter"]
    assert [e.kind for e in events] == ["ticket_referred"]
    assert as_dict(events[0]) | {"at": 0} == {"kind": "ticket_referred", "at": 0, "number": "A001", "partner": "jobcenter",
                                     "service": "residence", "lang": "fa", "desk": False, "counter": "5"}
    assert office.desks["5"].current == "A001"          # the clerk still finishes the visit
    office.finish(counter="5", outcome="referred", now=T0 + 3 * MIN)
    assert ticket.state == DONE and ticket.referrals == ["jobcenter"]


def test_a_partner_desk_here_is_a_transfer_with_the_same_number(office):
    draw(office, "counselling")                          # someone already waits at the desk
    ticket = at_counter(office)
    events, _ = office.refer(counter="5", partners=["mbe"], front=False, now=T0 + 2 * MIN)
    assert [e.kind for e in events] == ["ticket_referred", "ticket_transferred"]
    assert ticket.number == "A001" and ticket.service == "counselling" and ticket.state == WAITING
    assert list(office.waiting["counselling"]) == ["M001", "A001"]   # its place by issue time
    assert office.desks["5"].current is None


def test_at_the_front_if_the_clerk_says_so(office):
    draw(office, "counselling")
    ticket = at_counter(office)
    office.refer(counter="5", partners=["mbe"], front=True, now=T0 + 2 * MIN)
    opened(office, "mbe", at=T0 + 3 * MIN)
    assert office.next(counter="mbe", now=T0 + 4 * MIN)[1] is ticket


def test_a_desk_and_cards_at_once_keep_the_clerks_order(office):
    ticket = at_counter(office)
    events, _ = office.refer(counter="5", partners=["jobcenter", "mbe", "jobcenter", "sprachmittlung"],
                             front=False, now=T0 + 2 * MIN)
    assert [(e.kind, getattr(e, "partner", None)) for e in events] == [
        ("ticket_referred", "jobcenter"), ("ticket_referred", "mbe"), ("ticket_referred", "sprachmittlung"),
        ("ticket_transferred", None)]
    assert ticket.referrals == ["jobcenter", "mbe", "sprachmittlung"] and ticket.service == "counselling"


def test_what_cannot_be_referred_changes_nothing(office):
    with pytest.raises(errors.NoCurrentTicket):
        opened(office, "5").refer(counter="5", partners=["jobcenter"], front=False, now=T0)
    ticket = at_counter(office)
    with pytest.raises(errors.UnknownPartner, match="unknown partner 'caritas' \\(expected one of mbe, "):
        office.refer(counter="5", partners=["jobcenter", "caritas"], front=False, now=T0 + 2 * MIN)
    with pytest.raises(errors.BadRequest, match="at least one partner"):
        office.refer(counter="5", partners=[], front=False, now=T0 + 2 * MIN)
    assert ticket.referrals == [] and office.take_journal()[-1].kind == "ticket_called"


def test_two_desks_at_once_are_refused():
    data_site = make_site()
    site = type(data_site)(**{**data_site.__dict__, "partners": data_site.partners + (
        type(data_site.partners[0])(id="caritas", names={"de": "Caritas"}, helps={"de": "Beratung"},
                                    service="info"),)})
    office = Office(site, always_open=True)
    at_counter(office)
    with pytest.raises(errors.BadRequest, match="one partner's desk at a time, not at mbe and caritas"):
        office.refer(counter="5", partners=["mbe", "caritas"], front=False, now=T0 + 2 * MIN)


def test_a_served_visitor_can_be_referred_and_replay_rebuilds_the_cards(office):
    ticket = at_counter(office)
    office.start(counter="5", now=T0 + 2 * MIN)
    assert ticket.state == SERVING
    office.refer(counter="5", partners=["sprachmittlung", "jobcenter"], front=False, now=T0 + 3 * MIN)
    replayed = Office(office.site, always_open=True)
    for event in office.take_journal():
        replayed.apply(event)
    assert replayed.tickets["A001"].referrals == ["sprachmittlung", "jobcenter"]


@settings(max_examples=examples(30), deadline=None)
@given(st.lists(st.sampled_from(PARTNERS), min_size=1, max_size=5), st.booleans())
def test_any_choice_refers_each_partner_once_and_moves_only_for_a_desk(chosen, front):
    office = Office(make_site(), always_open=True)
    ticket = at_counter(office)
    events, _ = office.refer(counter="5", partners=chosen, front=front, now=T0 + 2 * MIN)
    referred = [e.partner for e in events if e.kind == "ticket_referred"]
    assert referred == list(dict.fromkeys(chosen)) == ticket.referrals
    assert ticket.service == ("counselling" if "mbe" in chosen else "residence")
    assert (ticket.state == WAITING) == ("mbe" in chosen)
