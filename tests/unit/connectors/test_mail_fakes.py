"""The in-memory mailbox and mailer keep the rules the real ones keep (other unit tests rely on them)."""

from __future__ import annotations

import pytest

from connectors.mail.fakes import InMemoryMailbox, RecordingMailer
from connectors.mail.interfaces import (
    IncomingMailbox,
    MailAuthenticationFailed,
    MailConnectionFailed,
    MailError,
    MailSendFailed,
    OutgoingMailer,
    ServerSettings,
)


def letter(number: int, message_id: str = "") -> bytes:
    return f"Message-ID: <{message_id or f'm{number}@x.ru'}>\r\nSubject: {number}\r\n\r\nbody {number}\r\n".encode()


def test_the_fakes_satisfy_the_protocols():
    mailbox: IncomingMailbox = InMemoryMailbox()
    mailer: OutgoingMailer = RecordingMailer()
    assert mailbox is not None and mailer is not None


def test_fetch_new_tracks_uids_and_limits():
    mailbox = InMemoryMailbox()
    for number in range(1, 6):
        mailbox.deliver(letter(number))
    with mailbox:
        first = mailbox.fetch_new("INBOX", None, 0, limit=3)
        assert [m.uid for m in first.messages] == [1, 2, 3]
        assert first.has_more and not first.uidvalidity_changed
        second = mailbox.fetch_new("INBOX", first.uidvalidity, 3, limit=3)
        assert [m.uid for m in second.messages] == [4, 5]
        assert not second.has_more
        assert mailbox.fetch_new("INBOX", first.uidvalidity, 5).messages == []
        assert second.messages[0].raw == letter(4)


def test_recreated_folder_changes_uidvalidity_and_starts_over():
    mailbox = InMemoryMailbox()
    mailbox.deliver(letter(1))
    mailbox.deliver(letter(2))
    with mailbox:
        before = mailbox.fetch_new("INBOX", None, 0)
    mailbox.recreate_folder("INBOX")
    with mailbox:
        after = mailbox.fetch_new("INBOX", before.uidvalidity, 2)
    assert after.uidvalidity_changed
    assert after.uidvalidity != before.uidvalidity
    assert [m.uid for m in after.messages] == [1, 2]


def test_append_find_flags_move():
    mailbox = InMemoryMailbox(["INBOX", "Sent", "Archive"])
    with mailbox:
        uid = mailbox.append("Sent", letter(1, "out@x.ru"), flags=["\\Seen"])
        assert uid == 1
        assert mailbox.find_by_message_id("Sent", "out@x.ru") == [1]
        assert mailbox.find_by_message_id("Sent", "<out@x.ru>") == [1]
        assert mailbox.find_by_message_id("Sent", "out@x") == []  # exact, not a substring
        mailbox.set_flags("Sent", [uid], ["\\Flagged"])
        assert set(mailbox.message("Sent", uid).flags) == {"\\Seen", "\\Flagged"}
        mailbox.set_flags("Sent", [uid], ["\\Seen"], value=False)
        assert mailbox.message("Sent", uid).flags == ("\\Flagged",)
        mailbox.move("Sent", [uid], "Archive")
        assert mailbox.uids("Sent") == [] and mailbox.uids("Archive") == [1]
        assert mailbox.message("Archive", 1).flags == ("\\Flagged",)
        with pytest.raises(MailError, match="does not exist"):
            mailbox.move("Archive", [1], "Nowhere")
    assert InMemoryMailbox(uidplus=False).__enter__().append("INBOX", letter(1)) is None


def test_uids_are_never_reused_after_a_move():
    mailbox = InMemoryMailbox(["INBOX", "Trash"])
    mailbox.deliver(letter(1))
    with mailbox:
        mailbox.move("INBOX", [1], "Trash")
    assert mailbox.deliver(letter(2)) == 2


def test_wait_for_changes_reports_deliveries_since_the_last_fetch():
    mailbox = InMemoryMailbox()
    with mailbox:
        mailbox.fetch_new("INBOX", None, 0)
        assert mailbox.wait_for_changes("INBOX", 30) is False
        mailbox.deliver(letter(1))
        assert mailbox.wait_for_changes("INBOX", 30) is True


def test_folders_and_roles():
    mailbox = InMemoryMailbox(["INBOX"])
    mailbox.add_folder("Отправленные", role="sent")
    with mailbox:
        roles = {folder.name: folder.role for folder in mailbox.list_folders()}
    assert roles == {"INBOX": "inbox", "Отправленные": "sent"}


def test_failures_and_use_outside_a_session():
    mailbox = InMemoryMailbox()
    with pytest.raises(MailError, match="outside"):
        mailbox.list_folders()
    mailbox.fail(MailAuthenticationFailed("imap.test:993: wrong password"))
    with pytest.raises(MailAuthenticationFailed), mailbox:
        pass
    with mailbox:
        mailbox.fail(times=2)
        for _ in range(2):
            with pytest.raises(MailConnectionFailed):
                mailbox.list_folders()
        assert mailbox.list_folders()
        mailbox.fail(times=None)
        for _ in range(3):
            with pytest.raises(MailConnectionFailed):
                mailbox.fetch_new("INBOX", None, 0)
        mailbox.recover()
        assert mailbox.fetch_new("INBOX", None, 0).messages == []


def test_factory_records_settings():
    mailbox, mailer = InMemoryMailbox(), RecordingMailer()
    settings = ServerSettings(host="imap.test", port=993)
    assert mailbox.factory(settings) is mailbox and mailer.factory(settings) is mailer
    assert mailbox.settings_seen == [settings] and mailer.settings_seen == [settings]


def test_recording_mailer_keeps_letters_and_fails_on_demand():
    mailer = RecordingMailer()
    mailer.send(letter(1), "me@x.ru", ["a@x.ru", "b@x.ru"])
    assert mailer.sent[0].recipients == ("a@x.ru", "b@x.ru")
    assert mailer.sent[0].parsed.subject == "1"
    mailer.fail_next(2)
    for _ in range(2):
        with pytest.raises(MailSendFailed) as caught:
            mailer.send(letter(2), "me@x.ru", ["a@x.ru"])
        assert caught.value.permanent is False
    mailer.send(letter(2), "me@x.ru", ["a@x.ru"])
    mailer.fail_next(permanent=True)
    with pytest.raises(MailSendFailed) as caught:
        mailer.send(letter(3), "me@x.ru", ["a@x.ru"])
    assert caught.value.permanent is True
    with pytest.raises(MailSendFailed, match="no recipients"):
        mailer.send(letter(4), "me@x.ru", [])
    assert [sent.parsed.subject for sent in mailer.sent] == ["1", "2"]
    assert mailer.attempts == 6
