"""GET /api/v1/mail/letters and /api/v1/mail/letters/{id}: the caller's mailboxes only, the mail page's filters,
keyset paging through ``next``, sanitised HTML, problems for bad parameters; every answer matches the
OpenAPI document."""

from __future__ import annotations

import pytest

from tests.integration.webui.api_fixtures import caller_for
from tests.integration.webui.test_mail_world import build_mail_world


@pytest.fixture
def world(any_app):
    return build_mail_world()


def test_letters_page_on_with_next_and_follow_the_filters(world, any_app):
    mary = caller_for(any_app, world.manager)
    first = mary.get("/api/v1/mail/letters?limit=40")
    assert first["total"] == 62 and len(first["items"]) == 40
    assert first["items"][0]["subject"] == "New lead from the site"
    second = mary.get(first["next"])
    assert len(second["items"]) == 22 and second["next"] is None
    assert not {m["id"] for m in first["items"]} & {m["id"] for m in second["items"]}
    found = mary.get(f"/api/v1/mail/letters?folder_id={world.inbox.id}&from=buyer@romashka.ru&unread=true")
    assert found["total"] == 10
    assert all(m["from_address"] == "buyer@romashka.ru" and not m["is_read"] for m in found["items"])
    linked = mary.get("/api/v1/mail/letters?linked=client")
    assert [m["client_id"] for m in linked["items"]] == [world.own_client.id]


def test_one_letter_has_its_text_and_sanitised_html(world, any_app):
    mary = caller_for(any_app, world.manager)
    letter = mary.get(f"/api/v1/mail/letters/{world.html_letter.id}")
    assert letter["subject"] == "Offer with pictures" and letter["text"] == "Hello there"
    assert (
        "<b>there</b>" in letter["html"]
        and "<script" not in letter["html"]
        and "onclick" not in letter["html"]
    )


def test_strangers_and_bad_parameters_get_problems(world, any_app):
    oleg = caller_for(any_app, world.other_manager)
    assert oleg.get("/api/v1/mail/letters")["total"] == 0
    oleg.get(f"/api/v1/mail/letters?folder_id={world.inbox.id}", expect=403)
    oleg.get(f"/api/v1/mail/letters/{world.html_letter.id}", expect=403)
    mary = caller_for(any_app, world.manager)
    mary.get("/api/v1/mail/letters/999999", expect=404)
    mary.get("/api/v1/mail/letters?unread=maybe", expect=400)
    mary.get("/api/v1/mail/letters?date_from=31.12.2025", expect=400)
    mary.get("/api/v1/mail/letters?responsible=boss", expect=422)
    mary.get("/api/v1/mail/letters?after=garbage", expect=422)
    admin = caller_for(any_app, world.admin)  # no mailbox of his own: an empty list, not an error
    assert admin.get("/api/v1/mail/letters")["items"] == []
