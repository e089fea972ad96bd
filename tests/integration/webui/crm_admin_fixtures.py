"""People for the client base settings page tests: an administrator, a manager and another manager."""

from __future__ import annotations

from dataclasses import dataclass

from crm.accounts import services as accounts

PASSWORD = "password-1"


@dataclass
class People:
    admin: object
    manager: object
    other: object


def make_people() -> People:
    accounts.ensure_builtin_roles()
    admin = accounts.create_user("root", "Ada Admin", PASSWORD, roles=["administrator"])
    manager = accounts.create_user("mary", "Mary Manager", PASSWORD, roles=["manager"])
    other = accounts.create_user("oleg", "Oleg Other", PASSWORD, roles=["manager"])
    return People(admin, manager, other)


def log_in(client, username: str) -> None:
    resp = client.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]


def field_error(html: str, field: str) -> bool:
    """The page shows an error message right next to ``field``."""
    return f'data-field-error="{field}"' in html
