"""The mail page through the real app: folders with unread counts, the list's filters and "Load more", who may
open what (403 for the rest), the reading pane's cleaned body in a sandboxed frame with remote images blocked,
files, bulk actions, take/reject, saved list settings, printing several letters and "letters of the sender"."""

from __future__ import annotations

import html
import re

import pytest
from flask import g

from crm.mail.models import MailAttachment, MailListView, MailMessage
from engine.db import db
from tests.integration.webui.clients_fixtures import log_in
from tests.integration.webui.test_mail_world import build_mail_world

HX = {"HX-Request": "true"}


@pytest.fixture
def world(any_app):
    return build_mail_world()


@pytest.fixture
def client(any_app):
    return any_app.test_client()


def as_user(client, username: str):
    """Log ``client`` in as ``username`` (the test's app context is shared by its requests: forget the last
    request's user and its counts)."""
    for key in ("_login_user", "mail_unread_count", "open_task_count"):
        g.pop(key, None)
    client.post("/logout")
    log_in(client, username)
    return client


def text(resp) -> str:
    return resp.get_data(as_text=True)


def total(page: str) -> int:
    match = re.search(r'data-testid="mail-total">(\d+) in all<', page)
    assert match, page[:2000]
    return int(match.group(1))


def test_mail_page_shows_folders_unread_counts_and_the_first_page(world, client):
    page = text(as_user(client, "mary").get("/mail"))
    assert 'data-testid="mail-account"' in page and "sales@example.com" in page
    assert re.search(r'data-role="inbox"[^>]*>.*?data-testid="folder-unread">22<', page, re.S)
    assert total(page) == 62  # the inbox is opened by default
    assert page.count('data-testid="mail-row"') == 50
    assert 'data-testid="mail-load-more"' in page
    assert 'data-testid="nav-mail-count">22<' in page  # the navigation badge


def test_load_more_pages_on_to_the_end(world, client):
    as_user(client, "mary")
    first = text(client.get(f"/mail?folder={world.inbox.id}"))
    after = html.unescape(re.search(r'hx-get="([^"]*/mail/rows[^"]*)"', first).group(1))
    rows = text(client.get(after, headers=HX))
    assert rows.count('data-testid="mail-row"') == 12
    assert "mail-load-more" not in rows
    assert "Order 00" in rows and "Order 00" not in first
    assert client.get(f"/mail/rows?folder={world.inbox.id}&after=garbage").status_code == 400


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=order+1", 10),
        ("from=buyer%40romashka.ru", 30),
        ("unread=1", 22),
        ("flagged=1", 6),
        ("attach=1", 1),
        ("linked=client", 1),
        ("lead=support", 1),
        ("resp=none", 61),
        ("sort=oldest&date_from=2025-03-04&date_to=2025-03-04", 24),
    ],
)
def test_list_filters_through_the_page(world, client, query, expected):
    as_user(client, "mary")
    assert total(text(client.get(f"/mail?folder={world.inbox.id}&{query}"))) == expected


def test_bad_filters_are_shown_next_to_their_fields_and_ignored(world, client):
    as_user(client, "mary")
    page = text(client.get(f"/mail?folder={world.inbox.id}&date_from=31.02.2025&resp=boss&from=nobody"))
    for name in ("date_from", "resp", "from"):
        assert f'data-field-error="{name}"' in page
    assert total(page) == 62
    page = text(client.get(f"/mail?folder={world.inbox.id}&date_from=2025-05-01&date_to=2025-04-01"))
    assert 'data-field-error="date_to"' in page


