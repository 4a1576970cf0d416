"""Issue 18 in the warehouse: what each of its models should hold, worked out from the fake's
members, SAML credential authorizations and audit events (tests/fake_github/governance_data.py),
and the late audit event that must land exactly once."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from tests.e2e.expected import grants_by_key
from tests.fake_github import audit_event, format_utc, parse_instant
from tests.fake_github.audit_log import document_id

if TYPE_CHECKING:
    from tests.e2e.project import Warehouse
    from tests.fake_github import FakeGitHub, LoggedRequest

GOVERNANCE_STREAMS = ("credential_authorizations", "pat_audit_events", "org_members")
EVERY_STREAM = ("pat_grants", "pat_grant_repositories", "pat_requests")
EVERY_STREAM += ("pat_request_repositories", "sync_runs", *GOVERNANCE_STREAMS)
DAY = 86_400
AUDIT_PATH = "/orgs/{}/audit-log"
SEARCHED = ("personal_access_token.", "auto_approve_personal_access_token_requests.")
BROAD = {"repo", "write:packages", "delete_repo"}  # and any admin:*
STEPS = {
    "personal_access_token.request_created": "requested",
    "personal_access_token.access_granted": "granted",
    "personal_access_token.access_revoked": "revoked",
    "personal_access_token.request_denied": "denied",
    "personal_access_token.request_cancelled": "cancelled",
}
POLICY = {  # by the action's name: GitHub's two names of the auto-approve switch are one policy
    "personal_access_token.access_restriction_enabled": ("access_restriction", "on"),
    "personal_access_token.access_restriction_disabled": ("access_restriction", "off"),
    "personal_access_token.expiration_limit_set": ("expiration_limit", "on"),
    "personal_access_token.expiration_limit_unset": ("expiration_limit", "off"),
    "personal_access_token.auto_approve_grant_requests_enabled": ("auto_approve", "on"),
    "personal_access_token.auto_approve_grant_requests_disabled": ("auto_approve", "off"),
    "auto_approve_personal_access_token_requests.enable": ("auto_approve", "on"),
    "auto_approve_personal_access_token_requests.disable": ("auto_approve", "off"),
}
GRANT_MARTS = (
    "grants_of_non_members",
    "grants_of_org_owners",
    "grants_over_lifetime_policy",
    "grants_expiring_soon",
)
QUESTIONS = {
    "current_org_members": "select org, member_id, login, role from current_org_members",
    "current_credential_authorizations": (
        "select org, credential_id, credential_type from current_credential_authorizations"
    ),
    "current_credential_scopes": "select org, credential_id, scope from current_credential_scopes",
    "classic_credentials_at_risk": (
        "select org, credential_id, risk_reasons from classic_credentials_at_risk"
    ),
    "grant_timeline": (
        "select org, token_id, token_name, owner_login, present_state, is_current, grant_id,"
        " requested_at, requested_by, request_id, granted_at, granted_by, granted_through,"
        " self_granted, revoked_at, revoked_by, denied_at, denied_by, cancelled_at, last_step,"
        " last_event_at, audit_events from grant_timeline"
    ),
    "pat_policy_changes": (
        "select org, event_id, occurred_at, policy, setting, token_expiration_days,"
        " old_token_expiration_days, exempt_administrators, changed_by, is_latest"
        " from pat_policy_changes"
    ),
    **{mart: f"select org, grant_id from {mart}" for mart in GRANT_MARTS},
}


def governance_answers(house: Warehouse) -> dict[str, list[dict[str, Any]]]:
    """Every issue-18 model's rows (the columns its check needs)."""
    return dict(zip(QUESTIONS, house.models(*QUESTIONS.values()), strict=True))


def audit_reads(gh: FakeGitHub) -> list[LoggedRequest]:
    """The logged requests that searched an organization's audit log."""
    paths = {AUDIT_PATH.format(login) for login in gh.orgs}
    return [entry for entry in gh.requests_log if entry.path in paths]


def read_since(gh: FakeGitHub) -> dict[str, int]:
    """Per org, the epoch ms its earliest logged audit search started at (`created:>=`, to the
    second): after the warehouse's first run, where its events begin."""
    return {org: min(starts) * 1000 for org, starts in window_starts(audit_reads(gh)).items()}


