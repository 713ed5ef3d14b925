"""The words of the messages: every visitor language has them, they fit two SMS parts with
the longest real values, and whatever a name, code or time window holds, it goes in as text
(never read as a format field, never a header line of the e-mail). Addresses as people write
them; the site file's `[messages]`."""

from __future__ import annotations

import email
import email.policy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config import ConfigError, parse_site
from config.strings import available, strings
from server.core import lottery
from server.messages import address
from server.messages.mail import compose as mail
from server.messages.table import Message
from server.messages.texts import KINDS, compose, one_line, sms_parts

from .conftest import demo_data, examples

LANGUAGES = available()
LONGEST = {"won": {"start": "10:30", "end": "11:00", "code": "KX7M4Q2P"}, "not_drawn": {}, "not_drawn_offer": {},
           "offered": {"end": "15:45", "code": "KX7M4Q2P"}, "near_call": {"number": "A1017", "minutes": 25, "ahead": 12}}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_says_each_message_in_at_most_two_sms(lang):
    for kind in KINDS:
        _, text = compose(strings(lang), kind, office="Ausländerbehörde", **LONGEST[kind])
        assert sms_parts(text) <= 2, f"{lang} {kind}: {len(text)} characters"
        for value in LONGEST[kind].values():
            assert str(value) in text


real_values = {
    "won": st.fixed_dictionaries({"code": st.builds(lambda key, entry: lottery.code(key, "2026-12-08", entry),
                                                    st.binary(min_size=16, max_size=16), st.text(min_size=1)),
                                  "start": st.times().map(lambda t: t.strftime("%H:%M")),
                                  "end": st.times().map(lambda t: t.strftime("%H:%M"))}),
    "not_drawn": st.just({}),
    "not_drawn_offer": st.just({}),
    "offered": st.fixed_dictionaries({"code": st.builds(lambda key, entry: lottery.code(key, "2026-12-08", entry),
                                                        st.binary(min_size=16, max_size=16), st.text(min_size=1)),
                                      "end": st.times().map(lambda t: t.strftime("%H:%M"))}),
    "near_call": st.fixed_dictionaries({"number": st.from_regex(r"[A-Z][0-9]{3,4}", fullmatch=True),
                                        "minutes": st.integers(1, 24).map(lambda n: 5 * n),
                                        "ahead": st.integers(0, 999)}),
}


@settings(max_examples=examples(300), deadline=None)
@given(data=st.data(), lang=st.sampled_from(LANGUAGES), kind=st.sampled_from(KINDS))
def test_any_real_code_window_number_and_wait_fits_two_sms_in_every_language(data, lang, kind):
    """Codes as the lottery makes them, any time of day, numbers up to A9999, up to two hours
    and 999 ahead: two SMS at most, the values whole in the text."""
    values = data.draw(real_values[kind])
    _, text = compose(strings(lang), kind, **values)
    assert sms_parts(text) <= 2, (lang, kind, len(text))
    assert all(str(v) in text for v in values.values())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_need_to_come_is_one_sms_in_every_language(lang):
    """The one most sent (everyone not drawn, thousands a day): one SMS each, not two."""
    assert sms_parts(compose(strings(lang), "not_drawn")[1]) == 1
    assert sms_parts(compose(strings(lang), "not_drawn_offer")[1]) == 1  # where a freed place may still come


def test_the_texts_are_the_languages_own():
    """Not German or English copied into another catalogue."""
    for kind in KINDS:
        texts = {lang: compose(strings(lang), kind, **LONGEST[kind])[1] for lang in LANGUAGES}
        assert len(set(texts.values())) == len(LANGUAGES), kind


def test_an_sms_part_is_70_ucs2_characters_and_67_each_of_a_longer_one():
    assert [sms_parts("ب" * n) for n in (1, 70, 71, 134, 135)] == [1, 1, 2, 2, 3]
    assert sms_parts("😀" * 35) == 1 and sms_parts("😀" * 36) == 2  # outside the BMP: two UCS-2 units


values = st.text(min_size=0, max_size=40)


