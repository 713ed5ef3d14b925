"""The outbox with a real SMTP server (aiosmtpd on 127.0.0.1): e-mail in the visitor's
language arrives as written; a refused recipient fails; a server that is down or says "later"
makes the message wait and try again, also across a restart; nothing is sent twice for one
ref; a channel that is off records only; yesterday's addresses are gone. On SQLite and on
PostgreSQL (`store_db`)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import pytest

from config.messages import Messages
from server.messages import Outbox
from server.store import open_store

from .conftest import http_get, make_site
from .gateways import SmtpServer, free_port, until

FAST = Messages(smtp_tls="none", mail_from="Ausländerbehörde <termine@amt.example>", retry_seconds=0.05,
                retry_max_seconds=0.2)
ARABIC = "مكانك اليوم: 10:30–11:00. الرمز K7M4Q2. أدخله في الجهاز عند وصولك."
TIGRINYA_SUBJECT = "ቤት ጽሕፈት: ምብጻሕኩም"


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


def settings(port: int, **more) -> Messages:
    return replace(FAST, smtp_host="127.0.0.1", smtp_port=port, **more)


def prepared(db) -> None:
    """The office's store made the database first (as the server does before the outbox)."""
    open_store(db, timezone="Europe/Berlin").close()


async def started(db, messages: Messages, **options) -> Outbox:
    from server.messages.mail import Smtp
    outbox = Outbox(messages, db, timezone="Europe/Berlin",
                    gateways={"email": Smtp(messages)} if messages.email else {}, **options)
    await outbox.start()
    return outbox


def rows(db) -> list[tuple]:
    store = open_store(db, timezone="Europe/Berlin")
    try:
        return store.query("SELECT ref, state, address, tries FROM outbox ORDER BY posted_at")
    finally:
        store.close()


async def test_an_arabic_email_arrives_as_written_and_is_recorded_sent(store_db, smtp):
    prepared(store_db)
    outbox = await started(store_db, settings(smtp.port))
    outbox.post(to="amira@example.org", channel="email", lang="ar", text=ARABIC, subject=TIGRINYA_SUBJECT,
                ref="won:e1")
    await until(lambda: outbox.state("won:e1") == "sent")
    await outbox.stop()
    [mail] = smtp.mailbox.mails
    assert mail["Subject"] == TIGRINYA_SUBJECT
    assert mail.get_content().strip() == ARABIC
    assert mail["To"] == "amira@example.org"
    assert mail["From"].addresses[0].display_name == "Ausländerbehörde"
    assert mail["Content-Language"] == "ar"
    assert rows(store_db) == [("won:e1", "sent", "amira@example.org", 1)]


async def test_a_refused_recipient_fails_with_what_the_server_said(tmp_path, smtp):
    db = tmp_path / "o.sqlite3"
    prepared(db)
    outbox = await started(db, settings(smtp.port))
    outbox.post(to="nobody@example.org", channel="email", lang="de", text="Heute kein Platz.", ref="r1")
    await until(lambda: outbox.state("r1") == "failed")
    assert "550" in outbox.message("r1").detail
    assert smtp.mailbox.mails == []
    await outbox.stop()


async def test_a_server_saying_later_is_tried_again_until_it_takes_the_message(tmp_path, smtp):
    db = tmp_path / "o.sqlite3"
    prepared(db)
    outbox = await started(db, settings(smtp.port))
    outbox.post(to="full@example.org", channel="email", lang="en", text="A place is free: come now.", ref="r1")
    await until(lambda: outbox.message("r1").tries >= 2)
    assert outbox.state("r1") == "waiting" and "452" in outbox.message("r1").detail
    smtp.mailbox.full = False
    await until(lambda: outbox.state("r1") == "sent")
    assert [m["To"] for m in smtp.mailbox.mails] == ["full@example.org"]
    await outbox.stop()