def late_event(gh: FakeGitHub, org: str, bookmark_ms: int) -> dict[str, Any]:
    """A token revoked earlier is requested again, and GitHub records the request only now,
    10 minutes before the org's bookmark: inside the 30 minutes the next run re-reads."""
    found = gh.org(org)
    at = bookmark_ms - 10 * 60 * 1000
    revoked = max(
        (
            e
            for e in found.governance.audit_log
            if e["action"] == "personal_access_token.access_revoked" and e["@timestamp"] < at
        ),
        key=lambda e: e["@timestamp"],
    )
    owner = {"login": revoked["user"], "id": revoked["user_id"]}
    event = audit_event(
        "personal_access_token.request_created",
        at,
        org=found.login,
        org_id=found.id,
        actor=owner,
        user=owner,
        doc_id=document_id(f"late:{org}:{bookmark_ms}"),
        operation_type="create",
        repository_selection="all",
        user_programmatic_access_id=revoked["user_programmatic_access_id"],
        user_programmatic_access_request_id=9_900_001,
        user_programmatic_access_name=revoked["user_programmatic_access_name"],
    )
    found.governance.audit_log.add(event)
    return event


def late_event_rows(house: Warehouse, event: dict[str, Any]) -> list[dict[str, Any]]:
    """The audit table's rows and distinct events: the others (`late` false), then that one."""
    (found,) = house.raw(
        f"select _document_id = '{event['_document_id']}' as late, count(*) as n,"
        " count(distinct _document_id) as events from pat_audit_events group by 1 order by 1"
    )
    return found


def check_late_event_rows(found: list[dict[str, Any]]) -> None:
    """The late event once; the events read again (the window, a full refresh) once each."""
    assert [(r["late"], r["n"] == r["events"]) for r in found] == [(False, True), (True, True)]
    assert found[1]["n"] == 1


def check_late_request(
    answers: dict[str, list[dict[str, Any]]],
    gh: FakeGitHub,
    since: dict[str, int],
    late: dict[str, Any],
) -> None:
    """The revoked token's timeline after `late_event`: the late request is its latest, and
    every event of it counts once."""
    token = late["user_programmatic_access_id"]
    (row,) = [r for r in answers["grant_timeline"] if int(r["token_id"]) == token]
    assert (row["requested_by"], row["last_step"], row["present_state"]) == (
        late["actor"],
        "requested",
        "no access",
    )
    assert _instant(row["requested_at"]) == _at(late["@timestamp"])
    assert row["revoked_at"] is not None
    read = _timeline(gh, read_events(gh, since))[late["org"], token]
    assert row["audit_events"] == read["audit_events"] > 1


def read_events(gh: FakeGitHub, since: dict[str, int]) -> list[dict[str, Any]]:
    """The PAT events the tap has read: both searches' actions, since each org's first read."""
    return [
        {**event, "org": org.login.lower()}
        for org in gh.orgs.values()
        for event in org.governance.audit_log
        if event["action"].startswith(SEARCHED) and event["@timestamp"] >= since[org.login]
    ]


def _seconds(text: str | None) -> float | None:
    return None if text is None else parse_instant(text) / 1_000_000


def _instant(value: str | None) -> datetime | None:
    """A warehouse timestamp (UTC, zone-less) as an aware datetime."""
    if value is None:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def _risks(credential: dict[str, Any], now: float) -> str | None:
    """Why a classic credential is at risk (the model's `risk_reasons`), or None."""
    kind = credential["credential_type"]
    accessed = _seconds(credential.get("credential_accessed_at"))
    reasons = []
    if kind == "personal access token":
        broad = sorted(s for s in credential["scopes"] if s in BROAD or s.startswith("admin:"))
        if broad:
            reasons.append(f"broad scopes ({', '.join(broad)})")
        if credential.get("authorized_credential_expires_at") is None:
            reasons.append("no expiry")
        last = accessed or _seconds(credential["credential_authorized_at"])
        if last is not None and last < now - 90 * DAY:
            reasons.append("unused for 90 days")
    elif kind == "SSH key":
        if accessed is None:
            reasons.append("never used")
        elif accessed < now - 90 * DAY:
            reasons.append("unused for 90 days")
    return "; ".join(reasons) or None


