"""Issue 21: only `pat_grants` selected (the README's cheapest selection), then a later run that
also selects `pat_requests` and `sync_runs`."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import pytest

from tests.e2e.expected import current_grant_rows
from tests.e2e.project import DUCKDB_PYTHON, REPO
from tests.e2e.selections import (
    dbt_tests,
    empty_models,
    failed_dbt_nodes,
    loaded_as,
)

if TYPE_CHECKING:
    from tests.e2e.selections import Selection

pytestmark = pytest.mark.e2e

SELECTED = ("pat_grants",)
LATER = ("pat_grants", "pat_requests", "sync_runs")


class Checks:
    """Run once per dialect by the classes below, on the class's `warehouse`."""

    selected = SELECTED

    @staticmethod
    def load(selection: Selection) -> None:
        selection.run("first")
        if selection.dialect == "duckdb":  # the report reads DuckDB
            selection.builds["report"] = subprocess.run(
                [DUCKDB_PYTHON, REPO / "demo/report.py", "--duckdb", selection.project.duckdb_file],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        if selection.dialect == "duckdb":  # PostgreSQL's later run: test_selection_daily.py
            selection.project.select(*LATER)
            selection.run("later")

    def test_the_build_passes_with_exact_current_grants(self, warehouse: Selection) -> None:
        first = warehouse.builds["first"]
        assert failed_dbt_nodes(first) == {}
        assert dbt_tests(first) > 50
        assert first["current"] == current_grant_rows(warehouse.gh)
        assert len(first["current"]) == 60
        assert first["summary"] == {"acme": 36, "globex": 24}

    def test_the_models_of_unselected_streams_are_empty(self, warehouse: Selection) -> None:
        first = warehouse.builds["first"]
        assert first["loaded"] == loaded_as(SELECTED)
        counts = empty_models(first, SELECTED)
        assert len(counts) == 19
        assert counts == dict.fromkeys(counts, 0)

    def test_without_sync_runs_no_org_is_vouched_for(self, warehouse: Selection) -> None:
        # No run record: revoked grants cannot be told from live ones (DuckDB keeps every row).
        coverage = warehouse.builds["first"]["coverage"]
        assert {org: row["reason"] for org, row in coverage.items()} == {
            "acme": "no run record",
            "globex": "no run record",
        }
        assert not any(row["is_stale"] for row in coverage.values())


class TestDuckDB(Checks):
    dialect = "duckdb"

    def test_a_later_run_selecting_more_streams_fills_their_models(
        self, warehouse: Selection
    ) -> None:
        later, gh = warehouse.builds["later"], warehouse.gh
        assert failed_dbt_nodes(later) == {}
        assert later["loaded"] == loaded_as(LATER)
        assert later["requests"] == {
            (org.login, r.id) for org in gh.orgs.values() for r in org.requests
        }
        assert later["current"] == current_grant_rows(gh)
        assert {run["org"] for run in later["runs"]} == {"acme", "globex"}
        # Grants were read incrementally (their bookmarks were kept): no complete full read yet.
        assert {org: row["reason"] for org, row in later["coverage"].items()} == {
            "acme": "never read whole",
            "globex": "never read whole",
        }
        counts = empty_models(later, LATER)
        assert counts == dict.fromkeys(counts, 0)

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


@pytest.mark.postgres
class TestPostgreSQL(Checks):
    dialect = "postgres"
