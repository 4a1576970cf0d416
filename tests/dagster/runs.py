"""Run the code location's job as Dagster would: `execute_job` with the multiprocess executor."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dagster import DagsterEventType, ReexecutionOptions, execute_job, reconstructable
from pat_grants_dagster.definitions import pat_grants

if TYPE_CHECKING:
    from dagster import DagsterInstance


@dataclass
class PipelineRun:
    run_id: str
    success: bool
    seconds: float
    failed_steps: list[str]
    succeeded_steps: list[str]
    retried_steps: list[str]
    failure_descriptions: list[str]


def run_config(
    max_concurrent: int,
    *,
    only: list[str] | None = None,
    full_refresh: list[str] | None = None,
    dbt: bool = True,
) -> dict[str, Any]:
    config: dict[str, Any] = {
        "execution": {"config": {"max_concurrent": max_concurrent}},
        "ops": {
            "organizations": {"config": {"only": only or [], "full_refresh": full_refresh or []}}
        },
    }
    if not dbt:
        config["ops"]["build_models"] = {"config": {"enabled": False}}
    return config


def run_pipeline(
    instance: DagsterInstance,
    max_concurrent: int,
    *,
    only: list[str] | None = None,
    full_refresh: list[str] | None = None,
    dbt: bool = True,
    reexecute_failed_of: str | None = None,
) -> PipelineRun:
    options = (
        ReexecutionOptions.from_failure(reexecute_failed_of, instance)
        if reexecute_failed_of
        else None
    )
    started = time.monotonic()
    with execute_job(
        reconstructable(pat_grants),
        instance=instance,
        run_config=None
        if options
        else run_config(max_concurrent, only=only, full_refresh=full_refresh, dbt=dbt),
        reexecution_options=options,
        raise_on_error=False,
    ) as result:
        seconds = time.monotonic() - started
        events = result.all_events
        return PipelineRun(
            run_id=result.run_id,
            success=result.success,
            seconds=seconds,
            failed_steps=_steps(events, DagsterEventType.STEP_FAILURE),
            succeeded_steps=_steps(events, DagsterEventType.STEP_SUCCESS),
            retried_steps=_steps(events, DagsterEventType.STEP_UP_FOR_RETRY),
            failure_descriptions=[_described(e) for e in events if e.is_step_failure],
        )


def _described(event: Any) -> str:
    """The failure's one line, then the log lines it carried."""
    failure = event.step_failure_data.user_failure_data
    if failure is None:
        return str(event.step_failure_data.error)
    log = failure.metadata.get("log (last lines)")
    return f"{failure.description}\n{log.value if log else ''}"


def _steps(events: list[Any], kind: DagsterEventType) -> list[str]:
    return sorted(e.step_key for e in events if e.event_type == kind)
