"""The shared Feed partial and the quick actions above it: results appear in the Feed at once (htmx answer
with the Feed swapped out of band), kind chips, "Load more" keyset paging, sanitized notes, errors next to the
fields, access."""

import re

import pytest

from crm.activities.models import Interaction, Note
from crm.activities.notes import add_note
from engine.db import db
from tests.integration.webui.clients_fixtures import build_world, log_in

HX = {"HX-Request": "true"}
PAYLOAD = "<p>Call <b>back</b></p><script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.fixture
def world(app):
    return build_world()


@pytest.fixture
def mary(client, world):
    log_in(client, "mary")
    return client


def feed_items(html: str) -> list[str]:
    return re.findall(r'data-testid="feed-item"', html)


def test_quick_note_appears_in_the_feed_sanitized(mary, world):
    url = f"/feed/client/{world.own_client.id}/actions/note"
    resp = mary.post(url, data={"qa-note-body_html": PAYLOAD}, headers=HX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert 'data-testid="qa-message"' in html
    assert f'id="feed-client-{world.own_client.id}" data-testid="feed" hx-swap-oob="outerHTML"' in html
    feed = html.split('data-testid="feed"', 1)[1]
    assert "<b>back</b>" in feed
    assert "<script" not in feed and "onerror" not in feed
    note = db.session.query(Note).one()
    assert "<script" not in note.body_html and "onerror" not in note.body_html
    card = mary.get(f"/clients/{world.own_client.id}").get_data(as_text=True)
    assert "<b>back</b>" in card and "alert(" not in card


def test_quick_letter_is_sent_from_the_writers_mail_account_to_the_cards_address(mary, world):
    from crm.feed.models import FeedEntry
    from crm.mail.accounts import create_account
    from crm.mail.models import MailMessage, MailOutbox

    create_account(
        world.manager,
        {"name": "Mary", "email_address": "mary@example.test", "kind": "personal", "owner_id": world.manager.id,
         "imap_host": "127.0.0.1", "imap_port": 143, "imap_security": "none", "smtp_host": "127.0.0.1",
         "smtp_port": 25, "smtp_security": "none"},
    )  # fmt: skip
    base = f"/feed/client/{world.own_client.id}/actions/letter"
    resp = mary.post(
        base, data={"qa-letter-subject": "Price list", "qa-letter-body": "Here it is"}, headers=HX
    )
    assert "queued for sending" in resp.get_data(as_text=True)
    letter = db.session.query(MailMessage).one()
    assert [a["address"] for a in letter.to_addresses] == ["info@romashka.ru"]  # the card's e-mail
    assert letter.client_id == world.own_client.id and "Here it is" in letter.html_body
    assert db.session.query(MailOutbox).filter_by(message_id=letter.id).count() == 1
    assert (
        db.session.query(FeedEntry)
        .filter_by(client_id=world.own_client.id, kind="mail", ref_id=letter.id)
        .count()
        == 1
    )
    assert db.session.query(Interaction).count() == 0  # a real letter, not a record of one
    card = mary.get(f"/clients/{world.own_client.id}?feed=letter").get_data(as_text=True)
    assert f'href="/mail?letter={letter.id}" data-testid="feed-mail-link"' in card
    resp = mary.post(base, data={"qa-letter-to": "not an address", "qa-letter-subject": "x"}, headers=HX)
    assert "is not an e-mail address" in resp.get_data(as_text=True)
    assert db.session.query(MailMessage).count() == 1


def test_letter_task_and_interaction_quick_actions(mary, world):
    base = f"/feed/client/{world.own_client.id}/actions"
    assert (
        mary.post(
            f"{base}/letter", data={"qa-letter-subject": "Price list", "qa-letter-body": "Attached"}
        ).status_code
        == 200
    )
    assert mary.post(f"{base}/task", data={"qa-task-kind": "meeting", "qa-task-subject": "Demo visit",
                                           "qa-task-planned_at": "2030-05-06T10:30"}).status_code == 200  # fmt: skip
    resp = mary.post(f"{base}/interaction", data={"qa-interaction-kind": "call", "qa-interaction-direction": "incoming",
                                                  "qa-interaction-subject": "Asked for a discount"})  # fmt: skip
    html = resp.get_data(as_text=True)
    by_subject = {i.subject: i for i in db.session.query(Interaction)}
    letter, task, call = (
        by_subject["Price list"],
        by_subject["Demo visit"],
        by_subject["Asked for a discount"],
    )
    assert (letter.kind, letter.direction, letter.status) == ("letter", "outgoing", "done")
    assert (task.kind, task.status) == ("meeting", "planned")
    assert task.planned_at.isoformat().startswith("2030-05-06T07:30")  # 10:30 Moscow time
    assert (call.kind, call.direction) == ("call", "incoming")
    for subject in ("Price list", "Demo visit", "Asked for a discount"):
        assert subject in html
    assert "Planned for" in html


def test_quick_action_errors_stay_next_to_the_fields(mary, world):
    resp = mary.post(f"/feed/client/{world.own_client.id}/actions/task",
                     data={"qa-task-kind": "call", "qa-task-subject": "", "qa-task-planned_at": "soon"})  # fmt: skip
    html = resp.get_data(as_text=True)
    assert 'data-field-error="qa-task-subject"' in html
    assert 'data-field-error="qa-task-planned_at"' in html
    assert "hx-swap-oob" not in html
    resp = mary.post(
        f"/feed/client/{world.own_client.id}/actions/note", data={"qa-note-body_html": "<script>x</script>"}
    )
    assert 'data-field-error="qa-note-body_html"' in resp.get_data(as_text=True)  # empty after sanitizing
    assert db.session.query(Interaction).count() == 0 and db.session.query(Note).count() == 0


def test_kind_chips_and_load_more_page_through_the_feed(mary, world):
    for n in range(25):
        add_note(world.manager, {"client_id": world.own_client.id, "body_html": f"<p>note {n}</p>"})
    first = mary.get(f"/feed/client/{world.own_client.id}?kinds=note").get_data(as_text=True)
    assert len(feed_items(first)) == 20
    assert "note 24" in first and "note 5" in first and "note 4" not in first
    more = re.search(r'hx-get="([^"]+before=[^"]+)"', first).group(1).replace("&amp;", "&")
    second = mary.get(more).get_data(as_text=True)
    assert len(feed_items(second)) == 5
    assert "note 4" in second and "note 0" in second and "note 5" not in second
    assert 'data-testid="feed-load-more"' not in second
    letters = mary.get(f"/feed/client/{world.own_client.id}?kinds=letter").get_data(as_text=True)
    assert 'data-testid="feed-empty"' in letters
    everything = mary.get(f"/feed/client/{world.own_client.id}").get_data(as_text=True)
    assert "note 24" in everything and "Office furniture" not in everything  # older than the first page
    interests = mary.get(f"/feed/client/{world.own_client.id}?kinds=interest").get_data(as_text=True)
    assert "Office furniture" in interests and "note 24" not in interests
    assert 'data-kind="interest" aria-pressed="true"' in interests


def test_feed_endpoint_rejects_bad_input_and_foreign_cards(mary, world, app):
    app.config["TEST_ERROR_PAGES"] = True
    assert mary.get(f"/feed/client/{world.own_client.id}?before=garbage").status_code == 400
    assert mary.get(f"/feed/client/{world.own_client.id}?kinds=bogus").status_code == 400
    assert mary.get(f"/feed/planet/{world.own_client.id}").status_code == 404
    assert mary.get(f"/feed/client/{world.other_client.id}").status_code == 403
    resp = mary.post(f"/feed/client/{world.other_client.id}/actions/note", data={"qa-note-body_html": "hi"})
    assert resp.status_code == 403
    assert db.session.query(Note).count() == 0


def test_contact_feed_is_the_same_partial(mary, world):
    resp = mary.post(
        f"/feed/contact/{world.contact.id}/actions/note", data={"qa-note-body_html": "<i>met him</i>"}
    )
    assert "<i>met him</i>" in resp.get_data(as_text=True)
    page = mary.get(f"/feed/contact/{world.contact.id}").get_data(as_text=True)
    assert f'id="feed-contact-{world.contact.id}"' in page and "<i>met him</i>" in page
