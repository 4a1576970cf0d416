"""End-to-end fixtures: the repository's Meltano project, isolated per test, against a fake GitHub.

Each test gets its own Meltano system database (so its own state), its own DuckDB file and
JSONL folder, and its own PostgreSQL schema; the plugins are installed once per session into the
project's `.meltano/` (gitignored; `meltano install` reuses what is already there).
Meltano itself is found as $MELTANO_BIN, beside this Python, or on PATH (`pip install
meltano==4.4.1`). The PostgreSQL tests need the PG* variables (`eval "$(bash .ci/postgres.sh)"`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.fake_github import FakeGitHub, generate_org

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.fake_github import LoggedRequest

REPO = Path(__file__).resolve().parents[2]
LOADERS = REPO / ".meltano" / "loaders"
DUCKDB_PYTHON = LOADERS / "target-duckdb" / "venv" / "bin" / "python"  # has duckdb 1.2.2
POSTGRES_PYTHON = LOADERS / "target-postgres" / "venv" / "bin" / "python"  # has psycopg 3
QUERY = REPO / "demo" / "query.py"
ANALYTICS = "github_pat_grants_analytics"  # the dbt models' schema (transform/profiles)
MELTANO_TIMEOUT = 900  # seconds; a run here takes ~10 s, `meltano install` minutes when cold
# Settings from the developer's shell must not leak into a test run.
_FOREIGN_PREFIXES = ("MELTANO_", "TAP_GITHUB_PAT_GRANTS_", "TARGET_DUCKDB_", "TARGET_POSTGRES_")
_FOREIGN_PREFIXES += ("TARGET_JSONL_", "DBT_")
GRANTS_PATH = "/orgs/{}/personal-access-tokens"


def meltano_executable() -> str:
    """Meltano: $MELTANO_BIN, else the one installed beside this Python, else PATH."""
    beside = Path(sys.executable).parent / "meltano"
    found = os.environ.get("MELTANO_BIN") or (str(beside) if beside.exists() else None)
    found = found or shutil.which("meltano")
    if not found:
        pytest.fail("Meltano not found: pip install meltano==4.4.1 (or set MELTANO_BIN)")
    return found


def clean_environment() -> dict[str, str]:
    """This process's environment without any Meltano, tap or target setting."""
    return {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN_PREFIXES)}


