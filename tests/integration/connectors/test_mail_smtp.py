"""SmtpMailer against aiosmtpd on 127.0.0.1 (the ``smtp_server*`` fixtures)."""

from __future__ import annotations

import dataclasses
import smtplib
import ssl

import pytest

from connectors.mail.building import OutgoingLetter, build_message, envelope_recipients
from connectors.mail.interfaces import (
    MailAuthenticationFailed,
    MailRecipientsRefused,
    MailSendFailed,
    OutgoingMailer,
    ServerSettings,
)
from connectors.mail.parsing import parse_message
from connectors.mail.smtp import SmtpMailer
from tests.mail_servers import SmtpTestServer, free_port


def a_letter(**overrides) -> OutgoingLetter:
    values = {
        "from_": ("Отдел продаж", "sales@example.test"),
        "to": [("Клиент", "client@client.test")],
        "cc": [("", "copy@client.test")],
        "bcc": [("", "boss@example.test")],
        "subject": "Коммерческое предложение",
        "text": "Добрый день!\n.Строка с точкой в начале\n.\nКонец.",
    }
    values.update(overrides)
    return OutgoingLetter(**values)


def send(settings: ServerSettings, letter: OutgoingLetter) -> bytes:
    raw = build_message(letter)
    mailer: OutgoingMailer = SmtpMailer(settings)
    mailer.send(raw, letter.from_[1], envelope_recipients(letter))
    return raw


def test_plain_smtp_delivers_the_exact_bytes_to_every_envelope_recipient(smtp_server):
    raw = send(smtp_server.settings, a_letter())
    [received] = smtp_server.messages
    assert received.mail_from == "sales@example.test"
    assert received.rcpt_tos == ["client@client.test", "copy@client.test", "boss@example.test"]
    assert received.raw == raw  # dot-stuffing undone, nothing rewritten
    parsed = parse_message(received.raw)
    assert parsed.subject == "Коммерческое предложение"
    assert parsed.text == "Добрый день!\n.Строка с точкой в начале\n.\nКонец."
    assert parsed.bcc == []


def test_starttls_and_auth_with_a_non_latin_password(smtp_server_tls_auth):
    assert not smtp_server_tls_auth.password.isascii()
    raw = send(smtp_server_tls_auth.settings, a_letter())
    assert [message.raw for message in smtp_server_tls_auth.messages] == [raw]


def test_implicit_tls_and_auth(smtp_server_ssl):
    raw = send(smtp_server_ssl.settings, a_letter())
    assert [message.raw for message in smtp_server_ssl.messages] == [raw]


def test_a_wrong_password_is_an_authentication_failure(smtp_server_tls_auth):
    settings = dataclasses.replace(smtp_server_tls_auth.settings, password="wrong")
    with pytest.raises(MailAuthenticationFailed) as caught:
        send(settings, a_letter())
    assert f"127.0.0.1:{smtp_server_tls_auth.port}" in str(caught.value)
    assert "535" in str(caught.value)
    assert caught.value.permanent
    assert smtp_server_tls_auth.messages == []


def test_a_wrong_ascii_password_over_implicit_tls(smtp_server_ssl):
    settings = dataclasses.replace(smtp_server_ssl.settings, password="wrong")
    with pytest.raises(MailAuthenticationFailed):
        send(settings, a_letter())


def test_login_without_tls_on_a_server_that_offers_auth_only_after_starttls(smtp_server_tls_auth):
    settings = dataclasses.replace(smtp_server_tls_auth.settings, security="none")
    with pytest.raises(MailSendFailed, match="offers no login"):
        send(settings, a_letter())


def test_a_temporary_failure_is_not_permanent_and_a_retry_goes_through(smtp_server):
    smtp_server.fail_next(1, code=451)
    with pytest.raises(MailSendFailed) as caught:
        send(smtp_server.settings, a_letter())
    assert caught.value.permanent is False
    assert "451" in str(caught.value)
    raw = send(smtp_server.settings, a_letter(message_id="retry@example.test"))
    assert [message.raw for message in smtp_server.messages] == [raw]


