"""Helpers of the monitoring pages: period/filter arguments, CSV export of any table, card links."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Response, request, url_for
from werkzeug.routing import BuildError

from webui.views.workplace_common import int_arg

DEFAULT_PERIOD_DAYS = 90


def arg_int(name: str) -> int | None:
    """A non-negative whole number from the query string, else None (``"²".isdigit()`` is True: not used)."""
    value: int | None = int_arg(name, minimum=0)
    return value


def arg_date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None


def period(default_days: int = DEFAULT_PERIOD_DAYS, *, today: date | None = None) -> tuple[date, date]:
    """The ``from``/``to`` dates of the request (inclusive ``to``), defaulting to the last ``default_days``."""
    today = today or datetime.now(UTC).date()
    end = arg_date("to") or today
    start = arg_date("from") or end - timedelta(days=default_days - 1)
    if start > end:
        start, end = end, start
    return start, end


def instants(start: date, end: date) -> tuple[datetime, datetime]:
    """``[start 00:00 UTC, day after end 00:00 UTC)``."""
    return (
        datetime.combine(start, datetime.min.time(), tzinfo=UTC),
        datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=UTC),
    )


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A table as a CSV download (UTF-8 with BOM so spreadsheet programs detect the encoding)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e6 else f"{value:.0f}"
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    return value


def card_url(business_key: str | None) -> str | None:
    """The card of a deal or appeal behind a business key, when the card pages exist."""
    kind, _, raw = (business_key or "").partition(":")
    endpoint = {
        "interest": ("main.interest_card", "interest_id"),
        "ticket": ("main.ticket_card", "ticket_id"),
    }.get(kind)
    if endpoint is None or not raw.isdigit():
        return None
    try:
        return url_for(endpoint[0], **{endpoint[1]: int(raw)})
    except BuildError:
        return None


def export_link(table: str) -> str:
    """The current page's URL asking for ``table`` as CSV."""
    args = request.args.to_dict()
    args["csv"] = table
    return url_for(request.endpoint or "monitoring.index", **(request.view_args or {}), **args)