async def test_messages_wait_while_the_server_is_down_and_go_out_after_a_restart(store_db):
    """Posted while nothing listens; the server (the outbox) restarts; the SMTP server comes
    back: the message arrives, once."""
    prepared(store_db)
    port = free_port()
    outbox = await started(store_db, settings(port))
    outbox.post(to="visitor@example.org", channel="email", lang="uk", text="Ваше місце сьогодні: 10:30–11:00.",
                subject="Ваш візит", ref="won:e2")
    await until(lambda: outbox.message("won:e2").tries >= 2)
    assert outbox.state("won:e2") == "waiting" and "not reached" in outbox.message("won:e2").detail
    await outbox.stop()
    assert rows(store_db)[0][:2] == ("won:e2", "waiting")

    smtp = SmtpServer(port).start()
    try:
        again = await started(store_db, settings(port))
        await until(lambda: again.state("won:e2") == "sent")
        again.post(to="visitor@example.org", channel="email", lang="uk", text="again", ref="won:e2")  # known ref
        await asyncio.sleep(0.3)
        await again.stop()
    finally:
        smtp.stop()
    assert [m["Subject"] for m in smtp.mailbox.mails] == ["Ваш візит"]
    assert rows(store_db)[0][:2] == ("won:e2", "sent")


async def test_many_posted_at_once_let_the_other_tasks_in_and_are_all_written(tmp_path):
    """A draw's outcome to everyone: the loop is let go between groups of 500, and every
    message is written (in transactions of 200)."""
    db = tmp_path / "o.sqlite3"
    prepared(db)
    outbox = await started(db, Messages())
    others = 0

    async def terminal():  # another task of the server, waiting for its turn meanwhile
        nonlocal others
        while True:
            others += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(terminal())
    await asyncio.sleep(0)
    before = others
    refs = await outbox.post_many({"to": f"v{i}@example.org", "channel": "email", "lang": "tr", "ref": f"not_drawn:{i}",
                                   "text": "Bugün size yer çıkmadı."} for i in range(1001))
    turns = others - before
    task.cancel()
    await outbox.saved()
    await outbox.stop()
    assert turns == 2  # after the 500th and the 1000th
    assert sorted(r[0] for r in rows(db)) == sorted(refs) and len(set(refs)) == 1001


async def test_a_message_not_out_in_time_is_given_up(tmp_path):
    db = tmp_path / "o.sqlite3"
    prepared(db)
    now = [1_780_000_000.0]
    outbox = await started(db, settings(free_port(), give_up_minutes=30), clock=lambda: now[0])
    outbox.post(to="visitor@example.org", channel="email", lang="de", text="Bitte jetzt kommen.", ref="r1")
    await until(lambda: outbox.message("r1").tries >= 1)
    assert outbox.state("r1") == "waiting"
    now[0] += 31 * 60
    await until(lambda: outbox.state("r1") == "failed")
    assert outbox.message("r1").detail.startswith("not sent in time (1 tries; the last: SMTP server 127.0.0.1 not reached")
    await outbox.stop()


async def test_come_now_is_not_sent_once_its_time_has_passed(tmp_path, smtp):
    """A place offered until 10:30 and the mail server down until after it: failed unsent, as
    is a message posted too late to begin with; one in time goes out."""
    db = tmp_path / "o.sqlite3"
    prepared(db)
    now = [1_780_000_000.0]
    outbox = await started(db, settings(smtp.port), clock=lambda: now[0])
    outbox.post(to="late@example.org", channel="email", lang="ar", text="تعال الآن", ref="offered:late",
                valid_until=now[0] - 1)
    outbox.post(to="soon@example.org", channel="email", lang="ar", text="تعال الآن", ref="offered:soon",
                valid_until=now[0] + 600)
    await until(lambda: outbox.state("offered:soon") == "sent")
    assert outbox.state("offered:late") == "failed" and outbox.message("offered:late").detail == "not sent in time (0 tries)"
    await outbox.stop()
    assert [m["To"] for m in smtp.mailbox.mails] == ["soon@example.org"]

    down = await started(db, settings(free_port()), clock=lambda: now[0])
    down.post(to="v@example.org", channel="email", lang="ar", text="تعال الآن", ref="offered:down", valid_until=now[0] + 600)
    await until(lambda: down.message("offered:down").tries >= 1)
    now[0] += 601
    await until(lambda: down.state("offered:down") == "failed")
    await down.stop()


async def test_an_address_that_is_none_fails_at_once_and_a_channel_that_is_off_records_only(tmp_path):
    db = tmp_path / "o.sqlite3"
    prepared(db)
    outbox = await started(db, Messages())  # no [messages]: both channels off
    outbox.post(to="not an address", channel="email", lang="de", text="x", ref="bad")
    outbox.post(to="0151 2345 6789", channel="sms", lang="ar", text=ARABIC, ref="off")
    assert outbox.state("bad") == "failed" and outbox.message("bad").detail == "not an e-mail address"
    assert outbox.state("off") == "waiting" and outbox.message("off").address == "+4915123456789"
    assert outbox.state("unknown") == ""
    await outbox.stop()
    assert sorted(rows(db)) == [("bad", "failed", "not an address", 0), ("off", "waiting", "+4915123456789", 0)]


