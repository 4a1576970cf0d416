"""`meltano run tap-github-pat-grants target-duckdb dbt-duckdb:build` end to end: one warehouse,
loaded once by the module's fixture through a year in its life, asserted by the tests below.

Every stream is selected, issue 18's three too (the fake App has their permissions).

1. a first (full) run: every row once, nested objects as JSON columns, per-org bookmarks;
2. a token used again and a grant approved, an audit event GitHub records late (inside the
   window the next run re-reads), a member with grants leaves and a SAML authorization is
   revoked: the incremental run reads only what changed, the late event lands once, and the
   whole lists are read whole (no dbt build here: the next one shows the models);
3. a grant revoked, then a full refresh that fails on globex (exit 1), and a dbt build: a read
   that did not complete proves nothing, so `current_grants` keeps every grant;
4. four expiries moved to the marts' edges, then the same full refresh, complete: every grant
   re-read (and the audit log from 180 days back again), and the revoked grant leaves the
   current-state models (target-duckdb ignores ACTIVATE_VERSION and keeps its row) and the
   snapshot says when; the governance marts, issue 18's models and the report then answer from
   the fake's data.
"""

from __future__ import annotations

import json
import subprocess
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.answers import check_answers, mart_answers
from tests.e2e.conftest import grant_listings, repository_listings
from tests.e2e.expected import (
    count_statements,
    grants_by_key,
    new_grant,
    repository_keys,
    row_counts,
    subset_grant_with_repositories,
)
from tests.e2e.governance import (
    EVERY_STREAM,
    audit_bookmarks,
    audit_reads,
    check_governance,
    check_late_event_rows,
    check_late_request,
    expiring_grants,
    governance_answers,
    late_event,
    late_event_rows,
    read_since,
    someone_leaves,
    window_starts,
)
from tests.e2e.project import ANALYTICS, DUCKDB_PYTHON, REPO, MeltanoProject, Warehouse, two_orgs
from tests.fake_github import format_utc

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.fake_github import FakeGitHub

pytestmark = pytest.mark.e2e

RUN = ("run", "tap-github-pat-grants", "target-duckdb", "dbt-duckdb:build")
FULL_REFRESH = ("run", "--full-refresh", *RUN[1:])
STATE_ID = "dev:tap-github-pat-grants-to-target-duckdb"
CURRENT = (
    "select org, grant_id from current_grants",
    "select org, grant_id, repository_id from current_grant_repositories",
)


def counted(house: Warehouse) -> dict[str, tuple[int, int]]:
    """(rows, distinct keys) per table."""
    return {
        r["tbl"]: (r["n"], r["keys"]) for found in house.raw(*count_statements()) for r in found
    }


def expected_counts(gh: FakeGitHub) -> dict[str, tuple[int, int]]:
    return {table: (n, n) for table, n in row_counts(gh).items()}


def keys(found: list[dict[str, Any]], *columns: str) -> set[tuple[Any, ...]]:
    return {tuple(row[c] for c in columns) for row in found}


def utc_now_naive() -> str:
    """Now in UTC as DuckDB's TIMESTAMP columns hold it (the loader stores UTC, zone-less)."""
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")


def first_run(
    project: MeltanoProject, house: Warehouse, gh: FakeGitHub, seen: dict[str, Any]
) -> dict[str, Any]:
    project(*RUN)
    grant = subset_grant_with_repositories(gh, "globex")
    types, nested = house.raw(
        "select column_name, data_type from information_schema.columns "
        "where table_name = 'pat_grants' and column_name in ('owner', 'permissions')",
        f"select permissions, owner ->> 'login' as login from pat_grants "
        f"where org = 'globex' and id = {grant.id}",
    )
    grants, repositories = house.models(*CURRENT)
    return {
        "counts": counted(house),
        "expected": expected_counts(gh),
        "listings": grant_listings(gh),
        "repository_listings": len(repository_listings(gh)),
        "state": project.state(STATE_ID)["singer_state"]["bookmarks"]["pat_grants"],
        "types": {r["column_name"]: r["data_type"] for r in types},
        "nested": (nested, grant),
        "current": keys(grants, "org", "grant_id"),
        "current_repositories": keys(repositories, "org", "grant_id", "repository_id"),
        "expected_current": set(grants_by_key(gh)),
        "expected_repositories": repository_keys(gh),
        "audit_since": read_since(gh),
    }