def test_strangers_get_no_mailbox_and_403_for_its_letters(world, client):
    as_user(client, "oleg")
    page = text(client.get("/mail"))
    assert 'data-testid="mail-no-accounts"' in page and "Order 0" not in page
    for url in (
        f"/mail?folder={world.inbox.id}",
        f"/mail/letters/{world.html_letter.id}",
        f"/mail/attachments/{db.session.query(MailAttachment.id).scalar()}",
        f"/mail/letters/{world.letters[1].id}/eml",
    ):
        assert client.get(url).status_code in (403, 404), url
    assert client.get(f"/mail/letters/{world.html_letter.id}").status_code == 403
    resp = client.post("/mail/bulk", data={"ids": [world.letters[0].id], "action": "read", "next": "/mail"})
    assert resp.status_code == 303
    assert "Some of the selected letters are not in your mailboxes." in text(client.get("/mail"))
    db.session.expire_all()
    assert db.session.get(MailMessage, world.letters[0].id).is_read is False


def test_a_designer_without_a_working_role_gets_403(world, client):
    from crm.accounts import services as accounts

    accounts.create_user("dina", "Dina Designer", "password-1", roles=["designer"])
    as_user(client, "dina")
    assert client.get("/mail").status_code == 403
    assert client.get("/mail/compose").status_code == 403
    assert client.get("/mail/settings").status_code == 403


def test_reading_pane_shows_cleaned_html_in_a_sandboxed_frame_with_remote_images_blocked(world, client):
    as_user(client, "mary")
    resp = client.get(f"/mail/letters/{world.html_letter.id}", headers=HX)
    assert resp.status_code == 200
    page = text(resp)
    frame = re.search(r'<iframe[^>]*sandbox="([^"]*)"[^>]*srcdoc="([^"]*)"', page)
    assert frame, page
    sandbox, document = frame.group(1), html.unescape(frame.group(2))
    assert "allow-scripts" not in sandbox
    assert "<script" not in document and "onclick" not in document and "alert(" not in document
    assert "img-src 'self' data:;" in document  # the CSP keeps the tracker pixel out
    assert 'src="https://tracker.example.net/pixel.gif"' in document  # kept for "Copy hyperlink"
    assert 'href="https://example.com/offer?id=7&amp;x=1"' in document
    assert 'data-testid="remote-images-blocked"' in page
    assert 'data-testid="letter-sender-all"' in page and "Romashka LLC" in page  # linked client
    shown = html.unescape(re.search(r'srcdoc="([^"]*)"', text(client.get(
        f"/mail/letters/{world.html_letter.id}?images=1", headers=HX))).group(1))  # fmt: skip
    assert "img-src 'self' data: http: https:" in shown
    # Opening the letter marked it read; without htmx it is a page of its own.
    assert db.session.get(MailMessage, world.html_letter.id).is_read is True
    full = text(client.get(f"/mail/letters/{world.html_letter.id}"))
    assert "<!doctype html>" in full.lower() and 'data-testid="mail-letter"' in full


def test_plain_text_letters_are_escaped_with_links_made_clickable(world, client):
    letter = db.session.get(MailMessage, world.letters[2].id)
    letter.text_body = "See https://example.com/a?b=1 <b>not bold</b>"
    db.session.commit()
    as_user(client, "mary")
    document = html.unescape(re.search(r'srcdoc="([^"]*)"', text(client.get(
        f"/mail/letters/{letter.id}", headers=HX))).group(1))  # fmt: skip
    assert "&lt;b&gt;not bold&lt;/b&gt;" in document
    assert '<a href="https://example.com/a?b=1"' in document


def test_files_download_as_attachments(world, client):
    as_user(client, "mary")
    pane = text(client.get(f"/mail/letters/{world.letters[5].id}", headers=HX))
    url = re.search(r'href="(/mail/attachments/\d+)"', pane).group(1)
    resp = client.get(url + "?inline=1")  # a PDF is never shown in place
    assert resp.data == b"%PDF"
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert resp.mimetype == "application/octet-stream"
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    eml = client.get(f"/mail/letters/{world.letters[5].id}/eml")
    assert eml.mimetype == "message/rfc822" and b"Subject: Order 05" in eml.data


