"""ACTIVATE_VERSION only after a complete whole-table read; `sync_runs` rows for every loader."""

from __future__ import annotations

from collections import Counter

from tests.fake_github import generate_org
from tests.helpers import catalog, on_virtual_clock
from tests.tap_runner import run_tap

EVERYTHING = catalog(
    "pat_grants", "pat_grant_repositories", "pat_requests", "pat_request_repositories", "sync_runs"
)


def _positions(run, kind):
    return [i for i, m in enumerate(run.messages) if m["type"] == kind]


def test_activate_version_follows_every_record_of_its_stream(github, app_config):
    github.add_org(generate_org("acme", 250, n_requests=8, seed=81, subset_fraction=0.5))
    github.add_org(generate_org("globex", 120, n_requests=3, seed=82, subset_fraction=0.5))

    run = run_tap(app_config(), catalog=EVERYTHING)

    assert run.error is None
    for stream in ("pat_grants", "pat_grant_repositories", "pat_requests"):
        records = [
            i for i, m in enumerate(run.messages) if m["type"] == "RECORD" and m["stream"] == stream
        ]
        (activate,) = [
            i
            for i, m in enumerate(run.messages)
            if m["type"] == "ACTIVATE_VERSION" and m["stream"] == stream
        ]
        assert records
        assert activate > max(records), f"{stream}: ACTIVATE_VERSION before its records"
        version = run.messages[activate]["version"]
        assert {run.messages[i]["version"] for i in records} == {version}
    assert not [m for m in run.of_type("ACTIVATE_VERSION") if m["stream"] == "sync_runs"]


def test_a_full_read_that_fails_on_a_later_page_sends_no_activate_version(github, app_config):
    github.add_org(generate_org("acme", 100, seed=83, subset_fraction=0.5))
    github.add_org(generate_org("globex", 400, seed=84, subset_fraction=0.5))
    github.faults.server_error(r"/orgs/globex/personal-access-tokens$", nth=3, times=None)

    run = run_tap(
        app_config(), catalog=EVERYTHING, tap_class=on_virtual_clock(github, latency_seconds=0)
    )

    assert run.error is not None
    assert run.records(), "the failed run still sent what it read"
    assert run.of_type("ACTIVATE_VERSION") == []
    assert run.records("sync_runs") == [], "a failed run records no completed org"


def test_sync_runs_say_how_each_org_was_read(github, app_config):
    acme = github.add_org(generate_org("acme", 230, n_requests=7, seed=85, subset_fraction=0.5))
    github.add_org(generate_org("globex", 40, n_requests=0, seed=86, subset_fraction=0.5))

    first = run_tap(app_config(), catalog=EVERYTHING)
    second = run_tap(app_config(), catalog=EVERYTHING, state=first.last_state)

    rows = {r["org"]: r for r in first.records("sync_runs")}
    assert set(rows) == {"acme", "globex"}
    acme_row = rows["acme"]
    subset = [g for g in acme.grants if g.repository_selection == "subset"]
    assert acme_row["status"] == "complete"
    assert acme_row["grants_read"] == "full"
    assert acme_row["grants_records"] == 230
    assert acme_row["grants_requests"] == 6  # 3 pages and the verification pass
    assert acme_row["grants_verification_added"] == 0
    assert acme_row["requests_verification_added"] == 0  # one page: nothing to verify
    assert acme_row["grant_repositories_read"] == "full"
    assert acme_row["grant_repositories_records"] == sum(len(g.repositories) for g in subset)
    assert acme_row["requests_read"] == "full"
    assert acme_row["requests_records"] == 7
    assert acme_row["run_started_at"] <= acme_row["started_at"] <= acme_row["completed_at"]
    assert all(
        m["time_extracted"] >= acme_row["run_started_at"].replace("Z", "")
        for m in first.of_type("RECORD")
    )
    assert len({r["run_id"] for r in first.records("sync_runs")}) == 1

    again = {r["org"]: r for r in second.records("sync_runs")}
    assert again["acme"]["grants_read"] == "incremental"
    assert again["acme"]["requests_read"] == "full"
    assert again["acme"]["run_id"] != acme_row["run_id"]
    # the run record is the last stream: after every other record of the run
    kinds = [m["stream"] for m in second.of_type("RECORD")]
    assert kinds[-2:] == ["sync_runs", "sync_runs"]
    assert Counter(m["stream"] for m in second.of_type("ACTIVATE_VERSION")) == {
        "pat_requests": 1,
        "pat_request_repositories": 1,
    }


def test_a_deselected_stream_is_null_in_sync_runs(github, app_config):
    github.add_org(generate_org("acme", 30, n_requests=3, seed=87))

    run = run_tap(app_config(), catalog=catalog("pat_grants", "sync_runs"))

    (row,) = run.records("sync_runs")
    assert row["grants_read"] == "full"
    assert row["grants_records"] == 30
    assert row["requests_read"] is None
    assert row["requests_records"] is None
    assert row["grant_repositories_read"] is None


def test_a_child_stream_with_no_parent_to_read_is_told_its_schema_before_its_version(
    github, app_config
):
    # Every grant reaches all repositories: no grant repository list is read this run, yet a
    # complete full read must still version that table (rows from earlier runs are stale).
    github.add_org(generate_org("acme", 30, n_requests=0, seed=87, subset_fraction=0.0))

    run = run_tap(app_config(), catalog=EVERYTHING)

    assert run.error is None
    assert run.records("pat_grant_repositories") == []
    kinds = [
        m["type"]
        for m in run.messages
        if m.get("stream") == "pat_grant_repositories" and m["type"] != "STATE"
    ]
    assert kinds == ["SCHEMA", "ACTIVATE_VERSION"]


def test_a_read_narrowed_by_githubs_filters_is_never_versioned(github, app_config):
    # A full read with `owner` (or `permission`, `repository`...) lists part of the grants and
    # requests: ACTIVATE_VERSION would make a loader drop every other owner's rows.
    org = github.add_org(generate_org("acme", 120, n_requests=6, seed=83, subset_fraction=0.5))
    owner = org.grants[0].owner["login"]

    run = run_tap(app_config(owner=[owner]), catalog=EVERYTHING)

    assert run.error is None
    assert run.records()
    assert {r["owner"]["login"] for r in run.records()} == {owner}
    assert run.of_type("ACTIVATE_VERSION") == []
    assert {m.get("version") for m in run.of_type("RECORD") if m["stream"] != "sync_runs"} == {None}
    unfiltered = run_tap(app_config(), catalog=EVERYTHING)
    assert {m["stream"] for m in unfiltered.of_type("ACTIVATE_VERSION")} >= {"pat_grants"}