async def test_the_day_after_the_addresses_are_gone(store_db):
    """Whether the server runs through midnight or starts the next day."""
    prepared(store_db)
    now = [1_780_000_000.0]
    outbox = await started(store_db, Messages(), clock=lambda: now[0], day_check=0.05)
    outbox.post(to="visitor@example.org", channel="email", lang="de", text="x", ref="today")
    await outbox.saved()
    assert [r[0] for r in rows(store_db)] == ["today"]
    now[0] += 86_400
    await until(lambda: outbox.state("today") == "" and rows(store_db) == [])
    outbox.post(to="visitor@example.org", channel="email", lang="de", text="y", ref="tomorrow")
    await outbox.stop()
    now[0] += 86_400
    again = await started(store_db, Messages(), clock=lambda: now[0])
    assert again.state("tomorrow") == ""
    await again.stop()
    assert rows(store_db) == []


async def test_the_server_sends_through_its_site_file_and_answers_delivery_reports(tmp_path, smtp):
    """The running server builds its outbox from `[messages]`; Kannel's delivery report for
    a message nobody knows is a 404, never a change."""
    from server.edge.app import Server
    site = replace(make_site(), messages=settings(smtp.port))
    server = Server(site, tmp_path / "office.sqlite3", always_open=True)
    await server.start("127.0.0.1", 0)
    try:
        server.outbox.post(to="gast@example.org", channel="email", lang="fa", subject="مراجعهٔ شما",
                           text="نوبت امروز شما: 10:30–11:00.", ref="won:e3")
        await until(lambda: server.outbox.state("won:e3") == "sent")
        status, _, body = await http_get(f"http://127.0.0.1:{server.port}/messages/dlr?m=made-up&t=1")
        assert (status, body) == (404, b"no such message\n")
        server.outbox.post(to="nobody@example.org", channel="email", lang="fa", text="x", ref="bounced")
        server.outbox.post(to="0151 2345 6789", channel="sms", lang="fa", text="x", ref="no sms here")
        await until(lambda: server.outbox.state("bounced") == "failed")
        health = json.loads((await http_get(f"http://127.0.0.1:{server.port}/healthz"))[2])
        assert health["messages"] == {"email": {"on": True, "waiting": 0, "sent": 1, "delivered": 0, "failed": 1},
                                      "sms": {"on": False, "waiting": 1, "sent": 0, "delivered": 0, "failed": 0}}
    finally:
        await server.stop()
    assert smtp.mailbox.mails[0]["Subject"] == "مراجعهٔ شما"


@pytest.fixture(scope="module")
def authority():
    import trustme
    return trustme.CA()


def secure(authority, *, starttls: bool):
    """An SMTP server with the certificate of a test authority: STARTTLS with a login (the
    office's relay on 587), or TLS from the first byte (465); and a client context trusting it."""
    import ssl

    from aiosmtpd.smtp import AuthResult
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)

    def login(server, session, envelope, mechanism, data):
        return AuthResult(success=(data.login, data.password) == (b"termine", b"relay-secret"), handled=False)

    options = ({"tls_context": server_context, "require_starttls": True, "authenticator": login, "auth_required": True}
               if starttls else {"ssl_context": server_context})
    return SmtpServer(**options).start(), client_context


@pytest.mark.filterwarnings("ignore:Session.login_data is deprecated")  # aiosmtpd 1.4.6 warns on its own success
@pytest.mark.parametrize("password, sent", [("relay-secret", True), ("wrong", False)])
async def test_starttls_and_a_login_and_a_wrong_password_makes_messages_wait(tmp_path, authority, password, sent):
    from server.messages.mail import Smtp
    db = tmp_path / "o.sqlite3"
    prepared(db)
    smtp, context = secure(authority, starttls=True)
    try:
        messages = settings(smtp.port, smtp_tls="starttls", smtp_user="termine", smtp_password=password)
        outbox = Outbox(messages, db, timezone="Europe/Berlin", gateways={"email": Smtp(messages, context=context)})
        await outbox.start()
        outbox.post(to="gast@example.org", channel="email", lang="ps", text="نن ستاسو ځای: 10:30–11:00.", ref="r1")
        if sent:
            await until(lambda: outbox.state("r1") == "sent", what=lambda: outbox.message("r1"))
        else:  # the office's own setting: the visitor's message waits for it to be put right
            await until(lambda: outbox.message("r1").tries >= 2)
            assert outbox.state("r1") == "waiting" and outbox.message("r1").detail.startswith("SMTP login as termine refused: 535")
        await outbox.stop()
    finally:
        smtp.stop()
    assert len(smtp.mailbox.mails) == int(sent)


