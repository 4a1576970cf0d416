"""`meltano run tap-github-pat-grants target-duckdb` end to end, against the fake GitHub."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import pytest
import yaml

from tests.e2e.answers import check_answers, mart_answers
from tests.e2e.conftest import (
    ANALYTICS,
    REPO,
    grant_listings,
    repository_listings,
    rows,
    sql,
)
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

pytestmark = pytest.mark.e2e

RUN = ("run", "tap-github-pat-grants", "target-duckdb")
STATE_ID = "dev:tap-github-pat-grants-to-target-duckdb"


def assert_rows_match(meltano: MeltanoProject, gh: FakeGitHub) -> None:
    """Each table holds exactly the fake data's rows: right counts, no duplicate keys."""
    counted = {
        r["tbl"]: r
        for result in sql(duckdb_file=meltano.duckdb_file, statements=count_statements())
        for r in rows(result)
    }
    expected = row_counts(gh)
    assert {t: counted[t]["n"] for t in TABLES} == expected
    assert {t: counted[t]["keys"] for t in TABLES} == expected  # no duplicates


def utc_now_naive() -> str:
    """Now in UTC as DuckDB's TIMESTAMP columns hold it (the loader stores UTC, zone-less)."""
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")


def test_second_run_is_incremental_and_upserts(
    meltano: MeltanoProject, fake_github: FakeGitHub
) -> None:
    meltano(*RUN)
    assert_rows_match(meltano, fake_github)
    first_listings = grant_listings(fake_github)
    assert first_listings, "the first run listed no grants"
    assert not [e for e in first_listings if "last_used_after" in e.query]
    first_repository_listings = len(repository_listings(fake_github))
    state = meltano.state(STATE_ID)["singer_state"]["bookmarks"]["pat_grants"]
    assert sorted(p["context"]["org"] for p in state["partitions"]) == ["acme", "globex"]

    # Between runs: one token is used again, one grant is approved (never used yet).
    used = subset_grant_with_repositories(fake_github, "acme")
    used.token_last_used_at = format_utc(time.time() - 2)
    added = new_grant(fake_github, "globex")
    fake_github.org("globex").grants.append(added)
    fake_github.reset_log()

    meltano(*RUN)

    listings = grant_listings(fake_github)
    incremental = [e for e in listings if "last_used_after" in e.query]
    assert {e.org for e in incremental} == {"acme", "globex"}, "second run was not incremental"
    assert all(e in incremental or e.query.get("sort") == ["created_at"] for e in listings)
    assert len(repository_listings(fake_github)) < first_repository_listings
    assert_rows_match(meltano, fake_github)  # the new grant is in; nothing is duplicated
    (result,) = sql(
        duckdb_file=meltano.duckdb_file,
        statements=[
            "select org, id, strftime(token_last_used_at, '%Y-%m-%dT%H:%M:%SZ') as last_used "
            f"from pat_grants where (org = 'acme' and id = {used.id}) "
            f"or (org = 'globex' and id = {added.id}) order by org"
        ],
    )
    assert [(r["org"], r["id"], r["last_used"]) for r in rows(result)] == [
        ("acme", used.id, used.token_last_used_at),
        ("globex", added.id, None),
    ]


def test_full_refresh_rereads_everything(meltano: MeltanoProject, fake_github: FakeGitHub) -> None:
    meltano(*RUN)
    revoked = subset_grant_with_repositories(fake_github, "acme")
    fake_github.org("acme").grants.remove(revoked)
    fake_github.reset_log()
    started = utc_now_naive()

    meltano("run", "--full-refresh", *RUN[1:])

    listings = grant_listings(fake_github)
    assert {e.org for e in listings} == {"acme", "globex"}
    assert all("last_used_after" not in e.query and "sort" not in e.query for e in listings)
    pat_ids = {int(e.path.split("/")[-2]) for e in repository_listings(fake_github)}
    subset_ids = {
        g.id
        for org in fake_github.orgs.values()
        for g in org.grants
        if g.repository_selection == "subset"
    }
    assert pat_ids == subset_ids  # every grant's repositories read again, the revoked one's not
    (result,) = sql(
        duckdb_file=meltano.duckdb_file,
        statements=[
            f"select org, id, _sdc_extracted_at >= timestamp '{started}' as reread from pat_grants"
        ],
    )
    reread = {(r["org"], r["id"]): r["reread"] for r in rows(result)}
    expected = {(org.login, g.id) for org in fake_github.orgs.values() for g in org.grants}
    assert {key for key, fresh in reread.items() if fresh} == expected
    # target-duckdb ignores ACTIVATE_VERSION: the revoked grant stays, with its old extraction
    # time (README.md, "Full refresh, ACTIVATE_VERSION and revoked grants", shows how to rebuild the file without it).
    assert reread[("acme", revoked.id)] is False


