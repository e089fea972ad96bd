"""Process events from the engine's log as Feed items: which kinds show, and how each one reads."""

from __future__ import annotations

from typing import Any

from engine import events as ev
from engine.events import ProcessEvent

# Kinds worth a line in a Feed; claims, assignments and service-call chatter stay in the process history.
FEED_PROCESS_KINDS = (
    ev.INSTANCE_STARTED,
    ev.INSTANCE_COMPLETED,
    ev.INSTANCE_CANCELLED,
    ev.TASK_COMPLETED,
    ev.VARIANT_CHOSEN,
    ev.TIMER_FIRED,
    ev.MESSAGE_RECEIVED,
    ev.INCIDENT_OPENED,
    ev.INCIDENT_RESOLVED,
    ev.ERROR,
)
# ``kinds=["process"]`` selects every process kind above.
PROCESS_ALIAS = "process"

_TITLES = {
    ev.INSTANCE_STARTED: "Process started",
    ev.INSTANCE_COMPLETED: "Process completed",
    ev.INSTANCE_CANCELLED: "Process cancelled",
    ev.TASK_COMPLETED: "Task completed",
    ev.VARIANT_CHOSEN: "Variant chosen",
    ev.TIMER_FIRED: "Timer fired",
    ev.MESSAGE_RECEIVED: "Message received",
    ev.INCIDENT_OPENED: "Incident",
    ev.INCIDENT_RESOLVED: "Incident resolved",
    ev.ERROR: "Process error",
}


def owner_of(business_key: str | None) -> tuple[int | None, int | None]:
    """``(interest_id, ticket_id)`` named by a business key such as ``interest:42`` or ``ticket:7``."""
    prefix, _, ident = (business_key or "").partition(":")
    if not ident.isdigit():
        return None, None
    if prefix == "interest":
        return int(ident), None
    if prefix == "ticket":
        return None, int(ident)
    return None, None


def describe(event: ProcessEvent, process_name: str) -> tuple[str, str, dict[str, Any]]:
    """Title, summary and details of one process event as the Feed shows it.

    A "variant chosen" entry names the variant, the task whose completion chose it and (in the item's author)
    who completed that task.
    """
    details = dict(event.details or {})
    title = _TITLES.get(event.kind, event.kind.replace("_", " ").capitalize())
    element = event.element_name or event.element_id or ""
    if event.kind == ev.VARIANT_CHOSEN:
        variant = str(details.get("variant") or details.get("flow") or "?")
        task_name = str(details.get("task_name") or element)
        details.update({"variant": variant, "task_name": task_name})
        title = f"{title}: {variant}"
        summary = f"{process_name} — {task_name}" if task_name else process_name
    elif event.kind in (ev.INSTANCE_STARTED, ev.INSTANCE_COMPLETED, ev.INSTANCE_CANCELLED):
        title = f"{title}: {process_name}"
        summary = ""
    else:
        title = f"{title}: {element}" if element else title
        summary = process_name
    message = details.get("summary") or details.get("message")
    if message:
        summary = f"{summary} — {message}" if summary else str(message)
    return title, summary, details