async def test_smtps_from_the_first_byte(tmp_path, authority):
    from server.messages.mail import Smtp
    db = tmp_path / "o.sqlite3"
    prepared(db)
    smtp, context = secure(authority, starttls=False)
    try:
        messages = settings(smtp.port, smtp_tls="tls")
        outbox = Outbox(messages, db, timezone="Europe/Berlin", gateways={"email": Smtp(messages, context=context)})
        await outbox.start()
        outbox.post(to="gast@example.org", channel="email", lang="ru", text="Ваше место сегодня.", ref="r1")
        await until(lambda: outbox.state("r1") == "sent")
        await outbox.stop()
    finally:
        smtp.stop()
    assert smtp.mailbox.mails[0].get_content() == "Ваше место сегодня."


async def test_a_lost_database_session_is_opened_again_and_nothing_is_lost(postgres_cluster):
    """PostgreSQL ends the outbox's session (a restart, a failover): the next group opens a
    new one; the messages posted meanwhile are written."""
    import psycopg
    db = postgres_cluster.database()
    prepared(db)
    outbox = await started(db, Messages())
    outbox.post(to="a@example.org", channel="email", lang="de", text="x", ref="before")
    await outbox.saved()
    with psycopg.connect(db, autocommit=True) as admin:
        ended = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                              "datname = current_database() AND application_name LIKE 'willkommen outbox%%'"
                              ).fetchone()[0]
    assert ended == 1
    outbox.post(to="b@example.org", channel="email", lang="de", text="y", ref="after")
    await until(lambda: [r[0] for r in rows(db)] == ["before", "after"], timeout=20)
    await outbox.stop()


async def test_a_table_of_the_first_version_gets_the_new_column_and_its_rows_still_go_out(tmp_path, smtp):
    import sqlite3
    import time as clock
    from datetime import datetime
    from zoneinfo import ZoneInfo
    db = tmp_path / "o.sqlite3"
    prepared(db)
    with sqlite3.connect(db) as conn:  # as the first version made it (no valid_until)
        conn.execute("CREATE TABLE outbox (ref text PRIMARY KEY, day text NOT NULL, channel text NOT NULL, "
                     "address text NOT NULL, lang text NOT NULL, subject text NOT NULL, text text NOT NULL, "
                     "posted_at real NOT NULL, state text NOT NULL, tries integer NOT NULL, next_at real NOT NULL, "
                     "done_at real NOT NULL, detail text NOT NULL, token text NOT NULL)")
        now = clock.time()
        conn.execute("INSERT INTO outbox VALUES ('old', ?, 'email', 'old@example.org', 'de', '', 'x', ?, 'waiting', "
                     "0, ?, 0, '', '')", [datetime.fromtimestamp(now, ZoneInfo("Europe/Berlin")).date().isoformat(), now, now])
    outbox = await started(db, settings(smtp.port))
    await until(lambda: outbox.state("old") == "sent")
    await outbox.stop()
    assert [m["To"] for m in smtp.mailbox.mails] == ["old@example.org"]


async def test_the_log_names_no_address(tmp_path, smtp, caplog):
    """The log outlives the day's contacts: what it says of a refused message names no one."""
    import logging
    db = tmp_path / "o.sqlite3"
    prepared(db)
    outbox = await started(db, settings(smtp.port))
    with caplog.at_level(logging.INFO, logger="willkommen.messages"):
        outbox.post(to="nobody@example.org", channel="email", lang="de", text="x", ref="r1")
        await until(lambda: outbox.state("r1") == "failed")
    await outbox.stop()
    assert "nobody@example.org" in outbox.message("r1").detail  # the day's record says whom
    said = [r.fields["why"] for r in caplog.records if r.getMessage() == "message failed"]
    assert said and all("nobody@example.org" not in why and "<address>" in why for why in said)
