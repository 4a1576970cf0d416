"""The repository's dbt project (`transform/`) as Dagster sees it: its manifest, its sources.

The raw tables are read from the manifest's sources named `github_pat_grants`, the names the
dbt models use: declaring a table in `transform/models/staging/_sources.yml` is what makes it
an asset, keyed `github_pat_grants/<table>` exactly as dagster-dbt keys the source, so the
lineage from each raw table to the models needs no glue. (A test checks that the sources and
the tap's streams are the same list.)

The manifest is made by `dbt parse`: here under `dagster dev` (so model changes show at
once) or when it is missing, and by `dagster-dbt project prepare-and-package` (scripts/test.sh,
the image), so a deployed code location never parses at start.
"""

from __future__ import annotations

import json
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource, DbtProject

RAW_SOURCE = "github_pat_grants"
# orchestration/dagster/pat_grants_dagster/ -> the repository (the Meltano project) by default.
REPOSITORY = Path(os.environ.get("PAT_GRANTS_PROJECT_DIR") or Path(__file__).resolve().parents[3])
TRANSFORM_DIR = REPOSITORY / "transform"

DBT_PROJECT = DbtProject(
    project_dir=TRANSFORM_DIR,
    profiles_dir=TRANSFORM_DIR / "profiles" / "postgres",
)


def dbt_executable() -> str:
    """The dbt of this (the code location's) environment, else the one on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else "dbt"


def prepare_manifest() -> None:
    """`dbt parse` into the project's target folder, with this environment's dbt.

    (DbtProject.prepare_if_dev does the same under `dagster dev`, but with whatever `dbt` is
    on PATH, which need not be this environment's.)
    """
    dbt = DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable())
    dbt.cli(["parse", "--quiet"], target_path=DBT_PROJECT.target_path).wait()


if os.environ.get("DAGSTER_IS_DEV_CLI") or not DBT_PROJECT.manifest_path.exists():
    prepare_manifest()


@cache
def manifest() -> dict[str, Any]:
    """The parsed project (`target/manifest.json`)."""
    loaded: dict[str, Any] = json.loads(DBT_PROJECT.manifest_path.read_text(encoding="utf-8"))
    return loaded


def raw_tables() -> dict[str, str]:
    """The tap's tables as the dbt sources name them: {table: description}, in source order."""
    return {
        source["name"]: source.get("description") or ""
        for source in manifest()["sources"].values()
        if source["source_name"] == RAW_SOURCE
    }
