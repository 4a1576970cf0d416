"""The Pipes process of one organization's load: `python -m pat_grants_dagster.org_load`.

Dagster's `PipesSubprocessClient` starts it with the load's `OrgLoadSpec` as extras. It takes
the org's advisory lock, runs the org's own `meltano run`, sends the tap's summary lines (and
any warning or error) to Dagster as log lines while the run goes, then reports one
materialization per table the run wrote, with that table's figures from `sync_runs`. It needs
only `dagster-pipes`, psycopg and Meltano, so the same module can run in a pod of its own
(`PipesK8sClient`) as well as beside the Dagster step. A failed load raises: Pipes hands the
error to Dagster and the process exits non-zero, failing the step (which Dagster may retry).
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from dagster_pipes import open_dagster_pipes

from pat_grants_dagster.ledger import connect, describe_load, this_run
from pat_grants_dagster.meltano_log import LogLine, summarized_stream, worth_forwarding
from pat_grants_dagster.meltano_process import run_meltano
from pat_grants_dagster.org_load_spec import OrgLoadSpec
from pat_grants_dagster.org_lock import LockBusyError, advisory_lock
from pat_grants_dagster.warehouse import WarehouseError, ensure_ready

if TYPE_CHECKING:
    import logging

RAW_KEY_PREFIX = "github_pat_grants"  # the dbt source's name: raw assets are keyed under it


class OrgLoadError(RuntimeError):
    """The organization's `meltano run` failed."""


def load_organization(
    spec: OrgLoadSpec, database_url: str, log: logging.Logger
) -> dict[str, dict[str, Any]]:
    """Load one organization alone; the metadata of each table it wrote."""
    ensure_ready(spec, database_url, log.info)
    summarized: set[str] = set()

    def forward(line: LogLine) -> None:
        stream = summarized_stream(line, spec.extractor)
        if stream:
            summarized.add(stream)
        if not worth_forwarding(line, spec.extractor):
            return
        if line.level in {"error", "critical"}:
            log.error(str(line))
        elif line.level == "warning":
            log.warning(str(line))
        else:
            log.info(line.text)

    started = datetime.now(timezone.utc)
    with advisory_lock(
        database_url,
        spec.state_id,
        holder=spec.holder,
        wait_seconds=spec.lock_wait_seconds,
        log=log.info,
    ):
        args = spec.meltano_args()
        log.info("meltano %s (state id %s)", " ".join(args), spec.state_id)
        result = run_meltano(
            spec.project_dir,
            spec.meltano_bin,
            args,
            env=spec.load_env(),
            on_line=forward,
            timeout_seconds=spec.timeout_seconds,
        )
    if result.returncode != 0:
        msg = (
            f"org {spec.org}: meltano run exited {result.returncode}; its last lines:\n"
            f"{result.tail_text}"
        )
        raise OrgLoadError(msg)
    log.info("org %s: loaded in %.1f s", spec.org, result.seconds)
    with connect() as connection:
        run = this_run(connection, spec.loader_schema, spec.org, started)
        if run is None:
            log.warning("org %s: no sync_runs row for this run (is it selected?)", spec.org)
        return describe_load(
            connection,
            spec.loader_schema,
            spec.org,
            run=run,
            tables=spec.tables,
            summarized=summarized,
        )


def main() -> None:
    """Run the load Dagster described, and report what it wrote."""
    with open_dagster_pipes() as pipes:
        spec = OrgLoadSpec.from_extras(dict(pipes.extras))
        try:
            written = load_organization(spec, os.environ["MELTANO_DATABASE_URI"], pipes.log)
        except (OrgLoadError, LockBusyError, WarehouseError) as failed:
            pipes.log.error(str(failed))  # noqa: TRY400 (one line; Pipes sends the traceback)
            raise
        for table, metadata in written.items():
            pipes.report_asset_materialization(
                asset_key=f"{RAW_KEY_PREFIX}/{table}", metadata=metadata
            )


if __name__ == "__main__":
    main()
