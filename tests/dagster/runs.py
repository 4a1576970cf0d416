"""Runs of the code location, as a run worker executes them, and what they left in the instance.

`execute` runs in a worker process (conftest's `workers`): it executes one run in-process
against the instance of DAGSTER_HOME and returns plain data; the test process then reads that
run's events from the same instance.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


@dataclass(frozen=True)
class Outcome:
    run_id: str
    success: bool
    seconds: float


def execute(
    *,
    partition: str | None = None,
    asset_keys: list[str] | None = None,
    tags: dict[str, str] | None = None,
) -> Outcome:
    """One run: an organization's load (`partition`), or the dbt assets named in `asset_keys`."""
    from dagster import AssetKey, DagsterInstance
    from pat_grants_dagster.definitions import defs

    started = time.monotonic()
    with DagsterInstance.get() as instance:
        if partition is not None:
            job = defs.resolve_job_def("load_organizations")
            result = job.execute_in_process(
                partition_key=partition, instance=instance, tags=tags, raise_on_error=False
            )
        else:
            job = defs.resolve_implicit_global_asset_job_def()
            result = job.execute_in_process(
                asset_selection=[AssetKey.from_user_string(key) for key in asset_keys or []],
                instance=instance,
                tags=tags,
                raise_on_error=False,
            )
    return Outcome(result.run_id, result.success, time.monotonic() - started)


def load_at_once(
    workers: ProcessPoolExecutor, partitions: dict[str, dict[str, str]]
) -> dict[str, Outcome]:
    """Load these organizations, each in a run of its own, all started at once."""
    futures = {
        org: workers.submit(execute, partition=org, tags=tags) for org, tags in partitions.items()
    }
    return {org: future.result(timeout=600) for org, future in futures.items()}


def events(instance: Any, run_id: str, kind: str | None = None) -> list[Any]:
    """A run's event log entries, of one `DagsterEventType` name if given."""
    entries = instance.all_logs(run_id)
    if kind is None:
        return entries
    return [e for e in entries if e.dagster_event and e.dagster_event.event_type_value == kind]


def messages(instance: Any, run_id: str) -> list[str]:
    """The log lines a run's steps wrote (Pipes log lines included)."""
    return [e.user_message for e in instance.all_logs(run_id) if e.dagster_event is None]


def materializations(instance: Any, run_id: str) -> dict[str, dict[str, Any]]:
    """{asset key: metadata values} of each materialization of a run."""
    found = {}
    for entry in events(instance, run_id, "ASSET_MATERIALIZATION"):
        materialized = entry.dagster_event.event_specific_data.materialization
        found[materialized.asset_key.to_user_string()] = {
            key: value.value for key, value in materialized.metadata.items()
        }
    return found


def check_results(instance: Any, run_id: str) -> dict[tuple[str, str], bool]:
    """{(asset key, check name): passed} of a run's asset checks."""
    found = {}
    for entry in events(instance, run_id, "ASSET_CHECK_EVALUATION"):
        evaluation = entry.dagster_event.event_specific_data
        found[evaluation.asset_key.to_user_string(), evaluation.check_name] = evaluation.passed
    return found
