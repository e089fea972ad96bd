"""Scale data for benchmarks: bulk-loaded (COPY on PostgreSQL), consistent, readable through the services."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from crm.accounts.models import User
from crm.clients.models import Client, ContactDetail
from crm.clients.normalize import inn_error
from crm.demo.scale_data import find_scale_data, generate_scale_data
from crm.feed.models import FeedEntry
from crm.feed.posting import post_feed_entry
from crm.feed.services import feed_for
from engine.db import db


def test_scale_data_small_run(any_app: Flask) -> None:
    seen: list[tuple[str, int, int]] = []
    data = generate_scale_data(
        clients=60, feed=500, seed=7, big_client_feed=120, big_client_interests=4,
        progress=lambda *step: seen.append(step),
    )  # fmt: skip
    assert find_scale_data() == data
    assert {stage for stage, _, _ in seen} == {"clients", "interests", "feed", "process events"}
    assert db.session.scalar(select(func.count()).select_from(Client)) == 60
    assert db.session.scalar(select(func.count()).select_from(FeedEntry)) == 500
    big_rows = db.session.scalar(select(func.count()).where(FeedEntry.client_id == data.big_client_id))
    assert big_rows is not None and big_rows >= 120
    for client in db.session.scalars(select(Client).where(Client.inn.is_not(None))):
        assert inn_error(client.inn or "", client.kind) is None
    assert db.session.scalar(select(func.count()).select_from(ContactDetail)) >= 60

    manager = db.session.get(User, data.manager_id)
    assert manager is not None
    page = feed_for(manager, client_id=data.big_client_id, limit=30)
    assert len(page.entries) == 30 and page.next_cursor
    variants = feed_for(manager, client_id=data.big_client_id, kinds=["variant_chosen"], limit=50)
    assert len(variants.entries) == 4 and variants.entries[0].details["variant"] == "Hot lead"
    # Sequences were moved past the loaded ids: ordinary inserts still work.
    post_feed_entry(kind="note", ref_id=1, title="after bulk", client_id=data.big_client_id)
    db.session.commit()
