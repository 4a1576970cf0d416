"""Issue 21: a warehouse loaded with some of the streams, and what its dbt builds show.

`test_selections.py` (DuckDB) takes one warehouse through one selection after another, a class
with its `selected` streams, its `load` steps and its tests, on the class-scoped `warehouse`
(tests/e2e/conftest.py); `test_postgres.py` observes its first, partial step the same way.
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.expected import CURRENT_GRANT_ROWS, as_grant_rows
from tests.e2e.project import MeltanoProject, Warehouse, postgres_schema, two_orgs

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.fake_github import FakeGitHub

TABLES = ("credential_authorizations", "org_members", "pat_audit_events")
TABLES += ("pat_grant_repositories", "pat_grants", "pat_request_repositories", "pat_requests")
TABLES += ("sync_runs",)
# The models that read each table other than pat_grants: empty while it is not loaded.
MODELS_OF = {
    "pat_grant_repositories": ("stg_pat_grant_repositories", "current_grant_repositories"),
    "pat_requests": ("stg_pat_requests", "current_requests", "requests_pending_over_7_days"),
    "pat_request_repositories": ("stg_pat_request_repositories", "current_request_repositories"),
    "sync_runs": ("stg_sync_runs",),
    "credential_authorizations": (
        "stg_credential_authorizations",
        "current_credential_authorizations",
        "current_credential_scopes",
        "classic_credentials_at_risk",
    ),
    "pat_audit_events": ("stg_pat_audit_events", "grant_timeline", "pat_policy_changes"),
    "org_members": (
        "stg_org_members",
        "current_org_members",
        "grants_of_non_members",
        "grants_of_org_owners",
    ),
}
PLUGINS = {
    "duckdb": ("target-duckdb", "dbt-duckdb"),
    "postgres": ("target-postgres", "dbt-postgres"),
}


@dataclass
class Selection:
    """One warehouse, its fake GitHub, and what each of its builds showed."""

    project: MeltanoProject
    house: Warehouse
    gh: FakeGitHub
    builds: dict[str, dict[str, Any]]

    @property
    def dialect(self) -> str:
        return self.house.dialect

    def run(self, name: str, *options: str) -> dict[str, Any]:
        """`meltano run [options] tap target dbt-…:build`, then what the models show."""
        loader, dbt = PLUGINS[self.dialect]
        self.project("run", *options, "tap-github-pat-grants", loader, f"{dbt}:build")
        return self.observe(name)

    def build(self, name: str, *dbt_args: str) -> dict[str, Any]:
        """`meltano invoke dbt-… build ARGS`, then what the models show."""
        self.project("invoke", PLUGINS[self.dialect][1], "build", *dbt_args)
        return self.observe(name)

    def observe(self, name: str) -> dict[str, Any]:
        models = sorted({model for names in MODELS_OF.values() for model in names})
        loaded, current, coverage, runs, requests, repositories, summary, *counts = (
            self.house.models(
                "select source_table, is_loaded from source_tables",
                CURRENT_GRANT_ROWS,
                "select org, reason, is_stale, stale_because, last_complete_read_at"
                " from orgs_not_fully_covered",
                "select org, run_started_at from stg_sync_runs where status = 'complete'",
                "select org, request_id from current_requests",
                "select org, grant_id as parent_id, repository_id from current_grant_repositories"
                " union all select org, request_id, repository_id"
                " from current_request_repositories",
                "select org, grants from governance_summary",
                *(f"select '{model}' as model, count(*) as n from {model}" for model in models),
            )
        )
        self.builds[name] = {
            "loaded": {r["source_table"]: r["is_loaded"] for r in loaded},
            "current": as_grant_rows(current),
            "coverage": {r["org"]: r for r in coverage},
            "runs": runs,
            "requests": {(r["org"], int(r["request_id"])) for r in requests},
            "repositories": {
                (r["org"], int(r["parent_id"]), int(r["repository_id"])) for r in repositories
            },
            "summary": {r["org"]: r["grants"] for r in summary},
            "counts": {r["model"]: r["n"] for (r,) in counts},
            "dbt": self.project.dbt_results(),
        }
        return self.builds[name]


@contextmanager
def loaded_selection(
    request: pytest.FixtureRequest, meltano: str, folders: pytest.TempPathFactory, *streams: str
) -> Iterator[Selection]:
    """A warehouse (the test class's `dialect`: "duckdb" or "postgres") selecting `streams`."""
    dialect = request.cls.dialect  # type: ignore[union-attr]
    with ExitStack() as stack:
        gh = stack.enter_context(two_orgs())
        project = MeltanoProject.create(meltano, gh, folders.mktemp(dialect))
        schema = None
        if dialect == "postgres":
            postgres_env = request.getfixturevalue("postgres_env")
            schema = stack.enter_context(postgres_schema(project, postgres_env))
        project.select(*streams)
        yield Selection(project, Warehouse(project, schema), gh, {})


def loaded_as(selected: tuple[str, ...]) -> dict[str, bool]:
    """`source_tables` when exactly these tables were ever loaded."""
    return {table: table in selected for table in TABLES}


def empty_models(build: dict[str, Any], selected: tuple[str, ...]) -> dict[str, int]:
    """Row counts of the models that need a table never selected (all should be 0)."""
    return {
        model: build["counts"][model]
        for table, models in MODELS_OF.items()
        if table not in selected
        for model in models
    }


def failed_dbt_nodes(build: dict[str, Any]) -> dict[str, str]:
    """The dbt nodes of the build that did not pass (its tests and models alike)."""
    return {
        node: status for node, status in build["dbt"].items() if status not in ("pass", "success")
    }


def dbt_tests(build: dict[str, Any]) -> int:
    return sum(1 for node in build["dbt"] if node.startswith("test."))