@pytest.mark.parametrize("fake_github", ["demo"], indirect=True)
def test_governance_marts_answer_from_demo_data(
    meltano: MeltanoProject, fake_github: FakeGitHub
) -> None:
    meltano(*RUN, "dbt-duckdb:build")  # dbt's tests run in the build: a failing one fails it
    results = mart_answers(duckdb_file=meltano.duckdb_file, schema=ANALYTICS)
    check_answers(results, fake_github)


def test_nested_objects_land_as_json_columns(
    meltano: MeltanoProject, fake_github: FakeGitHub
) -> None:
    meltano(*RUN)
    grant = subset_grant_with_repositories(fake_github, "globex")
    (types, permissions) = sql(
        duckdb_file=meltano.duckdb_file,
        statements=[
            "select column_name, data_type from information_schema.columns "
            "where table_name = 'pat_grants' and column_name in ('owner', 'permissions')",
            f"select permissions, owner ->> 'login' as login from pat_grants "
            f"where org = 'globex' and id = {grant.id}",
        ],
    )
    assert {r["column_name"]: r["data_type"] for r in rows(types)} == {
        "owner": "JSON",
        "permissions": "JSON",
    }
    (row,) = rows(permissions)
    assert json.loads(row["permissions"]) == grant.permissions  # open-ended maps kept whole
    assert row["login"] == grant.owner["login"]


def test_jsonl_loader_writes_every_record(meltano: MeltanoProject, fake_github: FakeGitHub) -> None:
    meltano("run", "tap-github-pat-grants", "target-jsonl")
    folder = meltano.logs / "jsonl"
    lines = {
        table: len((folder / f"{table}.jsonl").read_text(encoding="utf-8").splitlines())
        for table in TABLES
    }
    assert lines == row_counts(fake_github)


def test_meltano_knows_every_tap_setting(meltano: MeltanoProject) -> None:
    about = subprocess.run(
        [
            str(REPO / ".meltano/extractors/tap-github-pat-grants/venv/bin/tap-github-pat-grants"),
            "--about",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    settings = json.loads(about.stdout)["settings"]["properties"]
    project = yaml.safe_load((REPO / "meltano.yml").read_text(encoding="utf-8"))
    (tap,) = project["plugins"]["extractors"]
    declared = {s["name"]: s for s in tap["settings"]}
    assert set(declared) == set(settings)
    for name, schema in settings.items():
        types = schema.get("type", [])
        if "array" in types:
            assert declared[name]["kind"] == "array", name
        elif "integer" in types and "string" not in types:
            assert declared[name]["kind"] == "integer", name
        elif "boolean" in types:
            assert declared[name]["kind"] == "boolean", name
        if schema.get("secret"):
            assert declared[name].get("sensitive") is True, name

    printed = json.loads(meltano("config", "print", "tap-github-pat-grants"))
    assert printed["organizations"] == ["acme", "globex"]  # a JSON array env var, parsed
    assert printed["private_key"] == "*****"  # masked


def test_org_groups_keep_their_own_state(meltano: MeltanoProject, fake_github: FakeGitHub) -> None:
    # One job per org group, each with its own state id (README.md, "Many organizations").
    for group in ("acme", "globex"):
        meltano.env["TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS"] = json.dumps([group])
        meltano("run", "--state-id-suffix", group, *RUN[1:])
    for group in ("acme", "globex"):
        bookmarks = meltano.state(f"{STATE_ID}:{group}")["singer_state"]["bookmarks"]
        assert [p["context"]["org"] for p in bookmarks["pat_grants"]["partitions"]] == [group]
    assert_rows_match(meltano, fake_github)  # both groups in one warehouse, once each
