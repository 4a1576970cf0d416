"""The code location's job, executed as Dagster runs it: multiprocess executor, real `meltano
run`s into real PostgreSQL, six organizations on a fake GitHub answering in 100 ms.

The tests share one warehouse and build on each other, in file order: a parallel first run,
an incremental rerun where one org fails for good and one only once, its re-execution, then a
full refresh of one org.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from dagster import DagsterInstance

from tap_github_pat_grants.instants import parse_instant
from tests.dagster.conftest import LATENCY_SECONDS, MEASURED, ORGS, Warehouse
from tests.dagster.expected import (
    closest_requests_seconds,
    expected_rows,
    grant_list_requests,
    live_rows,
    most_orgs_at_once,
    requests_of,
)
from tests.dagster.runs import run_pipeline

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.fake_github import FakeGitHub

pytestmark = pytest.mark.dagster

PARALLEL = 3
STATE_ID = "dev:tap-github-pat-grants-to-target-postgres:{}"


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagsterInstance]:
    home = str(tmp_path_factory.mktemp("dagster-home"))
    with DagsterInstance.local_temp(home, overrides={"telemetry": {"enabled": False}}) as dagster:
        yield dagster


def assert_every_org_exact(house: Warehouse, gh: FakeGitHub) -> None:
    for org in ORGS:
        want = expected_rows(gh, org)
        assert live_rows(house, org) == {table: (n, n) for table, n in want.items()}, org


def bookmark(house: Warehouse, org: str) -> str:
    partitions = house.state(STATE_ID.format(org))["bookmarks"]["pat_grants"]["partitions"]
    (own,) = partitions  # one org per state id: nothing of another org's in it
    assert own["context"] == {"org": org}
    return str(own["replication_key_value"])


def expected_last_used_after(mark: str) -> str:
    return (parse_instant(mark) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_serial_run_of_six_orgs(
    pipeline_env: dict[str, str],
    github: FakeGitHub,
    postgres_server: dict[str, str],
    instance: DagsterInstance,
) -> None:
    """The baseline: the same job, one organization at a time, into a warehouse of its own."""
    house = Warehouse(postgres_server)
    with house.connect() as connection:
        connection.execute(f"create database {house.system_db}")
    os.environ["MELTANO_DATABASE_URI"] = house.system_url
    os.environ["TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA"] = house.schema
    github.reset_log()
    try:
        run = run_pipeline(instance, 1, dbt=False)
        assert run.success, run.failure_descriptions
        assert_every_org_exact(house, github)
        assert most_orgs_at_once(github, list(ORGS)) == 1
    finally:
        os.environ.update(pipeline_env)
        with house.connect() as connection:
            connection.execute(f"drop schema if exists {house.schema} cascade")
            connection.execute(f"drop database if exists {house.system_db} with (force)")
    MEASURED["serial"] = run.seconds


def test_parallel_run_three_orgs_at_a_time(
    pipeline_env: dict[str, str],
    github: FakeGitHub,
    warehouse: Warehouse,
    instance: DagsterInstance,
) -> None:
    github.reset_log()
    run = run_pipeline(instance, PARALLEL, dbt=False)  # timed like the serial run: loads only

    assert run.success, run.failure_descriptions
    assert [s for s in run.succeeded_steps if s.startswith("load_")] == [
        f"load_organization[{org.replace('-', '_')}]" for org in ORGS
    ]
    assert_every_org_exact(warehouse, github)
    ((runs,),) = warehouse.query(
        "select count(*) from {schema}.sync_runs where status = 'complete' and grants_read = 'full'"
    )
    assert runs == len(ORGS)
    # Bounded: three organizations at once, never more; one request in flight per installation.
    assert most_orgs_at_once(github, list(ORGS)) == PARALLEL
    for org in ORGS:
        assert closest_requests_seconds(github, org) >= LATENCY_SECONDS * 0.9, org
    MEASURED["parallel"] = run.seconds
    MEASURED.update({f"requests {org}": len(requests_of(github, org)) for org in ORGS})
    if "serial" in MEASURED:
        MEASURED["parallel / serial"] = MEASURED["parallel"] / MEASURED["serial"]
        assert MEASURED["parallel"] < 0.7 * MEASURED["serial"], MEASURED


def test_incremental_rerun_failing_org_fails_alone_then_resumes_from_its_own_state(
    pipeline_env: dict[str, str],
    github: FakeGitHub,
    warehouse: Warehouse,
    instance: DagsterInstance,
) -> None:
    marks = {org: bookmark(warehouse, org) for org in ORGS}
    assert len(set(marks.values())) == len(ORGS)  # distinct, so a mix-up would show
    github.reset_log()
    # org-d: GitHub fails its first attempt only (Dagster's retry succeeds);
    # org-e: the App was uninstalled, every attempt fails.
    github.faults.add(r"^/orgs/org-d/installation$", status=404, body={"message": "Not Found"})
    github.org("org-e").installed = False

    run = run_pipeline(instance, PARALLEL)

    assert not run.success
    assert run.failed_steps == ["load_organization[org_e]"]
    assert "load_organization[org_d]" in run.retried_steps
    assert "load_organization[org_d]" in run.succeeded_steps
    assert "build_models" not in run.succeeded_steps  # dbt waits for every org of the run
    for org in ORGS:
        if org == "org-e":
            continue
        (used_slice, _granted) = grant_list_requests(github, org)
        assert used_slice.query["last_used_after"] == [expected_last_used_after(marks[org])]
    assert_every_org_exact(warehouse, github)

    # The org comes back; re-executing the run from failure loads only it, from its own state.
    github.org("org-e").installed = True
    github.reset_log()
    again = run_pipeline(instance, PARALLEL, reexecute_failed_of=run.run_id)

    assert again.success, again.failure_descriptions
    assert [s for s in again.succeeded_steps if s.startswith("load_")] == [
        "load_organization[org_e]"
    ]
    assert "build_models" in again.succeeded_steps  # dbt, now that every org has loaded
    assert {r.org for r in github.requests_log if r.org} == {"org-e"}
    (used_slice, _granted) = grant_list_requests(github, "org-e")
    assert used_slice.query["last_used_after"] == [expected_last_used_after(marks["org-e"])]


def test_full_refresh_of_one_org_leaves_the_others_rows_live(
    pipeline_env: dict[str, str],
    github: FakeGitHub,
    warehouse: Warehouse,
    instance: DagsterInstance,
) -> None:
    others = [org for org in ORGS if org != "org-a"]
    before = {org: live_rows(warehouse, org) for org in others}
    revoked = github.org("org-a").grants[0]
    github.org("org-a").grants.remove(revoked)
    github.reset_log()

    run = run_pipeline(instance, PARALLEL, only=["org-a"], full_refresh=["org-a"])

    assert run.success, run.failure_descriptions
    assert {r.org for r in github.requests_log if r.org} == {"org-a"}
    assert all("last_used_after" not in r.query for r in grant_list_requests(github, "org-a"))
    assert {org: live_rows(warehouse, org) for org in others} == before
    # No table-wide ACTIVATE_VERSION: the revoked grant's raw row stays, and the per-org rule
    # (rows seen since the org's last complete full read, in sync_runs) leaves it out.
    ((still_there,),) = warehouse.query(
        "select count(*) from {schema}.pat_grants where org = 'org-a' and id = %s", revoked.id
    )
    assert still_there == 1
    current = warehouse.query(
        """
        with last_full as (
            select max(run_started_at) as started from {schema}.sync_runs
            where org = 'org-a' and status = 'complete' and grants_read = 'full'
        )
        select g.id from {schema}.pat_grants g, last_full
        where g.org = 'org-a' and g._sdc_extracted_at >= last_full.started
        """
    )
    assert {row[0] for row in current} == {g.id for g in github.org("org-a").grants}
    # The dbt models say the same: org-a without its revoked grant, every other org whole.
    assert "build_models" in run.succeeded_steps
    modelled = warehouse.query("select org, count(*) from {models}.current_grants group by org")
    assert dict(modelled) == {org: len(github.org(org).grants) for org in ORGS}
    ((gone,),) = warehouse.query(
        "select count(*) from {models}.current_grants where org = 'org-a' and grant_id = %s",
        revoked.id,
    )
    assert gone == 0
