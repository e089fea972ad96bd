"""ImapMailbox against a real Dovecot on 127.0.0.1 (the ``dovecot`` / ``imap_user`` fixtures)."""

from __future__ import annotations

import dataclasses
import socket
import threading

import pytest

from connectors.mail.imap import ImapMailbox
from connectors.mail.interfaces import (
    IncomingMailbox,
    MailAuthenticationFailed,
    MailConnectionFailed,
    MailError,
    ServerSettings,
)
from tests.mail_servers import free_port


def letter(number: int, message_id: str = "", subject: str = "") -> bytes:
    message_id = message_id or f"letter-{number}@client.test"
    return (
        f"From: client@client.test\r\nTo: crm@example.test\r\nSubject: {subject or f'Letter {number}'}\r\n"
        f"Message-ID: <{message_id}>\r\nDate: Tue, 5 Mar 2024 10:00:0{number % 10} +0300\r\n\r\n"
        f"Body of letter {number}\r\n.line starting with a dot\r\n"
    ).encode()


@pytest.mark.parametrize("security", ["none", "starttls", "ssl"])
def test_connects_with_each_security_mode(imap_user, security):
    mailbox: IncomingMailbox = ImapMailbox(imap_user.settings_with(security))
    with mailbox:
        folders = mailbox.list_folders()
    assert [(folder.name, folder.role) for folder in folders] == [("INBOX", "inbox")]


def test_wrong_password_is_an_authentication_failure(imap_user, dovecot):
    settings = dovecot.settings_for(imap_user.name, "wrong password")
    with pytest.raises(MailAuthenticationFailed) as caught, ImapMailbox(settings):
        pass
    assert f"127.0.0.1:{dovecot.port}" in str(caught.value)
    assert "refused the user name or password" in str(caught.value)
    assert caught.value.permanent


def test_closed_port_is_a_connection_failure():
    settings = ServerSettings(host="127.0.0.1", port=free_port(), security="none", username="u", password="p")
    with pytest.raises(MailConnectionFailed, match="connection was refused; check the host and the port"):
        ImapMailbox(settings).connect()


def test_tls_on_a_plain_port_says_to_check_the_security(imap_user, dovecot):
    settings = dataclasses.replace(imap_user.settings, security="ssl", port=dovecot.port)
    with pytest.raises(MailConnectionFailed, match=r"TLS handshake failed.*SSL or STARTTLS"):
        ImapMailbox(settings).connect()


def test_plain_talk_to_a_tls_port_gives_up_after_the_timeout(imap_user, dovecot):
    settings = dataclasses.replace(imap_user.settings, port=dovecot.ssl_port, timeout=1.0)
    with pytest.raises(MailConnectionFailed, match=f"127.0.0.1:{dovecot.ssl_port}"):
        ImapMailbox(settings).connect()


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_an_untrusted_certificate_is_refused_when_verification_is_on(imap_user, security):
    settings = dataclasses.replace(imap_user.settings_with(security), verify_certificate=True)
    with pytest.raises(MailConnectionFailed, match="certificate is not trusted"):
        ImapMailbox(settings).connect()


def test_unknown_security_is_refused():
    settings = ServerSettings(host="127.0.0.1", port=1, security="tls-please")
    with pytest.raises(MailError, match="unknown connection security"):
        ImapMailbox(settings).connect()


def test_using_the_mailbox_outside_a_session_is_an_error(imap_user):
    with pytest.raises(MailError, match="not connected"):
        ImapMailbox(imap_user.settings).list_folders()


