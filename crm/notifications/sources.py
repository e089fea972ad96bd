"""The three notification stores read as one: the route maps', monitoring alerts' and the CRM's own.

Each store becomes one branch of a ``UNION ALL`` with the same columns; the branch's ``rank`` breaks ties of
``created_at`` so the newest-first order (created_at, rank, id) is total and keyset paging never skips or
repeats a row. Public ids are ``"<source>-<row id>"`` so a row of one store is never mistaken for another's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, cast, literal, null, select, union_all
from sqlalchemy.sql import Select

from crm.monitoring.models import Notification as MonitoringNotification
from crm.notifications.models import UserNotification
from crm.processes_models import ProcessNotification

SOURCE_PROCESS = "process"
SOURCE_MONITORING = "monitoring"
SOURCE_APP = "app"
KIND_ROUTE_MAP = "route_map"
KIND_MONITORING_ALERT = "monitoring_alert"
STORES: dict[str, Any] = {
    SOURCE_PROCESS: ProcessNotification,
    SOURCE_MONITORING: MonitoringNotification,
    SOURCE_APP: UserNotification,
}
RANKS = {SOURCE_PROCESS: 1, SOURCE_MONITORING: 2, SOURCE_APP: 3}
SOURCE_BY_RANK = {rank: source for source, rank in RANKS.items()}
TITLE_MAX = 200
CARD_PATHS = {"interest": "/interests/{}", "ticket": "/tickets/{}"}


@dataclass(frozen=True)
class Cursor:
    """Position after an item in the newest-first order; ``str()`` is the opaque ``before`` token."""

    created_at: datetime
    rank: int
    row_id: int

    def __str__(self) -> str:
        return f"{self.created_at.isoformat()}_{self.rank}_{self.row_id}"

    @classmethod
    def parse(cls, token: str) -> Cursor:
        """Read a token made by ``str()``; ValueError when it is not one."""
        stamp, rank, row_id = token.rsplit("_", 2)
        created_at = datetime.fromisoformat(stamp)
        if created_at.tzinfo is None or int(rank) not in SOURCE_BY_RANK:
            raise ValueError(f"not a notification cursor: {token!r}")
        return cls(created_at, int(rank), int(row_id))


@dataclass(frozen=True)
class NotificationItem:
    """One notification as every page shows it, whatever store it lives in."""

    id: str
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime
    read: bool
    cursor: str


def _process_branch(user_id: int) -> Select[Any]:
    n = ProcessNotification
    return select(
        literal(RANKS[SOURCE_PROCESS], Integer).label("rank"), n.id.label("row_id"),
        literal(KIND_ROUTE_MAP, String).label("kind"), cast(n.text, Text).label("title"),
        cast(null(), Text).label("body"), cast(null(), String).label("link"), n.business_key.label("business_key"),
        n.client_id.label("client_id"), n.created_at.label("created_at"), n.read_at.label("read_at"),
    ).where(n.user_id == user_id)  # fmt: skip


def _monitoring_branch(user_id: int) -> Select[Any]:
    n = MonitoringNotification
    return select(
        literal(RANKS[SOURCE_MONITORING], Integer).label("rank"), n.id.label("row_id"),
        literal(KIND_MONITORING_ALERT, String).label("kind"), cast(n.title, Text).label("title"),
        cast(n.body, Text).label("body"), cast(n.link, String).label("link"),
        cast(null(), String).label("business_key"), cast(null(), Integer).label("client_id"),
        n.created_at.label("created_at"), n.read_at.label("read_at"),
    ).where(n.user_id == user_id)  # fmt: skip


def _app_branch(user_id: int) -> Select[Any]:
    n = UserNotification
    return select(
        literal(RANKS[SOURCE_APP], Integer).label("rank"), n.id.label("row_id"), cast(n.kind, String).label("kind"),
        cast(n.title, Text).label("title"), cast(n.body, Text).label("body"), cast(n.link, String).label("link"),
        cast(null(), String).label("business_key"), cast(null(), Integer).label("client_id"),
        n.created_at.label("created_at"), n.read_at.label("read_at"),
    ).where(n.user_id == user_id)  # fmt: skip


def union_for(user_id: int, *, unread_only: bool, not_after: datetime | None) -> Any:
    """The user's notifications from every store as one subquery (filters pushed into each branch)."""
    branches = []
    for build, model in (
        (_process_branch, ProcessNotification),
        (_monitoring_branch, MonitoringNotification),
        (_app_branch, UserNotification),
    ):
        branch = build(user_id)
        if unread_only:
            branch = branch.where(model.read_at.is_(None))
        if not_after is not None:
            branch = branch.where(model.created_at <= not_after)
        branches.append(branch)
    return union_all(*branches).subquery("notifications")


def _card_link(business_key: str | None, client_id: int | None) -> str:
    kind, _, ident = (business_key or "").partition(":")
    if kind in CARD_PATHS and ident.isdigit():
        return CARD_PATHS[kind].format(int(ident))
    return f"/clients/{client_id}" if client_id else ""


def item_from_row(row: Any) -> NotificationItem:
    """Turn one union row into the common item (route-map rows: text -> title, record -> link)."""
    source = SOURCE_BY_RANK[row.rank]
    title, body, link = row.title or "", row.body or "", row.link or ""
    if source == SOURCE_PROCESS:
        first, _, rest = title.strip().partition("\n")
        title = first if len(first) <= TITLE_MAX else first[: TITLE_MAX - 1] + "…"
        body = rest.strip() or (title != first and first) or ""
        link = _card_link(row.business_key, row.client_id)
    return NotificationItem(
        id=f"{source}-{row.row_id}", kind=row.kind, title=title, body=body, link=link,
        created_at=row.created_at, read=row.read_at is not None,
        cursor=str(Cursor(row.created_at, row.rank, row.row_id)),
    )  # fmt: skip
