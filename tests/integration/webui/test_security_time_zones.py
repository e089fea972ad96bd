"""Instants are shown in the reader's zone whether they arrive aware or naive (naive = UTC, as stored), and
never in the server's own zone."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest


@pytest.fixture
def server_in_new_york(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_datetime_filter_reads_naive_values_as_utc(app, server_in_new_york):
    show = app.jinja_env.filters["datetime"]
    with app.test_request_context():  # anonymous: the default zone, Europe/Moscow (UTC+3)
        naive = show(datetime(2024, 1, 15, 12, 0), "HH:mm")
        aware = show(datetime(2024, 1, 15, 12, 0, tzinfo=UTC), "HH:mm")
    assert naive == aware == "15:00"


def test_feed_instant_reads_naive_values_as_utc(app, server_in_new_york):
    show = app.jinja_env.filters["feed_instant"]
    with app.test_request_context():
        assert show("2024-01-15T12:00:00") == show("2024-01-15T12:00:00+00:00")
        assert "3:00" in show("2024-01-15T12:00:00")  # 12:00 UTC is 15:00 in Moscow
