from __future__ import annotations

from pathlib import Path

import pytest

import boxoffice
from boxoffice.config import Settings
from boxoffice.errors import ConfigurationError


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.database_url is None
    assert settings.jwt_secret is None
    assert (settings.jwt_ttl_seconds, settings.bcrypt_rounds) == (3600, 12)
    assert settings.max_seats_per_booking == 10
    assert settings.access_log == "on"
    assert settings.slots == 4


def test_environment_variables_are_read_with_the_prefix() -> None:
    settings = Settings.from_env(
        {
            "BOXOFFICE_DATABASE_URL": "sqlite:///x.db",
            "BOXOFFICE_JWT_SECRET": "k" * 40,
            "BOXOFFICE_JWT_TTL_SECONDS": "600",
            "BOXOFFICE_BCRYPT_ROUNDS": "4",
            "BOXOFFICE_MAX_SEATS_PER_BOOKING": "6",
            "BOXOFFICE_ACCESS_LOG": "off",
            "BOXOFFICE_SLOTS": "3",
            "DATABASE_URL": "ignored: no prefix",
        }
    )
    assert settings.database_url == "sqlite:///x.db"
    assert settings.jwt_secret == "k" * 40
    assert (settings.jwt_ttl_seconds, settings.bcrypt_rounds) == (600, 4)
    assert settings.max_seats_per_booking == 6
    assert settings.access_log == "off"
    assert settings.slots == 3


def test_arguments_win_over_the_environment_and_none_means_not_given() -> None:
    env = {"BOXOFFICE_BCRYPT_ROUNDS": "5", "BOXOFFICE_DATABASE_URL": "sqlite:///env.db"}
    settings = Settings.from_env(env, bcrypt_rounds=6, database_url=None)
    assert settings.bcrypt_rounds == 6
    assert settings.database_url == "sqlite:///env.db"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BOXOFFICE_BCRYPT_ROUNDS", "twelve"),
        ("BOXOFFICE_BCRYPT_ROUNDS", "3"),
        ("BOXOFFICE_JWT_TTL_SECONDS", "-5"),
        ("BOXOFFICE_PORT", "70000"),
        ("BOXOFFICE_ACCESS_LOG", "no"),
        ("BOXOFFICE_SLOTS", "0"),
        ("BOXOFFICE_SLOTS", "four"),
        ("BOXOFFICE_WAITLIST_OFFER_SECONDS", "0"),
        ("BOXOFFICE_WEBHOOKS_ALLOW_PRIVATE", "yes"),
        ("BOXOFFICE_WEBHOOKS_POLL_SECONDS", "-1"),
        ("BOXOFFICE_WEBHOOKS_RETRY_BASE_SECONDS", "0"),
        ("BOXOFFICE_WEBHOOKS_RETRY_BASE_SECONDS", "nan"),
        ("BOXOFFICE_WEBHOOKS_TIMEOUT_SECONDS", "soon"),
        ("BOXOFFICE_WEBHOOKS_CONCURRENCY", "0"),
    ],
)
def test_bad_values_name_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=variable):
        Settings.from_env({variable: value})


def test_unknown_settings_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="bcrypt_round"):
        Settings.from_env({}, bcrypt_round=4)


def test_the_secret_never_shows_in_repr() -> None:
    assert "k" * 40 not in repr(Settings(jwt_secret="k" * 40))


def test_the_service_defaults_to_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings.from_env({"BOXOFFICE_DATA_DIR": str(tmp_path)})
    assert settings.service_database_url() == f"sqlite:///{tmp_path / 'boxoffice.db'}"
    explicit = Settings.from_env({}, database_url="postgresql+psycopg://db/x")
    assert explicit.service_database_url() == "postgresql+psycopg://db/x"


def test_bootstrap_refuses_a_short_jwt_secret() -> None:
    with pytest.raises(ConfigurationError, match="32 bytes"):
        boxoffice.bootstrap(jwt_secret="too short")


def test_bootstrap_refuses_an_unknown_database_scheme() -> None:
    with pytest.raises(ConfigurationError, match="mysql"):
        boxoffice.bootstrap("mysql://localhost/x")


def test_the_waitlist_offer_lasts_half_an_hour_unless_set() -> None:
    assert Settings.from_env({}).waitlist_offer_seconds == 1800
    variable = {"BOXOFFICE_WAITLIST_OFFER_SECONDS": "2"}
    assert Settings.from_env(variable).waitlist_offer_seconds == 2
    assert boxoffice.bootstrap(waitlist_offer_seconds=2).limits.waitlist_offer_seconds == 2


def test_webhook_settings_take_fractions_of_a_second() -> None:
    settings = Settings.from_env(
        {
            "BOXOFFICE_WEBHOOKS_ALLOW_PRIVATE": "1",
            "BOXOFFICE_WEBHOOKS_POLL_SECONDS": "0.05",
            "BOXOFFICE_WEBHOOKS_RETRY_BASE_SECONDS": "0.01",
            "BOXOFFICE_WEBHOOKS_TIMEOUT_SECONDS": "2.5",
        }
    )
    assert (
        settings.webhooks_allow_private,
        settings.webhooks_poll_seconds,
        settings.webhooks_retry_base_seconds,
        settings.webhooks_timeout_seconds,
        settings.webhooks_concurrency,
    ) == (1, 0.05, 0.01, 2.5, 8)
    defaults = Settings.from_env({})
    assert (defaults.webhooks_allow_private, defaults.webhooks_retry_base_seconds) == (0, 1.0)
