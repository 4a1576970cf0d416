"""The tap's tables as assets: one per table, one partition per organization.

Materializing a partition is that organization's own `meltano run`, started through Dagster
Pipes (`org_load.py`): one run writes every selected table of one organization, so the tables
are one multi-asset that cannot be split. Its assets are the dbt sources whose streams the
Meltano project selects (`meltano_selection.py`); the source of a stream not selected (issue
18's, by default) stays in the graph as an asset no load writes, never reported materialized.
A full refresh is the run tag `pat_grants/full_refresh=true` (the weekly schedule sets it; add
it in the UI's launchpad), not another asset. Every load belongs to the pool
`github_org_loads`, whose limit is how many organizations load at once across all runs.
"""

# No `from __future__ import annotations`: Dagster reads these annotations at run time.

import os
import sys
from collections.abc import Iterator
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Backoff,
    Jitter,
    MaterializeResult,
    PipesSubprocessClient,
    RetryPolicy,
    multi_asset,
)

from pat_grants_dagster.dbt_project import RAW_SOURCE, REPOSITORY, raw_tables
from pat_grants_dagster.meltano_project import (
    EXTRACTOR,
    MELTANO_BIN,
    MELTANO_ENVIRONMENT,
    MeltanoProject,
)
from pat_grants_dagster.meltano_selection import project_selection
from pat_grants_dagster.organizations import ORGANIZATIONS

FULL_REFRESH_TAG = "pat_grants/full_refresh"
LOAD_POOL = "github_org_loads"
SELECTED_STREAMS = project_selection(str(REPOSITORY), MELTANO_BIN, MELTANO_ENVIRONMENT, EXTRACTOR)
# The tables a load writes: the dbt sources (in their order) whose streams are selected.
RAW_TABLES = {
    table: description for table, description in raw_tables().items() if table in SELECTED_STREAMS
}
if not RAW_TABLES:
    msg = f"{EXTRACTOR} selects none of the dbt sources' streams: nothing for a load to write"
    raise RuntimeError(msg)
# Read at import, so every process that runs a load has the same policy. A retry is a new
# `meltano run` that resumes from the org's own state.
ORG_RETRY_POLICY = RetryPolicy(
    max_retries=int(os.environ.get("PAT_GRANTS_ORG_RETRIES", "2")),
    delay=float(os.environ.get("PAT_GRANTS_ORG_RETRY_DELAY_SECONDS", "60")),
    backoff=Backoff.EXPONENTIAL,
    jitter=Jitter.PLUS_MINUS,
)


def raw_key(table: str) -> AssetKey:
    """`github_pat_grants/<table>`, as dagster-dbt keys the dbt source of that table."""
    return AssetKey([RAW_SOURCE, table])


# The tables of the streams not selected: in the graph (their models read them), no load's.
UNLOADED_TABLES = [
    AssetSpec(
        raw_key(table),
        description=(description or f"The tap's `{table}` table.")
        + " Its stream is not selected in the Meltano project: no load writes it.",
        group_name=RAW_SOURCE,
        kinds={"meltano", "postgres"},
    )
    for table, description in raw_tables().items()
    if table not in RAW_TABLES
]


def is_full_refresh(tags: dict[str, str]) -> bool:
    """Whether a run's tags ask for a full read (`pat_grants/full_refresh=true`)."""
    return tags.get(FULL_REFRESH_TAG, "").strip().lower() in {"true", "1", "yes"}


@multi_asset(
    name="load_organization",
    specs=[
        AssetSpec(
            raw_key(table),
            description=description or f"The tap's `{table}` table.",
            group_name=RAW_SOURCE,
            kinds={"meltano", "postgres"},
        )
        for table, description in RAW_TABLES.items()
    ],
    partitions_def=ORGANIZATIONS,
    can_subset=False,
    retry_policy=ORG_RETRY_POLICY,
    pool=LOAD_POOL,
)
def load_organization(
    context: AssetExecutionContext,
    meltano: MeltanoProject,
    pipes_subprocess_client: PipesSubprocessClient,
) -> Iterator[MaterializeResult[Any]]:
    """One organization's `meltano run` into PostgreSQL, under its own state id and lock."""
    org = context.partition_key
    full_refresh = is_full_refresh(dict(context.run.tags))
    spec = meltano.org_load(
        org,
        full_refresh=full_refresh,
        holder=f"dagster run {context.run.run_id[:8]} {org}",
        tables=tuple(RAW_TABLES),
    )
    context.log.info("org %s: %s load", org, "full" if full_refresh else "incremental")
    invocation = pipes_subprocess_client.run(
        command=[sys.executable, "-m", "pat_grants_dagster.org_load"],
        context=context,
        extras=spec.to_extras(),
        env=meltano.secret_env(),
    )
    for result in invocation.get_results():
        if isinstance(result, MaterializeResult):
            yield result
