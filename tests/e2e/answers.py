"""The answers each `analysis/*.sql` question should give, worked out from the fake's data."""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from tests.e2e.expected import as_keys, grants_by_key
from tests.fake_github import parse_instant

if TYPE_CHECKING:
    from tests.fake_github import FakeGitHub, Grant

DAY = 86_400
WRITE = ("write", "admin")
QUESTIONS = {
    "all_repositories.sql",
    "expired_still_granted.sql",
    "never_expire.sql",
    "owners_with_most_tokens.sql",
    "pending_requests_older_than_7_days.sql",
    "token_writable_repositories.sql",
    "unused_90_days.sql",
    "write_or_admin_access.sql",
}


def _seconds(text: str | None) -> float | None:
    return None if text is None else parse_instant(text) / 1_000_000


def _writes_repositories(grant: Grant) -> bool:
    return any(level in WRITE for level in grant.permissions.get("repository", {}).values())


def _administers(grant: Grant) -> bool:
    return grant.permissions.get("organization", {}).get("administration") in WRITE


def check_answers(results: dict[str, list[dict[str, Any]]], gh: FakeGitHub) -> None:
    """Assert every analysis query's rows (by file name) against the fake GitHub's records."""
    assert set(results) == QUESTIONS, "a new analysis query needs its expected answer here"
    now = time.time()
    grants = grants_by_key(gh)

    def keys_where(test: Any) -> set[tuple[str, int]]:
        return {key for key, grant in grants.items() if test(grant)}

    assert as_keys(results["never_expire.sql"]) == keys_where(lambda g: g.token_expires_at is None)
    assert as_keys(results["all_repositories.sql"]) == keys_where(
        lambda g: g.repository_selection == "all"
    )
    assert as_keys(results["expired_still_granted.sql"]) == keys_where(
        lambda g: g.token_expired or (_seconds(g.token_expires_at) or now) < now
    )
    assert as_keys(results["unused_90_days.sql"]) == keys_where(
        lambda g: _seconds(g.token_last_used_at or g.access_granted_at) < now - 90 * DAY  # type: ignore[operator]
    )
    assert as_keys(results["write_or_admin_access.sql"]) == keys_where(
        lambda g: _writes_repositories(g) or _administers(g)
    )

    owners = Counter(g.owner["login"] for g in grants.values())
    top = results["owners_with_most_tokens.sql"]
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
    rows = results["token_writable_repositories.sql"]
    assert {(r["org"], int(r["grant_id"]), r["repository"]) for r in rows} == writable
    assert len(rows) == len(writable)

    requests = {(org.login, r.id): r for org in gh.orgs.values() for r in org.requests}
    pending = results["pending_requests_older_than_7_days.sql"]
    assert as_keys(pending) == {
        key for key, r in requests.items() if (_seconds(r.created_at) or now) < now - 7 * DAY
    }
    for row in pending:
        request = requests[row["org"], int(row["id"])]
        subset = request.repository_selection == "subset"
        assert row["repositories"] == (len(request.repositories) if subset else 0)
