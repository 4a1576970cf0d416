"""Fixtures for the Dagster code location: a fake GitHub with a little latency, real PostgreSQL
(a fresh system database and target schema per session), a Dagster instance on disk, and
worker processes that execute the definitions' runs in-process, real `meltano run`s inside.

These tests need the Dagster venv (`.tools/dagster`, see scripts/test.sh); under the tap's own
venv they are not collected. The retry policy is read when the definitions are imported, so it
is set here, before anything imports them.
"""

from __future__ import annotations

import importlib.util
import json
import multiprocessing
import os
import shutil
import subprocess
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if importlib.util.find_spec("dagster") is None:  # the tap's venv: nothing here can run
    collect_ignore_glob = ["test_*.py"]

os.environ["PAT_GRANTS_ORG_RETRIES"] = "1"
os.environ["PAT_GRANTS_ORG_RETRY_DELAY_SECONDS"] = "1"

from tests.fake_github import FakeGitHub, generate_org

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO = Path(__file__).resolve().parents[2]
LATENCY_SECONDS = 0.02
# Small organizations, half the grants `subset` (one request each); org-d is never loaded here.
ORGS = {"org-a": 60, "org-b": 40, "org-c": 50, "org-d": 10}
SEED = 13
# What the tests' environment must not inherit from the shell (the e2e tests' rule too).
_FOREIGN_PREFIXES = ("MELTANO_", "TAP_GITHUB_PAT_GRANTS_", "TARGET_", "DBT_", "DAGSTER_")


def clean_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """An environment (this process's) without any Meltano, tap, target, dbt or Dagster setting.

    PAT_GRANTS_* stay: the retry policy above.
    """
    found = os.environ if environ is None else environ
    return {k: v for k, v in found.items() if not k.startswith(_FOREIGN_PREFIXES)}


def meltano_executable() -> str:
    """Meltano: $MELTANO_BIN, else scripts/test.sh's .tools/meltano, else PATH."""
    tools = REPO / ".tools" / "meltano" / "bin" / "meltano"
    found = os.environ.get("MELTANO_BIN") or (str(tools) if tools.exists() else None)
    found = found or shutil.which("meltano")
    if not found:
        pytest.fail("Meltano not found: bash scripts/test.sh installs it (or set MELTANO_BIN)")
    return found


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
    """`meltano install`, unless its plugin venvs are there (scripts/test.sh made them)."""
    meltano = meltano_executable()
    plugins = ("extractors/tap-github-pat-grants", "loaders/target-postgres")
    if all((REPO / ".meltano" / plugin / "venv").is_dir() for plugin in plugins):
        return meltano
    env = clean_environment()
    env["MELTANO_DATABASE_URI"] = f"sqlite:///{tmp_path_factory.mktemp('install') / 'm.db'}"
    done = subprocess.run(
        [meltano, "install"], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return meltano


class Warehouse:
    """This session's PostgreSQL: a system database (state, locks) and a target schema."""

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
        """The Singer state Meltano holds under `state_id` (completed, else partial)."""
        with self.connect(self.system_db) as connection:
            found = connection.execute(
                "select partial_state, completed_state from state where state_id = %s",
                (state_id,),
            ).fetchall()
        if not found:
            return {}
        ((partial, completed),) = found
        chosen = completed or partial
        chosen = chosen if isinstance(chosen, dict) else json.loads(chosen or "{}")
        return chosen.get("singer_state", chosen)


@pytest.fixture(scope="session")
def warehouse(postgres_server: dict[str, str]) -> Iterator[Warehouse]:
    house = Warehouse(postgres_server)
    with house.connect() as connection:
        connection.execute(f"create database {house.system_db}")
    yield house
    with house.connect() as connection:
        connection.execute(f"drop schema if exists {house.schema} cascade")
        connection.execute(f"drop schema if exists {house.models} cascade")
        connection.execute(f"drop database if exists {house.system_db} with (force)")


@pytest.fixture(scope="session")
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(latency_seconds=LATENCY_SECONDS) as gh:
        for login, grants in ORGS.items():
            gh.add_org(generate_org(login, grants, n_requests=3, seed=SEED, subset_fraction=0.5))
        yield gh


@pytest.fixture(scope="session")
def pipeline_env(
    github: FakeGitHub,
    warehouse: Warehouse,
    meltano_installed: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, str]]:
    """The environment a deployment would give the code location, pointed at the fakes."""
    home = tmp_path_factory.mktemp("dagster-home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    env = {
        **warehouse.server,
        "DAGSTER_HOME": str(home),
        "MELTANO_BIN": meltano_installed,
        "MELTANO_DATABASE_URI": warehouse.system_url,
        "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": warehouse.schema,
        "DBT_SOURCE_SCHEMA": warehouse.schema,
        "DBT_TARGET_SCHEMA": warehouse.models,
        "TAP_GITHUB_PAT_GRANTS_API_URL": github.url,
        "TAP_GITHUB_PAT_GRANTS_APP_ID": github.app_id,
        "TAP_GITHUB_PAT_GRANTS_PRIVATE_KEY": github.private_key_pem,
        "TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS": json.dumps(["org-a", "org-b", "org-c"]),
    }
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({**clean_environment(saved), **env})
    try:
        yield env
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def instance(pipeline_env: dict[str, str]) -> Iterator[Any]:
    """The Dagster instance every run of the session writes to (DAGSTER_HOME, on disk)."""
    from dagster import DagsterInstance

    with DagsterInstance.get() as dagster:
        yield dagster


@pytest.fixture(scope="session")
def defs(pipeline_env: dict[str, str]) -> Any:
    """The code location, imported once the environment is the deployment's."""
    from pat_grants_dagster.definitions import defs as loaded

    return loaded


@pytest.fixture(scope="session")
def workers(pipeline_env: dict[str, str]) -> Iterator[ProcessPoolExecutor]:
    """Processes that execute runs as a run worker would: a Dagster run per call, in-process.

    Dagster runs in threads of one process share its logging setup and deadlock, so concurrent
    runs (organizations loading at once) each get a process; spawned after the environment is
    set, each imports the code location once.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=3, mp_context=context) as pool:
        yield pool


def pytest_configure(config: pytest.Config) -> None:
    # dagster-dbt 0.29 requires sqlglot[rs], whose sqlglotrs warns on import that it is
    # deprecated (sqlglot itself prefers sqlglotc, installed too): not ours to fix.
    config.addinivalue_line("filterwarnings", "ignore:sqlglotrs is deprecated:DeprecationWarning")
