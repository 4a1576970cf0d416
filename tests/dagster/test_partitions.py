"""The organization partitions: the tap's own list, kept by a sensor, loaded by the schedules."""

from __future__ import annotations

import json

import pytest

from tests.fake_github import generate_org

pytestmark = pytest.mark.dagster


@pytest.fixture
def scratch_instance(pipeline_env, tmp_path):
    """An instance of its own: the partitions here are not the session's."""
    from dagster import DagsterInstance

    overrides = {"telemetry": {"enabled": False}}
    with DagsterInstance.local_temp(str(tmp_path), overrides=overrides) as instance:
        yield instance


def evaluate_sensor(instance):
    from dagster import build_sensor_context
    from pat_grants_dagster.partition_sensor import organization_partitions

    with build_sensor_context(instance=instance) as context:
        return organization_partitions(context)


def test_listed_organizations_in_order_lower_case_without_a_request(
    pipeline_env, monkeypatch, github
):
    from pat_grants_dagster.organizations import list_organizations

    monkeypatch.setenv("TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS", json.dumps(["ORG-C", "org-a"]))
    github.reset_log()
    assert list_organizations() == ["org-c", "org-a"]
    assert github.requests_log == []  # listed logins cost no request


def test_sensor_adds_a_new_installation_and_retires_a_removed_one(
    pipeline_env, monkeypatch, github, scratch_instance, capfd
):
    monkeypatch.setenv("TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS", json.dumps(["*"]))
    monkeypatch.setenv("TAP_GITHUB_PAT_GRANTS_EXCLUDE_ORGANIZATIONS", json.dumps(["org-b"]))
    scratch_instance.add_dynamic_partitions("organizations", ["org-a", "org-gone"])

    first = evaluate_sensor(scratch_instance)

    (added, retired) = first.dynamic_partitions_requests
    assert sorted(added.partition_keys) == ["org-c", "org-d"]  # installed, not excluded
    assert list(retired.partition_keys) == ["org-gone"]
    assert sorted(r.partition_key for r in first.run_requests) == ["org-c", "org-d"]

    # As the daemon applies it; then the App is installed on one more organization.
    scratch_instance.add_dynamic_partitions("organizations", ["org-c", "org-d"])
    scratch_instance.delete_dynamic_partition("organizations", "org-gone")
    github.add_org(generate_org("org-new", 3, seed=1))

    second = evaluate_sensor(scratch_instance)

    (added,) = second.dynamic_partitions_requests
    assert list(added.partition_keys) == ["org-new"]
    assert [r.partition_key for r in second.run_requests] == ["org-new"]
    assert "organization org-new: new partition, first load requested" in capfd.readouterr().err

    scratch_instance.add_dynamic_partitions("organizations", ["org-new"])
    assert "none added or retired" in str(evaluate_sensor(scratch_instance).skip_message)


def test_sensor_logs_a_retired_organization(pipeline_env, monkeypatch, scratch_instance, capfd):
    monkeypatch.setenv("TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS", json.dumps(["org-a"]))
    scratch_instance.add_dynamic_partitions("organizations", ["org-a", "org-b"])
    result = evaluate_sensor(scratch_instance)

    (retired,) = result.dynamic_partitions_requests
    assert list(retired.partition_keys) == ["org-b"]
    assert result.run_requests == []
    assert "organization org-b: retired (the tap no longer reads it)" in capfd.readouterr().err


def test_schedules_request_one_run_per_organization_the_weekly_one_a_full_refresh(
    pipeline_env, scratch_instance
):
    from dagster import build_schedule_context
    from pat_grants_dagster.automation import daily, weekly_full_refresh

    with build_schedule_context(instance=scratch_instance) as context:
        assert "no organization yet" in str(daily(context).skip_message)
    scratch_instance.add_dynamic_partitions("organizations", ["org-a", "org-b"])
    with build_schedule_context(instance=scratch_instance) as context:
        incremental = daily(context)
        full = weekly_full_refresh(context)

    assert [(r.partition_key, r.tags) for r in incremental] == [("org-a", {}), ("org-b", {})]
    assert [(r.partition_key, r.tags) for r in full] == [
        ("org-a", {"pat_grants/full_refresh": "true"}),
        ("org-b", {"pat_grants/full_refresh": "true"}),
    ]
    assert daily.cron_schedule == "0 3 * * 1-6"
    assert weekly_full_refresh.cron_schedule == "0 3 * * 0"
