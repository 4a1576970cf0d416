"""The code location's runs, executed as Dagster executes them: organization partitions loaded by
real `meltano run`s into real PostgreSQL, then the dbt models and their checks.

The tests share one warehouse and build on each other, in file order: three organizations at
once where one fails; the failed one again, alone; two at once, one incremental from its own
bookmark and one a full refresh; the dbt build the automation asks for; a dbt test failing on
wrong data.
"""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest

from tap_github_pat_grants.instants import parse_instant
from tests.dagster.conftest import LATENCY_SECONDS
from tests.dagster.expected import (
    closest_requests_seconds,
    expected_rows,
    grant_list_requests,
    live_rows,
)
from tests.dagster.runs import (
    check_results,
    events,
    execute,
    load_at_once,
    materializations,
    messages,
)

if TYPE_CHECKING:
    from tests.dagster.conftest import Warehouse
    from tests.fake_github import FakeGitHub

pytestmark = pytest.mark.dagster

STATE_ID = "dev:tap-github-pat-grants-to-target-postgres:{}"
# The tables a load writes under meltano.yml's `select` (issue 18's streams are not selected).
SELECTED = ["pat_grants", "pat_grant_repositories", "pat_requests", "pat_request_repositories"]
FULL_REFRESH = {"pat_grants/full_refresh": "true"}


@pytest.fixture(scope="module")
def automation(defs: Any, instance: Any) -> dict[str, Any]:
    """The dbt automation's first evaluation, before any load (its cursor for the next one)."""
    from dagster import AssetSelection, evaluate_automation_conditions
    from pat_grants_dagster.dbt_assets import github_pat_grants_dbt

    selection = AssetSelection.assets(github_pat_grants_dbt)
    first = evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=selection)
    assert first.total_requested == 0  # nothing loaded yet
    return {"selection": selection, "cursor": first.cursor}


@pytest.fixture(scope="module")
def partitions(instance: Any) -> list[str]:
    """What the sensor would have added: the three organizations of the settings."""
    orgs = ["org-a", "org-b", "org-c"]
    instance.add_dynamic_partitions("organizations", orgs)
    return orgs


def assert_exact(house: Warehouse, gh: FakeGitHub, org: str) -> None:
    want = expected_rows(gh, org)
    assert live_rows(house, org) == {table: (n, n) for table, n in want.items()}, org


def bookmark(house: Warehouse, org: str) -> str:
    partitions = house.state(STATE_ID.format(org))["bookmarks"]["pat_grants"]["partitions"]
    (own,) = partitions  # one org per state id: nothing of another org's in it
    assert own["context"] == {"org": org}
    return str(own["replication_key_value"])


def step_window(instance: Any, run_id: str) -> tuple[float, float]:
    """When the run's load step started and ended (its `meltano run` inside)."""
    started = events(instance, run_id, "STEP_START")[0].timestamp
    ended = [
        e.timestamp
        for e in events(instance, run_id)
        if e.dagster_event and e.dagster_event.is_step_success
    ]
    return started, ended[-1]


def test_three_organizations_at_once_one_failing(
    pipeline_env, github, warehouse, instance, workers, partitions, automation
) -> None:
    github.org("org-c").installed = False  # every attempt at org-c fails: the App is gone
    github.reset_log()

    done = load_at_once(workers, {org: {} for org in partitions})

    assert done["org-a"].success
    assert done["org-b"].success
    assert not done["org-c"].success
    assert len(events(instance, done["org-c"].run_id, "STEP_UP_FOR_RETRY")) == 1
    assert any(
        "org org-c: meltano run exited" in line for line in messages(instance, done["org-c"].run_id)
    )
    assert materializations(instance, done["org-c"].run_id) == {}
    for org in ("org-a", "org-b"):
        assert_exact(warehouse, github, org)
        assert closest_requests_seconds(github, org) >= LATENCY_SECONDS * 0.9, org
    # org-a and org-b loaded at once: their load steps overlapped.
    (a_start, a_end), (b_start, b_end) = (
        step_window(instance, done[o].run_id) for o in ("org-a", "org-b")
    )
    assert a_start < b_end and b_start < a_end

    # The tap's summary lines are the run's log lines; each table's figures are its metadata.
    lines = messages(instance, done["org-a"].run_id)
    grants = len(github.org("org-a").grants)
    assert any(line.startswith(f"pat_grants org org-a: done, {grants} records") for line in lines)
    written = materializations(instance, done["org-a"].run_id)
    assert sorted(written) == sorted(f"github_pat_grants/{t}" for t in [*SELECTED, "sync_runs"])
    ((started, run_id),) = warehouse.query(
        "select run_started_at, run_id from {schema}.sync_runs where org = 'org-a'"
    )
    listed = written["github_pat_grants/pat_grants"]
    assert listed["read"] == "full"
    assert listed["records"] == grants
    assert listed["requests"] == len(grant_list_requests(github, "org-a"))
    assert listed["verification rows added"] == 0
    assert listed["invalid records skipped (org)"] == 0
    assert listed["tap run id"] == run_id
    assert listed["complete as of"] == pytest.approx(
        started.replace(tzinfo=timezone.utc).timestamp()
    )
    want = expected_rows(github, "org-a")
    for table in SELECTED:
        assert written[f"github_pat_grants/{table}"]["dagster/partition_row_count"] == want[table]
    children = written["github_pat_grants/pat_grant_repositories"]
    assert (children["read"], children["records"]) == ("full", want["pat_grant_repositories"])
    assert written["github_pat_grants/sync_runs"]["status"] == "complete"
    # Secrets reach the load through its environment only: never a log line or metadata.
    everything = " ".join(str(entry) for entry in events(instance, done["org-a"].run_id))
    assert github.private_key_pem.splitlines()[1] not in everything
    assert pipeline_env["MELTANO_DATABASE_URI"] not in everything


