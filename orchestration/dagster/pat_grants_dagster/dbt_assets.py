"""The dbt project as assets: one per model and snapshot, its tests as asset checks.

dagster-dbt keys each model by its name (`current_grants`) and each source by
`<source>/<table>` (`github_pat_grants/pat_grants`), the raw assets' own keys, so the models sit
downstream of the tables the tap fills. Each dbt test becomes a check on the model it tests; a
test of `error` severity (dbt's default) is a blocking check, and `dbt build` skips every model
built from a model whose test failed, so a bad staging model never reaches the marts.

The models build once a batch of organizations has loaded, not once per organization: every
model waits until a load finished (or a table it reads was updated) since it last built, and
no load of any organization is queued or running (`AFTER_LOADS`), so one `dbt build` of every
model follows each schedule's batch, however many organizations it had. "A load finished", not
only "a table it reads": the staging model of a stream not selected reads a table no load
writes, and `source_tables` reads none, yet both must build with the rest (the marts join
them). An organization whose load failed does not hold the others' models back.
"""

# No `from __future__ import annotations`: Dagster reads these annotations at run time.

import functools
import operator
from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext, AutomationCondition
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from pat_grants_dagster.dbt_project import DBT_PROJECT
from pat_grants_dagster.raw_tables import RAW_TABLES, raw_key


def any_load(condition: AutomationCondition[Any], label: str) -> AutomationCondition[Any]:
    """`condition` holds for some table a load writes (some organization's partition of it)."""
    matches = [AutomationCondition.asset_matches(raw_key(table), condition) for table in RAW_TABLES]
    return functools.reduce(operator.or_, matches).with_label(label)


LOAD_FINISHED = any_load(AutomationCondition.newly_updated(), "a load finished")
LOAD_IN_PROGRESS = any_load(AutomationCondition.in_progress(), "a load in progress")
AFTER_LOADS = (
    (AutomationCondition.any_deps_updated() | LOAD_FINISHED).since_last_handled()
    & ~LOAD_IN_PROGRESS
    & ~AutomationCondition.any_deps_in_progress()
    & ~AutomationCondition.in_progress()
).with_label("after a batch of loads")


class PatGrantsTranslator(DagsterDbtTranslator):
    """Groups by the project's folders (staging, current, marts, ...); builds after loads."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """`models/current/current_grants.sql` -> `current`; snapshots -> `snapshots`."""
        if dbt_resource_props["resource_type"] == "snapshot":
            return "snapshots"
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "model" and len(fqn) > 2:  # noqa: PLR2004
            return str(fqn[1])
        return super().get_group_name(dbt_resource_props)

    def get_automation_condition(
        self, dbt_resource_props: Mapping[str, Any]
    ) -> AutomationCondition[Any] | None:
        """Every model and snapshot: `AFTER_LOADS`."""
        del dbt_resource_props
        return AFTER_LOADS


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=PatGrantsTranslator(),
    name="github_pat_grants_dbt",
)
def github_pat_grants_dbt(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    """`dbt build` of the selected models and snapshots, their tests as checks."""
    yield from dbt.cli(["build"], context=context).stream()
