"""The network of offices as this office's server reaches it (`[network]` in the site file): where
the network's endpoint is, who this office is there, where its token lies, and where the floor
board puts what a manager adopts (README "A network of offices").

    [network]
    url = "https://netzwerk.example.de/"            # the network's address (its coordinator gives it)
    office = "wetzlar"                              # this office's id in the network's file
    token_file = "/etc/willkommen/network-token"    # the office's token, alone in a file (chmod 600)
    into = "/var/lib/willkommen/adopted"            # adopted texts to review (default: beside the site file)

The token is never in the site file: site files are copied, mailed and kept in version control,
and the token lets anyone publish in this office's name. It lies in a file of its own that others
may not read (mode 600, or 640 for root:willkommen) — the file `network send` reads too
(`--token-file`). Everything is checked at start; the problems are said in German (the office's
IT reads them), each naming the file and the key as every site file error does.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from ipaddress import ip_address
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from config.loader import Node

OFFICE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")   # the network's office ids (server.network.knowledge.Key)
TOKEN = re.compile(r"^\S{16,512}$")
KEYS = ("url", "office", "token_file", "into")


@dataclass(frozen=True)
class Network:
    url: str                     # the network's address, e.g. https://netzwerk.example.de/
    office: str                  # this office's id in the network's file
    token: str = field(default="", repr=False)  # read from `token_file` at start; never in a log
    token_file: Path = Path()
    into: Path = Path()          # where the board writes adopted texts (a new folder each time)
    site_file: Path | None = None  # the site file the board compares with what others published

    def endpoint(self, path: str) -> str:
        return self.url.rstrip("/") + path

    @property
    def in_force(self) -> Path:
        """The language files adopted on the board, laid over the site's own catalogues
        (`config.strings.catalogues`' `adopted`; written by `server.network.in_force`)."""
        return self.into / "strings"


def parse_network(node: "Node", folder: Path | None, file: str) -> Network | None:
    """`[network]`, or None when the site file has none (the office takes no part on the board)."""
    if not node.data:
        return None
    if "token" in node.data or "token_env" in node.data:
        key = "token" if "token" in node.data else "token_env"
        raise node.fail(key, "der Token gehört nicht in die Standortdatei (sie wird kopiert und verschickt): "
                             "ihn allein in eine Datei schreiben, die nur der Dienst lesen kann (chmod 600), "
                             'und hier token_file = "/etc/willkommen/network-token" angeben')
    for key in sorted(set(node.data) - set(KEYS)):
        raise node.fail(key, f"unbekannter Schlüssel (bekannt sind: {', '.join(KEYS)})")
    for key in KEYS[:3]:
        if key not in node.data:
            raise node.fail(key, "fehlt: [network] braucht url, office und token_file")
    for key, value in node.data.items():
        if not isinstance(value, str):
            raise node.fail(key, f"{value!r} ist kein Text in Anführungszeichen")
    base = folder if folder is not None else Path.cwd()
    url = _url(node)
    office = node.text("office")
    if not OFFICE.match(office):
        raise node.fail("office", f"„{_shown(office)}“ ist nicht die Kennung eines Amts in der Netzwerkdatei "
                                  '(Buchstaben, Ziffern, - und _), z. B. "wetzlar"')
    token_file = base / node.text("token_file", expected="der Pfad der Datei mit dem Token des Amts")
    into = base / node.text("into", str(base))
    network = Network(url=url, office=office, token=_token(node, token_file), token_file=token_file,
                      into=_writable(node, into), site_file=folder / file if folder is not None else None)
    node.done()
    return network


def _url(node: "Node") -> str:
    url = node.text("url", expected='die Adresse des Netzwerks, z. B. "https://netzwerk.example.de/"')
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # "http://[" : no address at all
        parts, host = urlsplit(""), None
    if parts.scheme not in ("http", "https") or not host or parts.query or parts.fragment:
        raise node.fail("url", f"„{_shown(url)}“ ist keine Adresse wie https://netzwerk.example.de/ (http oder https, "
                               "ein Rechnername, ohne ?… und #…)")
    if parts.scheme == "http" and not _loopback(host):
        raise node.fail("url", f"„{_shown(url)}“: der Token ginge unverschlüsselt durchs Netz – https:// verwenden "
                               "(http:// nur zu 127.0.0.1 oder localhost)")
    return url


def _shown(value: object) -> str:
    """A value in the one line of an error: control characters escaped (`\\n`), never a second line."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", lambda m: m.group().encode("unicode_escape").decode(),
                  str(value))


def _loopback(host: str) -> bool:
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _token(node: "Node", path: Path) -> str:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, ValueError):  # ValueError: a NUL in the path, which no file has
        raise node.fail("token_file", f"die Datei {_shown(path)} gibt es nicht (den Token des Amts vom Netzwerk "
                                      "hineinschreiben, chmod 600)") from None
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "kein lesbarer Text"
        raise node.fail("token_file", f"die Datei {_shown(path)} lässt sich nicht lesen ({why})") from None
    if not stat.S_ISREG(mode):
        raise node.fail("token_file", f"{_shown(path)} ist keine Datei")
    if mode & (stat.S_IRWXO | stat.S_IWGRP):
        raise node.fail("token_file", f"{_shown(path)} dürfen andere lesen oder ändern (Modus {stat.S_IMODE(mode):o}): "
                                      f"chmod 600 {_shown(path)} (oder 640, Gruppe des Dienstes)")
    if not TOKEN.match(text):
        raise node.fail("token_file", f"in {_shown(path)} steht kein Token (eine Zeile, 16 bis 512 Zeichen, ohne Leerzeichen)")
    return text


def _writable(node: "Node", folder: Path) -> Path:
    """The folder must take new folders now: a manager learns of a read-only one at start, from IT,
    not from a button that fails (the systemd unit's ProtectSystem makes /etc read-only)."""
    if "\0" in str(folder) or not folder.is_dir():
        raise node.fail("into", f"den Ordner {_shown(folder)} gibt es nicht (für übernommene Texte): {_what_to_do()}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise node.fail("into", f"in den Ordner {_shown(folder)} darf der Dienst nicht schreiben: {_what_to_do()}")
    return folder


def _what_to_do() -> str:
    """A folder the service may write, under its unit (`ProtectSystem=strict` leaves only its
    `StateDirectory`, which systemd names in `$STATE_DIRECTORY`: /var/lib/willkommen/<office> for
    willkommen-server@.service, /var/lib/willkommen for willkommen.service)."""
    state = os.environ.get("STATE_DIRECTORY", "").split(":")[0] or "/var/lib/willkommen"
    example = f"{state.rstrip('/')}/adopted"
    return (f'into = einen Ordner im Ordner des Dienstes setzen, z. B. "{example}", und ihn anlegen: install -d -m 750 '
            f"-o willkommen -g willkommen {example} (docs/it-provider.md, „Das Netzwerk“)")
