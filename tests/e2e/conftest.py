"""End-to-end fixtures: the repository's Meltano project against a fake GitHub, parallel-safe.

The plugins are installed once per test run (`meltano install` under a file lock shared by the
pytest-xdist workers; `scripts/test.sh` has installed them already, so this is a quick check).
Each loaded warehouse is a `MeltanoProject` of its own (tests/e2e/project.py): own state, system
folder, dbt target, DuckDB file and PostgreSQL schemas, and its own fake GitHub on port 0.
A module (or class) loads its warehouse once (a module- or class-scoped fixture) and its tests
assert on it: run with `-n 2 --dist loadscope`, so each module or class, and so each warehouse,
belongs to one worker (plain `--dist load` would load it on both; `loadgroup` groups nothing
under pytest 9.2, which ignores the node id xdist 3.8 rewrites). Meltano is found as
$MELTANO_BIN, beside this Python, or on PATH; the PostgreSQL tests need the PG* variables
(`eval "$(bash .ci/postgres.sh)"`).
"""

from __future__ import annotations

import fcntl
import os
import subprocess
from typing import TYPE_CHECKING

import pytest

# clean_environment and meltano_executable are imported from here by tests/dagster too.
from tests.e2e.project import (
    MELTANO_TIMEOUT,
    REPO,
    MeltanoProject,
    clean_environment,
    meltano_executable,
    tail,
    two_orgs,
)
from tests.e2e.selections import Selection, loaded_selection

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.fake_github import FakeGitHub, LoggedRequest

GRANTS_PATH = "/orgs/{}/personal-access-tokens"


@pytest.fixture(scope="session")
def meltano_installed(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Every plugin of meltano.yml installed (`.meltano/`), once per test run for all workers."""
    meltano = meltano_executable()
    basetemp = tmp_path_factory.getbasetemp()
    # Under xdist every worker's basetemp is a folder of the run's own: share its parent.
    run_folder = basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp
    done_marker = run_folder / "meltano-installed"
    with (run_folder / "meltano-install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other workers wait here, then see the marker
        if not done_marker.exists():
            env = clean_environment()
            env["MELTANO_DATABASE_URI"] = f"sqlite:///{run_folder / 'meltano-install.db'}"
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
                pytest.fail(f"meltano install failed:\n{tail(done.stdout + done.stderr)}")
            done_marker.touch()
    return meltano


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    """`two_orgs()` for one test."""
    with two_orgs() as gh:
        yield gh


@pytest.fixture
def meltano(meltano_installed: str, fake_github: FakeGitHub, tmp_path: Path) -> MeltanoProject:
    """`meltano(...)` runs against `fake_github` with state, warehouse and logs in tmp_path."""
    return MeltanoProject.create(meltano_installed, fake_github, tmp_path)


@pytest.fixture(scope="session")
def postgres_env() -> dict[str, str]:
    """The PG* variables of a reachable server, or a skip saying how to get one."""
    names = ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE")
    if not all(os.environ.get(name) for name in names):
        pytest.skip('needs PostgreSQL: eval "$(bash .ci/postgres.sh)" first')
    return {name: os.environ[name] for name in (*names, "PGPASSWORD") if name in os.environ}


@pytest.fixture(scope="class")
def warehouse(
    request: pytest.FixtureRequest,
    meltano_installed: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Selection]:
    """A test class's warehouse (tests/e2e/selections.py): in its `dialect`, with its `selected`
    streams, loaded and built by its `load`, once for all the class's tests."""
    selected = request.cls.selected  # type: ignore[union-attr]
    with loaded_selection(request, meltano_installed, tmp_path_factory, *selected) as selection:
        request.cls.load(selection)  # type: ignore[union-attr]
        yield selection


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