@pytest.fixture(scope="session")
def meltano_installed(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Install every plugin of meltano.yml once per session (cached in `.meltano/`)."""
    meltano = meltano_executable()
    env = clean_environment()
    system_db = tmp_path_factory.mktemp("meltano-install") / "meltano.db"
    env["MELTANO_DATABASE_URI"] = f"sqlite:///{system_db}"
    done = subprocess.run(
        [meltano, "install"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=MELTANO_TIMEOUT * 2,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"meltano install failed:\n{_tail(done.stdout + done.stderr)}")
    return meltano


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


# The data of `demo/run.sh` (python -m tests.fake_github --org acme=300 --org globex=250
# --requests 40 --seed 1): parametrize a test with `indirect=["fake_github"]` and "demo".
DEMO_ORGS = {"acme": 300, "globex": 250}
DEMO_REQUESTS = 40
DEMO_SEED = 1


@pytest.fixture
def fake_github(request: pytest.FixtureRequest) -> Iterator[FakeGitHub]:
    """Two small organizations (a third of the grants `subset`), or the demo's ("demo")."""
    with FakeGitHub() as gh:
        param = getattr(request, "param", None)
        if param == "demo":
            for login, n_grants in DEMO_ORGS.items():
                gh.add_org(generate_org(login, n_grants, n_requests=DEMO_REQUESTS, seed=DEMO_SEED))
        elif param == "four_pages":  # one org whose grants take 4 pages (350 grants)
            gh.add_org(generate_org("acme", 350, n_requests=5, seed=11, subset_fraction=0.2))
        else:
            gh.add_org(generate_org("acme", 36, n_requests=5, seed=11, subset_fraction=0.35))
            gh.add_org(generate_org("globex", 24, n_requests=4, seed=11, subset_fraction=0.35))
        yield gh


@dataclass
class MeltanoProject:
    """The repository's Meltano project with this test's own state, warehouse and settings."""

    meltano: str
    env: dict[str, str]
    logs: Path
    runs: list[Path] = field(default_factory=list)

    @property
    def duckdb_file(self) -> Path:
        """This test's DuckDB warehouse."""
        return Path(self.env["TARGET_DUCKDB_FILEPATH"])

    def __call__(self, *args: str) -> str:
        """Run `meltano ARGS...`: its stdout on success (logs kept in a file), else a failure."""
        done, log = self._run(args)
        if done.returncode != 0:
            output = log.read_text(encoding="utf-8")
            pytest.fail(f"meltano {' '.join(args)} exited {done.returncode}:\n{_tail(output)}")
        return done.stdout

    def fails(self, *args: str) -> str:
        """Run `meltano ARGS...` that must exit 1; its log (a test failure if it passed)."""
        done, log = self._run(args)
        output = log.read_text(encoding="utf-8")
        if done.returncode != 1:
            pytest.fail(
                f"meltano {' '.join(args)} exited {done.returncode}, not 1:\n{_tail(output)}"
            )
        return output

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start `meltano ARGS...` in the background (the caller waits for it)."""
        log = self.logs / f"meltano-{len(self.runs) + 1}.log"
        self.runs.append(log)
        with log.open("w", encoding="utf-8") as stderr:  # the child keeps its own descriptor
            return subprocess.Popen(
                [self.meltano, *args],
                cwd=REPO,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                text=True,
            )

    def _run(self, args: tuple[str, ...]) -> tuple[subprocess.CompletedProcess[str], Path]:
        log = self.logs / f"meltano-{len(self.runs) + 1}.log"
        self.runs.append(log)
        with log.open("w", encoding="utf-8") as stderr:
            done = subprocess.run(
                [self.meltano, *args],
                cwd=REPO,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                timeout=MELTANO_TIMEOUT,
                check=False,
            )
        return done, log

    def state(self, state_id: str) -> dict[str, Any]:
        """The Singer state Meltano saved under that state id."""
        return json.loads(self("state", "get", state_id))  # type: ignore[no-any-return]


@pytest.fixture
def meltano(meltano_installed: str, fake_github: FakeGitHub, tmp_path: Path) -> MeltanoProject:
    """`meltano(...)` runs against `fake_github` with state, warehouse and logs in tmp_path."""
    env = clean_environment()
    env.update(
        {
            "MELTANO_ENVIRONMENT": "dev",
            "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}",
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "TAP_GITHUB_PAT_GRANTS_API_URL": fake_github.url,
            "TAP_GITHUB_PAT_GRANTS_APP_ID": fake_github.app_id,
            "TAP_GITHUB_PAT_GRANTS_PRIVATE_KEY": fake_github.private_key_pem,
            "TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS": json.dumps(sorted(fake_github.orgs)),
            "TARGET_DUCKDB_FILEPATH": str(tmp_path / "warehouse.duckdb"),
            "TARGET_JSONL_DESTINATION_PATH": str(tmp_path / "jsonl"),
        }
    )
    return MeltanoProject(meltano_installed, env, tmp_path)


@pytest.fixture(scope="session")
def postgres_env() -> dict[str, str]:
    """The PG* variables of a reachable server, or a skip saying how to get one."""
    names = ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE")
    if not all(os.environ.get(name) for name in names):
        pytest.skip('needs PostgreSQL: eval "$(bash .ci/postgres.sh)" first')
    return {name: os.environ[name] for name in (*names, "PGPASSWORD") if name in os.environ}


@pytest.fixture
def postgres_schema(meltano: MeltanoProject, postgres_env: dict[str, str]) -> Iterator[str]:
    """A fresh target schema for this test (dropped afterwards), set on `meltano`; dbt reads it
    and builds its models in `<schema>_analytics`."""
    schema = f"e2e_{uuid.uuid4().hex[:12]}"
    meltano.env.update(postgres_env)
    meltano.env["TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA"] = schema
    meltano.env["DBT_POSTGRES_SOURCE_SCHEMA"] = schema  # the dbt-postgres settings (meltano.yml)
    meltano.env["DBT_POSTGRES_TARGET_SCHEMA"] = f"{schema}_analytics"
    yield schema
    drops = [f"DROP SCHEMA IF EXISTS {name} CASCADE" for name in (schema, f"{schema}_analytics")]
    sql(postgres=True, schema=schema, statements=drops)


def sql(
    *,
    duckdb_file: Path | None = None,
    postgres: bool = False,
    schema: str = "github_pat_grants",
    statements: tuple[str, ...] | list[str] = (),
    files: tuple[Path, ...] | list[Path] = (),
) -> list[dict[str, Any]]:
    """Run statements/files through `demo/query.py` in the loader's own venv; JSON results."""
    if duckdb_file is not None:
        command = [str(DUCKDB_PYTHON), str(QUERY), "--duckdb", str(duckdb_file)]
    elif postgres:
        command = [str(POSTGRES_PYTHON), str(QUERY), "--postgres"]
    else:
        msg = "sql() needs duckdb_file or postgres=True"
        raise ValueError(msg)
    command += ["--json", "--schema", schema]
    for statement in statements:
        command += ["--sql", statement]
    command += [str(path) for path in files]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        pytest.fail(f"query failed: {_tail(done.stderr)}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One query result as a list of {column: value}."""
    return [dict(zip(result["columns"], row, strict=True)) for row in result["rows"]]


def grant_listings(gh: FakeGitHub) -> list[LoggedRequest]:
    """The logged requests that listed an organization's grants."""
    paths = {GRANTS_PATH.format(login) for login in (org.login for org in gh.orgs.values())}
    return [entry for entry in gh.requests_log if entry.path in paths]


def repository_listings(gh: FakeGitHub) -> list[LoggedRequest]:
    """The logged requests that listed a grant's repositories."""
    return [
        entry
        for entry in gh.requests_log
        if entry.path.endswith("/repositories") and "/personal-access-tokens/" in entry.path
    ]
