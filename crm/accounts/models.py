"""Users, departments, roles and groups.

A BPMN lane names a role or a group (by code or by name); a task in that lane may be claimed by every active
user holding it. Users with history are deactivated, never deleted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base, UTCDateTime, utcnow

ADMINISTRATOR = "administrator"
DESIGNER = "designer"
MANAGER = "manager"
EMPLOYEE = "employee"
BUILTIN_ROLES = (ADMINISTRATOR, DESIGNER, MANAGER, EMPLOYEE)

user_roles = Table(
    "user_roles",
    Base.metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", Integer, ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)

user_groups = Table(
    "user_groups",
    Base.metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", Integer, ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
)


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # No FK: users.department_id already points here, and the cycle would complicate every migration.
    # The accounts service checks the user exists.
    head_id: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Department | None] = relationship(remote_side=[id])
    head: Mapped[User | None] = relationship(
        primaryjoin="Department.head_id == User.id", foreign_keys=[head_id], viewonly=True
    )


class Role(Base):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(1000), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # Client access (crm/access.py): besides their own clients, a user may see their department's.
    can_see_department_clients: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    roles: Mapped[list[Role]] = relationship(secondary=user_roles, order_by=Role.code)
    groups: Mapped[list[Group]] = relationship(secondary=user_groups, order_by=Group.code)

    # Flask-Login protocol (kept here so the web layer needs no wrapper object).
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def role_codes(self) -> set[str]:
        return {r.code for r in self.roles}

    def has_role(self, *codes: str) -> bool:
        """True when the user holds any of ``codes``; administrators hold every role."""
        mine = self.role_codes
        return ADMINISTRATOR in mine or bool(mine.intersection(codes))

    @property
    def lane_keys(self) -> set[str]:
        """Lane names this user may work in: codes and names of their roles and active groups, lower-cased."""
        keys: set[str] = set()
        for r in self.roles:
            keys.update({r.code.lower(), r.name.lower()})
        for g in self.groups:
            if g.is_active:
                keys.update({g.code.lower(), g.name.lower()})
        return keys

    def __repr__(self) -> str:
        return f"<User {self.username}>"
