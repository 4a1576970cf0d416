"""What a warehouse should hold, computed from the fake GitHub's own data."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from tests.fake_github import Grant, format_utc
from tests.helpers import expected_row_counts

if TYPE_CHECKING:
    from tests.fake_github import FakeGitHub

TABLES = ("pat_grants", "pat_grant_repositories", "pat_requests", "pat_request_repositories")


def row_counts(gh: FakeGitHub) -> dict[str, int]:
    """Rows a load of every organization of `gh` holds, per table."""
    return expected_row_counts(gh.orgs.values())


def count_statements(schema_rows_alive: str = "") -> list[str]:
    """SQL counting each table's rows and distinct keys (optionally only live rows)."""
    keys = {
        "pat_grants": "org, id",
        "pat_grant_repositories": "org, pat_id, repository_id",
        "pat_requests": "org, id",
        "pat_request_repositories": "org, pat_request_id, repository_id",
    }
    return [
        f"select '{table}' as tbl, count(*) as n, count(distinct ({keys[table]})) as keys "
        f"from {table} {schema_rows_alive}"
        for table in TABLES
    ]


def subset_grant_with_repositories(gh: FakeGitHub, org: str) -> Grant:
    """A `subset` grant of that org that reaches at least one repository."""
    return next(
        g for g in gh.org(org).grants if g.repository_selection == "subset" and g.repositories
    )


def new_grant(gh: FakeGitHub, org: str) -> Grant:
    """A never-used `all` grant approved just now (what the `granted` slice must pick up)."""
    template = gh.org(org).grants[0]
    grant_id = max(g.id for g in gh.org(org).grants) + 1
    return Grant(
        id=grant_id,
        owner=template.owner,
        repository_selection="all",
        permissions={"repository": {"metadata": "read", "contents": "write"}},
        token_id=grant_id + 70_000_000,
        token_name="e2e-new-grant",
        access_granted_at=format_utc(time.time() - 5),
    )


def grants_by_key(gh: FakeGitHub) -> dict[tuple[str, int], Grant]:
    """Every grant by (org login, grant id)."""
    return {(org.login, g.id): g for org in gh.orgs.values() for g in org.grants}


def as_keys(result_rows: list[dict[str, Any]], id_column: str = "id") -> set[tuple[str, int]]:
    """(org, id) pairs from query rows."""
    return {(row["org"], int(row[id_column])) for row in result_rows}


def current_grant_rows(gh: FakeGitHub, *orgs: str) -> set[tuple[str, int, int, str, str]]:
    """What `current_grants` holds for these orgs (default all): (org, grant_id, token_id,
    owner_login, repository_selection) per grant GitHub lists now."""
    return {
        (org, grant_id, g.token_id, g.owner["login"], g.repository_selection)
        for (org, grant_id), g in grants_by_key(gh).items()
        if not orgs or org in orgs
    }


CURRENT_GRANT_ROWS = (
    "select org, grant_id, token_id, owner_login, repository_selection from current_grants"
)


def as_grant_rows(result_rows: list[dict[str, Any]]) -> set[tuple[str, int, int, str, str]]:
    """`CURRENT_GRANT_ROWS`' rows as `current_grant_rows` gives them."""
    return {
        (
            r["org"],
            int(r["grant_id"]),
            int(r["token_id"]),
            r["owner_login"],
            r["repository_selection"],
        )
        for r in result_rows
    }


def repository_keys(gh: FakeGitHub, parent: str = "grant") -> set[tuple[str, int, int]]:
    """(org, grant or request id, repository id) of every `subset` grant's (request's) list."""
    parents = (
        grants_by_key(gh).items()
        if parent == "grant"
        else {(org.login, r.id): r for org in gh.orgs.values() for r in org.requests}.items()
    )
    return {
        (org, parent_id, repository["id"])
        for (org, parent_id), p in parents
        if p.repository_selection == "subset"
        for repository in p.repositories
    }
