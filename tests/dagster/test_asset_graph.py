"""The asset graph as Dagster's UI draws it: the tap's tables, the dbt models, their checks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.dagster

RAW = {
    "pat_grants",
    "pat_grant_repositories",
    "pat_requests",
    "pat_request_repositories",
    "sync_runs",
}


@pytest.fixture(scope="module")
def graph(defs):
    return defs.resolve_asset_graph()


def key(text):
    from dagster import AssetKey

    return AssetKey.from_user_string(text)


def test_raw_tables_are_the_dbt_sources_and_the_taps_streams(graph, tmp_path):
    raw = {
        k.to_user_string() for k in graph.get_all_asset_keys() if k.path[0] == "github_pat_grants"
    }
    assert raw == {f"github_pat_grants/{table}" for table in RAW}
    # The same list as the tap's catalog (its CLI): a new stream needs only its dbt source.
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"organizations": ["x"], "auth_token": "x"}))
    tap = Path(sys.executable).with_name("tap-github-pat-grants")
    catalog = subprocess.run(
        [str(tap), "--config", str(config), "--discover"], capture_output=True, check=True
    )
    streams = {s["tap_stream_id"] for s in json.loads(catalog.stdout)["streams"]}
    assert {k.split("/")[1] for k in raw} == streams


def test_raw_tables_one_partition_per_organization_one_load_each(graph):
    from pat_grants_dagster.raw_tables import LOAD_POOL

    for table in RAW:
        node = graph.get(key(f"github_pat_grants/{table}"))
        assert node.partitions_def.name == "organizations"
        assert node.pools == {LOAD_POOL}
    # One run writes every table of one organization: they materialize together or not at all.
    (load,) = {graph.get(key(f"github_pat_grants/{t}")).assets_def for t in RAW}
    assert not load.can_subset


def test_models_downstream_of_the_raw_tables_with_lineage(graph):
    assert graph.get(key("stg_pat_grants")).parent_keys == {key("github_pat_grants/pat_grants")}
    assert key("github_pat_grants/pat_grants") in graph.get_ancestor_asset_keys(
        key("current_grants")
    )
    assert key("github_pat_grants/sync_runs") in graph.get_ancestor_asset_keys(
        key("current_grants")
    )
    for model in (
        "current_grants",
        "governance_summary",
        "grants_snapshot",
        "orgs_not_fully_covered",
    ):
        node = graph.get(key(model))
        assert node.partitions_def is None  # one build over every organization
        assert node.automation_condition.get_label() == "after a batch of loads"
    groups = {
        graph.get(key(m)).group_name
        for m in ("stg_pat_grants", "current_grants", "token_owners", "grants_snapshot")
    }
    assert groups == {"staging", "current", "marts", "snapshots"}


def test_dbt_tests_are_blocking_checks_on_their_models(graph):
    checks = {(c.asset_key.to_user_string(), c.name): c for c in graph.asset_check_keys}
    assert ("current_grants", "unique_current_grants_grant_key") in checks
    assert (
        "stg_pat_grants",
        "accepted_values_stg_pat_grants_repository_selection__all__subset__none",
    ) in checks
    assert all(graph.get(check).blocking for check in checks.values())
    assert not any(asset.startswith("github_pat_grants/") for asset, _ in checks)


def test_schedules_sensors_and_the_load_job(defs):
    assert {s.name for s in defs.schedules} == {
        "pat_grants_daily",
        "pat_grants_weekly_full_refresh",
    }
    assert {s.name for s in defs.sensors} == {"organization_partitions", "dbt_after_loads"}
    assert defs.resolve_job_def("load_organizations").partitions_def.name == "organizations"
