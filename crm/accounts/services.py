"""Users, log-in, departments, roles and groups: the services the web layer and the CLI call."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select

from crm.accounts.errors import AccountInvalid, LoginFailed, LoginRateLimited, UserHasHistory
from crm.accounts.login_model import LoginAttempt
from crm.accounts.models import BUILTIN_ROLES, Department, Group, Role, User
from crm.messages import N_, Message
from engine.db import db, utcnow

_hasher = PasswordHasher()
# A real hash to verify against for unknown users, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("routemap-dummy-password")

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
CODE_RE = re.compile(r"^[a-z0-9_-]{2,64}$")
MIN_PASSWORD = 8

BUILTIN_ROLE_NAMES = {
    "administrator": "Administrator",
    "designer": "Process designer",
    "manager": "Manager",
    "employee": "Employee",
}


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def ensure_builtin_roles() -> list[Role]:
    """Create the four built-in roles if missing (idempotent)."""
    existing = {r.code: r for r in db.session.scalars(select(Role))}
    for code in BUILTIN_ROLES:
        if code not in existing:
            existing[code] = Role(code=code, name=BUILTIN_ROLE_NAMES[code], builtin=True)
            db.session.add(existing[code])
    db.session.commit()
    return [existing[c] for c in BUILTIN_ROLES]


def _roles_by_code(codes: Iterable[str]) -> list[Role]:
    codes = list(dict.fromkeys(codes))
    roles = list(db.session.scalars(select(Role).where(Role.code.in_(codes))))
    missing = set(codes) - {r.code for r in roles}
    if missing:
        raise AccountInvalid(
            Message(N_("Unknown role(s): %(codes)s"), codes=", ".join(sorted(missing))), "roles"
        )
    return roles


def _groups_by_code(codes: Iterable[str]) -> list[Group]:
    codes = list(dict.fromkeys(codes))
    groups = list(db.session.scalars(select(Group).where(Group.code.in_(codes))))
    missing = set(codes) - {g.code for g in groups}
    if missing:
        raise AccountInvalid(
            Message(N_("Unknown group(s): %(codes)s"), codes=", ".join(sorted(missing))), "groups"
        )
    return groups


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountInvalid(
            Message(N_("The password must have at least %(limit)s characters."), limit=MIN_PASSWORD),
            "password",
        )


def create_user(
    username: str,
    full_name: str,
    password: str,
    *,
    roles: Iterable[str] = ("employee",),
    groups: Iterable[str] = (),
    email: str = "",
    department_id: int | None = None,
    locale: str = "en",
    allow_short_password: bool = False,
) -> User:
    """Create an active user; raises ``AccountInvalid`` naming the bad field."""
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise AccountInvalid(N_("A user name has 2–64 letters, digits or the characters _ . @ -"), "username")
    if not full_name.strip():
        raise AccountInvalid(N_("Enter the person's full name."), "full_name")
    if not allow_short_password:
        _check_password(password)
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise AccountInvalid(Message(N_("The user name %(name)r is taken."), name=username), "username")
    if department_id is not None and db.session.get(Department, department_id) is None:
        raise AccountInvalid(N_("No such department."), "department_id")
    user = User(
        username=username,
        full_name=full_name.strip(),
        email=email.strip(),
        password_hash=hash_password(password),
        department_id=department_id,
        locale=locale if locale in {"en", "ru"} else "en",
        roles=_roles_by_code(roles),
        groups=_groups_by_code(groups),
    )
    db.session.add(user)
    db.session.commit()
    return user


def update_user(
    user_id: int,
    *,
    full_name: str,
    email: str,
    department_id: int | None,
    roles: Iterable[str],
    groups: Iterable[str],
    locale: str,
    password: str | None = None,
) -> User:
    """Change a user's card; an empty ``password`` keeps the old one."""
    user = get_user(user_id)
    if not full_name.strip():
        raise AccountInvalid(N_("Enter the person's full name."), "full_name")
    if department_id is not None and db.session.get(Department, department_id) is None:
        raise AccountInvalid(N_("No such department."), "department_id")
    user.full_name = full_name.strip()
    user.email = email.strip()
    user.department_id = department_id
    user.roles = _roles_by_code(roles)
    user.groups = _groups_by_code(groups)
    user.locale = locale if locale in {"en", "ru"} else user.locale
    if password:
        _check_password(password)
        user.password_hash = hash_password(password)
    db.session.commit()
    return user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise AccountInvalid(N_("No such user."))
    return user


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def list_users(
    *, query: str = "", active: bool | None = None, role: str | None = None, page: int = 1, per_page: int = 25
) -> tuple[list[User], int]:
    """Users filtered by name/login/e-mail, active flag and role; returns (page of users, total)."""
    q = select(User)
    if query:
        like = f"%{query.strip().lower()}%"
        q = q.where(
            func.lower(User.full_name).like(like)
            | func.lower(User.username).like(like)
            | func.lower(User.email).like(like)
        )
    if active is not None:
        q = q.where(User.is_active.is_(active))
    if role:
        q = q.where(User.roles.any(Role.code == role))
    total = db.session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.session.scalars(q.order_by(User.full_name).limit(per_page).offset((page - 1) * per_page))
    return list(rows), total


