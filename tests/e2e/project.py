"""The repository's Meltano project, isolated for one loaded warehouse, and SQL against it.

Each `MeltanoProject` has its own Meltano system database (state), system folder (Meltano
rewrites `.meltano/run/` on every run: parallel runs must not share it, so the folder links to
the installed plugin venvs), dbt target and log folders, DuckDB file, JSONL folder and, with
`use_postgres`, PostgreSQL schemas: projects on different pytest-xdist workers never meet.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.fake_github import (
    GOVERNANCE_PERMISSIONS,
    FakeGitHub,
    GovernanceOptions,
    generate_org,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO = Path(__file__).resolve().parents[2]
INSTALLED = REPO / ".meltano"  # `meltano install` puts the plugin venvs here
PLUGIN_DIRS = ("extractors", "loaders", "utilities")
LOADERS = INSTALLED / "loaders"
DUCKDB_PYTHON = LOADERS / "target-duckdb" / "venv" / "bin" / "python"  # has duckdb 1.2.2
POSTGRES_PYTHON = LOADERS / "target-postgres" / "venv" / "bin" / "python"  # has psycopg 3
QUERY = REPO / "demo" / "query.py"
RAW = "github_pat_grants"  # the loaders' schema (meltano.yml)
ANALYTICS = "github_pat_grants_analytics"  # the dbt models' schema (transform/profiles)
MELTANO_TIMEOUT = 900  # seconds; a run here takes ~10 s, `meltano install` minutes when cold
# Settings from the developer's shell must not leak into a test run.
_FOREIGN_PREFIXES = ("MELTANO_", "TAP_GITHUB_PAT_GRANTS_", "TARGET_DUCKDB_", "TARGET_POSTGRES_")
_FOREIGN_PREFIXES += ("TARGET_JSONL_", "DBT_")


def meltano_executable() -> str:
    """Meltano: $MELTANO_BIN, else the one installed beside this Python, else PATH."""
    beside = Path(sys.executable).parent / "meltano"
    found = os.environ.get("MELTANO_BIN") or (str(beside) if beside.exists() else None)
    found = found or shutil.which("meltano")
    if not found:
        pytest.fail("Meltano not found: pip install meltano==4.4.1 (or set MELTANO_BIN)")
    return found


def clean_environment() -> dict[str, str]:
    """This process's environment without any Meltano, tap, target or dbt setting."""
    return {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN_PREFIXES)}


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


@dataclass
class MeltanoProject:
    """The repository's Meltano project with its own state, warehouse, folders and settings."""

    meltano: str
    env: dict[str, str]
    folder: Path
    runs: list[Path] = field(default_factory=list)

    @classmethod
    def create(cls, meltano: str, gh: FakeGitHub, folder: Path) -> MeltanoProject:
        """A project against `gh` (every org of it), everything it writes under `folder`."""
        system = folder / "meltano-sys"
        system.mkdir(parents=True)
        for name in PLUGIN_DIRS:
            (system / name).symlink_to(INSTALLED / name, target_is_directory=True)
        env = clean_environment()
        env.update(
            {
                "MELTANO_ENVIRONMENT": "dev",
                "MELTANO_DATABASE_URI": f"sqlite:///{folder / 'meltano.db'}",
                "MELTANO_SYS_DIR_ROOT": str(system),
                "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
                "TAP_GITHUB_PAT_GRANTS_API_URL": gh.url,
                "TAP_GITHUB_PAT_GRANTS_APP_ID": gh.app_id,
                "TAP_GITHUB_PAT_GRANTS_PRIVATE_KEY": gh.private_key_pem,
                "TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS": json.dumps(sorted(gh.orgs)),
                "TARGET_DUCKDB_FILEPATH": str(folder / "warehouse.duckdb"),
                "TARGET_JSONL_DESTINATION_PATH": str(folder / "jsonl"),
                # dbt writes its manifest and compiled SQL here: one folder per project.
                "DBT_TARGET_PATH": str(folder / "dbt-target"),
                "DBT_LOG_PATH": str(folder / "dbt-logs"),
            }
        )
        return cls(meltano, env, folder)

    @property
    def duckdb_file(self) -> Path:
        """This project's DuckDB warehouse."""
        return Path(self.env["TARGET_DUCKDB_FILEPATH"])

    def select(self, *streams: str) -> None:
        """Select only these streams (Meltano's `select` extra, as `meltano select` sets it)."""
        self.env["TAP_GITHUB_PAT_GRANTS__SELECT"] = json.dumps([f"{s}.*" for s in streams])

    def organizations(self, *logins: str) -> None:
        """Read only these organizations from now on."""
        self.env["TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS"] = json.dumps(list(logins))

    def __call__(self, *args: str) -> str:
        """Run `meltano ARGS...`: its stdout on success (logs kept in a file), else a failure."""
        done, log = self._run(args)
        if done.returncode != 0:
            output = log.read_text(encoding="utf-8")
            pytest.fail(f"meltano {' '.join(args)} exited {done.returncode}:\n{tail(output)}")
        return done.stdout

    def fails(self, *args: str) -> str:
        """Run `meltano ARGS...` that must exit 1; its log (a test failure if it passed)."""
        done, log = self._run(args)
        output = log.read_text(encoding="utf-8")
        if done.returncode != 1:
            pytest.fail(
                f"meltano {' '.join(args)} exited {done.returncode}, not 1:\n{tail(output)}"
            )
        return output

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start `meltano ARGS...` in the background (the caller waits for it)."""
        with self._log().open("w", encoding="utf-8") as stderr:  # the child keeps its own
            return subprocess.Popen(
                [self.meltano, *args],
                cwd=REPO,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                text=True,
            )

    def _log(self) -> Path:
        log = self.folder / f"meltano-{len(self.runs) + 1}.log"
        self.runs.append(log)
        return log

    def _run(self, args: tuple[str, ...]) -> tuple[subprocess.CompletedProcess[str], Path]:
        log = self._log()
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

    def dbt_results(self) -> dict[str, str]:
        """The last dbt command's status per node (`run_results.json`), e.g. 'pass'."""
        results = json.loads((self.folder / "dbt-target" / "run_results.json").read_text())
        return {r["unique_id"]: r["status"] for r in results["results"]}


