"""build_message: what goes out is encoded right, and parse_message reads back exactly what was built."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from connectors.mail.building import (
    OutgoingAttachment,
    OutgoingLetter,
    build_message,
    envelope_recipients,
    make_message_id,
)
from connectors.mail.parsing import Address, parse_message


def headers_of(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[0].decode("ascii")


def letter(**overrides) -> OutgoingLetter:
    values = {
        "from_": ("Иван Петров", "ivan@example.ru"),
        "to": [("Пётр Сидоров", "petr@client.ru")],
        "subject": "Счёт на оплату № 15",
        "text": "Добрый день!\nВо вложении счёт.",
    }
    values.update(overrides)
    return OutgoingLetter(**values)


def test_round_trip_of_a_full_letter():
    sent_at = datetime(2024, 3, 5, 10, 0, tzinfo=timezone(timedelta(hours=3)))
    built = letter(
        cc=[("", "copy@client.ru")],
        bcc=[("Тайный", "secret@example.ru")],
        reply_to=[("Отдел продаж", "sales@example.ru")],
        html="<p>Добрый день!</p><p>Во вложении <b>счёт</b>.</p>",
        attachments=[OutgoingAttachment("Счёт №15 от 05.03.pdf", "application/pdf", b"%PDF-1.4 body")],
        message_id="fixed-id@example.ru",
        in_reply_to="question@client.ru",
        references=["first@client.ru", "question@client.ru"],
        date=sent_at,
        headers={"Auto-Submitted": "auto-replied", "X-Mailer": "RouteMap CRM"},
    )
    raw = build_message(built)
    parsed = parse_message(raw)
    assert parsed.errors == []
    assert parsed.from_ == Address("Иван Петров", "ivan@example.ru")
    assert parsed.to == [Address("Пётр Сидоров", "petr@client.ru")]
    assert parsed.cc == [Address("", "copy@client.ru")]
    assert parsed.bcc == []  # Bcc is in the envelope only
    assert parsed.reply_to == [Address("Отдел продаж", "sales@example.ru")]
    assert parsed.subject == "Счёт на оплату № 15"
    assert parsed.text == "Добрый день!\nВо вложении счёт."
    assert parsed.html.strip() == "<p>Добрый день!</p><p>Во вложении <b>счёт</b>.</p>"
    assert parsed.message_id == "fixed-id@example.ru"
    assert parsed.in_reply_to == "question@client.ru"
    assert parsed.references == ["first@client.ru", "question@client.ru"]
    assert parsed.date == datetime(2024, 3, 5, 7, 0, tzinfo=UTC)
    assert parsed.auto_submitted == "auto-replied"
    assert parsed.is_automated
    [attachment] = parsed.attachments
    assert (attachment.filename, attachment.content_type, attachment.content) == (
        "Счёт №15 от 05.03.pdf",
        "application/pdf",
        b"%PDF-1.4 body",
    )
    assert envelope_recipients(built) == ["petr@client.ru", "copy@client.ru", "secret@example.ru"]


def test_the_bytes_are_7bit_ascii_with_crlf_and_no_bcc():
    raw = build_message(letter(bcc=[("", "secret@example.ru")], html="<p>Привет</p>"))
    assert raw.isascii()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert "secret@example.ru" not in raw.decode("ascii")
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    head = headers_of(raw)
    assert "Bcc" not in head
    assert re.search(r"^Subject: =\?utf-8\?", head, re.M)
    assert head.count("MIME-Version") == 1


def test_long_cyrillic_subject_and_names_survive_folding():
    subject = "Очень длинная тема письма, " * 8
    raw = build_message(letter(subject=subject, to=[("Константин Константинопольский-Старший", "k@x.ru")]))
    parsed = parse_message(raw)
    assert parsed.subject == " ".join(subject.split())
    assert parsed.to[0].name == "Константин Константинопольский-Старший"


def test_message_id_is_made_from_the_sender_domain_when_missing():
    parsed = parse_message(build_message(letter()))
    assert parsed.message_id.endswith("@example.ru")
    other = parse_message(build_message(letter()))
    assert other.message_id != parsed.message_id


def test_make_message_id():
    first, second = make_message_id("Example.RU"), make_message_id("example.ru")
    assert first != second
    assert first.endswith("@example.ru") and "<" not in first
    assert make_message_id("пример.рф").endswith("@xn--e1afmkfd.xn--p1ai")
    assert make_message_id("").endswith("@localhost")


def test_international_domain_is_punycoded():
    parsed = parse_message(build_message(letter(to=[("", "info@пример.рф")])))
    assert parsed.to == [Address("", "info@xn--e1afmkfd.xn--p1ai")]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("to", [("", "not-an-address")], "is not an e-mail address"),
        ("to", [("", "@x.ru")], "is not an e-mail address"),
        ("from_", ("", "иван@пример.рф"), "non-Latin mailbox name"),
        ("headers", {"Bcc": "x@y.ru"}, "cannot be set as an extra header"),
        ("headers", {"Bad Header": "x"}, "cannot be set as an extra header"),
    ],
)
def test_bad_input_is_a_clear_value_error(field, value, words):
    with pytest.raises(ValueError, match=words):
        build_message(letter(**{field: value}))


def test_newlines_cannot_inject_headers():
    raw = build_message(letter(subject="Hi\r\nBcc: victim@x.ru", headers={"X-Note": "a\nTo: b@c.ru"}))
    head = headers_of(raw)
    assert "\r\nBcc:" not in head and "\r\nTo: b@c.ru" not in head
    assert parse_message(raw).subject == "Hi Bcc: victim@x.ru"


def test_html_only_letter_gets_a_text_alternative():
    parsed = parse_message(build_message(letter(text="", html="<p>Только <i>HTML</i></p><p>Второй</p>")))
    assert parsed.text == "Только HTML\n\nВторой"
    assert "<i>HTML</i>" in parsed.html


def test_inline_image_goes_into_a_related_part():
    raw = build_message(
        letter(
            html='<p>Logo: <img src="cid:logo@crm"></p>',
            attachments=[
                OutgoingAttachment("logo.png", "image/png", b"\x89PNG-data", content_id="logo@crm"),
                OutgoingAttachment("price.xlsx", "application/vnd.ms-excel", b"xlsx"),
            ],
        )
    )
    assert b"multipart/related" in raw
    parsed = parse_message(raw)
    logo, price = parsed.attachments
    assert (logo.content_id, logo.is_inline, logo.content) == ("logo@crm", True, b"\x89PNG-data")
    assert (price.filename, price.is_inline) == ("price.xlsx", False)
    assert parsed.has_attachments


def test_eml_attachment_is_message_rfc822_with_its_bytes_untouched():
    inner = (
        b"From: boss@client.ru\r\nTo: ivan@example.ru\r\nSubject: =?utf-8?B?0JLQvtC/0YDQvtGB?=\r\n"
        b"Message-ID: <orig@client.ru>\r\nDKIM-Signature: v=1; a=rsa-sha256; b=abc\r\n\r\nOriginal body\r\n"
    )
    raw = build_message(letter(attachments=[OutgoingAttachment("Вопрос.eml", "message/rfc822", inner)]))
    assert b"Content-Type: message/rfc822" in raw
    assert inner in raw
    parsed = parse_message(raw)
    [attachment] = parsed.attachments
    assert attachment.content_type == "message/rfc822"
    assert attachment.filename == "Вопрос.eml"
    assert parse_message(attachment.content).message_id == "orig@client.ru"


def test_odd_content_types_become_octet_stream():
    raw = build_message(letter(attachments=[OutgoingAttachment("x.bin", "not a type", b"\x00\x01")]))
    assert parse_message(raw).attachments[0].content_type == "application/octet-stream"


def test_long_ascii_lines_are_wrapped_by_quoted_printable():
    text = "x" * 5000
    raw = build_message(letter(text=text))
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert parse_message(raw).text == text


def test_envelope_recipients_are_unique_and_keep_order():
    built = letter(
        to=[("", "a@x.ru"), ("", "B@x.ru")], cc=[("", "b@x.ru")], bcc=[("", "c@x.ru"), ("", "A@x.ru")]
    )
    assert envelope_recipients(built) == ["a@x.ru", "B@x.ru", "c@x.ru"]
