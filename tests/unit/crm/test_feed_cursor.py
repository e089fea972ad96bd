"""The Feed cursor round-trips and orders documents and process events the same way on every page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from crm.errors import ValidationFailed
from crm.feed.cursor import (
    DOCUMENT,
    PROCESS,
    SOURCE_RANK,
    FeedKey,
    decode_cursor,
    encode_cursor,
    merge_newest_first,
)
from crm.feed.errors import InvalidCursor

T = datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


@dataclass(frozen=True)
class Item:
    key: FeedKey


def test_cursor_round_trip_keeps_microseconds_and_source() -> None:
    for source in (DOCUMENT, PROCESS):
        key = FeedKey(T, SOURCE_RANK[source], 12345)
        token = encode_cursor(key)
        assert decode_cursor(token) == key
        assert "=" not in token and "/" not in token


@pytest.mark.parametrize("token", ["", "garbage", encode_cursor(FeedKey(T, 1, 1))[:-3] + "!!!"])
def test_foreign_cursor_is_a_validation_error(token: str) -> None:
    with pytest.raises(InvalidCursor) as caught:
        decode_cursor(token)
    assert isinstance(caught.value, ValidationFailed) and "before" in caught.value.field_errors


def test_documents_sort_above_events_at_the_same_instant() -> None:
    doc = FeedKey(T, SOURCE_RANK[DOCUMENT], 1)
    event = FeedKey(T, SOURCE_RANK[PROCESS], 999)
    assert doc > event
    assert FeedKey(T + timedelta(microseconds=1), SOURCE_RANK[PROCESS], 1) > doc


def test_merge_takes_the_newest_and_reports_more() -> None:
    docs = [Item(FeedKey(T - timedelta(minutes=m), 1, 100 - m)) for m in (0, 2, 4)]
    events = [Item(FeedKey(T - timedelta(minutes=m), 0, 50 - m)) for m in (1, 3)]
    page, more = merge_newest_first([docs, events], 4)
    assert [i.key.occurred_at for i in page] == [T - timedelta(minutes=m) for m in range(4)]
    assert more
    page, more = merge_newest_first([docs, events], 5)
    assert len(page) == 5 and not more
