"""Config checks, schema first and then the settings rules: one line naming the setting."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tap_github_pat_grants.config import AppCredentials, Settings, TokenCredentials
from tap_github_pat_grants.errors import ConfigError
from tap_github_pat_grants.tap import TapGitHubPatGrants


def parse_settings(config: dict) -> Settings:
    """What the tap does with a config: the config schema first, then the settings rules."""
    return TapGitHubPatGrants(config=config, parse_env_config=False).settings


@pytest.fixture(scope="module")
def pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def app_config(pem: str, **extra) -> dict:
    return {"organizations": ["Acme"], "app_id": "123", "private_key": pem, **extra}


def test_app_mode_with_defaults(pem):
    settings = parse_settings(app_config(pem))
    assert settings.organizations == ("acme",)
    assert isinstance(settings.credentials, AppCredentials)
    assert settings.api_url == "https://api.github.com"
    assert settings.user_agent.startswith("tap-github-pat-grants/")
    assert settings.lookback == timedelta(hours=1)
    assert settings.list_filters == ()
    assert "BEGIN" not in repr(settings)


def test_private_key_with_literal_newline_escapes(pem):
    escaped = pem.replace("\n", "\\n")
    settings = parse_settings(app_config(escaped))
    assert isinstance(settings.credentials, AppCredentials)
    assert settings.credentials.private_key == pem.strip()


def test_token_mode_and_filters():
    settings = parse_settings(
        {
            "organizations": ["acme", "ACME", "globex"],
            "auth_token": "ghs_abc",
            "api_url": "https://ghe.example.com/api/v3/",
            "owner": ["octocat", "hubot"],
            "token_id": [1, "22"],
            "permission": "contents_read",
            "repository": "Hello-World",
            "last_used_before": "2024-02-01T10:00:00+02:00",
            "start_date": "2024-01-31",
        }
    )
    assert settings.organizations == ("acme", "globex")
    assert isinstance(settings.credentials, TokenCredentials)
    assert "ghs_abc" not in repr(settings)
    assert settings.api_url == "https://ghe.example.com/api/v3"
    assert settings.start_date == datetime(2024, 1, 31, tzinfo=timezone.utc)
    assert settings.list_filters == (
        ("owner[]", "octocat"),
        ("owner[]", "hubot"),
        ("repository", "Hello-World"),
        ("permission", "contents_read"),
        ("last_used_before", "2024-02-01T08:00:00Z"),
        ("token_id[]", "1"),
        ("token_id[]", "22"),
    )


SECRET = "ghs_" + secrets.token_hex(18)  # made at run time


@pytest.mark.parametrize(
    ("config", "setting"),
    [
        ({"auth_token": SECRET}, "organizations"),
        ({"organizations": [], "auth_token": SECRET}, "organizations"),
        ({"organizations": ["not a login!"], "auth_token": SECRET}, "organizations"),
        ({"organizations": ["acme"]}, "app_id"),
        (
            {"organizations": ["acme"], "auth_token": SECRET, "app_id": "1", "private_key": "x"},
            "auth_token",
        ),
        ({"organizations": ["acme"], "app_id": "1"}, "private_key"),
        ({"organizations": ["acme"], "private_key": "-----BEGIN SECRET-----"}, "app_id"),
        (
            {
                "organizations": ["acme"],
                "app_id": "1",
                "private_key": "-----BEGIN SECRET----- nope",
            },
            "private_key",
        ),
        (
            {"organizations": ["acme"], "auth_token": SECRET, "start_date": "yesterday-ish"},
            "start_date",
        ),
        (
            {"organizations": ["acme"], "auth_token": SECRET, "last_used_before": "31/01/2024"},
            "last_used_before",
        ),
        (
            {
                "organizations": ["acme"],
                "auth_token": SECRET,
                "owner": [f"u{i}" for i in range(11)],
            },
            "owner",
        ),
        ({"organizations": ["acme"], "auth_token": SECRET, "token_id": ["x1"]}, "token_id"),
        (
            {"organizations": ["acme"], "auth_token": SECRET, "permission": "write everything"},
            "permission",
        ),
        ({"organizations": ["acme"], "auth_token": SECRET, "api_url": "api.github.com"}, "api_url"),
        (
            {"organizations": ["acme"], "auth_token": SECRET, "request_timeout_seconds": 0},
            "request_timeout_seconds",
        ),
        (
            {"organizations": ["acme"], "auth_token": SECRET, "rate_limit_buffer": "lots"},
            "rate_limit_buffer",
        ),
    ],
)
def test_config_errors_name_the_setting_in_one_line_without_secrets(config, setting):
    with pytest.raises(ConfigError) as caught:
        parse_settings(config)
    message = str(caught.value)
    assert message.startswith(f"{setting}: ")
    assert "\n" not in message
    assert SECRET not in message
    assert "BEGIN SECRET" not in message
    assert caught.value.__cause__ is None


def test_a_whole_number_given_as_text_in_a_config_file_is_refused():
    # Meltano and `--config ENV` turn integer settings into numbers (tests/test_cli.py);
    # a JSON config file with "60" in it is a mistake the schema names.
    with pytest.raises(ConfigError, match=r"^lookback_seconds: must be of type"):
        parse_settings({"organizations": ["acme"], "auth_token": "x", "lookback_seconds": "60"})


@pytest.mark.parametrize(
    ("written", "instant"),
    [
        ("2024-01-31", datetime(2024, 1, 31, tzinfo=timezone.utc)),
        ("2024-01-31T02:00:00+02:00", datetime(2024, 1, 31, tzinfo=timezone.utc)),
        ("2024-01-31T00:00:00Z", datetime(2024, 1, 31, tzinfo=timezone.utc)),
        ("20240131T000000Z", datetime(2024, 1, 31, tzinfo=timezone.utc)),  # read by pendulum
    ],
)
def test_start_date_forms(written, instant):
    settings = parse_settings({"organizations": ["acme"], "auth_token": "x", "start_date": written})
    assert settings.start_date == instant
