"""`meltano run tap-github-pat-grants target-postgres` end to end: upserts and ACTIVATE_VERSION."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from tests.e2e.answers import check_answers, mart_answers
from tests.e2e.conftest import rows, sql
from tests.e2e.expected import (
    TABLES,
    count_statements,
    new_grant,
    row_counts,
    subset_grant_with_repositories,
)
from tests.fake_github import format_utc

if TYPE_CHECKING:
    from tests.e2e.conftest import MeltanoProject
    from tests.fake_github import FakeGitHub

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

RUN = ("run", "tap-github-pat-grants", "target-postgres")
ALIVE = "where _sdc_deleted_at is null"


def counts(schema: str, where: str = "") -> dict[str, tuple[int, int]]:
    """(rows, distinct keys) per table."""
    results = sql(postgres=True, schema=schema, statements=count_statements(where))
    return {r["tbl"]: (r["n"], r["keys"]) for result in results for r in rows(result)}


def assert_live_rows_match(schema: str, gh: FakeGitHub) -> None:
    """The rows not marked deleted are exactly the fake data's, once each."""
    expected = row_counts(gh)
    assert counts(schema, ALIVE) == {table: (n, n) for table, n in expected.items()}


def test_upsert_then_full_refresh_marks_revoked_grant_deleted(
    meltano: MeltanoProject, fake_github: FakeGitHub, postgres_schema: str
) -> None:
    meltano(*RUN)
    assert_live_rows_match(postgres_schema, fake_github)
    assert counts(postgres_schema) == counts(postgres_schema, ALIVE)  # nothing deleted yet

    # Incremental run: one token used again (an update), one grant approved (an insert).
    used = subset_grant_with_repositories(fake_github, "acme")
    used.token_last_used_at = format_utc(time.time() - 2)
    added = new_grant(fake_github, "globex")
    fake_github.org("globex").grants.append(added)
    meltano(*RUN)
    assert_live_rows_match(postgres_schema, fake_github)
    (updated,) = sql(
        postgres=True,
        schema=postgres_schema,
        statements=[
            'select to_char(token_last_used_at, \'YYYY-MM-DD"T"HH24:MI:SS"Z"\') as last_used '
            f"from pat_grants where org = 'acme' and id = {used.id}"
        ],
    )
    assert rows(updated) == [{"last_used": used.token_last_used_at}]

    # Revoked at GitHub; a full refresh (ACTIVATE_VERSION) marks it and its repositories deleted.
    revoked = subset_grant_with_repositories(fake_github, "globex")
    fake_github.org("globex").grants.remove(revoked)
    meltano("run", "--full-refresh", *RUN[1:])
    assert_live_rows_match(postgres_schema, fake_github)
    (grant, repositories) = sql(
        postgres=True,
        schema=postgres_schema,
        statements=[
            "select _sdc_deleted_at is not null as deleted from pat_grants "
            f"where org = 'globex' and id = {revoked.id}",
            "select bool_and(_sdc_deleted_at is not null) as deleted, count(*) as n "
            f"from pat_grant_repositories where org = 'globex' and pat_id = {revoked.id}",
        ],
    )
    assert rows(grant) == [{"deleted": True}]
    assert rows(repositories) == [{"deleted": True, "n": len(revoked.repositories)}]


def test_postgres_schema_and_governance_marts(
    meltano: MeltanoProject, fake_github: FakeGitHub, postgres_schema: str
) -> None:
    meltano(*RUN)
    (types,) = sql(
        postgres=True,
        schema=postgres_schema,
        statements=[
            "select column_name, data_type from information_schema.columns "
            f"where table_schema = '{postgres_schema}' and table_name = 'pat_grants' "
            "and column_name in ('owner', 'permissions', 'token_last_used_at')"
        ],
    )
    assert {r["column_name"]: r["data_type"] for r in rows(types)} == {
        "owner": "jsonb",
        "permissions": "jsonb",
        "token_last_used_at": "timestamp without time zone",
    }
    meltano("invoke", "dbt-postgres", "build")  # dbt's tests run in the build
    check_answers(mart_answers(postgres=True, schema=f"{postgres_schema}_analytics"), fake_github)
    assert set(TABLES) <= set(counts(postgres_schema))
