"""Keeps the organization partitions equal to what the tap would read, and loads new ones.

Every tick asks the tap (`list_organizations()`: listed logins, or the App's installations
less the excluded ones) and compares with the partitions. A new organization becomes a
partition and gets its first load at once; one the tap no longer reads (the App uninstalled,
the login dropped from the settings) is retired with a log line. Its rows stay in the warehouse,
and its last `sync_runs` rows say how old they are. If the tap cannot answer (GitHub down),
the tick fails and nothing changes.
"""

# No `from __future__ import annotations`: Dagster reads these annotations at run time.

import os

from dagster import (
    AddDynamicPartitionsRequest,
    DefaultSensorStatus,
    DeleteDynamicPartitionsRequest,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from pat_grants_dagster.automation import LOAD_JOB
from pat_grants_dagster.organizations import (
    ORGANIZATIONS,
    ORGANIZATIONS_NAME,
    list_organizations,
    partition_changes,
)

# With "*", each tick costs one GitHub request per 100 installations (the App's own budget).
SENSOR_INTERVAL_SECONDS = int(os.environ.get("PAT_GRANTS_ORGANIZATIONS_SENSOR_SECONDS", "900"))


@sensor(
    name="organization_partitions",
    job=LOAD_JOB,
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    description="Adds a partition (and a first load) per new organization, retires gone ones.",
)
def organization_partitions(context: SensorEvaluationContext) -> SensorResult | SkipReason:
    """Add the organizations the tap reads now, retire those it no longer reads."""
    present = list(context.instance.get_dynamic_partitions(ORGANIZATIONS_NAME))
    added, retired = partition_changes(list_organizations(), present)
    if not added and not retired:
        return SkipReason(f"{len(present)} organization(s), none added or retired")
    for org in added:
        context.log.info("organization %s: new partition, first load requested", org)
    for org in retired:
        context.log.info(
            "organization %s: retired (the tap no longer reads it); its rows stay in the "
            "warehouse, as of its last complete read in sync_runs",
            org,
        )
    requests: list[AddDynamicPartitionsRequest | DeleteDynamicPartitionsRequest] = []
    if added:
        requests.append(ORGANIZATIONS.build_add_request(added))
    if retired:
        requests.append(ORGANIZATIONS.build_delete_request(retired))
    return SensorResult(
        # No run key: an organization retired and later re-added gets a first load again.
        run_requests=[RunRequest(partition_key=org) for org in added],
        dynamic_partitions_requests=requests,
    )