def incremental_run(
    project: MeltanoProject, house: Warehouse, gh: FakeGitHub, seen: dict[str, Any]
) -> dict[str, Any]:
    used = subset_grant_with_repositories(gh, "acme")
    used.token_last_used_at = format_utc(time.time() - 2)
    added = new_grant(gh, "globex")
    gh.org("globex").grants.append(added)
    bookmarks = audit_bookmarks(project.state(STATE_ID))
    late = late_event(gh, "acme", bookmarks["acme"])
    someone_leaves(gh, "acme")
    gh.reset_log()
    project(*RUN[:-1])
    (changed,) = house.raw(
        "select org, id, strftime(token_last_used_at, '%Y-%m-%dT%H:%M:%SZ') as last_used "
        f"from pat_grants where (org = 'acme' and id = {used.id}) "
        f"or (org = 'globex' and id = {added.id}) order by org"
    )
    reads = audit_reads(gh)
    return {
        "late": late,
        "late_rows": late_event_rows(house, late),
        "bookmarks": bookmarks,
        "audit_requests": {org: sum(e.org == org for e in reads) for org in gh.orgs},
        "window_starts": window_starts(reads),
        "listings": grant_listings(gh),
        "repository_listings": len(repository_listings(gh)),
        "counts": counted(house),
        "expected": expected_counts(gh),
        "changed": [(r["org"], r["id"], r["last_used"]) for r in changed],
        "expected_changed": [
            ("acme", used.id, used.token_last_used_at),
            ("globex", added.id, None),
        ],
        "current": keys(house.models(CURRENT[0])[0], "org", "grant_id"),
        "expected_current": set(grants_by_key(gh)),
    }


def failed_full_refresh(
    project: MeltanoProject, house: Warehouse, gh: FakeGitHub, seen: dict[str, Any]
) -> dict[str, Any]:
    revoked = subset_grant_with_repositories(gh, "acme")
    gh.org("acme").grants.remove(revoked)
    # acme is read whole again, then globex's list fails for good: the run exits 1.
    gh.faults.add(r"^/orgs/globex/personal-access-tokens$", status=404, times=None)
    project.fails(*FULL_REFRESH)
    gh.faults.clear()
    project("invoke", "dbt-duckdb", "build")
    grants, runs = house.models(CURRENT[0], "select count(*) as n from stg_sync_runs")
    return {"revoked": revoked, "current": keys(grants, "org", "grant_id"), "runs": runs}


def full_refresh(
    project: MeltanoProject, house: Warehouse, gh: FakeGitHub, seen: dict[str, Any]
) -> dict[str, Any]:
    expiring_grants(gh, "globex")
    gh.reset_log()
    started = utc_now_naive()
    project(*FULL_REFRESH)
    revoked = seen["failed"]["revoked"]
    (reread,) = house.raw(
        f"select org, id, _sdc_extracted_at >= timestamp '{started}' as reread from pat_grants"
    )
    grants, repositories, history, coverage = house.models(
        *CURRENT,
        "select count(*) as versions, count(dbt_valid_to) as closed from grants_snapshot "
        f"where grant_key = 'acme/{revoked.id}'",
        "select org, reason from orgs_not_fully_covered",
    )
    return {
        "listings": grant_listings(gh),
        "repository_pat_ids": {int(e.path.split("/")[-2]) for e in repository_listings(gh)},
        "subset_ids": {
            g.id for g in grants_by_key(gh).values() if g.repository_selection == "subset"
        },
        "reread": {(r["org"], r["id"]): r["reread"] for r in reread},
        "current": keys(grants, "org", "grant_id"),
        "current_repositories": keys(repositories, "org", "grant_id", "repository_id"),
        "expected_current": set(grants_by_key(gh)),
        "expected_repositories": repository_keys(gh),
        "history": history,
        "coverage": coverage,
        "marts": mart_answers(duckdb_file=project.duckdb_file, schema=ANALYTICS),
        "governance": governance_answers(house),
        "late_rows": late_event_rows(house, seen["incremental"]["late"]),
        "report": subprocess.run(
            [DUCKDB_PYTHON, REPO / "demo/report.py", "--duckdb", project.duckdb_file],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        ),
    }


STEPS = (
    ("first", first_run),
    ("incremental", incremental_run),
    ("failed", failed_full_refresh),
    ("full", full_refresh),
)


@pytest.fixture(scope="module")
def story(
    meltano_installed: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[str, Any], FakeGitHub]]:
    with two_orgs() as gh:
        project = MeltanoProject.create(meltano_installed, gh, tmp_path_factory.mktemp("duckdb"))
        project.select(*EVERY_STREAM)
        house = Warehouse(project)
        seen: dict[str, Any] = {}
        for name, step in STEPS:
            seen[name] = step(project, house, gh, seen)
        yield seen, gh


def test_first_run_loads_every_row_once_with_a_bookmark_per_org(story) -> None:
    first = story[0]["first"]
    assert first["counts"] == first["expected"]  # right counts, no duplicate keys
    assert first["listings"], "the first run listed no grants"
    assert not [e for e in first["listings"] if "last_used_after" in e.query]
    assert sorted(p["context"]["org"] for p in first["state"]["partitions"]) == ["acme", "globex"]
    assert first["current"] == first["expected_current"]
    assert len(first["current"]) == 60
    assert first["current_repositories"] == first["expected_repositories"]


