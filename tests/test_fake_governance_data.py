"""Generated members, credential authorizations and audit events: deterministic, consistent with
the org's grants and requests, valid against the stream schemas, and no change to the grants."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from jsonschema import Draft7Validator

from tests.fake_github import GovernanceOptions, generate_org

SCHEMAS = Path(__file__).resolve().parents[1] / "tap_github_pat_grants" / "schemas"
FIXED_NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
PINNED = "7ebb3025c16f5ea9ea21e98081b2c46edcc16d992e36b48f0dcb55923b20e0aa"


def schema(name: str) -> Draft7Validator:
    return Draft7Validator(json.loads((SCHEMAS / f"{name}.json").read_text()))


def digest(org) -> str:
    rows = [g.document("http://x", org.id) for g in org.grants]
    rows += [r.document("http://x", org.id) for r in org.requests]
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


def test_grants_and_requests_of_a_seed_are_unchanged_and_governance_is_lazy():
    org = generate_org("acme", 60, n_requests=6, seed=3, now=FIXED_NOW)
    # Pinned (the same digest as before issue 18): the rows other tests count on.
    assert digest(org) == PINNED
    assert not org.governance.built
    before = digest(org)
    assert len(org.governance.audit_log) > 0
    assert org.governance.built
    assert digest(org) == before
    quiet = generate_org("acme", 60, n_requests=6, seed=3, now=FIXED_NOW,
                         governance=GovernanceOptions(revoked=0, denied=0, unrelated=0))  # fmt: skip
    assert digest(quiet) == before


def test_the_same_seed_gives_the_same_governance_data_and_another_seed_other_data():
    def parts(seed: int):
        org = generate_org("acme", 200, n_requests=8, seed=seed, now=FIXED_NOW)
        governance = org.governance
        members = [(m.login, m.role, m.two_factor) for m in governance.members]
        return members, governance.credential_authorizations, list(governance.audit_log)

    assert parts(5) == parts(5)
    assert parts(5) != parts(6)


def test_events_join_to_grants_and_requests_like_githubs():
    org = generate_org("acme", 500, n_requests=20, seed=9)
    governance = org.governance
    events = list(governance.audit_log)
    by_action = Counter(e["action"] for e in events)
    granted = {e["user_programmatic_access_id"]: e for e in events
               if e["action"] == "personal_access_token.access_granted"}  # fmt: skip
    recent = [g for g in org.grants if g.token_id in granted]
    assert len(recent) > 50  # grants within the history window have their approval event
    for grant in recent:
        event = granted[grant.token_id]
        assert (event["user"], event["user_programmatic_access_name"]) == (
            grant.owner["login"], grant.token_name,
        )  # fmt: skip
        assert event["repository_selection"] == grant.repository_selection
    created = {e["user_programmatic_access_request_id"]: e for e in events
               if e["action"] == "personal_access_token.request_created"}  # fmt: skip
    for request in org.requests:
        assert created[request.id]["user_programmatic_access_id"] == request.token_id
    admins = {m.login for m in governance.members if m.role == "admin"}
    for grant in recent:
        approval = granted[grant.token_id]
        if grant.owner["login"] in admins:  # owners' tokens need no approval
            assert approval["actor"] == grant.owner["login"]
        else:
            assert approval["actor"] in admins or approval["actor"].endswith("[bot]")
    for action in (
        "access_revoked",
        "request_denied",
        "request_cancelled",
        "request_created",
        "expiration_limit_set",
        "expiration_limit_unset",
        "access_restriction_enabled",
        "auto_approve_grant_requests_enabled",
        "auto_approve_grant_requests_disabled",
    ):
        assert by_action[f"personal_access_token.{action}"] > 0, action  # fmt: skip
    assert by_action["auto_approve_personal_access_token_requests.enable"] == 1
    assert by_action["git.clone"] > 0
    assert by_action["org.add_member"] > 0


def test_the_acting_credential_is_not_the_token_the_event_is_about():
    events = list(generate_org("acme", 500, seed=9).governance.audit_log)
    by_app = [e for e in events if e.get("programmatic_access_type")]
    assert by_app
    for event in by_app:
        assert event["actor"] == "pat-review-bot[bot]"
        assert event["token_id"] != event.get("user_programmatic_access_id")
        assert len(event["hashed_token"]) == 44


def test_members_leavers_owners_and_two_factor():
    org = generate_org("acme", 800, n_requests=10, seed=2)
    governance = org.governance
    logins = {m.login for m in governance.members}
    owners = {g.owner["login"] for g in org.grants}
    gone = owners - logins
    assert gone and len(gone) < len(owners) / 4  # some grant owners left the organization
    assert {r.owner["login"] for r in org.requests} <= logins
    roles = Counter(m.role for m in governance.members)
    assert roles["admin"] >= 3 and roles["member"] > roles["admin"]
    assert any(m.role == "admin" and m.login in owners for m in governance.members)
    assert {m.two_factor for m in governance.members} == {"secure", "insecure", "disabled"}
    removed = {e["user"] for e in governance.audit_log if e["action"] == "org.remove_member"}
    assert removed == gone
    assert {c["login"] for c in governance.credential_authorizations} <= logins


def test_knobs_turn_plans_off_and_size_the_data():
    off = GovernanceOptions(enterprise_cloud=False, saml_sso=False, approvers=4, other_members=0,
                            left_share=0, credential_share=0)  # fmt: skip
    org = generate_org("acme", 100, seed=1, governance=off)
    governance = org.governance
    assert (governance.enterprise_cloud, governance.saml_sso) == (False, False)
    assert governance.credential_authorizations == []
    assert {g.owner["login"] for g in org.grants} <= {m.login for m in governance.members}
    assert sum(m.role == "admin" and m.login.startswith("acme-owner-") for m in
               governance.members) == 4  # fmt: skip


def test_everything_generated_validates_against_the_stream_schemas():
    org = generate_org("acme", 400, n_requests=10, seed=4)
    governance = org.governance
    for member in governance.members:
        errors = list(schema("org_members").iter_errors(
            {"org": "acme", "role": member.role, **member.user}))  # fmt: skip
        assert errors == []
    for credential in governance.credential_authorizations:
        assert list(schema("credential_authorizations").iter_errors(
            {"org": "acme", **credential})) == []  # fmt: skip
    audit = schema("pat_audit_events")
    for event in governance.audit_log:
        moment = datetime.fromtimestamp(event["@timestamp"] / 1000, tz=timezone.utc)
        record = {**event, "org": "acme", "event": event,
                  "created_at": moment.isoformat(timespec="milliseconds")}  # fmt: skip
        assert list(audit.iter_errors(record)) == [], event["action"]