def set_active(user_id: int, active: bool, *, by: User | None = None) -> User:
    """Deactivate or reactivate a user; nobody deactivates themselves or the last administrator."""
    user = get_user(user_id)
    if not active:
        if by is not None and by.id == user.id:
            raise AccountInvalid(N_("You cannot deactivate yourself."))
        if "administrator" in user.role_codes and _active_admin_count() <= 1:
            raise AccountInvalid(N_("This is the last active administrator."))
    user.is_active = active
    db.session.commit()
    return user


def _active_admin_count() -> int:
    q = select(func.count(User.id)).where(
        User.is_active.is_(True), User.roles.any(Role.code == "administrator")
    )
    return db.session.scalar(q) or 0


def user_has_history(user: User) -> bool:
    """True once the user has logged in or appears in the process event log."""
    from engine.events import ProcessEvent

    if user.last_login_at is not None:
        return True
    return (
        db.session.scalar(select(ProcessEvent.id).where(ProcessEvent.user_id == user.id).limit(1)) is not None
    )


def delete_user(user_id: int) -> None:
    """Delete a user created by mistake; a user with history can only be deactivated."""
    user = get_user(user_id)
    if user_has_history(user):
        raise UserHasHistory(N_("This user has history in the system; deactivate the account instead."))
    db.session.delete(user)
    db.session.commit()


# --- log-in -----------------------------------------------------------------------------------------


def authenticate(
    username: str, password: str, *, remote_addr: str, max_attempts: int, window_seconds: int
) -> User:
    """Check a log-in; raises ``LoginRateLimited`` or ``LoginFailed``. Failures are counted per name and address."""
    now = utcnow()
    keys = [f"user:{username.strip().lower()}", f"addr:{remote_addr}"]
    since = now - timedelta(seconds=window_seconds)
    for key in keys:
        recent = list(
            db.session.scalars(
                select(LoginAttempt.at)
                .where(LoginAttempt.key == key, LoginAttempt.at >= since)
                .order_by(LoginAttempt.at)
            )
        )
        if len(recent) >= max_attempts:
            retry = int((recent[0] + timedelta(seconds=window_seconds) - now).total_seconds())
            raise LoginRateLimited(max(retry, 1))
    user = find_user(username)
    if (
        user is None
        or not user.is_active
        or not _verify(user.password_hash if user else _DUMMY_HASH, password)
    ):
        if user is None:
            _verify(_DUMMY_HASH, password)
        _record_failure(keys, now)
        raise LoginFailed(N_("Wrong user name or password."))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key == keys[0]))
    db.session.commit()
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _record_failure(keys: list[str], now: datetime) -> None:
    db.session.add_all([LoginAttempt(key=k, at=now) for k in keys])
    # Old rows are useless: keep the table small.
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(days=1)))
    db.session.commit()


# --- departments, roles, groups ------------------------------------------------------------------------


