"""SMS through a real Kannel: Debian's bearerbox and smsbox, with kannel-extras' fakesmsc as
the SMS centre (tests/gateways.py), started once for this module. The running server posts;
what the SMS centre received is decoded and compared with what was written (Arabic and
Tigrinya as UCS-2, a two-part text joined again); Kannel's delivery reports come back to the
server's `/messages/dlr` and make the message `delivered`; a number no SMSC routes fails; while
smsbox is down messages wait, are tried again, and arrive when it is back, also after the
server restarted in between; while the SMS centre (the provider) is away Kannel keeps them."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from config.messages import Messages
from server.edge.app import Server

from .conftest import make_site
from .gateways import Kannel, until

ARABIC = "مكانك اليوم: 10:30–11:00. الرمز K7M4Q2. أدخله في الجهاز عند وصولك."
TIGRINYA = "ናይ ሎሚ ቦታኹም: 10:30–11:00። ኮድ K7M4Q2። ምስ በጻሕኩም ኣብቲ መሳርሒ ኣእትውዎ።"
LONG = "ቁጽሪ A017: ተራኹም ኣስታት ድሕሪ 20 ደቒቕ እዩ (3 ቅድሜኹም)። በጃኹም ሕጂ ተመለሱ። " * 2  # two parts


@pytest.fixture(scope="module")
def kannel():
    gateway = Kannel().start()
    yield gateway
    gateway.stop()


def settings(kannel: Kannel) -> Messages:
    return Messages(sendsms_url=kannel.sendsms_url, sendsms_user="office", sendsms_password="kannel-secret",
                    sms_from="Amt", retry_seconds=0.1, retry_max_seconds=0.3)


async def running(kannel: Kannel, db) -> Server:
    server = Server(replace(make_site(), messages=settings(kannel)), db, always_open=True)
    await server.start("127.0.0.1", 0)
    return server


def received_by(kannel: Kannel, number: str) -> list[str]:
    return [sms.text for sms in kannel.received() if sms.to == number]


async def test_arabic_and_tigrinya_arrive_as_written_and_are_reported_delivered(kannel, tmp_path):
    server = await running(kannel, tmp_path / "o.sqlite3")
    try:
        outbox = server.outbox
        outbox.post(to="0151 1000 0001", channel="sms", lang="ar", text=ARABIC, ref="won:ar")
        outbox.post(to="+49 151 1000 0002", channel="sms", lang="ti", text=TIGRINYA, ref="won:ti")
        outbox.post(to="0049151 10000003", channel="sms", lang="ti", text=LONG, ref="near:ti")
        await until(lambda: all(outbox.state(r) == "delivered" for r in ("won:ar", "won:ti", "near:ti")),
                    what=lambda: [outbox.message(r) for r in ("won:ar", "won:ti", "near:ti")])
    finally:
        await server.stop()
    assert received_by(kannel, "+4915110000001") == [ARABIC]
    assert received_by(kannel, "+4915110000002") == [TIGRINYA]
    assert received_by(kannel, "+4915110000003") == [LONG]
    assert {sms.sender for sms in kannel.received()} == {"Amt"}


async def test_a_number_no_smsc_routes_fails_with_kannels_answer(kannel, tmp_path):
    server = await running(kannel, tmp_path / "o.sqlite3")
    try:
        server.outbox.post(to="+999 123 456 789", channel="sms", lang="de", text="Heute kein Platz.", ref="r1")
        await until(lambda: server.outbox.state("r1") == "failed")
        detail = server.outbox.message("r1").detail  # sendsms's answer or the report, whichever came first
        assert "Not routable" in detail or detail == "not delivered (by the SMSC): NACK/no SMSC"
    finally:
        await server.stop()
    assert received_by(kannel, "+999123456789") == []


async def test_while_smsbox_is_down_messages_wait_and_arrive_once_it_is_back(kannel, tmp_path):
    server = await running(kannel, tmp_path / "o.sqlite3")
    kannel.stop_smsbox()
    try:
        server.outbox.post(to="0151 2000 0001", channel="sms", lang="ar", text=ARABIC, ref="offered:ar")
        await until(lambda: server.outbox.message("offered:ar").tries >= 2)
        assert server.outbox.state("offered:ar") == "waiting"
        assert "Kannel not reached" in server.outbox.message("offered:ar").detail
        assert received_by(kannel, "+4915120000001") == []
    finally:
        kannel.start_smsbox()
    try:
        await until(lambda: server.outbox.state("offered:ar") == "delivered")
    finally:
        await server.stop()
    assert received_by(kannel, "+4915120000001") == [ARABIC]


async def test_an_sms_waiting_when_the_server_stops_goes_out_after_its_restart(kannel, tmp_path):
    db = tmp_path / "o.sqlite3"
    kannel.stop_smsbox()
    try:
        server = await running(kannel, db)
        server.outbox.post(to="0151 3000 0001", channel="sms", lang="ti", text=TIGRINYA, ref="won:ti")
        await until(lambda: server.outbox.message("won:ti").tries >= 1)
        await server.stop()
    finally:
        kannel.start_smsbox()
    again = await running(kannel, db)
    try:
        await until(lambda: again.outbox.state("won:ti") == "delivered")
    finally:
        await again.stop()
    assert received_by(kannel, "+4915130000001") == [TIGRINYA]


async def test_while_the_provider_is_away_kannel_keeps_the_sms_and_the_report_comes_when_it_is_back(kannel, tmp_path):
    """The SMS centre gone (the provider's outage): Kannel takes the message (sent), keeps it
    in its queue, delivers it when the centre is back, and its report makes it delivered."""
    server = await running(kannel, tmp_path / "o.sqlite3")
    kannel.stop_smsc()
    try:
        server.outbox.post(to="0151 4000 0001", channel="sms", lang="ti", text=TIGRINYA, ref="won:ti")
        await until(lambda: server.outbox.state("won:ti") == "sent")
        await asyncio.sleep(0.5)
        assert received_by(kannel, "+4915140000001") == [] and server.outbox.state("won:ti") == "sent"
    finally:
        kannel.start_smsc()
    try:
        await until(lambda: server.outbox.state("won:ti") == "delivered", timeout=30)
    finally:
        await server.stop()
    assert received_by(kannel, "+4915140000001") == [TIGRINYA]
