"""When things run: a daily incremental and a weekly full load of every organization, then dbt.

Both schedules request one run per organization partition of the job `load_organizations`
(the weekly one tagged as a full refresh), so each organization fails, retries and re-runs on
its own; the pool `github_org_loads` bounds how many load at once. The dbt models follow by
themselves (`dbt_after_loads`, see dbt_assets.AFTER_LOADS): one build once the batch is done.
"""

# No `from __future__ import annotations`: Dagster reads these annotations at run time.

from collections.abc import Sequence

from dagster import (
    AssetSelection,
    AutomationConditionSensorDefinition,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    define_asset_job,
    schedule,
)

from pat_grants_dagster.dbt_assets import github_pat_grants_dbt
from pat_grants_dagster.organizations import ORGANIZATIONS_NAME
from pat_grants_dagster.raw_tables import FULL_REFRESH_TAG, load_organization

LOAD_JOB = define_asset_job(
    "load_organizations",
    selection=AssetSelection.assets(load_organization),
    description="One organization's tables, by its own `meltano run` (one run per partition).",
)


def organizations_schedule(name: str, cron: str, *, full_refresh: bool) -> ScheduleDefinition:
    """A schedule that loads every organization partition, each in a run of its own."""
    kind = "full" if full_refresh else "incremental"

    @schedule(
        name=name,
        job=LOAD_JOB,
        cron_schedule=cron,
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING,
        description=f"A {kind} load of every organization partition.",
    )
    def every_organization(context: ScheduleEvaluationContext) -> Sequence[RunRequest] | SkipReason:
        orgs = context.instance.get_dynamic_partitions(ORGANIZATIONS_NAME)
        if not orgs:
            return SkipReason("no organization yet: the sensor organization_partitions adds them")
        tags = {FULL_REFRESH_TAG: "true"} if full_refresh else {}
        return [RunRequest(run_key=org, partition_key=org, tags=tags) for org in orgs]

    return every_organization


daily = organizations_schedule("pat_grants_daily", "0 3 * * 1-6", full_refresh=False)
# Once a week every organization is read whole: what incremental runs cannot see (revocations,
# idle grants' changes) reaches the per-org current-state models.
weekly_full_refresh = organizations_schedule(
    "pat_grants_weekly_full_refresh", "0 3 * * 0", full_refresh=True
)

dbt_after_loads = AutomationConditionSensorDefinition(
    "dbt_after_loads",
    target=AssetSelection.assets(github_pat_grants_dbt),
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description="Builds the dbt models once no organization's load is queued or running.",
)