def save_department(
    name: str, *, department_id: int | None = None, parent_id: int | None = None, head_id: int | None = None
) -> Department:
    """Create or rename a department; names are unique."""
    name = name.strip()
    if not name:
        raise AccountInvalid(N_("Enter the department's name."), "name")
    # Compared in Python: SQLite's lower() folds ASCII only, and department names are often Cyrillic.
    clash = next((d.id for d in list_departments() if d.name.casefold() == name.casefold()), None)
    if clash is not None and clash != department_id:
        raise AccountInvalid(Message(N_("A department named %(name)r exists."), name=name), "name")
    if department_id is not None and parent_id == department_id:
        raise AccountInvalid(N_("A department cannot be its own parent."), "parent_id")
    if head_id is not None and db.session.get(User, head_id) is None:
        raise AccountInvalid(N_("No such user."), "head_id")
    dept = db.session.get(Department, department_id) if department_id else Department(name=name)
    if dept is None:
        raise AccountInvalid(N_("No such department."))
    dept.name, dept.parent_id, dept.head_id = name, parent_id, head_id
    db.session.add(dept)
    db.session.commit()
    return dept


def list_departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name)))


def save_group(code: str, name: str, *, description: str = "", group_id: int | None = None) -> Group:
    """Create or edit a group; its code (or name) is what a BPMN lane names."""
    code = code.strip().lower()
    if not CODE_RE.match(code):
        raise AccountInvalid(N_("A code has 2–64 lower-case letters, digits, _ or -."), "code")
    if not name.strip():
        raise AccountInvalid(N_("Enter the group's name."), "name")
    clash = db.session.scalar(select(Group.id).where(Group.code == code))
    if clash is not None and clash != group_id:
        raise AccountInvalid(Message(N_("The code %(code)r is taken."), code=code), "code")
    if db.session.scalar(select(Role.id).where(Role.code == code)):
        raise AccountInvalid(
            Message(N_("%(code)r is a role's code; lanes would be ambiguous."), code=code), "code"
        )
    group = db.session.get(Group, group_id) if group_id else Group(code=code, name=name)
    if group is None:
        raise AccountInvalid(N_("No such group."))
    group.code, group.name, group.description = code, name.strip(), description.strip()
    db.session.add(group)
    db.session.commit()
    return group


def set_group_members(group_id: int, user_ids: Iterable[int]) -> Group:
    group = db.session.get(Group, group_id)
    if group is None:
        raise AccountInvalid(N_("No such group."))
    ids = set(user_ids)
    for user in db.session.scalars(select(User)):
        if user.id in ids and group not in user.groups:
            user.groups.append(group)
        elif user.id not in ids and group in user.groups:
            user.groups.remove(group)
    db.session.commit()
    return group


def list_groups() -> list[Group]:
    return list(db.session.scalars(select(Group).order_by(Group.name)))


def save_role(code: str, name: str, *, role_id: int | None = None) -> Role:
    """Create a custom role or rename one; built-in role codes never change."""
    code = code.strip().lower()
    if not CODE_RE.match(code):
        raise AccountInvalid(N_("A code has 2–64 lower-case letters, digits, _ or -."), "code")
    if not name.strip():
        raise AccountInvalid(N_("Enter the role's name."), "name")
    clash = db.session.scalar(select(Role.id).where(Role.code == code))
    if clash is not None and clash != role_id:
        raise AccountInvalid(Message(N_("The code %(code)r is taken."), code=code), "code")
    role = db.session.get(Role, role_id) if role_id else Role(code=code, name=name, builtin=False)
    if role is None:
        raise AccountInvalid(N_("No such role."))
    if role.builtin and role.code != code:
        raise AccountInvalid(N_("A built-in role keeps its code."), "code")
    role.code, role.name = code, name.strip()
    db.session.add(role)
    db.session.commit()
    return role


def list_roles() -> list[Role]:
    return list(db.session.scalars(select(Role).order_by(Role.builtin.desc(), Role.name)))


def members_count(role: Role | None = None, group: Group | None = None) -> int:
    q = select(func.count(User.id)).where(User.is_active.is_(True))
    if role is not None:
        q = q.where(User.roles.any(Role.id == role.id))
    if group is not None:
        q = q.where(User.groups.any(Group.id == group.id))
    return db.session.scalar(q) or 0


def set_locale(user_id: int, locale: str) -> None:
    """Remember the user's UI language."""
    if locale not in {"en", "ru"}:
        raise AccountInvalid(N_("The UI speaks 'en' and 'ru'."), "locale")
    user = get_user(user_id)
    user.locale = locale
    db.session.commit()
