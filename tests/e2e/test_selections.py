"""Issue 21 in DuckDB: the dbt project builds for any stream selection that includes `pat_grants`,
and an organization no longer read is never shown as current. One warehouse, one selection after
another, each `meltano run … target-duckdb dbt-duckdb:build` observed:

1. only `pat_grants` (the README's cheapest selection): builds, exact `current_grants`, the
   models of the other tables empty, no org vouched for without `sync_runs`; the report says in
   one line which sections were not selected;
2. `pat_grants` and `sync_runs`, read whole: builds, both orgs covered;
3. globex left out of the configuration (a full refresh of acme alone): globex is stale, and
   leaves `current_grants` and the totals;
4. the daily selection (grants, requests, `sync_runs`; no repository streams) over both orgs:
   globex is current again, the requests' models fill, the repository models stay empty;
5. a freshness window of 0 days (a build alone): every org is stale;
6. every stream (issue 18's too), read whole: the repository models and issue 18's fill.

PostgreSQL's build of a partial selection is in `test_postgres.py` (its first step).
"""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import pytest

from tests.e2e.expected import current_grant_rows, repository_keys
from tests.e2e.project import DUCKDB_PYTHON, REPO
from tests.e2e.selections import TABLES, dbt_tests, empty_models, failed_dbt_nodes, loaded_as

if TYPE_CHECKING:
    from tests.e2e.selections import Selection

pytestmark = pytest.mark.e2e

GRANTS_ONLY = ("pat_grants",)
WITH_RUNS = ("pat_grants", "sync_runs")
DAILY = ("pat_grants", "pat_requests", "sync_runs")