def test_bulk_actions_read_flag_move_and_delete(world, client):
    as_user(client, "mary")
    ids = [world.letters[0].id, world.letters[3].id]
    back = f"/mail?folder={world.inbox.id}"

    def bulk(action, **extra):
        resp = client.post("/mail/bulk", data={"ids": ids, "action": action, "next": back, **extra})
        assert resp.status_code == 303 and resp.location.endswith(back)
        db.session.expire_all()
        return [db.session.get(MailMessage, i) for i in ids]

    assert all(m.is_read for m in bulk("read"))
    assert not any(m.is_read for m in bulk("unread"))
    assert all(m.is_flagged for m in bulk("flag"))
    assert all(m.folder_id == world.archive.id for m in bulk("move", folder_id=world.archive.id))
    deleted = bulk("delete")
    assert all(m.marked_for_deletion and m.folder_id == world.trash.id for m in deleted)
    # Nothing chosen, or no folder to move to: a message, nothing changes.
    client.post("/mail/bulk", data={"action": "read", "next": back})
    assert "Select at least one letter." in text(client.get(back))
    client.post("/mail/bulk", data={"ids": [world.letters[7].id], "action": "move", "next": back})
    assert "Choose the folder to move the letters to." in text(client.get(back))
    assert db.session.get(MailMessage, world.letters[7].id).folder_id == world.inbox.id


def test_take_and_reject_letters_waiting_for_a_group(world, client):
    as_user(client, "sveta")
    pane = text(client.get(f"/mail/letters/{world.group_letter.id}", headers=HX))
    assert 'data-testid="letter-take"' in pane and 'data-testid="letter-reject"' in pane
    taken = text(client.post(f"/mail/letters/{world.group_letter.id}/take", headers=HX))
    assert "You are now responsible for this letter." in taken
    letter = db.session.get(MailMessage, world.group_letter.id)
    assert (letter.responsible_id, letter.responsible_group_id) == (world.agent.id, None)
    # Another letter waiting for the group: rejecting it makes the rejecting user Responsible (SPEC #41).
    letter.responsible_id, letter.responsible_group_id = None, world.group_id
    db.session.commit()
    as_user(client, "mary")
    pane = text(client.get(f"/mail/letters/{letter.id}", headers=HX))
    assert 'data-testid="letter-take"' not in pane  # Mary is not in the group
    assert "Letter rejected" in text(client.post(f"/mail/letters/{letter.id}/reject", headers=HX))
    db.session.expire_all()
    assert db.session.get(MailMessage, letter.id).responsible_id == world.manager.id


def test_saved_list_settings_save_load_and_delete(world, client):
    as_user(client, "mary")
    data = {"name": "Unread with files", "unread": "1", "attach": "1", "sort": "oldest", "cols": "from,date,size",
            "next": f"/mail?folder={world.inbox.id}"}  # fmt: skip
    resp = client.post("/mail/views", data=data)
    view = db.session.query(MailListView).filter_by(name="Unread with files").one()
    assert view.settings == {"filters": {"unread": "1", "attach": "1"}, "sort": "oldest",
                             "columns": ["from", "date", "size"]}  # fmt: skip
    loaded = client.get(resp.location + f"?folder={world.inbox.id}")
    assert loaded.status_code == 302
    for part in (
        "unread=1",
        "attach=1",
        "sort=oldest",
        "cols=from%2Cdate%2Csize",
        f"folder={world.inbox.id}",
    ):
        assert part in loaded.location
    page = text(client.get(loaded.location))
    assert 'data-testid="mail-view"' in page and "Unread with files" in page
    assert (
        '<th class="mail-col-size">Size</th>' in page and total(page) == 0
    )  # Order 05 (the one with a file) is read
    # A nameless save is refused with the reason; nothing is stored.
    client.post("/mail/views", data={"name": "  ", "next": "/mail"})
    assert "The list settings were not saved" in text(client.get("/mail"))
    assert db.session.query(MailListView).count() == 1
    as_user(client, "sveta")
    assert client.get(f"/mail/views/{view.id}").status_code == 404  # Mary's, not hers
    assert client.post(f"/mail/views/{view.id}/delete").status_code == 404
    as_user(client, "mary")
    client.post(f"/mail/views/{view.id}/delete", data={"next": "/mail"})
    assert db.session.query(MailListView).count() == 0


