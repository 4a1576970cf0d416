"""Fixtures for the Dagster code location: six organizations on a fake GitHub with latency,
real PostgreSQL (a fresh system database and target schema per module), real `meltano run`s.

These tests need the Dagster venv (`.tools/dagster`, see scripts/test.sh); under the tap's own
venv they are not collected. The retry policy is read when the definitions are imported, so it
is set here, before anything imports them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if importlib.util.find_spec("dagster") is None:  # the tap's venv: nothing here can run
    collect_ignore_glob = ["test_*.py"]

os.environ["PAT_GRANTS_ORG_RETRIES"] = "1"
os.environ["PAT_GRANTS_ORG_RETRY_DELAY_SECONDS"] = "1"

from tests.e2e.conftest import clean_environment, meltano_executable
from tests.fake_github import FakeGitHub, generate_org

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO = Path(__file__).resolve().parents[2]
LATENCY_SECONDS = 0.1
# Six organizations; half the grants `subset` (one request each): latency dominates a load.
ORGS = {"org-a": 420, "org-b": 330, "org-c": 380, "org-d": 300, "org-e": 360, "org-f": 240}
SEED = 13
# Wall times and requests per org, filled by test_pipeline; printed at the end of the session.
MEASURED: dict[str, float] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if MEASURED:
        terminalreporter.section("Dagster pipeline, measured")
        for name, value in MEASURED.items():
            terminalreporter.write_line(
                f"{name}: {value:.1f}" if isinstance(value, float) else f"{name}: {value}"
            )


@pytest.fixture(scope="session")
def postgres_server() -> dict[str, str]:
    names = ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE")
    if not all(os.environ.get(name) for name in names):
        pytest.fail('needs PostgreSQL: eval "$(bash .ci/postgres.sh)" first')
    return {name: os.environ[name] for name in names}


@pytest.fixture(scope="session")
def meltano_installed(
    postgres_server: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> str:
    """`meltano install` once (plugin venvs under .meltano/, reused when already there)."""
    import subprocess

    meltano = meltano_executable()
    env = clean_environment()
    env["MELTANO_DATABASE_URI"] = f"sqlite:///{tmp_path_factory.mktemp('install') / 'm.db'}"
    done = subprocess.run(
        [meltano, "install"], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return meltano


class Warehouse:
    """This module's PostgreSQL: a system database (state, locks) and a target schema."""

    def __init__(self, server: dict[str, str]) -> None:
        self.server = server
        suffix = uuid.uuid4().hex[:10]
        self.system_db = f"dagster_state_{suffix}"
        self.schema = f"dagster_{suffix}"
        self.models = f"{self.schema}_analytics"  # dbt's models and snapshots
        self.system_url = (
            f"postgresql+psycopg://{server['PGUSER']}:{server['PGPASSWORD']}"
            f"@{server['PGHOST']}:{server['PGPORT']}/{self.system_db}"
        )

    def connect(self, database: str | None = None) -> Any:
        import psycopg

        return psycopg.connect(
            host=self.server["PGHOST"],
            port=self.server["PGPORT"],
            user=self.server["PGUSER"],
            password=self.server["PGPASSWORD"],
            dbname=database or self.server["PGDATABASE"],
            autocommit=True,
        )

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of `sql`, `{schema}` the loader's schema and `{models}` dbt's."""
        with self.connect() as connection:
            text = sql.format(schema=self.schema, models=self.models)
            return connection.execute(text, params).fetchall()

    def state(self, state_id: str) -> dict[str, Any]:
        with self.connect(self.system_db) as connection:
            (found,) = connection.execute(
                "select partial_state, completed_state from state where state_id = %s",
                (state_id,),
            ).fetchall()
        completed = found[1] if isinstance(found[1], dict) else json.loads(found[1] or "{}")
        return completed.get("singer_state", completed)


@pytest.fixture(scope="module")
def warehouse(postgres_server: dict[str, str]) -> Iterator[Warehouse]:
    house = Warehouse(postgres_server)
    with house.connect() as connection:
        connection.execute(f"create database {house.system_db}")
    yield house
    with house.connect() as connection:
        connection.execute(f"drop schema if exists {house.schema} cascade")
        connection.execute(f"drop schema if exists {house.models} cascade")
        connection.execute(f"drop database if exists {house.system_db} with (force)")


@pytest.fixture(scope="module")
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(latency_seconds=LATENCY_SECONDS) as gh:
        for login, grants in ORGS.items():
            gh.add_org(generate_org(login, grants, n_requests=3, seed=SEED, subset_fraction=0.5))
        yield gh


@pytest.fixture(scope="module")
def pipeline_env(
    github: FakeGitHub, warehouse: Warehouse, meltano_installed: str
) -> Iterator[dict[str, str]]:
    """The environment a deployment would give the code location, pointed at the fakes."""
    env = {
        **warehouse.server,
        "MELTANO_BIN": meltano_installed,
        "MELTANO_DATABASE_URI": warehouse.system_url,
        "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": warehouse.schema,
        "DBT_POSTGRES_SOURCE_SCHEMA": warehouse.schema,
        "DBT_POSTGRES_TARGET_SCHEMA": warehouse.models,
        "TAP_GITHUB_PAT_GRANTS_API_URL": github.url,
        "TAP_GITHUB_PAT_GRANTS_APP_ID": github.app_id,
        "TAP_GITHUB_PAT_GRANTS_PRIVATE_KEY": github.private_key_pem,
        "TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS": json.dumps(list(ORGS)),
    }
    saved = dict(os.environ)
    clean = clean_environment()  # keeps PAT_GRANTS_* (the retry policy above)
    os.environ.clear()
    os.environ.update({**clean, **env})
    try:
        yield env
    finally:
        os.environ.clear()
        os.environ.update(saved)
