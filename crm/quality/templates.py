"""Shipped, recommended quality rule sets (SPEC #11): load one with ``load_quality_template``.

Weights say what matters for a client in that status: for a "New" client we want a way to reach them; an
"Active" client should have full requisites for invoicing and a key person; statuses we no longer work with
("Foreign", "Non-target", "Liquidated") ask for little.
"""

from __future__ import annotations

from crm.quality.models import TARGET_CLIENT, TARGET_CONTACT
from crm.statuses.models import (
    ACTIVE,
    FOREIGN,
    IN_PROGRESS,
    LIQUIDATED,
    LOST,
    NEW,
    NON_TARGET,
    RETURNED,
)

Rules = tuple[tuple[str, str, int], ...]  # (target, field, weight)

_REACHABLE: Rules = (
    (TARGET_CLIENT, "phone", 3),
    (TARGET_CLIENT, "email", 2),
    (TARGET_CLIENT, "contacts", 2),
    (TARGET_CLIENT, "responsible", 1),
    (TARGET_CONTACT, "phone", 2),
    (TARGET_CONTACT, "email", 2),
    (TARGET_CONTACT, "position", 1),
)
_WORKING: Rules = (
    *_REACHABLE,
    (TARGET_CLIENT, "inn", 3),
    (TARGET_CLIENT, "legal_name", 2),
    (TARGET_CLIENT, "actual_address", 1),
    (TARGET_CLIENT, "segment", 1),
    (TARGET_CLIENT, "region", 1),
)
_CUSTOMER: Rules = (
    *_WORKING,
    (TARGET_CLIENT, "kpp", 1),
    (TARGET_CLIENT, "legal_address", 2),
    (TARGET_CLIENT, "key_person", 2),
    (TARGET_CONTACT, "birthday", 1),
)
_MINIMAL: Rules = ((TARGET_CLIENT, "responsible", 1), (TARGET_CLIENT, "description", 1))

QUALITY_TEMPLATES: dict[str, dict[str, Rules]] = {
    "recommended": {
        NEW: _REACHABLE,
        IN_PROGRESS: _WORKING,
        ACTIVE: _CUSTOMER,
        RETURNED: _CUSTOMER,
        LOST: _WORKING,
        FOREIGN: _MINIMAL,
        NON_TARGET: _MINIMAL,
        LIQUIDATED: _MINIMAL,
    },
    # For a start with few fields: reachability only, for the statuses we work with.
    "contacts_only": {status: _REACHABLE for status in (NEW, IN_PROGRESS, ACTIVE, RETURNED, LOST)},
}
TEMPLATE_TITLES = {
    "recommended": "Recommended: requisites grow with the relationship",
    "contacts_only": "Contacts only: a way to reach every client",
}
