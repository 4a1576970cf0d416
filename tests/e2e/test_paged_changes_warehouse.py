"""Issue 14 in the warehouse: a grant revoked while a full read pages leaves no live grant out.

GitHub pages by offset, so revoking a grant on page 1 right after page 1 was served moves the
101st newest grant onto page 1, and the first pass never sees it. Without the verification pass
the read still looks complete: target-postgres would mark that live grant deleted, and DuckDB's
`current_grants` (rows of the latest complete full read) would leave it out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import ANALYTICS, rows, sql
from tests.e2e.expected import grants_by_key
from tests.fake_github import parse_instant
from tests.fake_github.mutations import revoke_grant

if TYPE_CHECKING:
    from tests.e2e.conftest import MeltanoProject
    from tests.fake_github import FakeGitHub

pytestmark = pytest.mark.e2e


def revoke_during_the_next_read(gh: FakeGitHub) -> tuple[int, int]:
    """Revoke the 11th newest grant right after page 1 is served; (revoked, the one it hides)."""
    newest_first = sorted(
        gh.org("acme").grants, key=lambda g: (parse_instant(g.sorted_at), g.id), reverse=True
    )
    revoked, hidden = newest_first[10].id, newest_first[100].id
    gh.mutations.after_page("acme", "grants", 1, revoke_grant(revoked))
    return revoked, hidden


def ids(result: object) -> set[int]:
    return {int(str(row["id"])) for row in rows(result)}


@pytest.mark.parametrize("fake_github", ["four_pages"], indirect=True)
def test_duckdb_current_grants_keeps_the_grant_a_revocation_hid(
    meltano: MeltanoProject, fake_github: FakeGitHub
) -> None:
    meltano("run", "tap-github-pat-grants", "target-duckdb")
    revoked, hidden = revoke_during_the_next_read(fake_github)

    meltano("run", "--full-refresh", "tap-github-pat-grants", "target-duckdb", "dbt-duckdb:build")

    (current,) = sql(
        duckdb_file=meltano.duckdb_file,
        schema=ANALYTICS,
        statements=["select grant_id as id from current_grants where org = 'acme'"],
    )
    live = {grant_id for (_, grant_id) in grants_by_key(fake_github)}
    assert len(live) == 349
    assert hidden in ids(current)
    # The revoked grant was served (on page 1) before it went: it leaves with the next full read.
    assert ids(current) == live | {revoked}


@pytest.mark.postgres
@pytest.mark.parametrize("fake_github", ["four_pages"], indirect=True)
def test_postgres_keeps_the_grant_a_revocation_hid_live(
    meltano: MeltanoProject, fake_github: FakeGitHub, postgres_schema: str
) -> None:
    meltano("run", "tap-github-pat-grants", "target-postgres")
    revoked, hidden = revoke_during_the_next_read(fake_github)

    meltano("run", "--full-refresh", "tap-github-pat-grants", "target-postgres")

    live_rows, deleted_rows = sql(
        postgres=True,
        schema=postgres_schema,
        statements=[
            "select id from pat_grants where _sdc_deleted_at is null",
            "select id from pat_grants where _sdc_deleted_at is not null",
        ],
    )
    live = {grant_id for (_, grant_id) in grants_by_key(fake_github)}
    assert hidden in ids(live_rows)
    # The revoked grant was served (on page 1) before it went: it leaves with the next full read.
    assert ids(live_rows) == live | {revoked}
    assert ids(deleted_rows) == set(), "no live grant marked deleted"
