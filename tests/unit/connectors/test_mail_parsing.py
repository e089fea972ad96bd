"""parse_message on real-world and broken letters: it never raises, keeps the text, says what went wrong."""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime

import pytest

from connectors.mail.building import OutgoingAttachment, OutgoingLetter, build_message
from connectors.mail.parsing import Address, parse_message


def b64(text: str, charset: str) -> str:
    return base64.b64encode(text.encode(charset)).decode("ascii")


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


def test_a_plain_letter_gives_every_header():
    parsed = parse_message(
        crlf(
            "From: =?utf-8?B?" + b64("Иван Петров", "utf-8") + "?= <Ivan.Petrov@Example.RU>\n"
            'To: "Petrov, Petr" <p@x.ru>, q@y.ru\n'
            "To: second@header.ru\n"
            "Cc: =?utf-8?Q?=D0=90=D0=BD=D0=BD=D0=B0?= <anna@x.ru>\n"
            "Bcc: hidden@x.ru\n"
            "Reply-To: Sales <SALES@x.ru>\n"
            "Subject: Re: =?utf-8?B?" + b64("Счёт на оплату", "utf-8") + "?=\n"
            "Message-ID: <abc.123@mail.example.ru>\n"
            "In-Reply-To: <prev@x.ru>\n"
            "References: <root@x.ru>\n <prev@x.ru>\n"
            "Date: Tue, 5 Mar 2024 10:00:00 +0300\n"
            "\n"
            "Hello there.\n"
        )
    )
    assert parsed.errors == []
    assert parsed.from_ == Address("Иван Петров", "ivan.petrov@example.ru")
    assert (parsed.from_name, parsed.from_address) == ("Иван Петров", "ivan.petrov@example.ru")
    assert parsed.to == [
        Address("Petrov, Petr", "p@x.ru"),
        Address("", "q@y.ru"),
        Address("", "second@header.ru"),
    ]
    assert parsed.cc == [Address("Анна", "anna@x.ru")]
    assert parsed.bcc == [Address("", "hidden@x.ru")]
    assert parsed.reply_to == [Address("Sales", "sales@x.ru")]
    assert parsed.reply_to[0].as_dict() == {"name": "Sales", "address": "sales@x.ru"}
    assert parsed.subject == "Re: Счёт на оплату"
    assert parsed.message_id == "abc.123@mail.example.ru"
    assert parsed.in_reply_to == "prev@x.ru"
    assert parsed.references == ["root@x.ru", "prev@x.ru"]
    assert parsed.thread_key == "root@x.ru"
    assert parsed.date == datetime(2024, 3, 5, 7, 0, tzinfo=UTC)
    assert parsed.text == "Hello there."
    assert parsed.html == ""
    assert parsed.attachments == []
    assert not parsed.is_automated
    assert parsed.size > 0


def test_empty_bytes_and_blank_input_are_reported_not_raised():
    for raw in (b"", b"\r\n\r\n  "):
        parsed = parse_message(raw)
        assert parsed.errors == ["the message is empty"]
        assert parsed.text == "" and parsed.subject == "" and parsed.date is None


def test_a_message_that_is_not_mime_at_all():
    parsed = parse_message(b"Just a line of text\nand another one\n")
    assert parsed.text == "Just a line of text\nand another one"
    assert parsed.errors  # the missing headers are noted


def test_headers_without_mime_version_and_8bit_cp1251_body():
    raw = b"From: a@b.ru\nSubject: test\n\n" + "Привет, это письмо без MIME.".encode("cp1251")
    parsed = parse_message(raw)
    assert parsed.text == "Привет, это письмо без MIME."
    assert any("cp1251" in error for error in parsed.errors)