def test_folder_roles_from_special_use_flags_then_names(imap_user):
    # The test Dovecot marks "Sent" \Sent and "Old mail" \Archive (SPECIAL-USE); the others are plain names.
    with imap_user.client() as client:
        for name in ("Sent", "Old mail", "Отправленные", "Корзина", "Черновики", "Спам", "Проекты/Архив"):
            client.create_folder(name)
    with ImapMailbox(imap_user.settings) as mailbox:
        folders = {folder.name: folder for folder in mailbox.list_folders()}
    roles = {name: folder.role for name, folder in folders.items()}
    assert roles == {
        "INBOX": "inbox",
        "Sent": "sent",
        "Old mail": "archive",
        "Отправленные": None,  # "sent" already belongs to the folder the server flags \Sent
        "Корзина": "trash",
        "Черновики": "drafts",
        "Спам": "junk",
        "Проекты": None,
        "Проекты/Архив": None,  # "archive" belongs to "Old mail"
    }
    assert "\\Sent" in folders["Sent"].flags
    # "Проекты" exists only as the parent of "Проекты/Архив": listed, but not a folder letters can be in.
    assert [name for name, folder in folders.items() if not folder.selectable] == ["Проекты"]


def test_folder_roles_by_russian_names_alone(imap_user):
    with imap_user.client() as client:
        for name in ("Отправленные", "Удалённые", "Archive", "Projects"):
            client.create_folder(name)
    with ImapMailbox(imap_user.settings) as mailbox:
        roles = {folder.name: folder.role for folder in mailbox.list_folders()}
    assert roles == {
        "INBOX": "inbox",
        "Отправленные": "sent",
        "Удалённые": "trash",
        "Archive": "archive",
        "Projects": None,
    }


def test_fetch_new_tracks_uids_across_sessions_without_duplicates_or_misses(imap_user):
    delivered = {imap_user.deliver(letter(number)): letter(number) for number in range(1, 6)}
    assert sorted(delivered) == [1, 2, 3, 4, 5]
    seen: list[int] = []
    with ImapMailbox(imap_user.settings) as mailbox:
        first = mailbox.fetch_new("INBOX", None, 0, limit=2)
        assert [m.uid for m in first.messages] == [1, 2]
        assert first.has_more and not first.uidvalidity_changed and first.uidvalidity > 0
        seen += [m.uid for m in first.messages]
        second = mailbox.fetch_new("INBOX", first.uidvalidity, seen[-1], limit=2)
        seen += [m.uid for m in second.messages]
        assert second.has_more
    with ImapMailbox(imap_user.settings) as mailbox:  # a new session picks up where the last one stopped
        third = mailbox.fetch_new("INBOX", first.uidvalidity, seen[-1], limit=2)
        seen += [m.uid for m in third.messages]
        assert not third.has_more
        # Nothing new: "UID 6:*" still matches the last letter (UID 5) on the server; it must not come back.
        assert mailbox.fetch_new("INBOX", first.uidvalidity, 5).messages == []
    assert seen == [1, 2, 3, 4, 5]
    for message in [*first.messages, *second.messages, *third.messages]:
        assert message.raw == delivered[message.uid]
    imap_user.deliver(letter(6))
    with ImapMailbox(imap_user.settings) as mailbox:
        later = mailbox.fetch_new("INBOX", first.uidvalidity, 5)
    assert [m.uid for m in later.messages] == [6]
    # The newest letter is deleted: UIDNEXT says 7, yet "UID 7:*" answers with UID 5, the last one left.
    imap_user.deliver(letter(7))
    with imap_user.client() as client:
        client.select_folder("INBOX")
        client.delete_messages([7])
        client.expunge()
    with ImapMailbox(imap_user.settings) as mailbox:
        assert mailbox.fetch_new("INBOX", first.uidvalidity, 6).messages == []


def test_fetching_does_not_mark_letters_read_and_reports_flags(imap_user):
    imap_user.deliver(letter(1))
    imap_user.deliver(letter(2))
    with ImapMailbox(imap_user.settings) as mailbox:
        mailbox.set_flags("INBOX", [2], ["\\Seen", "\\Flagged"])
        batch = mailbox.fetch_new("INBOX", None, 0)
        again = mailbox.fetch_new("INBOX", None, 0)
    assert [set(m.flags) for m in batch.messages] == [set(), {"\\Seen", "\\Flagged"}]
    assert [set(m.flags) for m in again.messages] == [set(), {"\\Seen", "\\Flagged"}]


