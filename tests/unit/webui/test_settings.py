import pytest

from webui.settings import SettingsError, load_settings, settings_table


def test_defaults_use_sqlite_under_instance_and_demo_is_off():
    config = load_settings({"SECRET_KEY": "k"})
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["SQLALCHEMY_DATABASE_URI"].endswith("instance/routemap.db")
    assert config["DEMO_MODE"] is False
    assert config["REDIS_URL"] == ""


def test_missing_secret_key_outside_dev_is_a_clear_error():
    with pytest.raises(SettingsError, match="SECRET_KEY is not set"):
        load_settings({})


def test_dev_mode_allows_a_generated_secret_key():
    config = load_settings({"ROUTEMAP_DEV": "1"})
    assert len(config["SECRET_KEY"]) >= 32


@pytest.mark.parametrize("url", ["mysql://x@y/z", "not a url", "postgresql:///nohost", "http://example"])
def test_malformed_database_url_names_the_variable(url):
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load_settings({"SECRET_KEY": "k", "DATABASE_URL": url})


def test_postgres_urls_get_the_psycopg_driver():
    config = load_settings({"SECRET_KEY": "k", "DATABASE_URL": "postgres://u:p@db:5432/crm"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db:5432/crm"


def test_bad_boolean_and_number_and_redis_url():
    with pytest.raises(SettingsError, match="ROUTEMAP_DEMO"):
        load_settings({"SECRET_KEY": "k", "ROUTEMAP_DEMO": "maybe"})
    with pytest.raises(SettingsError, match="ROUTEMAP_LOGIN_ATTEMPTS"):
        load_settings({"SECRET_KEY": "k", "ROUTEMAP_LOGIN_ATTEMPTS": "five"})
    with pytest.raises(SettingsError, match="REDIS_URL"):
        load_settings({"SECRET_KEY": "k", "REDIS_URL": "http://127.0.0.1:6379"})


def test_demo_mode_only_when_asked_for():
    assert load_settings({"SECRET_KEY": "k", "ROUTEMAP_DEMO": "1"})["DEMO_MODE"] is True
    assert load_settings({"SECRET_KEY": "k", "ROUTEMAP_DEMO": ""})["DEMO_MODE"] is False


def test_settings_table_lists_every_variable():
    table = settings_table()
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ROUTEMAP_DEMO"):
        assert f"`{name}`" in table