@pytest.mark.parametrize("charset", ["windows-1251", "koi8-r", "utf-8", "iso-8859-5"])
def test_declared_charsets_in_headers_and_bodies(charset):
    subject = "Заявка на поставку оборудования"
    body = "Добрый день! Просим выставить счёт на оплату."
    raw = (
        f"From: =?{charset}?B?{b64('Ольга Смирнова', charset)}?= <olga@x.ru>\r\n"
        f"Subject: =?{charset}?B?{b64(subject, charset)}?=\r\n"
        f"Content-Type: text/plain; charset={charset}\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode("ascii") + body.encode(charset)
    parsed = parse_message(raw)
    assert parsed.subject == subject
    assert parsed.from_name == "Ольга Смирнова"
    assert parsed.text == body
    assert parsed.errors == []


@pytest.mark.parametrize(
    ("declared", "actual"),
    [("koi8-r", "cp1251"), ("windows-1251", "koi8-r"), ("us-ascii", "cp1251"), ("iso-8859-1", "cp1251")],
)
def test_a_wrongly_declared_charset_falls_back_without_losing_text(declared, actual):
    body = "Уважаемые коллеги, направляем вам договор на подпись."
    subject = "Договор поставки"
    raw = (
        f"Subject: =?{declared}?B?{b64(subject, actual)}?=\r\n"
        f"Content-Type: text/plain; charset={declared}\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode("ascii") + body.encode(actual)
    parsed = parse_message(raw)
    assert parsed.text == body
    assert parsed.subject == subject
    assert any(declared in error for error in parsed.errors)


def test_an_unknown_charset_falls_back():
    body = "Счёт № 15 от 3 марта, оплатить до пятницы."
    raw = (
        "Subject: =?x-no-such-charset?Q?"
        + "".join(f"={byte:02X}" for byte in "Срочно".encode("koi8-r"))
        + "?=\r\n"
        "Content-Type: text/plain; charset=x-no-such-charset\r\n\r\n"
    ).encode("ascii") + body.encode("cp1251")
    parsed = parse_message(raw)
    assert parsed.subject == "Срочно"
    assert parsed.text == body
    assert any("unknown charset x-no-such-charset" in error for error in parsed.errors)


@pytest.mark.parametrize("charset", ["utf-8", "cp1251", "koi8-r"])
def test_raw_8bit_headers(charset):
    head = (
        'From: Сергей Кузнецов <sergey@x.ru>\r\nTo: "Отдел продаж" <sales@x.ru>\r\n'
        "Subject: Вопрос по заказу\r\n"
        'Content-Type: application/pdf; name="Заказ.pdf"\r\n\r\n'
    )
    parsed = parse_message(head.encode(charset) + b"%PDF")
    assert parsed.subject == "Вопрос по заказу"
    assert parsed.from_ == Address("Сергей Кузнецов", "sergey@x.ru")
    assert parsed.to == [Address("Отдел продаж", "sales@x.ru")]
    assert parsed.attachments[0].filename == "Заказ.pdf"


def test_encoded_words_split_inside_a_character_are_joined():
    data = "Привет".encode()
    raw = (
        f"Subject: =?utf-8?B?{base64.b64encode(data[:3]).decode()}?=\r\n"
        f" =?utf-8?B?{base64.b64encode(data[3:]).decode()}?=\r\n\r\nx"
    ).encode()
    assert parse_message(raw).subject == "Привет"


def test_html_only_letter_gets_a_text_body():
    raw = crlf(
        "Subject: html\nContent-Type: text/html; charset=utf-8\n\n"
        "<html><head><style>p {color: red}</style></head><body><p>Первый&nbsp;абзац</p>"
        "<p>Второй<br>строка</p><script>alert(1)</script></body></html>\n"
    )
    parsed = parse_message(raw)
    assert parsed.html.startswith("<html>")
    assert parsed.text == "Первый абзац\n\nВторой\nстрока"


def test_text_only_letter_has_empty_html_and_alternative_has_both():
    raw = crlf(
        "Content-Type: multipart/alternative; boundary=b1\n\n"
        "--b1\nContent-Type: text/plain; charset=utf-8\n\nPlain version\n"
        "--b1\nContent-Type: text/html; charset=utf-8\n\n<p>HTML version</p>\n--b1--\n"
    )
    parsed = parse_message(raw)
    assert parsed.text == "Plain version"
    assert parsed.html.strip() == "<p>HTML version</p>"
    assert parse_message(b"Subject: x\r\n\r\nonly text").html == ""


def test_nested_structure_with_inline_image_and_attachments():
    raw = crlf(
        "Content-Type: multipart/mixed; boundary=outer\n\n"
        "--outer\nContent-Type: multipart/alternative; boundary=alt\n\n"
        "--alt\nContent-Type: text/plain; charset=utf-8\n\ntext\n"
        "--alt\nContent-Type: multipart/related; boundary=rel\n\n"
        '--rel\nContent-Type: text/html; charset=utf-8\n\n<img src="cid:logo@x">\n'
        "--rel\nContent-Type: image/png\nContent-ID: <logo@x>\nContent-Transfer-Encoding: base64\n\n"
        + base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
        + "\n--rel--\n--alt--\n"
        "--outer\nContent-Type: text/plain; charset=utf-8\nContent-Disposition: attachment; filename=notes.txt\n\n"
        "attached text, not the body\n"
        "--outer\nContent-Type: text/calendar; method=REQUEST\n\nBEGIN:VCALENDAR\nEND:VCALENDAR\n"
        "--outer--\n"
    )
    parsed = parse_message(raw)
    assert parsed.text == "text"
    assert parsed.html.strip() == '<img src="cid:logo@x">'
    logo, notes, invite = parsed.attachments
    assert (logo.content_type, logo.content_id, logo.is_inline, logo.content) == (
        "image/png",
        "logo@x",
        True,
        b"\x89PNG\r\n\x1a\n",
    )
    assert (notes.filename, notes.is_inline) == ("notes.txt", False)
    assert notes.content == b"attached text, not the body"  # the last line break belongs to the boundary
    assert invite.filename == "attachment-3.ics" and invite.content_type == "text/calendar"
    assert parsed.has_attachments


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Content-Disposition: attachment; filename*=utf-8''%D0%A1%D1%87%D1%91%D1%82.pdf", "Счёт.pdf"),
        ("Content-Disposition: attachment; filename*=koi8-r''%F3%DE%C5%D4.pdf", "Счет.pdf"),
        ("Content-Disposition: attachment; filename*=x-unknown''%D1%F7%E5%F2.pdf", "Счет.pdf"),
        (
            "Content-Disposition: attachment;\n filename*0*=utf-8''%D0%94%D0%BE%D0%B3%D0%BE;\n"
            " filename*1*=%D0%B2%D0%BE%D1%80.docx",
            "Договор.docx",
        ),
        ('Content-Disposition: attachment; filename="=?utf-8?B?0JDQutGCLnBkZg==?="', "Акт.pdf"),
        ('Content-Disposition: attachment; filename="C:\\\\fakepath\\\\report.xlsx"', "report.xlsx"),
        ('Content-Disposition: attachment; filename="../../etc/passwd"', "passwd"),
        ("Content-Disposition: attachment", "attachment-1.pdf"),
    ],
)
def test_attachment_file_names(header, expected):
    raw = crlf(f"Content-Type: application/pdf\n{header}\nContent-Transfer-Encoding: base64\n\nJVBERg==\n")
    parsed = parse_message(raw)
    assert parsed.attachments[0].filename == expected
    assert parsed.attachments[0].content == b"%PDF"


