"""`meltano run tap-github-pat-grants target-postgres dbt-postgres:build` end to end: one
warehouse, loaded once by the module's fixture, asserted by the tests below.

target-postgres upserts by key and applies ACTIVATE_VERSION, which the tap sends only after the
last organization of a complete whole-table read. So:
0. only `pat_grants` selected: the dbt build passes, the other tables' models are empty (issue
   21; DuckDB's selections: test_selections.py);
1. every stream read whole: jsonb columns, every row live once;
2. a token used again and a grant approved: the incremental run updates and inserts;
3. a grant of acme revoked, then a full refresh that reads acme whole and fails on globex
   (exit 1): no version, so nothing looks revoked;
4. the same full refresh, complete (`hard_delete: false`): exactly the revoked grant and its
   repositories are marked deleted; the models and governance marts agree;
5. another grant revoked, a slow full refresh with `hard_delete: true`: the live rows never dip
   while it reads, then exactly the revoked grants are deleted.

Every stream is selected, issue 18's three too: before the incremental run an audit event
GitHub records late (inside the window that run re-reads), a member with grants leaves and a
SAML authorization is revoked; the late event lands once, and issue 18's models answer from the
fake's data at the end (four expiries moved to the marts' edges before the last full refresh).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.answers import check_answers, mart_answers
from tests.e2e.expected import (
    CURRENT_GRANT_ROWS,
    as_grant_rows,
    count_statements,
    current_grant_rows,
    new_grant,
    row_counts,
    subset_grant_with_repositories,
)
from tests.e2e.governance import (
    EVERY_STREAM,
    audit_bookmarks,
    check_governance,
    check_late_event_rows,
    check_late_request,
    expiring_grants,
    governance_answers,
    late_event,
    late_event_rows,
    read_since,
    someone_leaves,
)
from tests.e2e.project import MeltanoProject, Warehouse, postgres_schema, two_orgs
from tests.e2e.selections import Selection, empty_models, failed_dbt_nodes, loaded_as
from tests.fake_github import format_utc

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.fake_github import FakeGitHub

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

RUN = ("run", "tap-github-pat-grants", "target-postgres")
STATE_ID = "dev:tap-github-pat-grants-to-target-postgres"
FULL_REFRESH = ("run", "--full-refresh", *RUN[1:])
ALIVE = "where _sdc_deleted_at is null"


def counts(house: Warehouse, where: str = "") -> dict[str, tuple[int, int]]:
    """(rows, distinct keys) per table."""
    found = house.raw(*count_statements(where))
    return {r["tbl"]: (r["n"], r["keys"]) for result in found for r in result}


def expected_live(gh: FakeGitHub) -> dict[str, tuple[int, int]]:
    return {table: (n, n) for table, n in row_counts(gh).items()}


def rows_of(house: Warehouse, *grants: tuple[str, int]) -> list[list[dict[str, Any]]]:
    """Per (org, grant id): its rows and how many are marked deleted, in both of its tables."""
    statements = []
    for org, grant_id in grants:
        statements += [
            f"select count(*) as n, count(_sdc_deleted_at) as deleted from pat_grants "
            f"where org = '{org}' and id = {grant_id}",
            "select count(*) as n, count(_sdc_deleted_at) as deleted from pat_grant_repositories "
            f"where org = '{org}' and pat_id = {grant_id}",
        ]
    return house.raw(*statements)


def story_of(project: MeltanoProject, house: Warehouse, gh: FakeGitHub) -> dict[str, Any]:
    seen: dict[str, Any] = {"gh": gh}
    # Issue 21 in PostgreSQL: only pat_grants selected, the build passes (docs/warehouse.md).
    project.select("pat_grants")
    seen["grants only"] = Selection(project, house, gh, {}).run("grants only")
    seen["grants only"]["expected"] = current_grant_rows(gh)  # before the story changes the fake
    project.select(*EVERY_STREAM)
    project(*FULL_REFRESH)  # every stream read whole: the story's first run
    (types,) = house.raw(
        "select column_name, data_type from information_schema.columns "
        f"where table_schema = '{house.postgres_schema}' and table_name = 'pat_grants' "
        "and column_name in ('owner', 'permissions', 'token_last_used_at')"
    )
    seen["types"] = {r["column_name"]: r["data_type"] for r in types}
    seen["first"] = (counts(house), counts(house, ALIVE), expected_live(gh))
    seen["audit_since"] = read_since(gh)

    used = subset_grant_with_repositories(gh, "acme")
    used.token_last_used_at = format_utc(time.time() - 2)
    gh.org("globex").grants.append(new_grant(gh, "globex"))
    late = late_event(gh, "acme", audit_bookmarks(project.state(STATE_ID))["acme"])
    someone_leaves(gh, "acme")
    project(*RUN)
    seen["late"] = (late, late_event_rows(house, late))
    (updated,) = house.raw(
        'select to_char(token_last_used_at, \'YYYY-MM-DD"T"HH24:MI:SS"Z"\') as last_used '
        f"from pat_grants where org = 'acme' and id = {used.id}"
    )
    seen["incremental"] = (counts(house, ALIVE), expected_live(gh), updated, used)

    grant = subset_grant_with_repositories(gh, "acme")
    gh.org("acme").grants.remove(grant)
    revoked = ("acme", grant.id)
    gh.faults.add(r"^/orgs/globex/personal-access-tokens$", status=404, times=None)
    project.fails(*FULL_REFRESH)
    gh.faults.clear()
    seen["failed"] = (counts(house, ALIVE), rows_of(house, revoked))

    seen["slow"] = slow_full_refresh(project, house, gh, revoked)

    grant = subset_grant_with_repositories(gh, "globex")
    gh.org("globex").grants.remove(grant)
    expiring_grants(gh, "globex")
    project.env["TARGET_POSTGRES_HARD_DELETE"] = "true"  # the harsher loader setting
    project(*FULL_REFRESH, "dbt-postgres:build")
    (current,) = house.models(CURRENT_GRANT_ROWS)
    seen["governance"] = (governance_answers(house), late_event_rows(house, late))
    marts = mart_answers(postgres=True, schema=f"{house.postgres_schema}_analytics")
    seen["hard"] = (
        counts(house, ALIVE),
        expected_live(gh),
        rows_of(house, revoked, ("globex", grant.id)),
    )
    seen["models"] = (as_grant_rows(current), current_grant_rows(gh), marts)
    return seen


def slow_full_refresh(
    project: MeltanoProject, house: Warehouse, gh: FakeGitHub, revoked: tuple[str, int]
) -> dict[str, Any]:
    """A complete full read made slow, the live rows counted again and again while it runs."""
    before = counts(house, ALIVE)["pat_grants"][0]
    project.env["TARGET_POSTGRES_HARD_DELETE"] = "false"
    gh.latency_seconds = 0.1  # ~40 responses: a read of several seconds
    running = project.start(*FULL_REFRESH)
    during = []
    deadline = time.monotonic() + 600
    while running.poll() is None and time.monotonic() < deadline:
        during.append(counts(house, ALIVE)["pat_grants"][0])
    gh.latency_seconds = 0
    return {
        "exit": running.wait(timeout=60),
        "before": before,
        "during": during,
        "after": (counts(house, ALIVE), expected_live(gh)),
        "revoked": rows_of(house, revoked),
    }


@pytest.fixture(scope="module")
def story(
    meltano_installed: str, postgres_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    with two_orgs() as gh:
        project = MeltanoProject.create(meltano_installed, gh, tmp_path_factory.mktemp("postgres"))
        with postgres_schema(project, postgres_env) as schema:
            yield story_of(project, Warehouse(project, schema), gh)


def test_only_pat_grants_selected_the_build_passes_and_the_other_models_are_empty(story) -> None:
    build = story["grants only"]
    assert failed_dbt_nodes(build) == {}
    assert build["current"] == build["expected"]
    assert build["loaded"] == loaded_as(("pat_grants",))
    counts = empty_models(build, ("pat_grants",))
    assert len(counts) == 19
    assert counts == dict.fromkeys(counts, 0)


def test_first_run_loads_jsonb_columns_and_every_row_live(story) -> None:
    assert story["types"] == {
        "owner": "jsonb",
        "permissions": "jsonb",
        "token_last_used_at": "timestamp without time zone",
    }
    every, alive, expected = story["first"]
    assert alive == expected
    assert every == alive  # nothing deleted yet


def test_incremental_run_upserts(story) -> None:
    alive, expected, updated, used = story["incremental"]
    assert alive == expected  # the new grant inserted, the used one updated, once each
    assert updated == [{"last_used": used.token_last_used_at}]


def test_a_failed_full_read_marks_nothing_deleted(story) -> None:
    alive, (grant, repositories) = story["failed"]
    assert alive == story["incremental"][0]
    assert grant == [{"n": 1, "deleted": 0}]  # revoked at GitHub, but the read did not complete
    assert repositories[0]["deleted"] == 0


def test_live_grants_never_dip_during_a_long_full_read(story) -> None:
    slow = story["slow"]
    assert slow["exit"] == 0
    assert len(slow["during"]) >= 3, "the read ended before the table was looked at during it"
    # Only the revoked grant leaves, once, when the complete read is versioned at its end.
    assert set(slow["during"]) <= {slow["before"], slow["before"] - 1}
    assert slow["during"] == sorted(slow["during"], reverse=True)
    alive, expected = slow["after"]
    assert alive == expected
    assert alive["pat_grants"][0] == slow["before"] - 1


def test_a_complete_full_read_marks_only_the_revoked_grant_deleted(story) -> None:
    grant, repositories = story["slow"]["revoked"]
    assert grant == [{"n": 1, "deleted": 1}]  # kept and marked (`hard_delete: false`)
    n = repositories[0]["n"]
    assert n > 0
    assert repositories == [{"n": n, "deleted": n}]


def test_hard_delete_deletes_the_revoked_grants(story) -> None:
    alive, expected, revoked = story["hard"]
    assert alive == expected
    assert revoked == [[{"n": 0, "deleted": 0}]] * 4  # two grants, their repositories too


def test_models_and_governance_marts_agree(story) -> None:
    current, expected, marts = story["models"]
    assert current == expected
    check_answers(marts, story["gh"])


def test_a_late_audit_event_lands_exactly_once(story) -> None:
    late, after_incremental = story["late"]
    answers, at_the_end = story["governance"]
    check_late_event_rows(after_incremental)
    check_late_event_rows(at_the_end)  # after the full refreshes, each from 180 days back
    check_late_request(answers, story["gh"], story["audit_since"], late)


def test_issue_18_models_answer_from_the_fake_data(story) -> None:
    check_governance(story["governance"][0], story["gh"], story["audit_since"])
