"""The Feed's keyset cursor and the merge of its two sources.

A Feed interleaves two streams: documents (``feed_entries``) and process events (the engine's log). Both are
ordered newest first by the same key ``(occurred_at, source, id)`` where ``source`` ranks documents above
events posted at the same instant, and ``id`` breaks the remaining ties. A cursor is that key of the last
entry shown; the next page is everything strictly below it, so pages never overlap or skip when new entries
arrive meanwhile (they sort above the cursor). No OFFSET anywhere.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from crm.feed.errors import InvalidCursor

DOCUMENT = "document"
PROCESS = "process"
# Higher rank sorts first at an equal instant (descending order).
SOURCE_RANK = {PROCESS: 0, DOCUMENT: 1}


@dataclass(frozen=True, order=True)
class FeedKey:
    """The sort key of one Feed entry; larger keys are newer and shown first."""

    occurred_at: datetime
    rank: int
    id: int

    @property
    def source(self) -> str:
        return DOCUMENT if self.rank == SOURCE_RANK[DOCUMENT] else PROCESS


class Keyed(Protocol):
    @property
    def key(self) -> FeedKey: ...


T = TypeVar("T", bound=Keyed)


def encode_cursor(key: FeedKey) -> str:
    """An opaque, URL-safe token for ``key`` (microsecond precision, UTC)."""
    at = key.occurred_at.astimezone(UTC)
    raw = f"{at.strftime('%Y%m%dT%H%M%S.%f')}|{key.source}|{key.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str) -> FeedKey:
    """Parse a token made by ``encode_cursor``; ``InvalidCursor`` for anything else."""
    try:
        padded = token + "=" * (-len(token) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
        stamp, source, ident = raw.split("|")
        at = datetime.strptime(stamp, "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)
        return FeedKey(at, SOURCE_RANK[source], int(ident))
    except (ValueError, KeyError, UnicodeDecodeError, binascii.Error) as exc:
        raise InvalidCursor(f"Not a Feed cursor: {token!r}") from exc


def merge_newest_first(streams: Iterable[list[T]], limit: int) -> tuple[list[T], bool]:
    """Merge streams (each already newest first) into one page of ``limit``; also say whether more remain.

    Each stream must hold up to ``limit + 1`` items below the cursor so "more remain" is exact.
    """
    merged = sorted((item for stream in streams for item in stream), key=lambda e: e.key, reverse=True)
    return merged[:limit], len(merged) > limit
