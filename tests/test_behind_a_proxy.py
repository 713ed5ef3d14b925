"""Behind a reverse proxy (deploy/nginx-offices.conf, docs/it-provider.md) every connection
comes from the proxy's address; with `[limits] proxies` naming it, the per-address limits
count the address the proxy forwards (X-Forwarded-For), so one kiosk's wrong tokens do not
lock out the office's other terminals. From an address not named, the header is ignored: a
client cannot choose the address it is counted under."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from config import ConfigError
from config.limits import Limits

from .conftest import demo_data, token
from .test_server_limits import limited  # noqa: F401 (the fixture)


async def hello(url: str, forwarded_for: str, secret: str) -> str | int:
    """One kiosk hello through the "proxy" (this test, on 127.0.0.1): "welcome" or the close code."""
    async with connect(url, additional_headers={"X-Forwarded-For": forwarded_for}) as ws:
        await ws.send(json.dumps({"type": "hello", "role": "kiosk", "terminal": "kiosk-1", "token": secret}))
        try:
            return json.loads(await ws.recv())["type"]
        except ConnectionClosed as closed:
            return closed.rcvd.code


@pytest.mark.parametrize("proxies, other_terminal", [
    (("127.0.0.1",), "welcome"),  # the proxy named: each forwarded address counted on its own
    ((), 4429),                   # not named: the header is ignored, all is one address
])
async def test_wrong_tokens_behind_the_proxy_hold_up_only_the_address_they_come_from(
        limited, proxies, other_terminal):  # noqa: F811
    _, url = await limited(Limits(hello_free_failures=1, hello_backoff=(30, 60), proxies=proxies),
                           monotonic=lambda: 1000.0)
    assert [await hello(url, "10.0.0.66", "wrong") for _ in range(3)] == [4401, 4401, 4429]
    assert await hello(url, "10.0.0.66", token("kiosk-1")) == 4429  # the guesser waits, even with the right one
    assert await hello(url, "10.0.0.7", token("kiosk-1")) == other_terminal
    # a client's own entries come first; the proxy's (the last) is the one counted
    assert await hello(url, "10.0.0.7, 10.0.0.66", token("kiosk-1")) == 4429


def test_proxies_are_ip_addresses_in_the_site_file():
    from config import parse_site

    data = demo_data()
    data["limits"] = {"proxies": ["127.0.0.1", "::1"]}
    assert parse_site(data, file="office.toml").limits.proxies == ("127.0.0.1", "::1")
    for wrong in (["proxy.example"], ["10.0.0.0/8"], [127001], "127.0.0.1"):
        data["limits"] = {"proxies": wrong}
        with pytest.raises(ConfigError, match="limits.proxies"):
            parse_site(data, file="office.toml")


async def test_sign_in_cookie_is_secure_when_tls_ends_at_the_proxy(tmp_path):
    """The proxy speaks TLS, the server plain HTTP on 127.0.0.1: the site's public_url says
    https, so the sign-in cookie is Secure (a browser never sends it over plain HTTP)."""
    from server.edge.app import Server

    from .conftest import http_get, make_site

    cookies = {}
    for public_url in ("https://wetzlar.willkommen.example", "http://127.0.0.1:8765"):
        server = Server(make_site(public_url=public_url), tmp_path / f"{len(cookies)}.sqlite3", always_open=True)
        port = await server.start("127.0.0.1", 0)
        try:
            status, headers, _ = await http_get(f"http://127.0.0.1:{port}/signin")
        finally:
            await server.stop()
        assert status == 200
        cookies[public_url] = headers["Set-Cookie"]
    assert cookies["https://wetzlar.willkommen.example"].endswith("; Secure")
    assert "Secure" not in cookies["http://127.0.0.1:8765"]