def test_the_failed_organization_again_alone_loads_from_its_own_state(
    pipeline_env, github, warehouse, instance, workers
) -> None:
    marks = {org: bookmark(warehouse, org) for org in ("org-a", "org-b")}
    assert warehouse.state(STATE_ID.format("org-c")) == {}  # its failed attempts saved nothing
    github.org("org-c").installed = True
    github.reset_log()

    again = workers.submit(execute, partition="org-c").result(timeout=600)

    assert again.success
    assert {r.org for r in github.requests_log if r.org} == {"org-c"}
    assert all("last_used_after" not in r.query for r in grant_list_requests(github, "org-c"))
    assert_exact(warehouse, github, "org-c")
    assert bookmark(warehouse, "org-c")  # its own state id, its own bookmark
    assert {org: bookmark(warehouse, org) for org in ("org-a", "org-b")} == marks


def test_two_at_once_one_incremental_from_its_own_bookmark_one_full_refresh(
    pipeline_env, github, warehouse, instance, workers
) -> None:
    mark = bookmark(warehouse, "org-c")
    revoked = github.org("org-a").grants[0]
    github.org("org-a").grants.remove(revoked)
    org_b = live_rows(warehouse, "org-b")
    github.reset_log()

    done = load_at_once(workers, {"org-a": FULL_REFRESH, "org-c": {}})

    assert done["org-a"].success
    assert done["org-c"].success
    (used_slice, _granted) = grant_list_requests(github, "org-c")
    lookback = (parse_instant(mark) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert used_slice.query["last_used_after"] == [lookback]
    assert all("last_used_after" not in r.query for r in grant_list_requests(github, "org-a"))
    read = {
        org: materializations(instance, done[org].run_id)["github_pat_grants/pat_grants"]["read"]
        for org in done
    }
    assert read == {"org-a": "full", "org-c": "incremental"}
    # No table-wide ACTIVATE_VERSION: the full read of org-a left org-b's rows live, and the
    # revoked grant's raw row stays (the per-org current-state models leave it out).
    assert live_rows(warehouse, "org-b") == org_b
    ((still_there,),) = warehouse.query(
        "select count(*) from {schema}.pat_grants where org = 'org-a' and id = %s", revoked.id
    )
    assert still_there == 1


def test_one_dbt_build_after_the_batch_models_exact_checks_passed(
    defs, github, warehouse, instance, workers, automation
) -> None:
    from dagster import evaluate_automation_conditions

    after = evaluate_automation_conditions(
        defs=defs,
        instance=instance,
        asset_selection=automation["selection"],
        cursor=automation["cursor"],
    )
    # Every model and snapshot at once, in one evaluation: one run, one `dbt build` for the
    # batch (the automation sensor launches the assets requested together as one run).
    dbt_keys = sorted(automation["selection"].resolve(defs.resolve_asset_graph()))
    assert [key for key in dbt_keys if after.get_requested_partitions(key)] == dbt_keys

    built = workers.submit(execute, asset_keys=[key.to_user_string() for key in dbt_keys]).result(
        timeout=600
    )

    assert built.success
    checks = check_results(instance, built.run_id)
    assert checks[("current_grants", "unique_current_grants_grant_key")] is True
    assert all(checks.values()), [check for check, passed in checks.items() if not passed]
    assert len(checks) == len(list(defs.resolve_asset_graph().asset_check_keys))
    modelled = warehouse.query("select org, count(*) from {models}.current_grants group by org")
    loaded = ("org-a", "org-b", "org-c")
    assert dict(modelled) == {org: len(github.org(org).grants) for org in loaded}
    again = evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=automation["selection"], cursor=after.cursor
    )
    assert again.total_requested == 0  # built once for the batch, not again


def test_a_dbt_test_failing_on_wrong_data_is_a_failed_check_that_blocks_downstream(
    warehouse, instance, workers
) -> None:
    (grant_id,) = warehouse.query(
        "select id from {schema}.pat_grants where org = 'org-b' order by id limit 1"
    )[0]
    warehouse.query(
        "update {schema}.pat_grants set repository_selection = 'bogus' where org = 'org-b' "
        "and id = %s returning id",
        grant_id,
    )

    built = workers.submit(execute, asset_keys=["stg_pat_grants", "current_grants"]).result(
        timeout=600
    )

    assert not built.success
    checks = check_results(instance, built.run_id)
    check = (
        "stg_pat_grants",
        "accepted_values_stg_pat_grants_repository_selection__all__subset__none",
    )
    assert checks[check] is False
    # The failed check on the staging model blocked the model built from it.
    assert "stg_pat_grants" in materializations(instance, built.run_id)
    assert "current_grants" not in materializations(instance, built.run_id)
