"""The small form builder over the status-rule condition language (``crm.statuses.conditions``).

The builder edits what most rules are: one condition, or "all of" / "any of" a list of conditions, each
possibly negated. Deeper trees are edited in the raw JSON mode. Rows are plain dicts of strings as the form
posts them (``c-<i>-<param>``); the server turns them into the JSON tree and maps validation paths back to rows.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _

from crm.statuses.conditions import LEAF_TYPES

PARAMS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "interests": (
        "outcome",
        "within_days",
        "since_status",
        "min_count",
        "max_count",
        "min_amount",
        "min_total",
    ),
    "payments": ("within_days", "min_count", "max_count", "min_total"),
    "interactions": ("exists", "within_days"),
    "created": ("within_days",),
    "flag": ("flag",),
    "status_was": ("status",),
}
PARAMS = ("outcome", "within_days", "since_status", "min_count", "max_count", "min_amount", "min_total",
          "exists", "flag", "status")  # fmt: skip
WHOLE = ("within_days", "min_count", "max_count")
NUMBER = ("min_amount", "min_total")
EMPTY_ROWS = 1  # blank rows offered below the existing ones
_PATH = re.compile(r"^conditions(?:\.(?:all|any)\[(\d+)\])?(?:\.not)?(?:\.(\w+))?$")


def blank_row() -> dict[str, Any]:
    return {"negate": False, "type": "", **{p: "" for p in PARAMS}}


def rows_from_conditions(tree: dict[str, Any]) -> tuple[str, list[dict[str, Any]]] | None:
    """``(combinator, rows)`` for a tree the builder can show, or None (edit it as JSON)."""
    if not tree:
        return "all", []
    combinator, parts = "all", [tree]
    for key in ("all", "any"):
        if key in tree:
            combinator, parts = key, tree[key]
    rows = []
    for part in parts:
        negate = "not" in part and len(part) == 1
        leaf = part["not"] if negate else part
        if not isinstance(leaf, dict) or leaf.get("type") not in LEAF_TYPES:
            return None
        if set(leaf) - {"type", *PARAMS_BY_TYPE[leaf["type"]]}:
            return None
        row = blank_row()
        row["negate"], row["type"] = negate, leaf["type"]
        for key, value in leaf.items():
            if key != "type":
                row[key] = ("1" if value else "0") if isinstance(value, bool) else str(value)
        rows.append(row)
    return combinator, rows


def rows_from_form(form: Any) -> list[dict[str, Any]]:
    """The builder rows as posted (blank rows included, so the page re-renders what was typed)."""
    rows = []
    index = 0
    while f"c-{index}-type" in form:
        row = {"negate": form.get(f"c-{index}-negate") == "1", "type": form.get(f"c-{index}-type", "")}
        row.update({p: form.get(f"c-{index}-{p}", "").strip() for p in PARAMS})
        rows.append(row)
        index += 1
    return rows


def conditions_from_rows(
    combinator: str, rows: list[dict[str, Any]]
) -> tuple[dict[str, Any] | None, dict[int, dict[str, str]]]:
    """The JSON tree of the builder rows (rows without a type are skipped) and per-row field errors."""
    errors: dict[int, dict[str, str]] = {}
    leaves: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        if not row["type"]:
            continue
        if row["type"] not in PARAMS_BY_TYPE:
            errors[index] = {"type": _("Choose what to check.")}
            continue
        leaf: dict[str, Any] = {"type": row["type"]}
        for param in PARAMS_BY_TYPE[row["type"]]:
            raw = row.get(param, "")
            if raw == "":
                continue
            if param in WHOLE:
                if not raw.isdigit():
                    errors.setdefault(index, {})[param] = _("A whole number of 0 or more.")
                    continue
                leaf[param] = int(raw)
            elif param in NUMBER:
                try:
                    number = float(raw.replace(",", "."))
                except ValueError:
                    errors.setdefault(index, {})[param] = _("A number.")
                    continue
                leaf[param] = int(number) if number.is_integer() else number
            elif param == "exists":
                leaf[param] = raw == "1"
            else:
                leaf[param] = raw
        leaves.append({"not": leaf} if row["negate"] else leaf)
    if not leaves:
        return None, errors
    if len(leaves) == 1:
        return leaves[0], errors
    return {"any" if combinator == "any" else "all": leaves}, errors


def row_errors_from_paths(
    field_errors: dict[str, str], rows: list[dict[str, Any]]
) -> tuple[dict[int, dict[str, str]], dict[str, str]]:
    """Split service errors on ``conditions...`` paths into per-row errors (by the row's position among the
    typed rows) and the rest."""
    typed = [i for i, row in enumerate(rows) if row["type"]]
    by_row: dict[int, dict[str, str]] = {}
    other: dict[str, str] = {}
    for path, message in field_errors.items():
        found = _PATH.match(path)
        if found and typed:
            position = int(found.group(1) or 0)
            row_index = typed[min(position, len(typed) - 1)]
            by_row.setdefault(row_index, {})[found.group(2) or "type"] = message
        else:
            other[path] = message
    return by_row, other