def test_an_empty_folder_and_a_missing_one(imap_user):
    with ImapMailbox(imap_user.settings) as mailbox:
        batch = mailbox.fetch_new("INBOX", None, 0)
        assert batch.messages == [] and not batch.has_more
        with pytest.raises(MailError, match="opening the folder 'Nowhere' failed") as caught:
            mailbox.fetch_new("Nowhere", None, 0)
        assert not isinstance(caught.value, MailConnectionFailed)
        assert mailbox.list_folders()  # the session survives a refused command


def test_a_recreated_folder_is_detected_by_its_uidvalidity(imap_user):
    for number in (1, 2):
        imap_user.deliver(letter(number), folder="Projects")
    with ImapMailbox(imap_user.settings) as mailbox:
        before = mailbox.fetch_new("Projects", None, 0)
    assert [m.uid for m in before.messages] == [1, 2]
    imap_user.server.recreate_folder(imap_user.name, imap_user.password, "Projects")
    imap_user.deliver(letter(3), folder="Projects")
    with ImapMailbox(imap_user.settings) as mailbox:
        after = mailbox.fetch_new("Projects", before.uidvalidity, 2)
    assert after.uidvalidity_changed
    assert after.uidvalidity != before.uidvalidity
    assert [(m.uid, m.raw) for m in after.messages] == [(1, letter(3))]


def test_append_returns_the_uid_and_find_by_message_id_is_exact(imap_user):
    with imap_user.client() as client:
        client.create_folder("Sent")
    with ImapMailbox(imap_user.settings) as mailbox:
        uid = mailbox.append("Sent", letter(1, "out-1@example.test"), flags=["\\Seen"])
        other = mailbox.append("Sent", letter(2, "xout-1@example.test.ru"))
        assert (uid, other) == (1, 2)
        assert mailbox.find_by_message_id("Sent", "out-1@example.test") == [1]
        assert mailbox.find_by_message_id("Sent", "<out-1@example.test>") == [1]
        assert mailbox.find_by_message_id("Sent", "out-1@example") == []
        assert mailbox.find_by_message_id("Sent", "missing@example.test") == []
        assert mailbox.find_by_message_id("Sent", "") == []
        stored = mailbox.fetch_new("Sent", None, 0).messages[0]
    assert stored.raw == letter(1, "out-1@example.test")
    assert "\\Seen" in stored.flags


def test_append_to_a_missing_folder_is_an_error(imap_user):
    with ImapMailbox(imap_user.settings) as mailbox, pytest.raises(MailError, match="'No such'"):
        mailbox.append("No such", letter(1))


def test_set_flags_adds_and_removes(imap_user):
    imap_user.deliver(letter(1))
    with ImapMailbox(imap_user.settings) as mailbox:
        mailbox.set_flags("INBOX", [1], ["\\Seen", "\\Flagged"])
        mailbox.set_flags("INBOX", [1], ["\\Flagged"], value=False)
        mailbox.set_flags("INBOX", [], ["\\Seen"])  # nothing to do
        flags = mailbox.fetch_new("INBOX", None, 0).messages[0].flags
    assert flags == ("\\Seen",)


class _WithoutExtensions(ImapMailbox):
    """The same client against a server that does not advertise some extensions."""

    missing: frozenset[str] = frozenset()

    def _capable(self, name: str) -> bool:
        return name.upper() not in self.missing and super()._capable(name)


@pytest.mark.parametrize("missing", [(), ("MOVE",), ("MOVE", "UIDPLUS")])
def test_move_with_move_or_copy_delete_expunge(imap_user, missing):
    for number in (1, 2, 3):
        imap_user.deliver(letter(number))
    with imap_user.client() as client:
        client.create_folder("Archive")
    mailbox = _WithoutExtensions(imap_user.settings)
    mailbox.missing = frozenset(missing)
    with mailbox:
        mailbox.move("INBOX", [1, 3], "Archive")
        left = mailbox.fetch_new("INBOX", None, 0).messages
        moved = mailbox.fetch_new("Archive", None, 0).messages
    assert [m.raw for m in left] == [letter(2)]
    assert sorted(m.raw for m in moved) == sorted([letter(1), letter(3)])
    assert all("\\Deleted" not in m.flags for m in moved)


