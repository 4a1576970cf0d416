"""The code location's small decisions, by tables: which log lines reach Dagster, what one
organization's `meltano run` is, which partitions change, which tags mean a full refresh."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.dagster

TAP = "tap-github-pat-grants"


def line(source, level, text):
    return json.dumps({"name": source, "level": level, "event": text, "stdio": "stderr"})


@pytest.mark.parametrize(
    ("raw", "forwarded", "stream"),
    [
        (
            line(
                TAP, "info", "pat_grants org acme: done, 300 records, 4 requests, 1.2 s (full read)"
            ),
            True,
            "pat_grants",
        ),
        (
            line(
                TAP,
                "info",
                "pat_grant_repositories org acme: done, the lists of 2 grants, 5 records",
            ),
            True,
            "pat_grant_repositories",
        ),
        (
            line(TAP, "info", "org acme: reading; so far pat_grants 3 pages, 300 records"),
            True,
            None,
        ),
        (line(TAP, "info", "Run done: 1 complete, 0 failed, 0 skipped; see sync_runs"), True, None),
        (line(TAP, "info", "Beginning full_table sync of 'sync_runs'"), False, None),
        (line(TAP, "warning", "org acme: pat_requests skipped (no permission)"), True, None),
        (line("target-postgres", "info", "pat_grants org acme: done, 1 records"), False, None),
        (line("target-postgres", "error", "could not connect"), True, None),
        (json.dumps({"event": "Run completed", "level": "info"}), False, None),
        (json.dumps({"event": "Extractor failed", "level": "error"}), True, None),
        ("Traceback (most recent call last):", False, None),
    ],
)
def test_which_lines_reach_dagster(raw, forwarded, stream):
    from pat_grants_dagster.meltano_log import parse, summarized_stream, worth_forwarding

    parsed = parse(raw)
    assert worth_forwarding(parsed, TAP) is forwarded
    assert summarized_stream(parsed, TAP) == stream


def test_a_line_that_is_not_json_is_kept_as_meltanos_text():
    from pat_grants_dagster.meltano_log import LogLine, parse

    assert parse("Traceback (most recent call last):\n") == LogLine(
        "meltano", "info", "Traceback (most recent call last):"
    )


def spec(**changes):
    from pat_grants_dagster.org_load_spec import OrgLoadSpec

    values = {
        "org": "acme",
        "full_refresh": False,
        "holder": "dagster run 1a2b3c4d acme",
        "project_dir": "/project",
        "meltano_bin": "meltano",
        "environment": "prod",
        "extractor": TAP,
        "loader": "target-postgres",
        "loader_schema": "github_pat_grants",
        "tables": ("pat_grants", "sync_runs"),
        "lock_wait_seconds": 300.0,
        "timeout_seconds": 60.0,
    }
    return OrgLoadSpec(**{**values, **changes})


@pytest.mark.parametrize(
    ("full_refresh", "args"),
    [
        (False, ("run", "--state-id-suffix=acme", TAP, "target-postgres")),
        (True, ("run", "--state-id-suffix=acme", "--full-refresh", TAP, "target-postgres")),
    ],
)
def test_one_organizations_meltano_run(full_refresh, args):
    load = spec(full_refresh=full_refresh)
    assert load.meltano_args() == args
    assert load.state_id == "prod:tap-github-pat-grants-to-target-postgres:acme"
    assert load.load_env() == {
        "MELTANO_ENVIRONMENT": "prod",
        "TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS": '["acme"]',
        "TAP_GITHUB_PAT_GRANTS_EMIT_ACTIVATE_VERSION_MESSAGES": "false",  # no cross-org deletes
    }


def test_the_spec_travels_as_pipes_extras_without_a_secret():
    from pat_grants_dagster.org_load_spec import OrgLoadSpec

    load = spec()
    extras = load.to_extras()
    assert OrgLoadSpec.from_extras(json.loads(json.dumps(extras))) == load
    names = " ".join(extras).lower()
    assert not any(word in names for word in ("password", "key", "token", "uri", "url", "secret"))


@pytest.mark.parametrize(
    ("tags", "full"),
    [
        ({}, False),
        ({"pat_grants/full_refresh": "true"}, True),
        ({"pat_grants/full_refresh": "TRUE"}, True),
        ({"pat_grants/full_refresh": "false"}, False),
        ({"other": "true"}, False),
    ],
)
def test_which_tags_mean_a_full_refresh(tags, full):
    from pat_grants_dagster.raw_tables import is_full_refresh

    assert is_full_refresh(tags) is full


@pytest.mark.parametrize(
    ("wanted", "present", "added", "retired"),
    [
        (["a", "b"], [], ["a", "b"], []),
        (["a", "b"], ["a", "b"], [], []),
        (["b", "c"], ["a", "b"], ["c"], ["a"]),
        ([], ["a"], [], ["a"]),
        (["a", "a"], [], ["a"], []),
    ],
)
def test_partition_changes(wanted, present, added, retired):
    from pat_grants_dagster.organizations import partition_changes

    assert partition_changes(wanted, present) == (added, retired)


@pytest.mark.parametrize(
    ("table", "prefix"),
    [
        ("pat_grants", "grants"),
        ("pat_request_repositories", "request_repositories"),
        ("org_members", "org_members"),
        ("pat_audit_events", "audit_events"),
    ],
)
def test_sync_runs_column_prefix_of_a_table(table, prefix):
    from pat_grants_dagster.ledger import ledger_prefix

    assert ledger_prefix(table) == prefix


def stream(name, **metadata):
    """A catalog entry whose own metadata (breadcrumb []) is `metadata`."""
    entry = {"tap_stream_id": name, "schema": {"type": "object"}}
    if metadata:
        entry["metadata"] = [
            {"breadcrumb": ["properties", "id"], "metadata": {"selected": True}},
            {"breadcrumb": [], "metadata": metadata},
        ]
    return entry


@pytest.mark.parametrize(
    ("metadata", "selected"),
    [
        ({"selected": True, "selected-by-default": False}, True),
        ({"selected": False, "selected-by-default": True}, False),
        ({"selected-by-default": False}, False),
        ({"selected-by-default": True}, True),
        ({"inclusion": "available"}, True),
        ({"selected": False, "inclusion": "automatic"}, True),
        ({}, True),
    ],
)
def test_which_streams_a_catalog_selects(metadata, selected):
    from pat_grants_dagster.meltano_selection import selected_streams

    catalog = {"streams": [stream("pat_grants", selected=True), stream("org_members", **metadata)]}
    want = ["pat_grants", "org_members"] if selected else ["pat_grants"]
    assert selected_streams(json.dumps(catalog).encode()) == want


def test_the_projects_selection_is_meltanos(monkeypatch):
    from pat_grants_dagster.meltano_project import EXTRACTOR, MELTANO_ENVIRONMENT
    from pat_grants_dagster.meltano_selection import project_selection

    from tests.dagster.conftest import REPO, meltano_executable

    # meltano.yml selects every stream but issue 18's (test_asset_graph.py: the loads' tables);
    # a deployment that selects some of them gets their tables loaded. Uncached: Meltano asked.
    select = '["pat_grants.*", "org_members.*", "pat_audit_events.*", "sync_runs.*"]'
    monkeypatch.setenv("TAP_GITHUB_PAT_GRANTS__SELECT", select)
    selected = project_selection.__wrapped__(
        str(REPO), meltano_executable(), MELTANO_ENVIRONMENT, EXTRACTOR
    )
    assert set(selected) == {"pat_grants", "org_members", "pat_audit_events", "sync_runs"}


def test_schema_messages_one_per_stream_the_catalog_selects():
    from pat_grants_dagster.warehouse import schema_messages

    catalog = {
        "streams": [
            {
                "tap_stream_id": "pat_grants",
                "schema": {"type": "object"},
                "key_properties": ["org", "id"],
            },
            {"tap_stream_id": "sync_runs", "schema": {"type": "object"}},
            stream("org_members", selected=False),  # not selected: no table made for it
        ]
    }
    lines = schema_messages(json.dumps(catalog).encode()).decode().splitlines()
    assert [json.loads(text) for text in lines] == [
        {
            "type": "SCHEMA",
            "stream": "pat_grants",
            "schema": {"type": "object"},
            "key_properties": ["org", "id"],
        },
        {
            "type": "SCHEMA",
            "stream": "sync_runs",
            "schema": {"type": "object"},
            "key_properties": [],
        },
    ]
