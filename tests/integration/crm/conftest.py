"""People and helpers for CRM service tests (users are created directly: no password hashing needed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from crm.accounts.models import ADMINISTRATOR, DESIGNER, EMPLOYEE, MANAGER, Department, Role, User
from engine.db import db

# Valid Russian INNs (check digits verified by crm.clients.normalize).
COMPANY_INNS = ("7707083893", "7736207543", "7702070139", "7728168971", "7710140679")
PERSON_INN = "500100732259"


@dataclass
class People:
    admin: User
    alice: User  # employee, Sales
    bob: User  # employee, Sales
    carol: User  # manager (head of Sales): sees the department
    dave: User  # employee, Support
    designer: User  # designer only: sees no client
    sales: Department
    support: Department


def make_user(username: str, roles: list[Role], department: Department | None = None) -> User:
    user = User(username=username, full_name=username.title(), roles=roles, department=department)
    db.session.add(user)
    return user


@pytest.fixture
def people(any_app: Flask) -> People:
    roles = {code: Role(code=code, name=code.title(), builtin=True) for code in (
        ADMINISTRATOR, DESIGNER, MANAGER, EMPLOYEE)}  # fmt: skip
    db.session.add_all(roles.values())
    sales, support = Department(name="Sales"), Department(name="Support")
    db.session.add_all([sales, support])
    result = People(
        admin=make_user("admin", [roles[ADMINISTRATOR]]),
        alice=make_user("alice", [roles[EMPLOYEE]], sales),
        bob=make_user("bob", [roles[EMPLOYEE]], sales),
        carol=make_user("carol", [roles[MANAGER]], sales),
        dave=make_user("dave", [roles[EMPLOYEE]], support),
        designer=make_user("designer", [roles[DESIGNER]]),
        sales=sales,
        support=support,
    )
    db.session.commit()
    return result


def client_data(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": "company", **extra}
