"""The asset graph as Dagster's UI draws it: the tap's tables, the dbt models, their checks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.dagster

# The streams meltano.yml selects by default, besides `sync_runs`.
SELECTED_BY_DEFAULT = {
    "pat_grants",
    "pat_grant_repositories",
    "pat_requests",
    "pat_request_repositories",
}


@pytest.fixture(scope="module")
def graph(defs):
    return defs.resolve_asset_graph()


@pytest.fixture(scope="module")
def tap_streams(tmp_path_factory):
    """The streams of the tap's catalog, as its CLI discovers them."""
    config = tmp_path_factory.mktemp("tap") / "config.json"
    config.write_text(json.dumps({"organizations": ["x"], "auth_token": "x"}))
    tap = Path(sys.executable).with_name("tap-github-pat-grants")
    catalog = subprocess.run(
        [str(tap), "--config", str(config), "--discover"], capture_output=True, check=True
    )
    return {s["tap_stream_id"] for s in json.loads(catalog.stdout)["streams"]}


def key(text):
    from dagster import AssetKey

    return AssetKey.from_user_string(text)


def raw_keys(graph):
    return {k for k in graph.get_all_asset_keys() if k.path[0] == "github_pat_grants"}


def loaded_keys(graph):
    """The raw tables a load writes (the others are dbt sources no load writes)."""
    return {k for k in raw_keys(graph) if graph.get(k).is_materializable}


def test_raw_tables_are_the_dbt_sources_and_the_taps_streams(graph, tap_streams):
    from pat_grants_dagster.dbt_project import raw_tables

    raw = {k.path[1] for k in raw_keys(graph)}
    # The dbt sources, and the same list as the tap's catalog (its CLI): a new stream needs
    # only its dbt source.
    assert raw == set(raw_tables()) == tap_streams
    # The loads write the streams meltano.yml selects; issue 18's are not selected by default:
    # their tables are in the graph (upstream of their models), and no load writes them.
    loaded = {k.path[1] for k in loaded_keys(graph)}
    assert loaded == {*SELECTED_BY_DEFAULT, "sync_runs"}
    assert raw - loaded == {"credential_authorizations", "pat_audit_events", "org_members"}
    # Drawn with the loaded tables, said to be written by no load.
    for table in raw - loaded:
        node = graph.get(key(f"github_pat_grants/{table}"))
        assert node.group_name == "github_pat_grants"
        assert "no load writes it" in node.description


def test_raw_tables_one_partition_per_organization_one_load_each(graph):
    from pat_grants_dagster.raw_tables import LOAD_POOL

    for raw in loaded_keys(graph):
        node = graph.get(raw)
        assert node.partitions_def.name == "organizations"
        assert node.pools == {LOAD_POOL}
    # One run writes every table of one organization: they materialize together or not at all.
    (load,) = {graph.get(raw).assets_def for raw in loaded_keys(graph)}
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


def test_models_no_load_writes_into_build_after_loads_too(graph):
    # `source_tables` reads no `ref()` or `source()` (it asks the warehouse which raw tables
    # exist), and `stg_org_members` reads a table no load writes by default: both have no
    # parent a load updates, and still build after each batch (the marts join them).
    assert graph.get(key("source_tables")).parent_keys == set()
    assert graph.get(key("stg_org_members")).parent_keys == {key("github_pat_grants/org_members")}
    for model in ("source_tables", "stg_org_members", "current_org_members"):
        node = graph.get(key(model))
        assert node.automation_condition.get_label() == "after a batch of loads"


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
