"""Issue 21: `pat_grants` and `sync_runs` selected; then an organization dropped from the
configuration goes stale, leaves the totals and comes back when it is read again."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.expected import current_grant_rows
from tests.e2e.selections import (
    empty_models,
    failed_dbt_nodes,
    loaded_as,
)

if TYPE_CHECKING:
    from tests.e2e.selections import Selection

pytestmark = pytest.mark.e2e

SELECTED = ("pat_grants", "sync_runs")


class Checks:
    """Run once per dialect by the classes below, on the class's `warehouse`."""

    selected = SELECTED

    @staticmethod
    def load(selection: Selection) -> None:
        selection.run("first")
        # globex left the configuration (as when the App is uninstalled under "*" discovery).
        selection.project.organizations("acme")
        selection.run("dropped", "--full-refresh")
        selection.project.organizations("acme", "globex")
        selection.run("read again")
        if selection.dialect == "duckdb":  # the window's SQL is the same build's in PostgreSQL
            # A freshness window of 0 days: every read is too old.
            selection.build("window", "--vars", "{stale_after_days: 0}")

    def test_the_build_passes_with_exact_current_grants(self, warehouse: Selection) -> None:
        first = warehouse.builds["first"]
        assert failed_dbt_nodes(first) == {}
        assert first["current"] == current_grant_rows(warehouse.gh)
        assert first["loaded"] == loaded_as(SELECTED)
        counts = empty_models(first, SELECTED)
        assert len(counts) == 18
        assert counts == dict.fromkeys(counts, 0)
        assert first["coverage"] == {}  # both read whole, just now

    def test_an_org_no_longer_read_is_stale_and_leaves_the_totals(
        self, warehouse: Selection
    ) -> None:
        first, dropped = warehouse.builds["first"], warehouse.builds["dropped"]
        assert failed_dbt_nodes(dropped) == {}
        (globex_read,) = [run["run_started_at"] for run in first["runs"] if run["org"] == "globex"]
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

    def test_an_org_read_again_is_current_again(self, warehouse: Selection) -> None:
        again = warehouse.builds["read again"]
        assert failed_dbt_nodes(again) == {}
        assert again["coverage"] == {}
        assert again["current"] == current_grant_rows(warehouse.gh)
        assert again["summary"] == {"acme": 36, "globex": 24}


class TestDuckDB(Checks):
    dialect = "duckdb"

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


@pytest.mark.postgres
class TestPostgreSQL(Checks):
    dialect = "postgres"
