"""Messages to visitors through real gateways: SMS through Kannel, e-mail through SMTP.

The room's parts: `outbox` (the durable queue, its senders and retries), `table` (its rows
in the office's database), `sms` (Kannel's sendsms and delivery reports), `mail` (SMTP),
`address` (phone numbers and e-mail addresses as the gateways take them), `texts` (the
words, from the visitor catalogues' `[messages]`), `near_call` (the "your call is near"
notice). `build` makes the outbox a server runs from its site file's `[messages]`.

What others call (issue 27's contract, /work/notes/ACCESS.md):

    outbox.post(to="+4915112345678", channel="sms", lang="ar", text=..., subject="", ref="won:<entry>")
    outbox.state("won:<entry>")   # "waiting" | "sent" | "delivered" | "failed"
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from config import Site
from server.core import Office
from server.messages.near_call import NearCall, registered
from server.messages.outbox import CHANNELS, Gateway, Outbox
from server.messages.table import DELIVERED, FAILED, SENT, WAITING, Message

__all__ = ["CHANNELS", "DELIVERED", "FAILED", "SENT", "WAITING", "Message", "Outbox", "build", "PATHS"]

PATHS = ("/messages/dlr",)  # Kannel's delivery reports, in the edge's route table


def build(site: Site, db: str | Path, *, port: Callable[[], int], office: Office,
          clock: Callable[[], float] = time.time) -> Outbox:
    """The outbox for this site: a gateway per channel its `[messages]` turns on, and the
    near-call notice for `office`'s tickets (`outbox.near_call`), to the contacts left when
    registering for a day's places. `port`: the server's, once it listens (Kannel's delivery
    reports come to it unless `dlr_url` says otherwise)."""
    settings = site.messages
    gateways: dict[str, Gateway] = {}
    if settings.sms:
        from server.messages.sms import Kannel
        scheme = "https" if site.tls_cert else "http"
        gateways["sms"] = Kannel(settings, lambda: settings.dlr_url or f"{scheme}://127.0.0.1:{port()}")
    if settings.email:
        from server.messages.mail import Smtp
        gateways["email"] = Smtp(settings)
    outbox = Outbox(settings, db, timezone=site.timezone, synchronous=site.synchronous, gateways=gateways, clock=clock)
    outbox.near_call = NearCall(site, office, outbox, clock=clock, contact_of=registered(office))
    outbox.companions.append(outbox.near_call.run)
    return outbox
