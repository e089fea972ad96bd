"""The time zones a business region may have, and the local time shown beside them."""

from __future__ import annotations

from datetime import UTC, datetime

from crm.clients.directories import local_time, time_zones


def test_the_select_offers_area_city_zones_and_utc_sorted() -> None:
    zones = time_zones()
    assert {"Europe/Moscow", "Asia/Vladivostok", "America/New_York", "UTC"} <= set(zones)
    assert list(zones) == sorted(zones)
    assert not any(z.startswith(("Etc/", "SystemV/")) or z == "posixrules" for z in zones)


def test_local_time_is_the_wall_clock_of_the_zone() -> None:
    noon_utc = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
    assert local_time("Asia/Vladivostok", noon_utc).strftime("%Y-%m-%d %H:%M") == "2025-01-15 22:00"
    assert local_time("America/New_York", noon_utc).strftime("%H:%M") == "07:00"  # winter: UTC-5


def test_an_unknown_zone_has_no_local_time() -> None:
    assert local_time("Mars/Olympus") is None
    assert local_time("../etc/passwd") is None
