"""Route maps and messages from outside (a payment system, a website, a telephony server)."""

from __future__ import annotations

from typing import Any

from crm.accounts.models import DESIGNER
from engine.definitions import list_definitions
from engine.messages import deliver_message
from webui.api.core import operation
from webui.api.serializers import definition_json, delivery_json


@operation(
    "GET",
    "/processes",
    summary="Deployed route maps",
    tag="Processes",
    ok=(200, "ProcessDefinitionList"),
    roles=(DESIGNER,),
)
def processes_list() -> Any:
    """Every deployed key with its latest version (process designers and administrators)."""
    return {"items": [definition_json(summary) for summary in list_definitions()]}


@operation(
    "POST",
    "/messages",
    summary="Deliver a message to the route maps waiting for it",
    tag="Processes",
    body="MessageInput",
    ok=(200, "Delivery"),
    roles=(DESIGNER,),
    description='For integrations such as a payment system: `{"name": "payment.received", '
    '"correlation_key": "interest:42", "payload": {"amount": 1000}}`. Instances waiting for `name` '
    "under `correlation_key` receive it; when none waits, route maps that start on this message start; "
    "otherwise it is stored as unmatched (`unmatched_id`) for an administrator to redeliver. Process "
    "designers and administrators only.",
)
def messages_deliver(body: dict[str, Any]) -> Any:
    delivery = deliver_message(body["name"].strip(), body.get("correlation_key"), body.get("payload") or {})
    return delivery_json(delivery)
