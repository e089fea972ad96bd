from types import SimpleNamespace

from webui.navigation import home_endpoint, sections_for


def _user(*roles):
    codes = set(roles)
    return SimpleNamespace(
        is_authenticated=True,
        has_role=lambda *want: "administrator" in codes or bool(codes.intersection(want)),
    )


def test_each_role_sees_its_sections():
    assert [s.key for s in sections_for(_user("employee"))] == ["main"]
    assert [s.key for s in sections_for(_user("designer"))] == ["processes"]
    assert [s.key for s in sections_for(_user("manager"))] == ["main", "monitoring"]
    assert [s.key for s in sections_for(_user("administrator"))] == [
        "main",
        "processes",
        "monitoring",
        "admin",
    ]


def test_anonymous_sees_nothing_and_home_follows_first_section():
    assert sections_for(SimpleNamespace(is_authenticated=False)) == []
    assert home_endpoint(_user("designer")) == "processes.index"
    assert home_endpoint(_user("employee")) == "desktop.index"
    assert home_endpoint(_user()) == "main.no_access"
