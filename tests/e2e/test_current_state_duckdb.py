"""DuckDB ignores ACTIVATE_VERSION; the dbt models still give the current state (issue 9).

`current_grants` keeps, per org, the rows of its latest complete full read (from `sync_runs`)
and rows seen since: a revoked grant leaves with the next complete full read, and a full read
that fails leaves every grant in place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import ANALYTICS, rows, sql
from tests.e2e.expected import grants_by_key, subset_grant_with_repositories

if TYPE_CHECKING:
    from tests.e2e.conftest import MeltanoProject
    from tests.fake_github import FakeGitHub

pytestmark = pytest.mark.e2e

RUN_AND_BUILD = ("run", "tap-github-pat-grants", "target-duckdb", "dbt-duckdb:build")
FULL_REFRESH = ("run", "--full-refresh", *RUN_AND_BUILD[1:])


def query(meltano: MeltanoProject, *statements: str) -> list[list[dict[str, object]]]:
    results = sql(duckdb_file=meltano.duckdb_file, schema=ANALYTICS, statements=list(statements))
    return [rows(result) for result in results]


def current_grant_keys(meltano: MeltanoProject) -> set[tuple[str, int]]:
    (found,) = query(meltano, "select org, grant_id from current_grants")
    return {(str(r["org"]), int(str(r["grant_id"]))) for r in found}


def current_repository_keys(meltano: MeltanoProject) -> set[tuple[str, int, int]]:
    (found,) = query(meltano, "select org, grant_id, repository_id from current_grant_repositories")
    return {(str(r["org"]), int(str(r["grant_id"])), int(str(r["repository_id"]))) for r in found}


def expected_repository_keys(gh: FakeGitHub) -> set[tuple[str, int, int]]:
    return {
        (org, grant_id, repository["id"])
        for (org, grant_id), g in grants_by_key(gh).items()
        if g.repository_selection == "subset"
        for repository in g.repositories
    }


def test_revoked_grant_leaves_current_grants_after_a_full_refresh(
    meltano: MeltanoProject, fake_github: FakeGitHub
) -> None:
    meltano(*RUN_AND_BUILD)
    assert current_grant_keys(meltano) == set(grants_by_key(fake_github))
    assert len(current_grant_keys(meltano)) == 60
    assert current_repository_keys(meltano) == expected_repository_keys(fake_github)

    revoked = subset_grant_with_repositories(fake_github, "acme")
    fake_github.org("acme").grants.remove(revoked)
    meltano(*RUN_AND_BUILD)  # incremental: a revocation cannot be seen yet
    assert len(current_grant_keys(meltano)) == 60

    meltano(*FULL_REFRESH)
    assert current_grant_keys(meltano) == set(grants_by_key(fake_github))
    assert len(current_grant_keys(meltano)) == 59
    assert current_repository_keys(meltano) == expected_repository_keys(fake_github)
    raw, history, inventory = query(
        meltano,
        "select count(*) as n from github_pat_grants.pat_grants",
        "select count(*) as versions, count(dbt_valid_to) as closed from grants_snapshot "
        f"where grant_key = 'acme/{revoked.id}'",
        "select count(*) as n from orgs_not_fully_covered",
    )
    assert raw == [{"n": 60}]  # target-duckdb kept the revoked row; the model leaves it out
    assert history == [{"versions": 1, "closed": 1}]  # the snapshot says when it went
    assert inventory == [{"n": 0}]


def test_a_failing_full_refresh_leaves_current_grants_complete(
    meltano: MeltanoProject, fake_github: FakeGitHub
) -> None:
    meltano(*RUN_AND_BUILD)
    revoked = subset_grant_with_repositories(fake_github, "acme")
    fake_github.org("acme").grants.remove(revoked)
    # acme is read whole again, then globex's list fails for good: the run exits 1.
    fake_github.faults.add(r"^/orgs/globex/personal-access-tokens$", status=404, times=None)
    meltano.fails(*FULL_REFRESH)
    meltano("invoke", "dbt-duckdb", "build")

    # Not complete, so it proves nothing: the revoked grant stays until a read completes.
    assert len(current_grant_keys(meltano)) == 60
    assert ("acme", revoked.id) in current_grant_keys(meltano)
    (runs,) = query(meltano, "select count(*) as n from stg_sync_runs")
    assert runs == [{"n": 2}]  # the failed run wrote no sync_runs rows

    fake_github.faults.clear()
    meltano(*FULL_REFRESH)
    assert len(current_grant_keys(meltano)) == 59