@dataclass
class Warehouse:
    """Where a project's loader writes (`raw`) and its dbt models land (`models`)."""

    project: MeltanoProject
    postgres_schema: str | None = None  # None: the project's DuckDB file

    @property
    def dialect(self) -> str:
        return "duckdb" if self.postgres_schema is None else "postgres"

    def raw(self, *statements: str) -> list[list[dict[str, Any]]]:
        """Each statement's rows, in the loader's schema."""
        return self._query(self.postgres_schema or RAW, statements)

    def models(self, *statements: str) -> list[list[dict[str, Any]]]:
        """Each statement's rows, in the dbt models' schema."""
        schema = ANALYTICS if self.postgres_schema is None else f"{self.postgres_schema}_analytics"
        return self._query(schema, statements)

    def _query(self, schema: str, statements: tuple[str, ...]) -> list[list[dict[str, Any]]]:
        if self.postgres_schema is None:
            results = sql(
                duckdb_file=self.project.duckdb_file, schema=schema, statements=statements
            )
        else:
            results = sql(postgres=True, schema=schema, statements=statements)
        return [rows(result) for result in results]


def use_postgres(project: MeltanoProject, postgres_env: dict[str, str]) -> str:
    """Point the project's target-postgres and dbt-postgres at a new schema; its name (dbt
    builds the models in `<schema>_analytics`)."""
    schema = f"e2e_{uuid.uuid4().hex[:12]}"
    project.env.update(postgres_env)
    project.env["TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA"] = schema
    project.env["DBT_POSTGRES_SOURCE_SCHEMA"] = schema  # the dbt-postgres settings (meltano.yml)
    project.env["DBT_POSTGRES_TARGET_SCHEMA"] = f"{schema}_analytics"
    return schema


@contextmanager
def postgres_schema(project: MeltanoProject, postgres_env: dict[str, str]) -> Iterator[str]:
    """`use_postgres` (a random name: the server is shared), the schemas dropped afterwards."""
    schema = use_postgres(project, postgres_env)
    try:
        yield schema
    finally:
        drops = [
            f"DROP SCHEMA IF EXISTS {name} CASCADE" for name in (schema, f"{schema}_analytics")
        ]
        sql(postgres=True, schema=schema, statements=drops)


# Issue 18's data, read only when its streams are selected: so few token owners (10 and 6) need
# larger shares than the defaults for some grant owners to have left and some to be owners.
GOVERNANCE = GovernanceOptions(left_share=0.3, owner_share=0.25)


@contextmanager
def two_orgs() -> Iterator[FakeGitHub]:
    """A fake GitHub with two small organizations (about a third of the grants `subset`), with
    members, SAML credential authorizations and audit events, and the App's permissions to read
    them (the tap asks for them only when their streams are selected)."""
    with FakeGitHub() as gh:
        for login, grants, requests in (("acme", 36, 5), ("globex", 24, 4)):
            org = generate_org(
                login, grants, n_requests=requests, seed=11, subset_fraction=0.35,
                governance=GOVERNANCE,
            )  # fmt: skip
            gh.add_org(org, permissions={**org.permissions, **GOVERNANCE_PERMISSIONS})
        yield gh


def sql(
    *,
    duckdb_file: Path | None = None,
    postgres: bool = False,
    schema: str = RAW,
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
        pytest.fail(f"query failed: {tail(done.stderr)}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One query result as a list of {column: value}."""
    return [dict(zip(result["columns"], row, strict=True)) for row in result["rows"]]
