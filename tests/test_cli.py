"""The SDK's standard CLI, as Meltano runs it: about, discover, env config, one-line errors."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import pytest

from tap_github_pat_grants.instants import parse_instant
from tests.fake_github import generate_org
from tests.helpers import GRANTS_ONLY, list_requests
from tests.tap_runner import run_cli, run_tap


def _about() -> dict:
    import subprocess
    import sys
    from pathlib import Path

    exe = str(Path(sys.executable).with_name("tap-github-pat-grants"))
    return json.loads(
        subprocess.run(
            [exe, "--about", "--format", "json"], capture_output=True, text=True, check=True
        ).stdout
    )


def test_about_declares_settings_and_secrets():
    about = _about()
    settings = about["settings"]["properties"]
    for name in (
        "organizations",
        "app_id",
        "private_key",
        "auth_token",
        "api_url",
        "start_date",
        "owner",
        "repository",
        "permission",
        "last_used_before",
        "token_id",
        "user_agent",
        "lookback_seconds",
        "request_timeout_seconds",
        "max_rate_limit_wait_seconds",
        "rate_limit_buffer",
        "skip_requests_without_permission",
        "emit_activate_version_messages",
    ):
        assert name in settings, name
        assert settings[name].get("description"), name
    assert settings["private_key"]["secret"] is True
    assert settings["auth_token"]["secret"] is True
    assert not settings["app_id"].get("secret")
    assert about["settings"]["required"] == ["organizations"]
    assert {"catalog", "discover", "state", "about", "stream-maps", "schema-flattening"} <= set(
        about["capabilities"]
    )


def test_discover_lists_the_streams_with_keys(github, app_config):
    run = run_cli(["--discover"], config=app_config(organizations=["acme"]))
    assert run.returncode == 0, run.stderr
    (catalog,) = run.messages
    streams = {s["tap_stream_id"]: s for s in catalog["streams"]}
    assert set(streams) == {
        "pat_grants",
        "pat_grant_repositories",
        "pat_requests",
        "pat_request_repositories",
        "credential_authorizations",
        "pat_audit_events",
        "org_members",
        "sync_runs",
    }
    assert streams["sync_runs"]["key_properties"] == ["org", "run_id"]
    assert streams["pat_grants"]["key_properties"] == ["org", "id"]
    assert streams["pat_grants"]["replication_key"] == "token_last_used_at"
    assert streams["pat_grant_repositories"]["key_properties"] == ["org", "pat_id", "repository_id"]
    assert streams["pat_request_repositories"]["key_properties"] == [
        "org",
        "pat_request_id",
        "repository_id",
    ]
    assert streams["pat_requests"]["key_properties"] == ["org", "id"]
    assert streams["credential_authorizations"]["key_properties"] == ["org", "credential_id"]
    assert streams["pat_audit_events"]["key_properties"] == ["_document_id"]
    assert streams["pat_audit_events"]["replication_key"] == "@timestamp"
    assert streams["org_members"]["key_properties"] == ["org", "id"]
    # The three that need more of the App than PAT reads are not selected unless asked for.
    by_default = {
        name: next(m for m in entry["metadata"] if m["breadcrumb"] == [])["metadata"].get(
            "selected-by-default"
        )
        for name, entry in streams.items()
    }
    assert {name for name, selected in by_default.items() if selected is False} == {
        "credential_authorizations",
        "pat_audit_events",
        "org_members",
    }
    assert github.requests_log == [], "discovery makes no request"


def test_config_from_environment_variables(github):
    github.add_org(generate_org("acme", 130, seed=31))
    env = {
        "TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS": '["acme"]',
        "TAP_GITHUB_PAT_GRANTS_APP_ID": github.app_id,
        "TAP_GITHUB_PAT_GRANTS_PRIVATE_KEY": github.private_key_pem.replace("\n", "\\n"),
        "TAP_GITHUB_PAT_GRANTS_API_URL": github.url,
        "TAP_GITHUB_PAT_GRANTS_REQUEST_TIMEOUT_SECONDS": "20",
    }
    run = run_cli(["--config", "ENV"], catalog=GRANTS_ONLY, env=env)
    assert run.returncode == 0, run.stderr
    assert len(run.records()) == 130
    assert run.last_state["bookmarks"]["pat_grants"]["partitions"][0]["context"] == {"org": "acme"}


def test_connection_test_passes(github, app_config):
    github.add_org(generate_org("acme", 20, seed=32))
    run = run_cli(["--test"], config=app_config())
    assert run.returncode == 0, run.stderr


SECRET = "ghs_" + secrets.token_hex(18)  # made at run time, like every key and token here
BROKEN_KEY_BODY = secrets.token_hex(12)
BROKEN_KEY = "-----BEGIN RSA " + "PRIVATE KEY-----\n" + BROKEN_KEY_BODY + "\n"


@pytest.mark.parametrize(
    ("config", "setting"),
    [
        ({"auth_token": SECRET}, "organizations"),
        ({"organizations": ["acme"]}, "app_id"),
        ({"organizations": ["acme"], "auth_token": SECRET, "app_id": "1"}, "auth_token"),
        (
            {
                "organizations": ["acme"],
                "app_id": "1",
                "private_key": BROKEN_KEY,
            },
            "private_key",
        ),
        (
            {"organizations": ["acme"], "auth_token": SECRET, "start_date": "not-a-date"},
            "start_date",
        ),
        ({"organizations": ["acme"], "auth_token": SECRET, "orgs": ["typo"]}, "orgs"),
        ({"organizations": ["acme"], "auth_token": 12345}, "auth_token"),
        ({"organizations": "acme", "auth_token": SECRET}, "organizations"),
    ],
)
def test_config_errors_end_the_run_with_one_line_before_any_request(github, config, setting):
    run = run_cli([], config={**config, "api_url": github.url}, catalog=GRANTS_ONLY)
    assert run.returncode == 1
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    assert errors, run.stderr
    assert errors[-1].startswith(f"tap-github-pat-grants: error: {setting}")
    assert "Traceback" not in run.stderr
    assert SECRET not in run.stderr + "".join(map(str, run.messages))
    assert BROKEN_KEY_BODY not in run.stderr
    assert "12345" not in run.stderr
    assert github.requests_log == []


def test_the_sdks_own_settings_are_accepted(github, app_config):
    github.add_org(generate_org("acme", 15, seed=33))
    config = app_config(
        flattening_enabled=True,
        flattening_max_depth=1,
        stream_maps={"pat_grants": {"token_name": "__NULL__"}},
        stream_map_config={},
    )
    run = run_cli([], config=config, catalog=GRANTS_ONLY)
    assert run.returncode == 0, run.stderr
    records = run.records()
    assert len(records) == 15
    assert "token_name" not in records[0]
    assert "owner__login" in records[0]


def test_integer_settings_from_environment_strings_take_effect(github, app_config):
    # Environment variables are text; the SDK turns integer settings into numbers before the
    # config schema sees them (Meltano does the same for `kind: integer` settings).
    github.add_org(generate_org("acme", 40, seed=32))
    first = run_tap(app_config(), catalog=GRANTS_ONLY)
    bookmark = first.last_state["bookmarks"]["pat_grants"]["partitions"][0]
    github.reset_log()
    env = {
        "TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS": '["acme"]',
        "TAP_GITHUB_PAT_GRANTS_APP_ID": github.app_id,
        "TAP_GITHUB_PAT_GRANTS_PRIVATE_KEY": github.private_key_pem,
        "TAP_GITHUB_PAT_GRANTS_API_URL": github.url,
        "TAP_GITHUB_PAT_GRANTS_LOOKBACK_SECONDS": "60",
    }
    run = run_cli(["--config", "ENV"], catalog=GRANTS_ONLY, state=first.last_state, env=env)
    assert run.returncode == 0, run.stderr
    (used,) = [r for r in list_requests(github, "acme") if "last_used_after" in r.query]
    expected = parse_instant(bookmark["replication_key_value"]) - timedelta(seconds=60)
    assert used.query["last_used_after"] == [expected.strftime("%Y-%m-%dT%H:%M:%SZ")]
