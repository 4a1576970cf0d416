"""The front door: a fresh `git clone`, `meltano install`, then the README's command.

Run from a clone of HEAD (commit first), not from the working tree, so nothing that is only on
this machine (`output/`, `.meltano/`, a built `transform/target/`) can make it pass.
"""

from __future__ import annotations

import json
import subprocess
import time
from typing import TYPE_CHECKING

import pytest

from tests.e2e.expected import row_counts
from tests.e2e.project import (
    ANALYTICS,
    MELTANO_TIMEOUT,
    REPO,
    clean_environment,
    meltano_executable,
    rows,
)

if TYPE_CHECKING:
    from pathlib import Path

    from tests.fake_github import FakeGitHub

pytestmark = pytest.mark.e2e


def _run(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> float:
    """Run one command to success in the clone; its seconds."""
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=MELTANO_TIMEOUT * 2,
            check=False,
        )
    if done.returncode != 0:
        tail = "\n".join(log.read_text(encoding="utf-8").splitlines()[-40:])
        pytest.fail(f"{' '.join(command[:3])} exited {done.returncode} in the clone:\n{tail}")
    return time.monotonic() - started


def test_fresh_clone_installs_loads_and_builds(fake_github: FakeGitHub, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True, timeout=120)
    assert (clone / "output").is_dir(), "output/ must exist in a clone (target-duckdb needs it)"
    meltano = meltano_executable()
    env = clean_environment()
    env.update(
        {
            "TAP_GITHUB_PAT_GRANTS_API_URL": fake_github.url,
            "TAP_GITHUB_PAT_GRANTS_APP_ID": fake_github.app_id,
            "TAP_GITHUB_PAT_GRANTS_PRIVATE_KEY": fake_github.private_key_pem,
            "TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS": json.dumps(sorted(fake_github.orgs)),
        }
    )
    # The plugins of the command (scripts/test.sh installs them all, in CI's own fresh clone).
    plugins = ("tap-github-pat-grants", "target-duckdb", "dbt-duckdb")
    install = _run([meltano, "install", *plugins], clone, env, tmp_path / "install.log")
    command = [meltano, "run", "tap-github-pat-grants", "target-duckdb", "dbt-duckdb:build"]
    pipeline = _run(command, clone, env, tmp_path / "run.log")

    warehouse = clone / "output" / "warehouse.duckdb"
    reader = clone / ".meltano/loaders/target-duckdb/venv/bin/python"
    counted = subprocess.run(
        [
            *(str(reader), str(clone / "demo/query.py"), "--duckdb", str(warehouse), "--json"),
            *("--schema", ANALYTICS, "--sql", "select count(*) as n from current_grants"),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    (result,) = json.loads(counted.stdout)
    assert rows(result) == [{"n": row_counts(fake_github)["pat_grants"]}]
    print(f"fresh clone: meltano install {install:.0f} s, run + dbt build {pipeline:.0f} s")