class TestDuckDB:
    dialect = "duckdb"
    selected = GRANTS_ONLY

    @staticmethod
    def load(selection: Selection) -> None:
        selection.run("grants only")
        selection.builds["report"] = subprocess.run(
            [DUCKDB_PYTHON, REPO / "demo/report.py", "--duckdb", selection.project.duckdb_file],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        selection.project.select(*WITH_RUNS)
        selection.run("with sync_runs", "--full-refresh")
        # globex left the configuration (as when the App is uninstalled under "*" discovery).
        selection.project.organizations("acme")
        selection.run("dropped", "--full-refresh")
        selection.project.organizations("acme", "globex")
        selection.project.select(*DAILY)
        selection.run("daily", "--full-refresh")
        selection.build("window", "--vars", "{stale_after_days: 0}")
        selection.project.select(*TABLES)
        # A stream added later is read for every grant only by a full read (docs/warehouse.md).
        selection.run("every stream", "--full-refresh")

    def test_grants_alone_build_with_exact_current_grants(self, warehouse: Selection) -> None:
        first = warehouse.builds["grants only"]
        assert failed_dbt_nodes(first) == {}
        assert dbt_tests(first) > 50
        assert first["current"] == current_grant_rows(warehouse.gh)
        assert len(first["current"]) == 60
        assert first["summary"] == {"acme": 36, "globex": 24}
        assert first["loaded"] == loaded_as(GRANTS_ONLY)
        counts = empty_models(first, GRANTS_ONLY)
        assert len(counts) == 19
        assert counts == dict.fromkeys(counts, 0)

    def test_without_sync_runs_no_org_is_vouched_for(self, warehouse: Selection) -> None:
        # No run record: revoked grants cannot be told from live ones (DuckDB keeps every row).
        coverage = warehouse.builds["grants only"]["coverage"]
        assert {org: row["reason"] for org, row in coverage.items()} == {
            "acme": "no run record",
            "globex": "no run record",
        }
        assert not any(row["is_stale"] for row in coverage.values())

    def test_the_report_says_which_sections_were_not_selected(self, warehouse: Selection) -> None:
        report = warehouse.builds["report"]
        assert report.returncode == 0, report.stderr
        assert "== Requests waiting more than 7 days: not available, stream pat_requests not" in (
            report.stdout
        )
        assert "stream sync_runs not selected" in report.stdout
        for title, stream in (
            ("Classic tokens and SSH keys at risk", "credential_authorizations"),
            ("Grant timelines", "pat_audit_events"),
            ("Token policy changes", "pat_audit_events"),
            ("Grants of people who are not members", "org_members"),
            ("Grants of organization owners", "org_members"),
        ):
            (line,) = [x for x in report.stdout.splitlines() if x.startswith(f"== {title}")]
            assert line.endswith(f": not available, stream {stream} not selected"), line
        # The grant marts of issue 18 need only pat_grants.
        assert "== Grants over the token lifetime policy" in report.stdout
        assert "== Grants expiring soon" in report.stdout
        assert "== Headline totals" in report.stdout
        assert "== Write or admin access" in report.stdout

    def test_grants_and_sync_runs_build_and_cover_both_orgs(self, warehouse: Selection) -> None:
        build = warehouse.builds["with sync_runs"]
        assert failed_dbt_nodes(build) == {}
        assert build["current"] == current_grant_rows(warehouse.gh)
        assert build["loaded"] == loaded_as(WITH_RUNS)
        counts = empty_models(build, WITH_RUNS)
        assert len(counts) == 18  # the requests' and repositories' models, and issue 18's
        assert counts == dict.fromkeys(counts, 0)
        assert build["coverage"] == {}  # both read whole, just now

    def test_an_org_no_longer_read_is_stale_and_leaves_the_totals(
        self, warehouse: Selection
    ) -> None:
        before, dropped = warehouse.builds["with sync_runs"], warehouse.builds["dropped"]
        assert failed_dbt_nodes(dropped) == {}
        (globex_read,) = [run["run_started_at"] for run in before["runs"] if run["org"] == "globex"]
        assert dropped["coverage"] == {
            "globex": {
                "org": "globex",
                "reason": "stale",
                "is_stale": True,
                "stale_because": "left out of later runs",
                "last_complete_read_at": globex_read,
            }
        }
        assert dropped["current"] == current_grant_rows(warehouse.gh, "acme")
        assert dropped["summary"] == {"acme": 36}

    def test_the_daily_selection_builds_and_the_dropped_org_is_current_again(
        self, warehouse: Selection
    ) -> None:
        daily, gh = warehouse.builds["daily"], warehouse.gh
        assert failed_dbt_nodes(daily) == {}
        assert daily["coverage"] == {}
        assert daily["current"] == current_grant_rows(gh)
        assert daily["summary"] == {"acme": 36, "globex": 24}
        # pat_requests, selected later, fills its models; the repository tables stay unloaded.
        assert daily["requests"] == {
            (org.login, r.id) for org in gh.orgs.values() for r in org.requests
        }
        assert daily["loaded"] == loaded_as(DAILY)
        counts = empty_models(daily, DAILY)
        assert len(counts) == 15  # the repository models, and issue 18's
        assert counts == dict.fromkeys(counts, 0)
        assert daily["repositories"] == set()

    def test_orgs_not_read_within_the_freshness_window_are_stale(
        self, warehouse: Selection
    ) -> None:
        window = warehouse.builds["window"]
        assert failed_dbt_nodes(window) == {}
        assert {
            org: (row["reason"], row["stale_because"]) for org, row in window["coverage"].items()
        } == {
            "acme": ("stale", "not read within stale_after_days"),
            "globex": ("stale", "not read within stale_after_days"),
        }
        assert window["current"] == set()
        assert window["summary"] == {}

    def test_every_stream_selected_later_fills_its_models(self, warehouse: Selection) -> None:
        later, gh = warehouse.builds["every stream"], warehouse.gh
        assert failed_dbt_nodes(later) == {}
        assert later["loaded"] == loaded_as(TABLES)
        assert later["repositories"] == repository_keys(gh) | repository_keys(gh, "request")
        assert later["current"] == current_grant_rows(gh)
        assert later["coverage"] == {}
        still_empty = [model for model, n in empty_models(later, DAILY).items() if n == 0]
        assert still_empty == []
