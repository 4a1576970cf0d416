"""target-postgres applies ACTIVATE_VERSION: a full read must never make live grants look revoked.

The tap versions a table only after the last organization of a complete whole-table read, so a
read that fails keeps every row live, a long read never empties the table meanwhile, and a
complete read after a revocation marks (`hard_delete: false`) or deletes (`true`) exactly the
revoked grant and its repositories. The dbt models then agree.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import rows, sql
from tests.e2e.expected import row_counts

if TYPE_CHECKING:
    from tests.e2e.conftest import MeltanoProject
    from tests.fake_github import FakeGitHub

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

RUN = ("run", "tap-github-pat-grants", "target-postgres")
FULL_REFRESH = ("run", "--full-refresh", *RUN[1:])
ALIVE = "_sdc_deleted_at is null"
GRANTS_LIST = r"^/orgs/acme/personal-access-tokens$"


def live_counts(schema: str) -> dict[str, int]:
    """Rows not marked deleted, in the grants table and its repositories'."""
    grants, repositories = sql(
        postgres=True,
        schema=schema,
        statements=[
            f"select count(*) as n from pat_grants where {ALIVE}",
            f"select count(*) as n from pat_grant_repositories where {ALIVE}",
        ],
    )
    return {
        "pat_grants": rows(grants)[0]["n"],
        "pat_grant_repositories": rows(repositories)[0]["n"],
    }


def model_count(schema: str, model: str) -> int:
    (result,) = sql(
        postgres=True,
        schema=f"{schema}_analytics",
        statements=[f"select count(*) as n from {model}"],
    )
    return int(rows(result)[0]["n"])


def expected_live(gh: FakeGitHub) -> dict[str, int]:
    counts = row_counts(gh)
    return {table: counts[table] for table in ("pat_grants", "pat_grant_repositories")}


@pytest.mark.parametrize("hard_delete", ["false", "true"])
@pytest.mark.parametrize("fake_github", ["four_pages"], indirect=True)
def test_failed_full_read_keeps_every_grant_and_a_complete_one_drops_only_the_revoked(
    meltano: MeltanoProject, fake_github: FakeGitHub, postgres_schema: str, hard_delete: str
) -> None:
    meltano.env["TARGET_POSTGRES_HARD_DELETE"] = hard_delete
    meltano(*RUN, "dbt-postgres:build")
    before = live_counts(postgres_schema)
    assert before == expected_live(fake_github)
    assert before["pat_grants"] == 350

    # A full read whose page 3 of 4 fails for good (502 on every try): the run exits 1.
    revoked = next(
        g
        for g in fake_github.org("acme").grants[:100]  # on page 1: re-sent by the failing read
        if g.repository_selection == "subset" and g.repositories
    )
    fake_github.org("acme").grants.remove(revoked)
    fake_github.faults.server_error(GRANTS_LIST, nth=3, status=502, times=None)
    log = meltano.fails(*FULL_REFRESH)
    assert "GitHub kept answering 502" in log
    assert live_counts(postgres_schema) == before  # 350 live: nothing looks revoked
    meltano("invoke", "dbt-postgres", "build")
    assert model_count(postgres_schema, "current_grants") == 350

    # The same full read, complete: exactly the revoked grant and its repositories go.
    fake_github.faults.clear()
    meltano(*FULL_REFRESH, "dbt-postgres:build")
    after = live_counts(postgres_schema)
    assert after == expected_live(fake_github)
    assert after == {
        "pat_grants": 349,
        "pat_grant_repositories": before["pat_grant_repositories"] - len(revoked.repositories),
    }
    grant, repositories = sql(
        postgres=True,
        schema=postgres_schema,
        statements=[
            f"select count(*) as n, count(_sdc_deleted_at) as deleted from pat_grants "
            f"where id = {revoked.id}",
            "select count(*) as n, count(_sdc_deleted_at) as deleted from pat_grant_repositories "
            f"where pat_id = {revoked.id}",
        ],
    )
    kept = 0 if hard_delete == "true" else 1  # deleted, or kept and marked
    assert rows(grant) == [{"n": kept, "deleted": kept}]
    n_repositories = kept * len(revoked.repositories)
    assert rows(repositories) == [{"n": n_repositories, "deleted": n_repositories}]
    assert model_count(postgres_schema, "current_grants") == 349


@pytest.mark.parametrize("fake_github", ["four_pages"], indirect=True)
def test_live_grants_never_dip_during_a_long_full_read(
    meltano: MeltanoProject, fake_github: FakeGitHub, postgres_schema: str
) -> None:
    meltano.env["TARGET_POSTGRES_HARD_DELETE"] = "true"  # the harsher loader setting
    meltano(*RUN)
    before = live_counts(postgres_schema)["pat_grants"]
    fake_github.latency_seconds = 0.03  # ~75 grant-repository lists: a read of several seconds

    running = meltano.start(*FULL_REFRESH)
    seen = []
    deadline = time.monotonic() + 600
    while running.poll() is None and time.monotonic() < deadline:
        seen.append(live_counts(postgres_schema)["pat_grants"])
    assert running.wait(timeout=60) == 0
    assert len(seen) >= 3, "the read ended before the table was looked at during it"
    assert min(seen) == before == 350
    assert live_counts(postgres_schema)["pat_grants"] == 350