def test_content_type_name_is_used_when_the_disposition_has_none():
    raw = crlf(
        'Content-Type: application/pdf; name="=?windows-1251?B?' + b64("Прайс.pdf", "cp1251") + '?="\n\nx'
    )
    assert parse_message(raw).attachments[0].filename == "Прайс.pdf"


def test_bad_base64_keeps_what_can_be_decoded():
    raw = crlf(
        "Content-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        + base64.b64encode("Текст письма".encode()).decode()[:-2]
        + "!!\n"
        "--b\nContent-Type: application/octet-stream; name=a.bin\nContent-Transfer-Encoding: base64\n\n"
        "AAEC$$$AwQ\n--b--\n"
    )
    parsed = parse_message(raw)
    assert parsed.text.startswith("Текст")
    assert parsed.attachments[0].content.startswith(b"\x00\x01\x02")
    assert any("base64" in error for error in parsed.errors)


def test_multipart_without_boundary_keeps_the_body_as_text():
    raw = crlf("Subject: broken\nContent-Type: multipart/mixed\n\nThe text is still here.\n")
    parsed = parse_message(raw)
    assert "The text is still here." in parsed.text
    assert any("no boundary" in error for error in parsed.errors)


def test_boundary_that_never_appears_keeps_the_body_as_text():
    raw = crlf("Content-Type: multipart/mixed; boundary=nowhere\n\nOnly text, no parts.\n")
    parsed = parse_message(raw)
    assert "Only text, no parts." in parsed.text
    assert any("boundary never appears" in error for error in parsed.errors)


def test_truncated_message_keeps_the_parts_it_has():
    raw = crlf(
        "Subject: truncated\nContent-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: text/plain; charset=utf-8\n\nFirst part complete.\n"
        "--b\nContent-Type: application/pdf; name=big.pdf\nContent-Transfer-Encoding: base64\n\n"
        "JVBERi0xLjQKJ"
    )
    parsed = parse_message(raw)
    assert parsed.subject == "truncated"
    assert parsed.text == "First part complete."
    assert parsed.attachments[0].filename == "big.pdf"
    assert parsed.attachments[0].content.startswith(b"%PDF-1.4")
    assert any("truncated" in error for error in parsed.errors)


def test_truncated_in_the_headers():
    parsed = parse_message(b"From: a@b.ru\r\nSubject: cut her")
    assert parsed.subject == "cut her"
    assert parsed.from_address == "a@b.ru"