def test_printing_several_letters_on_one_page(world, client):
    as_user(client, "mary")
    ids = [world.letters[1].id, world.html_letter.id, world.letters[2].id]
    resp = client.get("/mail/print?" + "&".join(f"ids={i}" for i in ids))
    page = text(resp)
    assert page.count('data-testid="print-letter"') == 3
    assert page.index("Order 01") < page.index("Order 02") < page.index("Offer with pictures")
    assert "alert(" not in page  # the letter's script and handler are gone
    assert resp.headers["Content-Security-Policy"] == "img-src 'self' data:"
    assert resp.mimetype == "text/html"
    as_user(client, "oleg")
    assert 'data-testid="print-none"' in text(client.get("/mail/print?" + "&".join(f"ids={i}" for i in ids)))


def test_letters_of_the_sender_open_the_card_or_the_filtered_list(world, client):
    as_user(client, "mary")
    resp = client.get("/mail/sender?address=INFO@romashka.ru")
    assert resp.location.endswith(
        f"/clients/{world.own_client.id}?feed=letter#feed-client-{world.own_client.id}"
    )
    resp = client.get("/mail/sender?address=buyer@romashka.ru")
    assert "from=buyer@romashka.ru" in resp.location and "scope=all" in resp.location
    page = text(client.get(resp.location))
    assert "Letters from buyer@romashka.ru" in page and total(page) == 30
    assert client.get("/mail/sender?address=nonsense").status_code == 303


def test_a_colleague_who_sees_the_linked_client_reads_the_letter_but_does_no_mailbox_work(world, client):
    from crm.accounts import services as accounts

    sales = world.manager.department_id
    accounts.create_user("sam", "Sam Sales", "password-1", roles=["manager"], department_id=sales)
    letter = db.session.get(MailMessage, world.letters[5].id)
    letter.client_id = world.own_client.id  # Mary's client: Sam, head of her department, sees it
    db.session.commit()
    as_user(client, "sam")
    assert client.get(f"/mail?folder={world.inbox.id}").status_code == 403  # not his mailbox
    pane = text(client.get(f"/mail/letters/{letter.id}", headers=HX))
    assert 'data-testid="letter-subject">Order 05<' in pane
    assert 'data-testid="letter-move"' not in pane and 'data-testid="letter-delete"' not in pane
    url = re.search(r'href="(/mail/attachments/\d+)"', pane).group(1)
    assert client.get(url).data == b"%PDF"
    assert client.post(f"/mail/letters/{letter.id}/delete", headers=HX).status_code == 403
    db.session.expire_all()
    assert db.session.get(MailMessage, letter.id).marked_for_deletion is False


def test_support_and_my_sales_point_to_their_waiting_lead_letters(world, client):
    """SPEC #35: a lead folder's letters show in the scenario's workplace until someone takes them."""
    sveta = as_user(client, "sveta")
    queue = text(sveta.get("/support"))
    link = re.search(r'<a [^>]*href="([^"]+)"[^>]*data-testid="lead-letters">(.*?)</a>', queue, re.S)
    assert link and html.unescape(link.group(1)) == "/mail?lead=support&resp=group"
    assert ">1</span>" in link.group(2)
    listed = text(sveta.get(html.unescape(link.group(1))))
    assert "New lead from the site" in listed and total(listed) == 1
    sales = text(sveta.get("/sales"))
    sales_link = re.search(r'data-testid="lead-letters">(.*?)</a>', sales, re.S)
    assert sales_link and "badge" not in sales_link.group(1)  # no sales lead letters waiting
    sveta.post(f"/mail/letters/{world.group_letter.id}/take", headers=HX)
    after = re.search(r'data-testid="lead-letters">(.*?)</a>', text(sveta.get("/support")), re.S)
    assert after and "badge" not in after.group(1)  # taken: no longer waiting for the group
