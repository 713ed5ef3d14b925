"""`site.public_url` is the base of the ticket's QR code: a phone must be able to open it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from config import ConfigError

from .conftest import ROOT, make_site


@pytest.mark.parametrize("url", ["termine.example.de", "termine.example.de:8765/warte", "//termine.example.de",
                                 "ftp://termine.example.de", "http://", "https:///t", "http://host:99999",
                                 "https://termine.example.de/?lang=de", "https://termine.example.de/#top", ""])
def test_public_url_without_scheme_or_host_is_a_config_error_naming_the_key(url):
    with pytest.raises(ConfigError) as raised:
        make_site(public_url=url)
    assert raised.value.path == "site.public_url" and f'"{url}"' in str(raised.value)


@pytest.mark.parametrize("url", ["https://termine.example.de", "http://10.0.0.5:8765", "https://example.de/warte/",
                                 "http://[::1]:8765"])
def test_public_url_with_scheme_and_host_is_taken_as_written(url):
    assert make_site(public_url=url).public_url == url


def test_server_refuses_a_public_url_without_scheme_in_one_line(tmp_path):
    bad = tmp_path / "office.toml"
    bad.write_text((ROOT / "config" / "default.toml").read_text(encoding="utf-8").replace(
        'public_url = "http://127.0.0.1:8765"', 'public_url = "termine.example.de"'), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "server", "--config", str(bad), "--db", str(tmp_path / "x.db")],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        'willkommen-server: Die Datei office.toml ist so nicht verwendbar (site.public_url: "termine.example.de" must '
        'be an http:// or https:// address with a host and no ?query or #fragment, such as '
        '"https://termine.example.de"): bitte die Datei an dieser Stelle korrigieren.']