def test_move_to_a_missing_folder_keeps_the_letters(imap_user):
    imap_user.deliver(letter(1))
    with ImapMailbox(imap_user.settings) as mailbox:
        with pytest.raises(MailError, match="moving letters"):
            mailbox.move("INBOX", [1], "Nowhere")
        assert [m.uid for m in mailbox.fetch_new("INBOX", None, 0).messages] == [1]


class _DeliverWhileWaiting(_WithoutExtensions):
    """Delivers a letter from another connection once the server watches the folder."""

    def __init__(self, settings: ServerSettings, deliver) -> None:
        super().__init__(settings)
        self._deliver = deliver
        self.thread: threading.Thread | None = None

    def _waiting(self) -> None:
        self.thread = threading.Thread(target=self._deliver)
        self.thread.start()


@pytest.mark.parametrize("missing", [(), ("IDLE",)], ids=["idle", "noop-polling"])
def test_wait_for_changes_wakes_up_on_a_delivery(imap_user, missing):
    mailbox = _DeliverWhileWaiting(imap_user.settings, lambda: imap_user.deliver(letter(1)))
    mailbox.missing = frozenset(missing)
    with mailbox:
        mailbox.fetch_new("INBOX", None, 0)
        assert mailbox.wait_for_changes("INBOX", timeout=120) is True
        assert mailbox.thread is not None
        mailbox.thread.join()
        assert [m.uid for m in mailbox.fetch_new("INBOX", None, 0).messages] == [1]


@pytest.mark.parametrize("missing", [(), ("IDLE",)], ids=["idle", "noop-polling"])
def test_wait_for_changes_times_out_without_news(imap_user, missing):
    mailbox = _WithoutExtensions(imap_user.settings)
    mailbox.missing = frozenset(missing)
    with mailbox:
        mailbox.fetch_new("INBOX", None, 0)
        assert mailbox.wait_for_changes("INBOX", timeout=0.3) is False
        assert mailbox.list_folders()  # the session is usable after IDLE


def test_a_letter_that_arrived_before_waiting_is_news_at_once(imap_user):
    with ImapMailbox(imap_user.settings) as mailbox:
        mailbox.fetch_new("INBOX", None, 0)
        imap_user.deliver(letter(1))
        assert mailbox.wait_for_changes("INBOX", timeout=120) is True


def test_a_dropped_connection_is_a_connection_failure(imap_user, dovecot):
    with ImapMailbox(imap_user.settings) as mailbox:
        mailbox.list_folders()
        mailbox._require().socket().shutdown(socket.SHUT_RDWR)  # the network goes away under the session
        with pytest.raises(MailConnectionFailed, match=f"127.0.0.1:{dovecot.port}"):
            mailbox.fetch_new("INBOX", None, 0)
        with pytest.raises(MailError, match="not connected"):
            mailbox.list_folders()


def test_folders_with_non_latin_names_work_everywhere(imap_user):
    imap_user.deliver(letter(1), folder="Клиенты/Входящие & заявки")
    with ImapMailbox(imap_user.settings) as mailbox:
        names = [folder.name for folder in mailbox.list_folders()]
        assert "Клиенты/Входящие & заявки" in names
        batch = mailbox.fetch_new("Клиенты/Входящие & заявки", None, 0)
        assert [m.raw for m in batch.messages] == [letter(1)]
        uid = mailbox.append("Клиенты/Входящие & заявки", letter(2, "second@client.test"))
        assert mailbox.find_by_message_id("Клиенты/Входящие & заявки", "second@client.test") == [uid]
        mailbox.move("Клиенты/Входящие & заявки", [uid], "INBOX")
        assert [m.raw for m in mailbox.fetch_new("INBOX", None, 0).messages] == [
            letter(2, "second@client.test")
        ]
