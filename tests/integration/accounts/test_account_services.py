"""Accounts services on SQLite and PostgreSQL."""

import pytest

from crm.accounts import services as accounts
from crm.accounts.errors import AccountInvalid, LoginFailed, LoginRateLimited, UserHasHistory


@pytest.fixture
def roles(any_app):
    accounts.ensure_builtin_roles()


def _login(username, password, addr="10.0.0.1"):
    return accounts.authenticate(username, password, remote_addr=addr, max_attempts=3, window_seconds=300)


def test_create_and_authenticate_with_argon2(roles):
    user = accounts.create_user("ivanov", "Иван Иванов", "s3cret-pass", roles=["manager"])
    assert user.password_hash.startswith("$argon2")
    assert _login("IVANOV", "s3cret-pass").id == user.id
    assert user.last_login_at is not None


def test_wrong_password_and_unknown_user_give_the_same_message(roles):
    accounts.create_user("petrov", "Pyotr Petrov", "s3cret-pass")
    with pytest.raises(LoginFailed) as wrong:
        _login("petrov", "nope")
    with pytest.raises(LoginFailed) as unknown:
        _login("nobody", "nope")
    assert wrong.value.message == unknown.value.message == "Wrong user name or password."


def test_rate_limit_after_failures_even_with_right_password(roles):
    accounts.create_user("sidorov", "Sidorov", "s3cret-pass")
    for _ in range(3):
        with pytest.raises(LoginFailed):
            _login("sidorov", "bad")
    with pytest.raises(LoginRateLimited) as limited:
        _login("sidorov", "s3cret-pass")
    assert limited.value.retry_after_seconds > 0


def test_inactive_user_cannot_log_in(roles):
    admin = accounts.create_user("root", "Root", "s3cret-pass", roles=["administrator"])
    user = accounts.create_user("leaver", "Leaver", "s3cret-pass")
    accounts.set_active(user.id, False, by=admin)
    with pytest.raises(LoginFailed):
        _login("leaver", "s3cret-pass")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"username": "a b"}, "username"),
        ({"full_name": " "}, "full_name"),
        ({"password": "short"}, "password"),
        ({"roles": ["emperor"]}, "roles"),
    ],
)
def test_invalid_user_input_names_the_field(roles, kwargs, field):
    args = {"username": "valid", "full_name": "Valid", "password": "long-enough", "roles": ["employee"]}
    args.update(kwargs)
    with pytest.raises(AccountInvalid) as err:
        accounts.create_user(args.pop("username"), args.pop("full_name"), args.pop("password"), **args)
    assert err.value.field == field


def test_duplicate_username_case_insensitive(roles):
    accounts.create_user("Maria", "Maria", "s3cret-pass")
    with pytest.raises(AccountInvalid, match="taken"):
        accounts.create_user("maria", "Another Maria", "s3cret-pass")


def test_last_administrator_and_self_cannot_be_deactivated(roles):
    admin = accounts.create_user("root", "Root", "s3cret-pass", roles=["administrator"])
    with pytest.raises(AccountInvalid, match="yourself"):
        accounts.set_active(admin.id, False, by=admin)
    with pytest.raises(AccountInvalid, match="last active administrator"):
        accounts.set_active(admin.id, False)


def test_user_with_history_is_deactivated_never_deleted(roles):
    fresh = accounts.create_user("mistake", "Mistake", "s3cret-pass")
    accounts.delete_user(fresh.id)
    assert accounts.find_user("mistake") is None
    worker = accounts.create_user("worker", "Worker", "s3cret-pass")
    _login("worker", "s3cret-pass")
    with pytest.raises(UserHasHistory):
        accounts.delete_user(worker.id)


def test_groups_departments_roles_and_lane_keys(roles):
    dept = accounts.save_department("Продажи")
    with pytest.raises(AccountInvalid, match="exists"):
        accounts.save_department("продажи")
    group = accounts.save_group("key-accounts", "Key account managers")
    with pytest.raises(AccountInvalid, match="role's code"):
        accounts.save_group("manager", "Clash with a role")
    role = accounts.save_role("lawyer", "Lawyer")
    user = accounts.create_user(
        "olga",
        "Olga",
        "s3cret-pass",
        roles=["employee", "lawyer"],
        groups=["key-accounts"],
        department_id=dept.id,
    )
    assert {"employee", "lawyer", "key-accounts", "key account managers"} <= user.lane_keys
    assert accounts.members_count(group=group) == 1
    assert accounts.members_count(role=role) == 1
    accounts.set_group_members(group.id, [])
    assert "key-accounts" not in user.lane_keys