def test_nested_objects_land_as_json_columns(story) -> None:
    first = story[0]["first"]
    assert first["types"] == {"owner": "JSON", "permissions": "JSON"}
    (row,), grant = first["nested"]
    assert json.loads(row["permissions"]) == grant.permissions  # open-ended maps kept whole
    assert row["login"] == grant.owner["login"]


def test_second_run_is_incremental_and_upserts(story) -> None:
    first, second = story[0]["first"], story[0]["incremental"]
    incremental = [e for e in second["listings"] if "last_used_after" in e.query]
    assert {e.org for e in incremental} == {"acme", "globex"}, "second run was not incremental"
    assert all(
        e in incremental or e.query.get("sort") == ["created_at"] for e in second["listings"]
    )
    assert second["repository_listings"] < first["repository_listings"]
    assert second["counts"] == second["expected"]  # the new grant is in; nothing duplicated
    assert second["changed"] == second["expected_changed"]


def test_a_failed_full_refresh_leaves_current_grants_complete(story) -> None:
    failed, second = story[0]["failed"], story[0]["incremental"]
    # Not complete, so it proves nothing: the revoked grant stays until a read completes.
    assert ("acme", failed["revoked"].id) in failed["current"]
    assert failed["current"] == second["expected_current"]  # GitHub's grants before the revocation
    assert len(failed["current"]) == 61
    assert failed["runs"] == [{"n": 4}]  # two complete runs of two orgs; the failed one wrote none


def test_full_refresh_rereads_everything_and_the_revoked_grant_leaves(story) -> None:
    last, failed = story[0]["full"], story[0]["failed"]
    assert {e.org for e in last["listings"]} == {"acme", "globex"}
    assert all("last_used_after" not in e.query and "sort" not in e.query for e in last["listings"])
    assert last["repository_pat_ids"] == last["subset_ids"]  # every list again, not the revoked
    revoked = ("acme", failed["revoked"].id)
    assert {key for key, fresh in last["reread"].items() if fresh} == last["expected_current"]
    assert last["reread"][revoked] is False  # target-duckdb kept the revoked row, not re-read
    assert last["current"] == last["expected_current"]
    assert len(last["current"]) == 60
    assert last["current_repositories"] == last["expected_repositories"]
    assert last["history"] == [{"versions": 1, "closed": 1}]  # the snapshot says when it went
    assert last["coverage"] == []


def test_governance_marts_answer_from_the_fake_data(story) -> None:
    seen, gh = story
    check_answers(seen["full"]["marts"], gh)


def test_a_late_audit_event_lands_exactly_once(story) -> None:
    second, last = story[0]["incremental"], story[0]["full"]
    # The incremental run searched each org from its bookmark less 30 minutes: two searches
    # (the two names of the actions), one page each.
    assert second["audit_requests"] == {"acme": 2, "globex": 2}
    assert second["window_starts"] == {
        org: {ms // 1000 - 1800} for org, ms in second["bookmarks"].items()
    }
    check_late_event_rows(second["late_rows"])
    check_late_event_rows(last["late_rows"])  # after two full refreshes from 180 days back
    late = second["late"]
    check_late_request(last["governance"], story[1], story[0]["first"]["audit_since"], late)


def test_issue_18_models_answer_from_the_fake_data(story) -> None:
    seen, gh = story
    governance = seen["full"]["governance"]
    check_governance(governance, gh, seen["first"]["audit_since"])
    # The edges were reached: 5 days left is soon, 367 days of life too long, 366 not.
    soon, _, year, longer = (grant.id for grant in gh.org("globex").grants[-4:])
    assert soon in {int(r["grant_id"]) for r in governance["grants_expiring_soon"]}
    over = {int(r["grant_id"]) for r in governance["grants_over_lifetime_policy"]}
    assert longer in over
    assert year not in over


def test_the_report_shows_issue_18_answers(story) -> None:
    report, governance = story[0]["full"]["report"], story[0]["full"]["governance"]
    assert report.returncode == 0, report.stderr
    timelines = [r for r in governance["grant_timeline"] if r["audit_events"]]
    for title, rows in (
        ("Classic tokens and SSH keys at risk", governance["classic_credentials_at_risk"]),
        ("Grant timelines", timelines),
        ("Token policy changes", governance["pat_policy_changes"]),
        ("Grants of people who are not members", governance["grants_of_non_members"]),
        ("Grants of organization owners", governance["grants_of_org_owners"]),
        ("Grants over the token lifetime policy", governance["grants_over_lifetime_policy"]),
        ("Grants expiring soon", governance["grants_expiring_soon"]),
    ):
        assert rows, f"nothing to show in {title}"
        section = report.stdout.split(f"== {title}")[1].split("\n")[0]
        assert section.endswith(f"({len(rows)} row{'s' if len(rows) != 1 else ''})"), title
    assert "not available" not in report.stdout
