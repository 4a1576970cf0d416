"""The job: prepare the warehouse, one step per organization (bounded, retried alone), then dbt.

`organizations` fans out one `load_organization[ORG]` step per organization; the executor's
`max_concurrent` is how many organizations load at once. Each step is one tap process, and the
tap sends one request at a time, so each installation (each org's own hourly budget) never has
more than one request in flight. A failing org fails its own step after its retries; the others
finish, and re-executing the run from failure loads only that org, from its own state. dbt
builds once every organization of the run has loaded.
"""

# No `from __future__ import annotations`: Dagster reads these annotations at run time.

import os
from typing import Any

from dagster import (
    Backoff,
    Config,
    DynamicOut,
    DynamicOutput,
    Failure,
    In,
    Jitter,
    MetadataValue,
    Nothing,
    OpExecutionContext,
    RetryPolicy,
    op,
)

from pat_grants_dagster.loading import load_organization_alone
from pat_grants_dagster.meltano import CommandResult, MeltanoProject
from pat_grants_dagster.org_lock import OrganizationBusyError
from pat_grants_dagster.organizations import list_organizations, mapping_key
from pat_grants_dagster.warehouse import catalog_json, schema_messages

# Read at import, so every step process (which re-imports this module) has the same policy.
ORG_RETRY_POLICY = RetryPolicy(
    max_retries=int(os.environ.get("PAT_GRANTS_ORG_RETRIES", "2")),
    delay=float(os.environ.get("PAT_GRANTS_ORG_RETRY_DELAY_SECONDS", "60")),
    backoff=Backoff.EXPONENTIAL,
    jitter=Jitter.PLUS_MINUS,
)
DEFAULT_PARALLEL_ORGS = int(os.environ.get("PAT_GRANTS_PARALLEL_ORGS", "4"))


class OrganizationsConfig(Config):
    """Which organizations this run loads, and which of them it reads whole."""

    only: list[str] = []  # noqa: RUF012 (Dagster config: an immutable default)
    full_refresh: list[str] = []  # noqa: RUF012 ("*": every organization of the run)


def _raise_if_failed(what: str, result: CommandResult) -> None:
    """A failed command fails its step with one line, and the log's last lines as metadata."""
    if result.returncode == 0:
        return
    description = f"{what}: meltano {' '.join(result.args)} exited {result.returncode}"
    raise Failure(
        description=description,
        metadata={"log (last lines)": MetadataValue.text(result.tail)},
    )


@op
def prepare_warehouse(context: OpExecutionContext, meltano: MeltanoProject) -> None:
    """Migrate the system database and create the loader's tables, once, before any load."""
    result = meltano.run("invoke", meltano.loader, stdin=schema_messages())
    _raise_if_failed("preparing the warehouse", result)
    context.log.info("warehouse ready (%.1f s)", result.seconds)


@op(ins={"ready": In(Nothing)}, out=DynamicOut(dict))
def organizations(context: OpExecutionContext, config: OrganizationsConfig) -> Any:
    """One output per organization: the tap's listed (or discovered) ones, or `only`."""
    orgs = list_organizations()
    if config.only:
        wanted = {org.lower() for org in config.only}
        orgs = [org for org in orgs if org in wanted] + sorted(wanted - set(orgs))
    full = {org.lower() for org in config.full_refresh}
    catalog = catalog_json()  # once here, so the steps need not import the tap
    context.log.info("%d organization(s): %s", len(orgs), ", ".join(orgs))
    for org in orgs:
        task = {"org": org, "full_refresh": "*" in full or org in full, "catalog": catalog}
        yield DynamicOutput(task, mapping_key=mapping_key(org))


@op(retry_policy=ORG_RETRY_POLICY)
def load_organization(
    context: OpExecutionContext, meltano: MeltanoProject, task: dict[str, Any]
) -> dict[str, Any]:
    """`meltano run` of this organization alone, under its own state id and lock."""
    org = str(task["org"])
    try:
        result = load_organization_alone(
            meltano,
            task,
            holder=f"dagster run {context.run_id[:8]} {org}",
            log=context.log.info,
        )
    except OrganizationBusyError as busy:
        raise Failure(description=str(busy)) from None
    _raise_if_failed(f"org {org}", result)
    for line in result.summaries:
        context.log.info(line)
    return {"org": org, "state_id": meltano.state_id(org), "seconds": round(result.seconds, 1)}


class BuildConfig(Config):
    """`enabled: false` makes a run that only loads (dbt runs with the next one)."""

    enabled: bool = True


@op
def build_models(
    context: OpExecutionContext,
    config: BuildConfig,
    meltano: MeltanoProject,
    loads: list[dict[str, Any]],
) -> None:
    """`meltano run dbt-postgres:build`: the per-org current-state models and the answers."""
    if not config.enabled:
        context.log.warning("dbt build skipped in this run (build_models: enabled: false)")
        return
    context.log.info("dbt after %d organization(s)", len(loads))
    result = meltano.run("run", f"{meltano.dbt_utility}:build")
    _raise_if_failed("dbt build", result)
    context.log.info("dbt build done (%.1f s)", result.seconds)


def pipeline() -> None:
    """The job's body (a job definition calls it: one per executor, see definitions.py)."""
    loads = organizations(prepare_warehouse()).map(load_organization)
    build_models(loads.collect())


def default_run_config() -> dict[str, Any]:
    """How many organizations load at once unless a run says otherwise."""
    return {"execution": {"config": {"max_concurrent": DEFAULT_PARALLEL_ORGS}}}