def test_garbage_bytes_never_raise():
    samples = [
        bytes(range(256)) * 4,
        b"\x00\x00\x00",
        b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--\r\n",
        b"Content-Type: \xff\xfe/\xff; charset=\xff\r\n\r\nx",
        b"From: <<<@@@>>>, ,,, \r\nTo: :;\r\nDate: 99 Foo 99999 99:99:99\r\n\r\n",
        b"Subject: =?utf-8?B?\xff\xff?= =?bad?Q?=ZZ?=\r\n\r\n",
        b"Content-Type: message/rfc822\r\n\r\nnot a message at all",
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 a\r\n",
    ]
    for raw in samples:
        parsed = parse_message(raw)
        assert parsed.size == len(raw)


def test_deep_nesting_is_cut_and_reported():
    depth = 40
    head = "".join(f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n" for i in range(depth))
    raw = (head + "Content-Type: text/plain\r\n\r\ndeep\r\n").encode()
    parsed = parse_message(raw)
    assert any("nested deeper" in error for error in parsed.errors)


def test_dates():
    def date_of(value: str):
        return parse_message(f"Date: {value}\r\n\r\nx".encode()).date

    assert date_of("Mon, 4 Mar 2024 23:30:00 -0500") == datetime(2024, 3, 5, 4, 30, tzinfo=UTC)
    assert date_of("4 Mar 2024 10:00:00 -0000") == datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
    assert date_of("Mon, 4 Mar 2024 10:00:00 GMT") == datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
    assert date_of("2024-03-04 10:00:00 +0300") == datetime(2024, 3, 4, 7, 0, tzinfo=UTC)
    missing = parse_message(b"Date: not a date\r\n\r\nx")
    assert missing.date is None
    assert any("could not be read" in error for error in missing.errors)
    assert parse_message(b"Subject: no date\r\n\r\nx").date is None


def test_message_ids_without_brackets_and_odd_in_reply_to():
    parsed = parse_message(
        b"Message-ID: bare-id@host.ru\r\n"
        b"In-Reply-To: Your message of Mon <orig@host.ru> (Ivan)\r\n"
        b"References: one@host.ru two@host.ru\r\n\r\nx"
    )
    assert parsed.message_id == "bare-id@host.ru"
    assert parsed.in_reply_to == "orig@host.ru"
    assert parsed.references == ["one@host.ru", "two@host.ru"]
    reply = parse_message(b"Message-ID: <b@x>\r\nIn-Reply-To: <a@x>\r\n\r\nx")
    assert (reply.thread_key, parse_message(b"Message-ID: <a@x>\r\n\r\nx").thread_key) == ("a@x", "a@x")


@pytest.mark.parametrize(
    ("header", "signal"),
    [
        ("Auto-Submitted: auto-replied", "Auto-Submitted: auto-replied"),
        ("Precedence: bulk", "Precedence: bulk"),
        ("List-Id: News <news.x.ru>", "List-Id: news <news.x.ru>"),
        ("List-Unsubscribe: <mailto:u@x.ru>", "List-Unsubscribe"),
        ("X-Autoreply: yes", "X-Autoreply"),
        ("From: MAILER-DAEMON@x.ru", "sender mailer-daemon@x.ru"),
        ("From: noreply@shop.ru", "sender noreply@shop.ru"),
    ],
)
def test_robot_letters_are_recognised(header, signal):
    parsed = parse_message(f"{header}\r\nSubject: x\r\n\r\nbody".encode())
    assert parsed.is_automated
    assert signal in parsed.robot_signals


def test_a_person_is_not_a_robot():
    parsed = parse_message(b"From: ivan@x.ru\r\nAuto-Submitted: no\r\nPrecedence: normal\r\n\r\nHi")
    assert not parsed.is_automated
    assert parsed.auto_submitted == "no"


def test_attached_message_is_an_eml_attachment_not_merged_into_the_body():
    inner = "From: boss@x.ru\r\nSubject: Исходное письмо\r\nMessage-ID: <inner@x.ru>\r\n\r\nInner body\r\n"
    raw = crlf(
        "Subject: Fwd\nContent-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: text/plain; charset=utf-8\n\nSee below\n"
        "--b\nContent-Type: message/rfc822\n\n" + inner.replace("\r\n", "\n") + "--b--\n"
    )
    parsed = parse_message(raw)
    assert parsed.text == "See below"
    attachment = parsed.attachments[0]
    assert attachment.content_type == "message/rfc822"
    assert attachment.filename == "Исходное письмо.eml"
    inner_parsed = parse_message(attachment.content)
    assert inner_parsed.message_id == "inner@x.ru"
    assert inner_parsed.text == "Inner body"


def test_format_flowed_is_unflowed():
    raw = crlf(
        "Content-Type: text/plain; charset=utf-8; format=flowed\n\n"
        "This is a long line that was \nwrapped by the sender.\n> quoted text that \n> continues\nNext\n"
    )
    assert parse_message(raw).text == (
        "This is a long line that was wrapped by the sender.\n> quoted text that continues\nNext"
    )


def test_snippet_is_one_line():
    parsed = parse_message(b"\r\n\r\nLine one\r\n\r\n   Line   two\r\n")
    assert parsed.snippet() == "Line one Line two"
    assert parsed.snippet(6) == "Line o"


def test_huge_attachment_comes_through_whole():
    content = bytes(range(256)) * (20 * 1024 * 1024 // 256)
    encoded = base64.encodebytes(content).replace(b"\n", b"\r\n")
    raw = (
        b"Subject: big\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--b\r\nContent-Type: application/octet-stream; name=big.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + encoded
        + b"--b--\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.text == "see attached"
    assert parsed.attachments[0].size == len(content)
    assert parsed.attachments[0].content == content


def test_a_header_the_modern_parser_chokes_on_falls_back_to_the_legacy_one():
    raw = (
        b'Subject: =?koi8-r?B?8NLJ18XU?=\r\nFrom: "X" <a@b.ru>\r\n'
        b'Content-Type: multipart/mixed; boundary="b"; filename*0*\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n" + "Привет всем".encode("koi8-r") + b"\r\n"
        b"--b\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"JVBERg==\r\n--b--\r\n"
    )
    parsed = parse_message(raw)
    assert (parsed.subject, parsed.text, parsed.from_address) == ("Привет", "Привет всем", "a@b.ru")
    assert [(a.filename, a.content) for a in parsed.attachments] == [("a.pdf", b"%PDF")]
    assert any("legacy parser" in error for error in parsed.errors)


def test_a_part_header_that_breaks_the_modern_parser_costs_nothing_else():
    raw = crlf(
        "Content-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: text/plain; charset=utf-8\n\nThe text\n"
        "--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename*\n\nx\n--b--\n"
    )
    parsed = parse_message(raw)
    assert parsed.text == "The text"
    assert [a.content_type for a in parsed.attachments] == ["application/pdf"]


def test_mangled_letters_never_raise_and_never_lose_a_whole_step():
    seeds = [
        build_message(
            OutgoingLetter(
                from_=("Иван", "i@x.ru"),
                to=[("Пётр", "p@y.ru")],
                subject="Счёт",
                text="Текст",
                html="<p>Текст</p>",
                attachments=[
                    OutgoingAttachment("Файл.pdf", "application/pdf", b"%PDF" * 50),
                    OutgoingAttachment("x.eml", "message/rfc822", b"Subject: in\r\n\r\nbody\r\n"),
                    OutgoingAttachment("i.png", "image/png", b"PNG", content_id="c1"),
                ],
            )
        ),
        crlf(
            'Subject: =?koi8-r?B?8NLJ18XU?=\nContent-Type: multipart/mixed; boundary="b"\n\n'
            "--b\nContent-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: quoted-printable\n\n"
            "=F0=D2=C9=D7=C5=D4\n--b\nContent-Disposition: attachment; filename*=utf-8''%D0%90.txt\n\nx\n--b--\n"
        ),
    ]
    inserts = [
        b"\r\n",
        b"--",
        b"=?",
        b"?=",
        b";",
        b'"',
        b"*",
        b"'",
        b"%",
        b"\xff",
        b"\r\n\r\n",
        b"boundary=",
        b"=",
    ]
    inserts += [b"\\", b"<", b">", b"@", b"charset=x", b"filename*0*=", b"; filename*", b"message/rfc822"]
    rng = random.Random(20240305)
    for _ in range(1500):
        raw = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 8)):
            if not raw:
                break
            position, choice = rng.randrange(len(raw)), rng.random()
            if choice < 0.4:
                raw[position] = rng.randrange(256)
            elif choice < 0.6:
                del raw[position : position + rng.randint(1, 40)]
            elif choice < 0.8:
                raw[position:position] = rng.choice(inserts)
            else:
                del raw[position:]
        parsed = parse_message(bytes(raw))
        lost = [
            e
            for e in parsed.errors
            if " failed: " in e or "part could not be read" in e or "not be parsed" in e
        ]
        assert not lost, bytes(raw)[:300]
