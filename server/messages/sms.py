"""SMS through Kannel's `sendsms` HTTP interface (smsbox), on the outbox's gateway thread.

Kannel (Debian's `kannel`) sits between Willkommen and the office's SMS provider: its
bearerbox speaks SMPP to the provider's SMSC, queues while the provider is away and reports
delivery; its smsbox takes `GET /cgi-bin/sendsms?...` from us. Every text goes as UCS-2
(`coding=2`, `charset=UTF-8`): Arabic, Persian, Pashto and Tigrinya arrive as written (the
GSM 7-bit alphabet has none of them); a part then holds 70 characters (67 when a text needs
more than one), which is why the texts in the catalogues' `[messages]` are short.

Why `urllib` in a thread and not an asyncio HTTP client: one GET per message, a few hundred
a day, on a thread the outbox already gives its gateways; the standard library needs no new
dependency on the office's server (httpx is not one of the project's).

Delivery reports: each GET carries `dlr-mask` (1 delivered to the phone, 2 not delivered,
8 taken by the SMSC, 16 refused by it) and a `dlr-url` back to this server
(`/messages/dlr?m=<the message's secret>&t=%d&a=%A`, Kannel fills in `%d` and `%A`): the
route table sends it to `Outbox.delivery_report`.

What smsbox answers decides: 202 "0: Accepted for delivery" or "3: Queued for later
delivery" → sent; 400 (a message Kannel cannot take), or 403 for a number no SMSC of Kannel's
routes ("Not routable. Do not try again.") or its white/black lists deny → failed; anything else (smsbox down, 503, a wrong password in the site file) → try again.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from typing import Callable
from urllib.parse import urlencode

from config.messages import Messages
from server.messages.table import FAILED, RETRY, SENT, Message

DLR_PATH = "/messages/dlr"
DLR_MASK = 1 | 2 | 8 | 16
TIMEOUT = 15.0
REFUSED = ("denied", "not routable")  # a 403 for this number, not for us (a wrong password)


class Kannel:
    def __init__(self, settings: Messages, dlr_base: Callable[[], str]):
        self.settings = settings
        self.dlr_base = dlr_base  # known once the server listens (its port)

    def send(self, batch: list[Message]) -> list[tuple[str, str]]:
        answers = []
        for message in batch:
            answers.append(self._one(message))
            if answers[-1][0] == RETRY:  # smsbox is down or refuses us: the rest wait too
                break
        return answers + [answers[-1]] * (len(batch) - len(answers))

    def url(self, message: Message) -> str:
        s = self.settings
        query = urlencode({"username": s.sendsms_user, "password": s.sendsms_password, "from": s.sms_from,
                           "to": message.address, "charset": "UTF-8", "coding": "2", "text": message.text,
                           "dlr-mask": str(DLR_MASK),
                           "dlr-url": f"{self.dlr_base().rstrip('/')}{DLR_PATH}?m={message.token}&t=%d&a=%A"})
        return f"{s.sendsms_url}{'&' if '?' in s.sendsms_url else '?'}{query}"

    def _one(self, message: Message) -> tuple[str, str]:
        try:
            with urllib.request.urlopen(self.url(message), timeout=TIMEOUT) as answer:
                status, said = answer.status, answer.read(300)
        except urllib.error.HTTPError as exc:
            status, said = exc.code, exc.read(300)
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", None) or exc
            return RETRY, f"Kannel not reached: {getattr(reason, 'strerror', None) or reason}"
        text = " ".join(said.decode("utf-8", "replace").split())
        if status in (200, 202):
            return SENT, f"Kannel: {text}"
        if status == 400 or (status == 403 and any(w in text.lower() for w in REFUSED)):
            return FAILED, f"Kannel refused: {status} {text}"
        return RETRY, f"Kannel answered {status} {text}"