def _timeline(gh: FakeGitHub, events: list[dict[str, Any]]) -> dict[tuple[str, int], Any]:
    """`grant_timeline` per (org, token id), as the fake's events and grants give it."""
    lifecycle = [e for e in events if e["action"] in STEPS]
    request_tokens = {
        (e["org"], e["user_programmatic_access_request_id"]): e["user_programmatic_access_id"]
        for e in lifecycle
        if e.get("user_programmatic_access_request_id") and e.get("user_programmatic_access_id")
    }
    by_token: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for e in lifecycle:
        token = e.get("user_programmatic_access_id") or request_tokens.get(
            (e["org"], e.get("user_programmatic_access_request_id"))
        )
        if token is not None:
            by_token.setdefault((e["org"], token), []).append(e)
    grants = {(org, g.token_id): g for (org, _), g in grants_by_key(gh).items()}
    requests = {(o.login, r.token_id): r for o in gh.orgs.values() for r in o.requests}
    expected = {}
    for key in by_token.keys() | grants.keys():  # every org's audit log was read
        found = sorted(by_token.get(key, []), key=lambda e: (e["@timestamp"], e["_document_id"]))
        latest = {STEPS[e["action"]]: e for e in found}  # the last of each kind wins
        grant, request = grants.get(key), requests.get(key)
        owner = (grant or request).owner["login"] if grant or request else found[-1]["user"]
        row: dict[str, Any] = {
            "token_name": (grant or request).token_name
            if grant or request
            else found[-1]["user_programmatic_access_name"],
            "owner_login": owner,
            "present_state": "granted" if grant else "pending request" if request else "no access",
            "is_current": grant is not None,
            "grant_id": grant.id if grant else None,
            "request_id": latest["requested"].get("user_programmatic_access_request_id")
            if "requested" in latest
            else None,
            "granted_through": latest["granted"].get("programmatic_access_type")
            if "granted" in latest
            else None,
            "self_granted": latest["granted"]["actor"] == owner if "granted" in latest else None,
            "last_step": STEPS[found[-1]["action"]] if found else None,
            "last_event_at": _at(found[-1]["@timestamp"]) if found else None,
            "audit_events": len(found),
        }
        for step in ("requested", "granted", "revoked", "denied", "cancelled"):
            event = latest.get(step)
            row[f"{step}_at"] = _at(event["@timestamp"]) if event else None
            if step != "cancelled":
                row[f"{step}_by"] = event["actor"] if event else None
        expected[key] = row
    return expected


def _timeline_rows(rows: list[dict[str, Any]]) -> dict[tuple[str, int], Any]:
    found = {}
    for result in rows:
        row = {c: _instant(v) if c.endswith("_at") else v for c, v in result.items()}
        key = (row.pop("org"), int(row.pop("token_id")))
        for column in ("grant_id", "request_id"):
            row[column] = None if row[column] is None else int(row[column])
        assert key not in found, f"grant_timeline holds {key} twice"
        found[key] = row
    return found


