"""One organization's load: its lock, then its own `meltano run` (what each step does)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pat_grants_dagster.org_lock import organization_lock

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from pat_grants_dagster.meltano import CommandResult, MeltanoProject


def load_organization_alone(
    meltano: MeltanoProject,
    task: Mapping[str, Any],
    *,
    holder: str,
    log: Callable[[str], None],
) -> CommandResult:
    """Hold the org's advisory lock and run its pipeline; raises OrganizationBusyError.

    `task`: `org`, `full_refresh` and `catalog` (the tap's, made once per Dagster run).
    """
    org = str(task["org"])
    state_id = meltano.state_id(org)
    args, env = meltano.load_command(org, full_refresh=bool(task["full_refresh"]))
    with organization_lock(
        meltano.database_url,
        state_id,
        holder=holder,
        wait_seconds=meltano.lock_wait_seconds,
        log=log,
    ):
        log(f"meltano {' '.join(args)} (state id {state_id})")
        return meltano.run(*args, env=env, catalog=str(task["catalog"]).encode())
