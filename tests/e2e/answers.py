"""The answers each governance mart (transform/models/marts) should give, worked out from the
fake's data."""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from tests.e2e.expected import as_keys, grants_by_key
from tests.e2e.project import rows, sql
from tests.fake_github import parse_instant

if TYPE_CHECKING:
    from tests.fake_github import FakeGitHub, Grant

DAY = 86_400
WRITE = ("write", "admin")
# Each mart, and the order that makes its first rows the answer (owners: the top 20).
QUESTIONS = {
    "grants_all_repositories": "org, grant_id",
    "grants_expired": "org, grant_id",
    "grants_never_expire": "org, grant_id",
    "token_owners": "tokens desc, owner_login limit 20",
    "requests_pending_over_7_days": "org, request_id",
    "token_writable_repositories": "org, token_id, repository",
    "grants_unused_90_days": "org, grant_id",
    "grants_write_or_admin": "org, grant_id",
}


def mart_answers(**where: Any) -> dict[str, list[dict[str, Any]]]:
    """Every governance mart's rows, from a DuckDB file or PostgreSQL (`sql()`'s arguments)."""
    statements = [f"select * from {mart} order by {order}" for mart, order in QUESTIONS.items()]
    results = sql(statements=statements, **where)
    return {mart: rows(result) for mart, result in zip(QUESTIONS, results, strict=True)}


def _seconds(text: str | None) -> float | None:
    return None if text is None else parse_instant(text) / 1_000_000


def _writes_repositories(grant: Grant) -> bool:
    return any(level in WRITE for level in grant.permissions.get("repository", {}).values())


def _administers(grant: Grant) -> bool:
    return grant.permissions.get("organization", {}).get("administration") in WRITE


def check_answers(results: dict[str, list[dict[str, Any]]], gh: FakeGitHub) -> None:
    """Assert every governance mart's rows (by name) against the fake GitHub's records."""
    assert set(results) == set(QUESTIONS), "a new governance mart needs its expected answer here"
    now = time.time()
    grants = grants_by_key(gh)

    def keys_where(test: Any) -> set[tuple[str, int]]:
        return {key for key, grant in grants.items() if test(grant)}

    assert as_keys(results["grants_never_expire"], "grant_id") == keys_where(
        lambda g: g.token_expires_at is None
    )
    assert as_keys(results["grants_all_repositories"], "grant_id") == keys_where(
        lambda g: g.repository_selection == "all"
    )
    assert as_keys(results["grants_expired"], "grant_id") == keys_where(
        lambda g: g.token_expired or (_seconds(g.token_expires_at) or now) < now
    )
    assert as_keys(results["grants_unused_90_days"], "grant_id") == keys_where(
        lambda g: _seconds(g.token_last_used_at or g.access_granted_at) < now - 90 * DAY  # type: ignore[operator]
    )
    assert as_keys(results["grants_write_or_admin"], "grant_id") == keys_where(
        lambda g: _writes_repositories(g) or _administers(g)
    )

    owners = Counter(g.owner["login"] for g in grants.values())
    top = results["token_owners"]
    assert len(top) == min(20, len(owners))
    assert [row["tokens"] for row in top] == sorted(owners.values(), reverse=True)[: len(top)]
    assert all(owners[row["owner_login"]] == row["tokens"] for row in top)

    writable = {
        (org, grant_id, repository["full_name"])
        for (org, grant_id), g in grants.items()
        if _writes_repositories(g) and g.repository_selection == "subset"
        for repository in g.repositories
    } | {
        (org, grant_id, f"(every repository in {org})")
        for (org, grant_id), g in grants.items()
        if _writes_repositories(g) and g.repository_selection == "all"
    }
    writable_rows = results["token_writable_repositories"]
    assert {(r["org"], int(r["grant_id"]), r["repository"]) for r in writable_rows} == writable
    assert len(writable_rows) == len(writable)

    requests = {(org.login, r.id): r for org in gh.orgs.values() for r in org.requests}
    pending = results["requests_pending_over_7_days"]
    assert as_keys(pending, "request_id") == {
        key for key, r in requests.items() if (_seconds(r.created_at) or now) < now - 7 * DAY
    }
    for row in pending:
        request = requests[row["org"], int(row["request_id"])]
        subset = request.repository_selection == "subset"
        assert row["repositories"] == (len(request.repositories) if subset else 0)
