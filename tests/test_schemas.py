"""The stream schemas cover GitHub's description of each endpoint, and its examples validate."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from jsonschema import Draft7Validator, FormatChecker

from tap_github_pat_grants.tap import TapGitHubPatGrants

REFERENCE = Path(__file__).resolve().parents[1] / "reference"  # GitHub's OpenAPI extract
STREAM_REFERENCE = {
    "pat_grants": "list-pat-grants.json",
    "pat_requests": "list-pat-grant-requests.json",
    "pat_grant_repositories": "list-pat-grant-repositories.json",
    "pat_request_repositories": "list-pat-grant-request-repositories.json",
}
ADDED = {
    "pat_grants": {"org": "acme"},
    "pat_requests": {"org": "acme"},
    "pat_grant_repositories": {"org": "acme", "pat_id": 1, "repository_id": 1296269},
    "pat_request_repositories": {"org": "acme", "pat_request_id": 1, "repository_id": 1296269},
}

# A real date-time check (jsonschema only checks formats when optional packages are present).
FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if isinstance(value, str):
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def _schemas() -> dict[str, dict]:
    tap = TapGitHubPatGrants(
        config={"organizations": ["acme"], "auth_token": "x"}, validate_config=False
    )
    return {name: stream.schema for name, stream in tap.streams.items()}


def _operation(stream: str) -> dict:
    path = REFERENCE / STREAM_REFERENCE[stream]
    return json.loads(path.read_text())


def _missing(documented: dict, ours: dict, where: str) -> list[str]:
    """Documented property paths that our schema does not declare (recursively)."""
    gaps = []
    for name, sub in documented.get("properties", {}).items():
        mine = ours.get("properties", {}).get(name)
        if mine is None:
            gaps.append(f"{where}.{name}")
            continue
        if sub.get("nullable"):
            assert "null" in mine["type"], f"{where}.{name} must be nullable"
        gaps.extend(_missing(sub, mine, f"{where}.{name}"))
        if sub.get("type") == "array" and "items" in sub:
            gaps.extend(_missing(sub["items"], mine.get("items", {}), f"{where}.{name}[]"))
    return gaps


@pytest.mark.parametrize("stream", sorted(STREAM_REFERENCE))
def test_schema_declares_every_documented_property(stream):
    item = _operation(stream)["responses"]["200"]["schema"]["items"]
    assert _missing(item, _schemas()[stream], stream) == []


@pytest.mark.parametrize("stream", sorted(STREAM_REFERENCE))
def test_githubs_examples_validate(stream):
    examples = _operation(stream)["responses"]["200"]["examples"]
    validator = Draft7Validator(_schemas()[stream], format_checker=FORMATS)
    checked = 0
    for example in examples.values():
        for record in example["value"]:
            errors = list(validator.iter_errors({**ADDED[stream], **record}))
            assert errors == [], [e.message for e in errors]
            checked += 1
    assert checked > 0


def test_timestamps_are_date_times_and_nullable_where_github_says():
    props = _schemas()["pat_grants"]["properties"]
    for name in ("access_granted_at", "token_expires_at", "token_last_used_at"):
        assert props[name]["format"] == "date-time"
    assert props["token_expires_at"]["type"] == ["string", "null"]
    assert props["token_last_used_at"]["type"] == ["string", "null"]
    assert props["access_granted_at"]["type"] == "string"


def test_date_time_check_is_real():
    validator = Draft7Validator(_schemas()["pat_grants"], format_checker=FORMATS)
    assert list(validator.iter_errors({"token_last_used_at": "last tuesday"}))