@settings(max_examples=examples(300), deadline=None)
@given(lang=st.sampled_from(LANGUAGES), kind=st.sampled_from(KINDS), value=values, office=values)
def test_any_value_goes_in_as_text_and_the_email_reads_back_the_same(lang, kind, value, office):
    fields = {key: value for key in LONGEST[kind]}
    subject, text = compose(strings(lang), kind, office=office, **fields)
    assert not fields or one_line(value) in text  # braces and all: a value is never a format field
    message = Message(ref="r", day="2026-12-07", channel="email", address="gast@example.org", lang=lang,
                      subject=subject, text=text, posted_at=1_780_000_000.0)
    raw = mail(message, "Amt <amt@example.org>").as_bytes()
    back = email.message_from_bytes(raw, policy=email.policy.default)
    assert back["Subject"] == " ".join(subject.split())  # one line: no header of its own
    assert sorted(back.keys()) == sorted(["From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted",
                                          "Content-Type", "Content-Transfer-Encoding", "MIME-Version",
                                          "Content-Language"])
    assert back.get_content() == text


@settings(max_examples=examples(200), deadline=None)
@given(digits=st.from_regex(r"[1-9][0-9]{6,11}", fullmatch=True), seps=st.lists(st.sampled_from([" ", "-", "/", ""]),
                                                                          min_size=12, max_size=12))
def test_a_number_written_any_way_is_the_same_international_number(digits, seps):
    written = "0" + "".join(d + s for d, s in zip(digits, seps))
    assert address.phone(written) == f"+49{digits}"
    assert address.phone("0049" + digits) == address.phone("+49 " + digits) == f"+49{digits}"


@pytest.mark.parametrize("text", ["", "hello", "+49", "0151 12ab", "+0151234567", "1" * 20])
def test_what_is_not_a_number_is_said(text):
    assert address.check("sms", text) == (text, "not a mobile phone number")


@settings(max_examples=examples(200), deadline=None)
@given(st.emails())
def test_every_plain_address_is_taken_as_it_is(written):
    assert address.check("email", written) == (written, "")


def test_a_domain_in_another_script_goes_in_its_ascii_form():
    assert address.email(" gast@bücher.example ") == "gast@xn--bcher-kva.example"


@pytest.mark.parametrize("text", ["", "a@b", "a b@example.org", "a..b@example.org", "a@-x.org", "a@x.org.", "x@example.org\r\nBcc: all@example.org",
                                  "<a@example.org>", "a@@example.org", "a@example.org, b@example.org"])
def test_what_is_not_one_email_address_is_said(text):
    assert address.check("email", text) == (text, "not an e-mail address")


def test_the_site_file_section_turns_channels_on_with_passwords_from_the_environment():
    data = demo_data()
    data["messages"] = {"sendsms_url": "http://127.0.0.1:13013/cgi-bin/sendsms", "sendsms_user": "office",
                        "sendsms_password_env": "KANNEL_PW", "sms_from": "Auslaender", "smtp_host": "mail.example.org",
                        "mail_from": "termine@example.org", "smtp_password_env": "SMTP_PW", "smtp_user": "termine"}
    site = parse_site(data, environ={"KANNEL_PW": "k-secret", "SMTP_PW": "s-secret"})
    assert site.messages.sms and site.messages.email
    assert (site.messages.sendsms_password, site.messages.smtp_password) == ("k-secret", "s-secret")
    assert not parse_site(demo_data()).messages.sms  # off when not set


@pytest.mark.parametrize("section, problem", [
    ({"sendsms_url": "ftp://x"}, "messages.sendsms_url: \"ftp://x\" must be an http:// or https:// URL"),
    ({"sendsms_url": "http://k/cgi-bin/sendsms"}, "messages.sendsms_user: missing"),
    ({"smtp_host": "mail.example.org"}, "messages.mail_from: missing"),
    ({"smtp_tls": "ssl"}, "messages.smtp_tls: \"ssl\" must be"),
    ({"sms_from": "Ausländerbehörde Wetzlar"}, "messages.sms_from:"),
    ({"smtp_password_env": "NOPE"}, "messages.smtp_password_env: environment variable NOPE is not set"),
    ({"smtp_hots": "x"}, "messages.smtp_hots: unknown key"),
])
def test_a_wrong_messages_section_is_named(section, problem):
    data = demo_data()
    data["messages"] = section
    with pytest.raises(ConfigError) as caught:
        parse_site(data, environ={})
    assert problem in str(caught.value)
