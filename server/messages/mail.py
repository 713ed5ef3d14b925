"""E-mail through the office's SMTP server, with the standard library's `smtplib` on the
outbox's gateway thread (a batch is one SMTP session).

Why `smtplib` in a thread and not `aiosmtplib`: a few hundred messages a day, sent in
batches, need no asyncio client; the outbox already hands every gateway call to a thread,
and one dependency fewer is one fewer to keep up to date on the office's server.

Subject and body are UTF-8 (the subject as RFC 2047 encoded words, the body base64); every value a message was composed from is text, never markup, and
a subject is one line (a line break in it could start a header of its own).

What the SMTP server answers decides: accepted → sent; a recipient refused with a 5xx
("550 no such user") → failed for good; a 4xx ("try later"), a refused sender, or a server
that cannot be reached → try again later (the outbox's back-off).
"""

from __future__ import annotations

import smtplib
import ssl
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from config.messages import Messages
from server.messages.table import FAILED, RETRY, SENT, Message

TIMEOUT = 30.0  # seconds for the connection and each command


def compose(message: Message, sender: str) -> MIMEText:
    """The e-mail. Built with the classic API (`MIMEText`, `Header`): the newer `EmailMessage`
    folds a long UTF-8 subject into encoded words and can lose the space where it splits
    (hypothesis found one: tests/test_messages_texts.py); `Header` keeps every character."""
    mail = MIMEText(message.text, "plain", "utf-8")
    name, mailbox = parseaddr(sender)
    mail["From"] = formataddr((name, mailbox), charset="utf-8")
    mail["To"] = message.address
    mail["Subject"] = Header(" ".join(message.subject.split()), "utf-8")  # type: ignore[assignment]  # the classic API takes one
    mail["Date"] = formatdate(message.posted_at, localtime=True)
    mail["Message-ID"] = make_msgid(domain=mailbox.rpartition("@")[2] or None)
    mail["Content-Language"] = message.lang
    mail["Auto-Submitted"] = "auto-generated"  # no out-of-office answers back to the office
    return mail


class Smtp:
    def __init__(self, settings: Messages, *, context: ssl.SSLContext | None = None):
        self.settings = settings
        self.context = context or ssl.create_default_context()

    def send(self, batch: list[Message]) -> list[tuple[str, str]]:
        try:
            session = self._connect()
        except smtplib.SMTPAuthenticationError as exc:  # the office's setting: messages wait for it
            return [(RETRY, f"SMTP login as {self.settings.smtp_user} refused: {exc.smtp_code} "
                            f"{_text(exc.smtp_error)} (smtp_user, smtp_password_env)")] * len(batch)
        except (OSError, smtplib.SMTPException) as exc:
            return [(RETRY, f"SMTP server {self.settings.smtp_host} not reached: {_said(exc)}")] * len(batch)
        answers: list[tuple[str, str]] = []
        try:
            for message in batch:
                answers.append(self._one(session, message))
                if answers[-1][1].startswith("connection lost"):
                    break
        finally:
            try:
                session.quit()
            except (OSError, smtplib.SMTPException):
                pass
        return answers + [(RETRY, "connection lost before it was sent")] * (len(batch) - len(answers))

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtp_tls == "tls":
            session: smtplib.SMTP = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=TIMEOUT, context=self.context)
        else:
            session = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT)
        try:
            if s.smtp_tls == "starttls":
                session.starttls(context=self.context)
            if s.smtp_user:
                session.login(s.smtp_user, s.smtp_password)
        except BaseException:
            session.close()
            raise
        return session

    def _one(self, session: smtplib.SMTP, message: Message) -> tuple[str, str]:
        try:
            session.send_message(compose(message, self.settings.mail_from))
        except smtplib.SMTPRecipientsRefused as exc:
            code, said = next(iter(exc.recipients.values()), (0, b""))
            return _by_code(code, f"recipient refused: {code} {_text(said)}")
        except smtplib.SMTPDataError as exc:
            return _by_code(exc.smtp_code, f"message refused: {exc.smtp_code} {_text(exc.smtp_error)}")
        except smtplib.SMTPSenderRefused as exc:  # the office's own setting: not the visitor's fault
            return RETRY, f"sender {self.settings.mail_from} refused: {exc.smtp_code} {_text(exc.smtp_error)}"
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            return RETRY, f"connection lost: {_said(exc)}"
        except smtplib.SMTPException as exc:
            return RETRY, _said(exc)
        return SENT, f"accepted by {self.settings.smtp_host}"


def _by_code(code: int, detail: str) -> tuple[str, str]:
    return (FAILED if 500 <= code < 600 else RETRY), detail


def _text(said: bytes | str) -> str:
    return said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)


def _said(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
