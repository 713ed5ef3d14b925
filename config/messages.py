"""Messages to visitors (`[messages]` in the site file): where SMS and e-mail go out.

SMS go to a Kannel gateway's `sendsms` interface (Kannel speaks SMPP to the office's SMS
provider); e-mail to an SMTP server (the office's relay). A channel whose gateway is not set
is off: the outbox (`server.messages`) still records each message, sends nothing, and the
visitor's pages show what the message would have said. Passwords come from the environment
(`sendsms_password_env`, `smtp_password_env`), never from the file.

    [messages]
    sendsms_url = "http://127.0.0.1:13013/cgi-bin/sendsms"
    sendsms_user = "willkommen"
    sendsms_password_env = "WILLKOMMEN_SENDSMS_PASSWORD"
    sms_from = "Auslaender"          # the sender shown on the phone (alphanumeric: 11 characters)
    dlr_url = ""                     # how Kannel reaches this server for delivery reports;
                                     # "": http://127.0.0.1:<the server's port>
    smtp_host = "mail.example.org"
    smtp_port = 587
    smtp_tls = "starttls"            # "starttls", "tls" (SMTPS) or "none"
    smtp_user = ""
    smtp_password_env = ""
    mail_from = "Ausländerbehörde <termine@example.org>"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:
    from config.loader import Node

TLS = ("starttls", "tls", "none")
SENDER = re.compile(r"^(\+?[0-9]{3,15}|[A-Za-z0-9 .&-]{1,11})$")  # what an SMSC takes as a sender


@dataclass(frozen=True)
class Messages:
    sendsms_url: str = ""            # "": SMS off
    sendsms_user: str = ""
    sendsms_password: str = ""
    sms_from: str = "Willkommen"
    dlr_url: str = ""                # base URL Kannel calls back; "": http://127.0.0.1:<port>
    country_code: str = "49"         # a number written 0151… is +49151…
    smtp_host: str = ""              # "": e-mail off
    smtp_port: int = 587
    smtp_tls: str = "starttls"
    smtp_user: str = ""
    smtp_password: str = ""
    mail_from: str = ""
    retry_seconds: float = 10.0      # first wait after a gateway failed; doubles ...
    retry_max_seconds: float = 300.0  # ... up to this
    give_up_minutes: int = 240       # a message not out by then is failed ("come now" hours late helps no one)
    near_call_minutes: int = 20      # the "your call is near" notice: about this many minutes before ...
    near_call_places: int = 3        # ... or when this few are ahead, whichever comes first

    @property
    def sms(self) -> bool:
        return bool(self.sendsms_url)

    @property
    def email(self) -> bool:
        return bool(self.smtp_host)


def parse_messages(node: "Node", environ: Mapping[str, str]) -> Messages:
    url = node.text("sendsms_url", "", pattern=re.compile(r"^(https?://\S+)?$"),
                    expected="an http:// or https:// URL of Kannel's sendsms")
    host = node.text("smtp_host", "")
    messages = Messages(
        sendsms_url=url,
        sendsms_user=node.text("sendsms_user", ""),
        sendsms_password=_secret(node, "sendsms_password_env", environ),
        sms_from=node.text("sms_from", "Willkommen", pattern=SENDER,
                           expected="a phone number or up to 11 letters, digits, spaces, '.', '&', '-'"),
        dlr_url=node.text("dlr_url", "", pattern=re.compile(r"^(https?://[^\s?#]+)?$"),
                          expected="an http:// or https:// base URL without query"),
        country_code=node.text("country_code", "49", pattern=re.compile(r"^[1-9][0-9]{0,2}$"),
                               expected="a country calling code without + (49 for Germany)"),
        smtp_host=host,
        smtp_port=_port(node),
        smtp_tls=node.text("smtp_tls", "starttls", pattern=re.compile(f"^({'|'.join(TLS)})$"),
                           expected='"starttls", "tls" or "none"'),
        smtp_user=node.text("smtp_user", ""),
        smtp_password=_secret(node, "smtp_password_env", environ),
        mail_from=node.text("mail_from", ""),
        retry_seconds=node.number("retry_seconds", 10.0, minimum=0.01, kind=(int, float)),
        retry_max_seconds=node.number("retry_max_seconds", 300.0, minimum=0.01, kind=(int, float)),
        give_up_minutes=node.number("give_up_minutes", 240, minimum=1),
        near_call_minutes=node.number("near_call_minutes", 20, minimum=1),
        near_call_places=node.number("near_call_places", 3, minimum=0),
    )
    if url and not messages.sendsms_user:
        raise node.fail("sendsms_user", "missing: Kannel's sendsms needs its user (group = sendsms-user)")
    if host and "@" not in messages.mail_from:
        raise node.fail("mail_from", "missing: e-mail needs a sender address (mail_from)")
    node.done()
    return messages


def _secret(node: "Node", key: str, environ: Mapping[str, str]) -> str:
    if key not in node.data:
        return ""
    name = node.text(key)
    if not environ.get(name):
        raise node.fail(key, f"environment variable {name} is not set")
    return environ[name]


def _port(node: "Node") -> int:
    port = node.number("smtp_port", 587, minimum=1)
    if port > 65535:
        raise node.fail("smtp_port", f"{port} must be at most 65535")
    return port
