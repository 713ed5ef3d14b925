"""The demo's `/`: every page of the office linked, and the demo's public accounts to sign in
with (the README prints them too). Only the demo's: an office's `/` names its public pages
and no account (`server.edge.pages.home`)."""

from __future__ import annotations

import functools
from html import escape

from config import Site
from server.manager.people import DEMO_PASSWORDS, check_password

# (path, German, English); German first: the office's staff read it
PAGES = (("/display", "Anzeige im Wartebereich", "waiting-room display"),
         ("/board", "Saalübersicht", "floor board"),
         ("/counter", "Schalter im Browser", "the counter in the browser"),
         ("/stats", "Statistik", "statistics"),
         ("/healthz", "Live-Zustand als JSON", "live state, JSON"))
REGISTER = ("/register", "Anmeldung zur Verlosung der Plätze", "registration for the lottery of places")
ROLES = {"supervisor": ("Saalübersicht und Statistik, darf handeln", "board and statistics, may act"),
         "reader": ("Saalübersicht und Statistik, nur lesen", "board and statistics, reads only"),
         "clerk": ("Schalter im Browser", "counter in the browser")}
STYLE = """body { margin: 0; font: 16px/1.5 "DejaVu Sans", system-ui, sans-serif; color: #1b1f24; background: #f6f7f9; }
main { max-width: 52rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }
a { color: #0b4f9c; } [lang=en] { color: #4a5360; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid #c9ced6; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #eef0f3; } code { font-size: 1rem; }"""


@functools.cache
def public(name: str, password_hash: str) -> bool:
    """Whether the person's password is still the demo's public one (once per hash: scrypt)."""
    return name in DEMO_PASSWORDS and check_password(DEMO_PASSWORDS[name], password_hash)


def page(site: Site) -> str:
    pages = PAGES + ((REGISTER,) if site.access.enabled else ())
    links = "".join(f'<li><a href="{path}">{de}</a> <span lang="en">({en})</span></li>' for path, de, en in pages)
    rows = "".join(
        f"<tr><td><code>{escape(person.name)}</code></td><td><code>{escape(DEMO_PASSWORDS[person.name])}</code></td>"
        f"<td>{ROLES.get(person.role, ('', ''))[0]}{' ' + escape(', '.join(person.counters)) if person.counters else ''}"
        f' <span lang="en">({ROLES.get(person.role, ("", ""))[1]})</span></td></tr>'
        for person in site.people if public(person.name, person.password_hash))
    accounts = (f'<h2>Demo-Zugänge <span lang="en">(demo accounts)</span></h2><table><thead><tr><th scope="col">Name</th>'
                f'<th scope="col">Passwort</th><th scope="col">Rolle</th></tr></thead><tbody>{rows}</tbody></table>'
                if rows else "")
    return (f'<!doctype html><html lang="de"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Willkommen-Demo — {escape(site.name)}</title><style>{STYLE}</style></head><body><main>"
            f"<h1>Willkommen-Demo — {escape(site.name)}</h1>"
            f'<p>Ein simuliertes Amt: Besucher ziehen Nummern, Sachbearbeiter rufen sie auf, schneller als in Wirklichkeit (<code>--speed</code>). '
            f'<span lang="en">A simulated office: visitors draw tickets, clerks call them, faster than real time.</span></p>'
            f'<h2>Seiten <span lang="en">(pages)</span></h2><ul>{links}</ul>{accounts}'
            f"<p>Terminals (Kiosk, Schalter, Anzeige) verbinden sich mit <code>ws://</code> dieses Servers: README.md</p>"
            f"</main></body></html>")