def test_a_refusal_is_permanent(smtp_server):
    smtp_server.reject_next(1, code=550)
    with pytest.raises(MailSendFailed) as caught:
        send(smtp_server.settings, a_letter())
    assert caught.value.permanent is True
    assert "refused the letter (550" in str(caught.value)
    assert smtp_server.messages == []


def test_some_recipients_refused_is_permanent_and_names_them(smtp_server):
    smtp_server.refuse_recipient("copy@client.test", 550)
    with pytest.raises(MailRecipientsRefused) as caught:
        send(smtp_server.settings, a_letter())
    error = caught.value
    assert error.permanent is True
    assert list(error.refused) == ["copy@client.test"]
    assert error.refused["copy@client.test"][0] == 550
    assert error.accepted == ["client@client.test", "boss@example.test"]
    assert "copy@client.test" in str(error)
    # The letter did go to the others: a retry would send it to them twice.
    assert [message.rcpt_tos for message in smtp_server.messages] == [
        ["client@client.test", "boss@example.test"]
    ]


@pytest.mark.parametrize(("code", "permanent"), [(550, True), (450, False)])
def test_every_recipient_refused(smtp_server, code, permanent):
    letter = a_letter(cc=[], bcc=[])
    smtp_server.refuse_recipient("client@client.test", code)
    with pytest.raises(MailRecipientsRefused) as caught:
        send(smtp_server.settings, letter)
    assert caught.value.permanent is permanent
    assert caught.value.accepted == []
    assert smtp_server.messages == []


def test_no_recipients_is_refused_before_connecting():
    settings = ServerSettings(host="127.0.0.1", port=free_port(), security="none")
    with pytest.raises(MailSendFailed, match="no recipients") as caught:
        SmtpMailer(settings).send(b"Subject: x\r\n\r\nx", "a@example.test", [])
    assert caught.value.permanent


def test_a_closed_port_is_a_temporary_failure():
    settings = ServerSettings(host="127.0.0.1", port=free_port(), security="none")
    with pytest.raises(MailSendFailed, match="connection was refused") as caught:
        send(settings, a_letter())
    assert caught.value.permanent is False


def test_starttls_against_a_server_without_it(smtp_server):
    settings = dataclasses.replace(smtp_server.settings, security="starttls")
    with pytest.raises(MailSendFailed, match="does not offer STARTTLS"):
        send(settings, a_letter())


def test_tls_against_a_plain_server(smtp_server):
    settings = dataclasses.replace(smtp_server.settings, security="ssl")
    with pytest.raises(MailSendFailed, match="TLS handshake failed") as caught:
        send(settings, a_letter())
    assert caught.value.permanent is False


def test_an_untrusted_certificate_is_refused_when_verification_is_on(smtp_server_tls_auth):
    settings = dataclasses.replace(smtp_server_tls_auth.settings, verify_certificate=True)
    with pytest.raises(MailSendFailed, match="certificate is not trusted"):
        send(settings, a_letter())


def test_a_letter_over_the_servers_size_limit_is_refused_before_sending(mail_tls_files):
    server = SmtpTestServer(data_size_limit=2000).start()
    try:
        with pytest.raises(MailSendFailed, match="accepts at most") as caught:
            send(server.settings, a_letter(text="x" * 5000))
        assert caught.value.permanent
        assert server.messages == []
        send(server.settings, a_letter(text="short"))
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_the_test_servers_take_auth_login_too(smtp_server_ssl):
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with smtplib.SMTP_SSL(smtp_server_ssl.host, smtp_server_ssl.port, context=context, timeout=30) as client:
        client.ehlo()
        client.user, client.password = smtp_server_ssl.username, "wrong"
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.auth("LOGIN", client.auth_login)
        client.password = smtp_server_ssl.password
        code, _ = client.auth("LOGIN", client.auth_login)
    assert code == 235
