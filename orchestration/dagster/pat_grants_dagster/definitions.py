"""The code location: `dagster dev -m pat_grants_dagster.definitions` (see orchestration/dagster).

Settings come from the environment, secrets included (never from Dagster config, which the UI
shows and the run storage keeps): the tap's `TAP_GITHUB_PAT_GRANTS_*`, the loader's `PG*` and
`TARGET_POSTGRES_*`, and `MELTANO_DATABASE_URI` (Meltano's system database on PostgreSQL).
"""

from __future__ import annotations

import os
from pathlib import Path

from dagster import (
    Definitions,
    EnvVar,
    ExecutorDefinition,
    ScheduleDefinition,
    job,
    multiprocess_executor,
)

from pat_grants_dagster.jobs import default_run_config, pipeline
from pat_grants_dagster.meltano import MeltanoProject

# orchestration/dagster/pat_grants_dagster/ -> the repository (the Meltano project) by default.
REPOSITORY = Path(__file__).resolve().parents[3]

meltano = MeltanoProject(
    project_dir=os.environ.get("PAT_GRANTS_PROJECT_DIR", str(REPOSITORY)),
    meltano_bin=os.environ.get("MELTANO_BIN", "meltano"),
    database_url=EnvVar("MELTANO_DATABASE_URI"),
    environment=os.environ.get("MELTANO_ENVIRONMENT", "dev"),
    dbt_utility=os.environ.get("PAT_GRANTS_DBT_UTILITY", "dbt-postgres"),
    lock_wait_seconds=float(os.environ.get("PAT_GRANTS_LOCK_WAIT_SECONDS", "300")),
)


def _executor() -> ExecutorDefinition:
    """One process per organization's step here; one pod per step on Kubernetes."""
    if os.environ.get("PAT_GRANTS_EXECUTOR") == "k8s":
        from dagster_k8s import k8s_job_executor  # noqa: PLC0415 (only in the k8s image)

        return k8s_job_executor  # type: ignore[no-any-return]  # untyped without the extra
    return multiprocess_executor


@job(
    executor_def=_executor(),
    resource_defs={"meltano": meltano},
    config=default_run_config(),
    tags={"pipeline": "tap-github-pat-grants"},
)
def pat_grants() -> None:
    """Every organization into PostgreSQL, each by its own `meltano run`, then dbt."""
    pipeline()


daily = ScheduleDefinition(
    name="pat_grants_daily", job=pat_grants, cron_schedule="0 3 * * 1-6", execution_timezone="UTC"
)
# Once a week every organization is read whole: what incremental runs cannot see (revocations,
# idle grants' changes) reaches the per-org current-state models.
weekly_full_refresh = ScheduleDefinition(
    name="pat_grants_weekly_full_refresh",
    job=pat_grants,
    cron_schedule="0 3 * * 0",
    execution_timezone="UTC",
    run_config={"ops": {"organizations": {"config": {"full_refresh": ["*"]}}}},
)

defs = Definitions(jobs=[pat_grants], schedules=[daily, weekly_full_refresh])
