"""The stream schemas cover GitHub's description of each endpoint, and its examples validate."""

from __future__ import annotations

import importlib.util
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from jsonschema import Draft7Validator, FormatChecker

from tap_github_pat_grants.tap import TapGitHubPatGrants

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "reference"  # GitHub's OpenAPI extract
SCHEMA_FILES = ROOT / "tap_github_pat_grants" / "schemas"
STREAM_REFERENCE = {
    "pat_grants": "list-pat-grants.json",
    "pat_requests": "list-pat-grant-requests.json",
    "pat_grant_repositories": "list-pat-grant-repositories.json",
    "pat_request_repositories": "list-pat-grant-request-repositories.json",
    "credential_authorizations": "list-saml-sso-authorizations.json",
    "org_members": "list-members.json",
    "pat_audit_events": "get-audit-log.json",
}
ADDED = {
    "pat_grants": {"org": "acme"},
    "pat_requests": {"org": "acme"},
    "pat_grant_repositories": {"org": "acme", "pat_id": 1, "repository_id": 1296269},
    "pat_request_repositories": {"org": "acme", "pat_request_id": 1, "repository_id": 1296269},
    "credential_authorizations": {"org": "acme"},
    "org_members": {"org": "acme", "role": "member"},
    "pat_audit_events": {"org": "acme"},
}

# A real date-time check (jsonschema only checks formats when optional packages are present).
FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if isinstance(value, str):
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def _schemas() -> dict[str, dict]:
    """The tap's stream schemas; a schema file no stream declares yet is read as committed."""
    tap = TapGitHubPatGrants(
        config={"organizations": ["acme"], "auth_token": "x"}, validate_config=False
    )
    found = {name: stream.schema for name, stream in tap.streams.items()}
    for name in STREAM_REFERENCE.keys() - found.keys():
        found[name] = json.loads((SCHEMA_FILES / f"{name}.json").read_text())
    return found


def _record(stream: str, item: dict) -> dict:
    """What the tap makes of one of GitHub's items: its own fields first, GitHub's after."""
    if stream != "pat_audit_events":
        return {**ADDED[stream], **item}
    # The audit stream keeps the whole event, and `created_at` as RFC 3339 of `@timestamp`.
    moment = datetime.fromtimestamp(item["@timestamp"] / 1000, tz=timezone.utc)
    created_at = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {**item, **ADDED[stream], "created_at": created_at, "event": item}


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


# The audit log's OpenAPI item spans every kind of event; the PAT events' own documented
# fields are checked below (`test_audit_events_declare_every_field_github_documents_for_pat_events`).
@pytest.mark.parametrize("stream", sorted(STREAM_REFERENCE.keys() - {"pat_audit_events"}))
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
            errors = list(validator.iter_errors(_record(stream, record)))
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


def test_committed_schemas_are_what_the_generator_writes():
    spec = importlib.util.spec_from_file_location("generate", ROOT / "scripts/generate_schemas.py")
    assert spec is not None
    assert spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    generated = generator.schemas(REFERENCE)
    assert sorted(generated) == sorted(STREAM_REFERENCE)
    for name, schema in generated.items():
        assert json.loads((SCHEMA_FILES / f"{name}.json").read_text()) == schema, name


def test_audit_events_declare_every_field_github_documents_for_pat_events():
    documented = json.loads((REFERENCE / "audit-log-pat-events.json").read_text())
    names = set(documented["common_fields"])
    for event in documented["events"]:
        names.update(event["additional_fields"])
    props = _schemas()["pat_audit_events"]["properties"]
    assert sorted(names - props.keys()) == []
    for name in names - {"_document_id", "@timestamp", "created_at", "org", "action"}:
        assert "null" in props[name]["type"], f"{name} may be absent: must be nullable"


def test_audit_event_keys_and_timestamps():
    props = _schemas()["pat_audit_events"]["properties"]
    assert (props["_document_id"]["type"], props["@timestamp"]["type"]) == ("string", "integer")
    assert (props["created_at"]["type"], props["created_at"]["format"]) == ("string", "date-time")
    assert props["event"] == {**props["event"], "type": "object", "additionalProperties": True}
    assert props["repositories"]["type"] == ["array", "null"]
    for name in ("user_programmatic_access_id", "user_programmatic_access_request_id"):
        assert props[name]["type"] == ["integer", "null"]
    validator = Draft7Validator(_schemas()["pat_audit_events"], format_checker=FORMATS)
    raw = {"@timestamp": 1606929874512, "_document_id": "x", "action": "a.b"}
    assert list(validator.iter_errors({**raw, "org": "acme", "created_at": 1606929874512}))


def test_credential_and_member_schemas_are_nullable_where_github_says():
    credentials = _schemas()["credential_authorizations"]["properties"]
    for name in ("token_last_eight", "scopes", "fingerprint", "credential_accessed_at",
                 "authorized_credential_expires_at", "authorized_credential_note"):  # fmt: skip
        assert "null" in credentials[name]["type"], name
    assert credentials["credential_id"]["type"] == "integer"
    members = _schemas()["org_members"]["properties"]
    assert (members["role"]["type"], members["id"]["type"], members["login"]["type"]) == (
        "string", "integer", "string",
    )  # fmt: skip
