"""The audit log's own rate limit (1,750 queries an hour), apart from the REST `core` budget."""

from __future__ import annotations

import time

import pytest

from tap_github_pat_grants.http_policy import Action, classify
from tests.fake_github import GOVERNANCE_PERMISSIONS

AUDIT = "/orgs/acme/audit-log"
GRANTS = "/orgs/acme/personal-access-tokens"


@pytest.fixture
def token(gh):
    permissions = {"organization_personal_access_tokens": "read", **GOVERNANCE_PERMISSIONS}
    gh.add_org("acme", permissions=permissions)
    gh.add_org("globex", permissions=permissions)
    return {"Authorization": f"Bearer {gh.mint_token_for('acme')}"}


def limits(response):
    names = ("limit", "remaining", "used", "resource")
    return tuple(response.headers[f"x-ratelimit-{name}"] for name in names)


def test_audit_queries_spend_their_own_budget_not_core(gh, http, token):
    first = http.get(f"{gh.url}{AUDIT}", headers=token)
    second = http.get(f"{gh.url}{AUDIT}?per_page=100", headers=token)
    core = http.get(f"{gh.url}{GRANTS}", headers=token)
    assert limits(first) == ("1750", "1749", "1", "audit_log")
    assert limits(second) == ("1750", "1748", "2", "audit_log")
    assert limits(core) == ("5000", "4999", "1", "core")
    assert abs(int(first.headers["x-ratelimit-reset"]) - time.time() - 3600) < 5


@pytest.mark.parametrize("status", [403, 429])
def test_an_exhausted_audit_budget_answers_like_github_and_the_tap_waits(gh, http, token, status):
    org = gh.org("acme")
    reset_at = time.time() + 120
    gh.set_audit_rate_limit(remaining=1, reset_at=reset_at, org="acme", status=status)
    last = http.get(f"{gh.url}{AUDIT}", headers=token)
    refused = http.get(f"{gh.url}{AUDIT}", headers=token)
    assert (last.status_code, last.headers["x-ratelimit-remaining"]) == (200, "0")
    assert (refused.status_code, refused.headers["x-ratelimit-remaining"]) == (status, "0")
    assert refused.headers["x-ratelimit-resource"] == "audit_log"
    assert int(refused.headers["x-ratelimit-reset"]) == int(reset_at)
    message = f"API rate limit exceeded for installation ID {org.installation_id}."
    assert refused.json()["message"] == message
    # The tap's one HTTP policy reads these headers as "wait until the reset", then resend.
    decision = classify(status, refused.headers, message, now=time.time())
    assert decision.action is Action.WAIT
    assert 115 < decision.wait_seconds <= 122
    # Core calls and other organizations are untouched.
    assert http.get(f"{gh.url}{GRANTS}", headers=token).status_code == 200
    other = {"Authorization": f"Bearer {gh.mint_token_for('globex')}"}
    assert http.get(f"{gh.url}/orgs/globex/audit-log", headers=other).status_code == 200
    assert [e.status for e in gh.requests_log] == [200, status, 200, 200]


def test_the_audit_budget_refills_after_its_reset(gh, http, token):
    gh.set_audit_rate_limit(remaining=0, reset_at=time.time() + 60)
    assert http.get(f"{gh.url}{AUDIT}", headers=token).status_code == 403
    gh.set_audit_rate_limit(remaining=0, reset_at=time.time() - 1)
    again = http.get(f"{gh.url}{AUDIT}", headers=token)
    assert (again.status_code, again.headers["x-ratelimit-remaining"]) == (200, "1749")


def test_a_scripted_fault_on_the_audit_log_reports_the_audit_budget(gh, http, token):
    gh.faults.secondary_rate_limit("/audit-log$", retry_after=9)
    limited = http.get(f"{gh.url}{AUDIT}", headers=token)
    assert (limited.status_code, limited.headers["retry-after"]) == (403, "9")
    assert limited.headers["x-ratelimit-resource"] == "audit_log"
    gh.faults.primary_rate_limit("/audit-log$", reset_in_seconds=30, status=429)
    primary = http.get(f"{gh.url}{AUDIT}", headers=token)
    assert primary.status_code == 429
    assert limits(primary)[:2] == ("1750", "0")
    assert primary.headers["x-ratelimit-resource"] == "audit_log"