def _policy(events: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    changes = [e for e in events if e["action"] in POLICY]
    latest = {}
    for e in sorted(changes, key=lambda e: (e["@timestamp"], e["_document_id"])):
        latest[e["org"], POLICY[e["action"]][0]] = e["_document_id"]
    return {
        e["_document_id"]: (
            e["org"],
            _at(e["@timestamp"]),
            *POLICY[e["action"]],
            e.get("token_expiration"),
            e.get("old_token_expiration"),
            e.get("exempt_administrators"),
            e["actor"],
            latest[e["org"], POLICY[e["action"]][0]] == e["_document_id"],
        )
        for e in changes
    }


def _grant_marts(gh: FakeGitHub, now: float) -> dict[str, set[Any]]:
    """The four grant marts' (org, grant id)s, with the default `max_token_lifetime_days`
    (366) and `expiring_soon_days` (14)."""
    grants = grants_by_key(gh)
    roles = {
        (org.login, m.user["id"]): m.role
        for org in gh.orgs.values()
        for m in org.governance.members
    }

    def keys_where(test: Any) -> set[tuple[str, int]]:
        return {key for key, grant in grants.items() if test(key[0], grant)}

    def lifetime(org: str, grant: Any) -> bool:
        expires, granted = _seconds(grant.token_expires_at), _seconds(grant.access_granted_at)
        return expires is None or expires > granted + 366 * DAY

    def soon(org: str, grant: Any) -> bool:
        expires = _seconds(grant.token_expires_at)
        limit = now + 14 * DAY
        return not grant.token_expired and expires is not None and now <= expires < limit

    return {
        "grants_of_non_members": keys_where(lambda o, g: (o, g.owner["id"]) not in roles),
        "grants_of_org_owners": keys_where(lambda o, g: roles.get((o, g.owner["id"])) == "admin"),
        "grants_over_lifetime_policy": keys_where(lifetime),
        "grants_expiring_soon": keys_where(soon),
    }


def check_governance(
    results: dict[str, list[dict[str, Any]]],
    gh: FakeGitHub,
    since: dict[str, int],
) -> None:
    """Assert every issue-18 model's rows against the fake GitHub's records."""
    assert set(results) == set(QUESTIONS), "a new issue-18 model needs its expected answer here"
    now = time.time()
    orgs = list(gh.orgs.values())
    assert {
        (r["org"], int(r["member_id"]), r["login"], r["role"])
        for r in results["current_org_members"]
    } == {(o.login, m.user["id"], m.login, m.role) for o in orgs for m in o.governance.members}
    credentials = {
        (o.login, c["credential_id"]): c
        for o in orgs
        for c in o.governance.credential_authorizations
    }
    assert {
        (r["org"], int(r["credential_id"])): r["credential_type"]
        for r in results["current_credential_authorizations"]
    } == {key: c["credential_type"] for key, c in credentials.items()}
    assert sorted(
        (r["org"], int(r["credential_id"]), r["scope"])
        for r in results["current_credential_scopes"]
    ) == sorted((*key, scope) for key, c in credentials.items() for scope in c.get("scopes") or [])
    at_risk = {key: _risks(c, now) for key, c in credentials.items()}
    assert {
        (r["org"], int(r["credential_id"])): r["risk_reasons"]
        for r in results["classic_credentials_at_risk"]
    } == {key: reasons for key, reasons in at_risk.items() if reasons}

    events = read_events(gh, since)
    assert _timeline_rows(results["grant_timeline"]) == _timeline(gh, events)
    assert {
        r["event_id"]: (
            r["org"],
            _instant(r["occurred_at"]),
            r["policy"],
            r["setting"],
            *(r[c] for c in ("token_expiration_days", "old_token_expiration_days")),
            r["exempt_administrators"],
            r["changed_by"],
            r["is_latest"],
        )
        for r in results["pat_policy_changes"]
    } == _policy(events)

    for mart, expected in _grant_marts(gh, now).items():
        found = [(r["org"], int(r["grant_id"])) for r in results[mart]]
        assert len(found) == len(set(found)), mart
        assert set(found) == expected, mart


def audit_bookmarks(state: dict[str, Any]) -> dict[str, int]:
    """Per org, the `@timestamp` (epoch ms) its audit-log bookmark holds in a Meltano state."""
    partitions = state["singer_state"]["bookmarks"]["pat_audit_events"]["partitions"]
    return {p["context"]["org"]: int(p["replication_key_value"]) for p in partitions}


def window_starts(reads: list[LoggedRequest]) -> dict[str, set[int]]:
    """Per org, the `created:>=` (epoch seconds) of each audit search logged."""
    starts: dict[str, set[int]] = {}
    for entry in reads:
        (phrase,) = entry.query["phrase"]
        start = parse_instant(phrase.split("created:>=")[1]) // 1_000_000
        starts.setdefault(entry.org, set()).add(start)
    return starts


def expiring_grants(gh: FakeGitHub, org: str) -> None:
    """Give four grants of `org` expiries at the marts' edges: in 5 and in 20 days (one inside
    `expiring_soon_days`, one not), and exactly 366 and 367 days after the grant (one inside
    `max_token_lifetime_days`, one not)."""
    now = time.time()
    soon, later, year, longer = gh.org(org).grants[-4:]
    for grant, expires in (
        (soon, now + 5 * DAY),
        (later, now + 20 * DAY),
        (year, _seconds(year.access_granted_at) + 366 * DAY),
        (longer, _seconds(longer.access_granted_at) + 367 * DAY),
    ):
        grant.token_expires_at = format_utc(expires)
        grant.token_expired = expires < now


def someone_leaves(gh: FakeGitHub, org: str) -> None:
    """A member who holds grants leaves (the grants stay), and a SAML authorization is revoked:
    both lists are read whole, so the next complete read must drop them from the current state
    (target-duckdb keeps their rows)."""
    found = gh.org(org)
    governance = found.governance
    holder = next(
        m
        for g in reversed(found.grants)
        if (m := governance.member(g.owner["login"])) is not None and m.role == "member"
    )
    governance.remove_member(holder.login)
    governance.credential_authorizations.pop(0)
