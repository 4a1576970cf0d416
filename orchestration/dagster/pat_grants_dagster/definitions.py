"""The code location: `dagster dev -m pat_grants_dagster.definitions` (see orchestration/dagster).

Settings come from the environment, secrets included (never from Dagster config, which the UI
shows and the run storage keeps): the tap's `TAP_GITHUB_PAT_GRANTS_*`, the loader's `PG*` and
`TARGET_POSTGRES_*`, dbt's `DBT_SOURCE_SCHEMA` / `DBT_TARGET_SCHEMA`, and `MELTANO_DATABASE_URI`
(Meltano's system database on PostgreSQL: state and locks).
"""

from __future__ import annotations

import os

from dagster import Definitions, EnvVar, PipesSubprocessClient
from dagster_dbt import DbtCliResource

from pat_grants_dagster.automation import LOAD_JOB, daily, dbt_after_loads, weekly_full_refresh
from pat_grants_dagster.dbt_assets import github_pat_grants_dbt
from pat_grants_dagster.dbt_project import DBT_PROJECT, REPOSITORY, dbt_executable
from pat_grants_dagster.meltano_project import MELTANO_BIN, MELTANO_ENVIRONMENT, MeltanoProject
from pat_grants_dagster.partition_sensor import organization_partitions
from pat_grants_dagster.raw_tables import UNLOADED_TABLES, load_organization

meltano = MeltanoProject(
    project_dir=str(REPOSITORY),
    meltano_bin=MELTANO_BIN,
    database_url=EnvVar("MELTANO_DATABASE_URI"),
    environment=MELTANO_ENVIRONMENT,
    loader_schema=os.environ.get("TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA", "github_pat_grants"),
    lock_wait_seconds=float(os.environ.get("PAT_GRANTS_LOCK_WAIT_SECONDS", "300")),
)

defs = Definitions(
    assets=[load_organization, *UNLOADED_TABLES, github_pat_grants_dbt],
    jobs=[LOAD_JOB],
    schedules=[daily, weekly_full_refresh],
    sensors=[organization_partitions, dbt_after_loads],
    resources={
        "meltano": meltano,
        "pipes_subprocess_client": PipesSubprocessClient(),
        "dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable()),
    },
)
