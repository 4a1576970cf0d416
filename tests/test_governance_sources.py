"""Issue 18's three streams against the fake GitHub over real HTTP: classic credentials (SAML
credential authorizations), the PAT audit events, and the organization's members.

Each is read per organization with the tap's auth, HTTP policy, paging guards, record shapes
and `sync_runs` accounting; none is selected by default; selecting one adds exactly its
permission to the installation token the tap mints.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from tests.fake_github import GOVERNANCE_PERMISSIONS, GovernanceOptions, audit_event, generate_org
from tests.helpers import catalog, on_virtual_clock
from tests.tap_runner import run_tap

ADMINISTRATION = {"organization_administration": "read"}
PAT_READ = {"organization_personal_access_tokens": "read"}
GOVERNANCE = ("credential_authorizations", "pat_audit_events", "org_members")


def _org(github, login="acme", *, seed=3, **options):
    org = generate_org(
        login,
        150,
        n_requests=5,
        seed=seed,
        subset_fraction=0.2,
        governance=GovernanceOptions(**options),
    )
    return github.add_org(org, permissions={**org.permissions, **GOVERNANCE_PERMISSIONS})


def _requests(github, path_end):
    return [r for r in github.requests_log if r.path.endswith(path_end)]


def _sync_runs(run):
    return {row["org"]: row for row in run.records("sync_runs")}


def test_each_stream_reads_exactly_what_github_lists(github, app_config):
    org = _org(github)
    run = run_tap(app_config(), catalog=catalog(*GOVERNANCE, "sync_runs"))
    assert run.error is None

    governance = org.governance
    assert {r["credential_id"] for r in run.records("credential_authorizations")} == {
        c["credential_id"] for c in governance.credential_authorizations
    }
    members = {(r["login"], r["role"]) for r in run.records("org_members")}
    assert members == {(m.login, m.role) for m in governance.members}
    since_ms = int((time.time() - 180 * 86400) * 1000) - 60_000
    expected_events = {
        e["_document_id"]
        for e in governance.audit_log
        if e["@timestamp"] >= since_ms
        and e["action"].startswith(
            ("personal_access_token.", "auto_approve_personal_access_token_requests.")
        )
    }
    assert {r["_document_id"] for r in run.records("pat_audit_events")} == expected_events
    # the exact requests: one page of authorizations, a page per role, the two searches
    assert [r.query.get("role") for r in _requests(github, "/members")] == [["admin"], ["member"]]
    assert len(_requests(github, "/credential-authorizations")) == 1
    phrases = [r.query["phrase"][0].split(" created")[0] for r in _requests(github, "/audit-log")]
    assert phrases[0] == "action:personal_access_token"
    assert phrases[-1] == "action:auto_approve_personal_access_token_requests"
    assert all(r.query["order"] == ["asc"] for r in _requests(github, "/audit-log"))
    assert all(r.query["include"] == ["web"] for r in _requests(github, "/audit-log"))
    row = _sync_runs(run)["acme"]
    assert row["org_members_read"] == "full"
    assert row["org_members_records"] == len(governance.members)
    assert row["org_members_requests"] == 2
    assert row["credential_authorizations_read"] == "full"
    assert row["audit_events_read"] == "incremental"
    assert row["audit_events_records"] == len(expected_events)
    # whole lists are versioned after a complete read; the audit log (history) never
    versioned = {m["stream"] for m in run.of_type("ACTIVATE_VERSION")}
    assert versioned == {"credential_authorizations", "org_members"}


def test_records_keep_github_fields_and_the_tap_adds_its_own(github, app_config):
    _org(github)
    run = run_tap(app_config(), catalog=catalog(*GOVERNANCE))
    assert run.error is None
    event = next(
        r for r in run.records("pat_audit_events") if r["action"].endswith(".access_granted")
    )
    moment = datetime.fromtimestamp(event["@timestamp"] / 1000, tz=timezone.utc)
    assert event["created_at"] == moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert event["event"]["_document_id"] == event["_document_id"]  # the whole event, as sent
    assert event["event"]["created_at"] == event["@timestamp"]  # GitHub's own, epoch ms
    assert isinstance(event["user_programmatic_access_id"], int)
    assert event["org"] == "acme"
    classic = [
        r for r in run.records("credential_authorizations") if r["credential_type"] != "SSH key"
    ]
    assert classic
    assert all(len(r["token_last_eight"] or "") <= 8 for r in classic)
    assert {r["role"] for r in run.records("org_members")} == {"admin", "member"}


def test_none_is_selected_by_default_and_each_asks_only_its_permission(github, app_config):
    _org(github)
    default = run_tap(app_config())
    assert default.error is None
    assert not any(default.records(name) for name in GOVERNANCE)
    asked = [t.permissions for t in github.installations.token_requests]
    assert asked[-1] == {
        **PAT_READ,
        "organization_personal_access_token_requests": "read",
    }

    for stream, permission in (
        ("org_members", {"members": "read"}),
        ("credential_authorizations", ADMINISTRATION),
        ("pat_audit_events", ADMINISTRATION),
    ):
        run = run_tap(app_config(), catalog=catalog(stream))
        assert run.error is None
        assert github.installations.token_requests[-1].permissions == permission


def test_a_missing_permission_stops_before_any_list_unless_skipped(github, app_config, caplog):
    org = generate_org("acme", 20, seed=4)
    github.add_org(org)  # the App has only the PAT permissions
    selected = catalog("pat_grants", "org_members")

    failed = run_tap(app_config(), catalog=selected)
    assert "'Members: read'" in str(failed.error)
    assert not _requests(github, "/personal-access-tokens")

    skipped = run_tap(
        app_config(skip_streams_without_permission=["org_members"]),
        catalog=catalog("pat_grants", "org_members", "sync_runs"),
    )
    assert skipped.error is None
    assert len(skipped.records()) == 20
    assert skipped.records("org_members") == []
    assert "org_members" in _sync_runs(skipped)["acme"]["skipped_streams"]


def test_organizations_without_saml_or_enterprise_cloud_are_skipped_with_a_reason(
    github, app_config, caplog
):
    _org(github, "acme")
    _org(github, "plain", seed=5, enterprise_cloud=False, saml_sso=False)
    run = run_tap(app_config(), catalog=catalog(*GOVERNANCE, "sync_runs"))

    assert run.error is None
    by_org = Counter(r["org"] for r in run.records("pat_audit_events"))
    assert set(by_org) == {"acme"}
    assert {r["org"] for r in run.records("credential_authorizations")} == {"acme"}
    assert {r["org"] for r in run.records("org_members")} == {"acme", "plain"}
    row = _sync_runs(run)["plain"]
    assert row["status"] == "complete"
    assert "Enterprise Cloud" in row["skipped_streams"]["pat_audit_events"]
    assert "SAML single sign-on" in row["skipped_streams"]["credential_authorizations"]
    assert row["audit_events_read"] is None
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert sum("org plain" in w and "not found (404)" in w for w in warnings) == 2
    # a table with an org skipped is not a whole read: nothing versioned for it
    versioned = {m["stream"] for m in run.of_type("ACTIVATE_VERSION")}
    assert versioned == {"org_members"}


def _created_since(request) -> datetime:
    qualifier = request.query["phrase"][0].split("created:>=")[1]
    return datetime.fromisoformat(qualifier.replace("Z", "+00:00"))


def test_the_first_run_starts_180_days_back(github, app_config):
    _org(github)
    before = datetime.now(timezone.utc)
    run = run_tap(app_config(), catalog=catalog("pat_audit_events"))
    after = datetime.now(timezone.utc)
    assert run.error is None
    starts = {_created_since(r) for r in _requests(github, "/audit-log") if "phrase" in r.query}
    (start,) = starts  # the run's start, 180 days back, to the second
    days = timedelta(days=180)
    assert before - days - timedelta(seconds=1) <= start <= after - days


def test_an_incremental_read_rereads_its_window_and_a_late_event_lands(github, app_config):
    org = _org(github)
    first = run_tap(app_config(), catalog=catalog("pat_audit_events"))
    assert first.error is None
    bookmark = first.last_state["bookmarks"]["pat_audit_events"]["partitions"][0]
    latest = bookmark["replication_key_value"]
    assert latest == max(r["@timestamp"] for r in first.records("pat_audit_events"))

    # GitHub backfills an event ten minutes before the latest one already read.
    late = audit_event(
        "personal_access_token.access_revoked",
        latest - 600_000,
        org="acme",
        org_id=org.id,
        actor={"login": "octo-owner", "id": 4_000_001},
        user={"login": "octo-user", "id": 4_000_002},
        user_programmatic_access_id=123_456,
    )
    org.governance.audit_log.add(late)
    github.reset_log()
    second = run_tap(app_config(), state=first.last_state, catalog=catalog("pat_audit_events"))

    assert second.error is None
    (start,) = {_created_since(r) for r in _requests(github, "/audit-log") if "phrase" in r.query}
    window = timedelta(seconds=1800)  # audit_log_lookback_seconds
    assert start == datetime.fromtimestamp(latest // 1000, tz=timezone.utc) - window
    ids = [r["_document_id"] for r in second.records("pat_audit_events")]
    assert late["_document_id"] in ids
    assert len(ids) == len(set(ids))  # each event once per run (the warehouse dedups by key)
    assert all(
        r["@timestamp"] >= latest - 1_800_000 - 999 for r in second.records("pat_audit_events")
    )


def test_the_audit_logs_own_rate_limit_is_waited_for_not_the_core_one(github, app_config, caplog):
    _org(github)
    # The fake's budgets run on the wall clock: a reset two seconds away, really waited for.
    github.set_audit_rate_limit(remaining=0, reset_at=time.time() + 2)
    started = time.monotonic()
    run = run_tap(app_config(), catalog=catalog("pat_grants", "pat_audit_events"))

    assert run.error is None
    assert time.monotonic() - started >= 1
    assert run.records("pat_audit_events")
    waits = [r.getMessage() for r in caplog.records if "waiting" in r.getMessage()]
    assert len(waits) == 1
    assert "rate limit" in waits[0]
    # the grants, on the core budget, were read without a pause
    assert len(run.records()) == 150


@pytest.mark.parametrize("status", [403, 429])
def test_an_audit_limit_resetting_too_late_stops_with_one_line(github, app_config, status):
    _org(github)
    tap_class = on_virtual_clock(github, latency_seconds=0.01)
    github.set_audit_rate_limit(remaining=0, reset_at=github.clock() + 7200, status=status)
    run = run_tap(app_config(), catalog=catalog("pat_audit_events"), tap_class=tap_class)
    assert "rate limit resets" in str(run.error)
    assert "max_rate_limit_wait_seconds=900" in str(run.error)
