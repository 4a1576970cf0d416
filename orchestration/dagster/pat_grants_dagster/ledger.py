"""What one organization's load wrote, read back from the warehouse: each table's metadata.

The numbers come from `sync_runs`, the row the tap writes per organization per run, rather than
from its summary lines: the row is a typed, documented table that the dbt models read too (a
contract), while the lines are prose for people whose wording may change. The row is read after
the loader committed, so it describes what the warehouse holds, and only the table's history
can say "complete as of" (the start of the org's latest complete full read of that stream, as
`org_inventory` computes it). Its columns are named per stream without the `pat_` prefix
(`grants_read`, `grant_repositories_records`, ...); a stream without such columns still gets
its row count.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

if TYPE_CHECKING:
    from collections.abc import Iterable

LEDGER = "sync_runs"
# The tap's run starts after this process started it; the margin absorbs its millisecond
# truncation and any clock step between the two processes on one host.
_CLOCK_MARGIN = timedelta(seconds=5)
_READS = ("full", "full (resumed)", "incremental")


def connect() -> psycopg.Connection[Any]:
    """The warehouse as the loader reaches it (the `PG*` variables), its session in UTC."""
    return psycopg.connect(autocommit=True, options="-c TimeZone=UTC")


def ledger_prefix(table: str) -> str:
    """`pat_grant_repositories` -> `grant_repositories`: its columns' prefix in `sync_runs`."""
    return table.removeprefix("pat_")


def this_run(
    connection: psycopg.Connection[Any], schema: str, org: str, started: datetime
) -> dict[str, Any] | None:
    """The org's `sync_runs` row of the run started after `started`, as a dict (or None).

    The connection's time zone must be UTC (`connect()` sets it): the loader writes UTC
    instants into `timestamp` columns.
    """
    query = sql.SQL(
        "select * from {}.{} where org = %s and run_started_at >= %s "
        "order by run_started_at desc limit 1"
    ).format(sql.Identifier(schema), sql.Identifier(LEDGER))
    with connection.cursor() as cursor:
        cursor.execute(query, (org, started - _CLOCK_MARGIN))
        found = cursor.fetchone()
        if found is None or cursor.description is None:
            return None
        return {column.name: value for column, value in zip(cursor.description, found, strict=True)}


def complete_as_of(
    connection: psycopg.Connection[Any], schema: str, org: str, read_column: str
) -> datetime | None:
    """When the org's latest complete full read of a stream started (`org_inventory`'s rule).

    A resumed full read started in its first run (`<stream>_read_started_at`).
    """
    query = sql.SQL(
        "select max(coalesce({}, run_started_at)) from {}.{} "
        "where org = %s and status = 'complete' and {} in ('full', 'full (resumed)')"
    ).format(
        sql.Identifier(f"{read_column}_started_at"),
        sql.Identifier(schema),
        sql.Identifier(LEDGER),
        sql.Identifier(read_column),
    )
    found = connection.execute(query, (org,)).fetchone()
    return _utc(found[0]) if found else None


def live_rows(connection: psycopg.Connection[Any], schema: str, table: str, org: str) -> int | None:
    """The org's rows in a table that the loader has not marked deleted (None: no table)."""
    exists = connection.execute("select to_regclass(%s)", (f'"{schema}"."{table}"',)).fetchone()
    if not exists or exists[0] is None:
        return None
    deleted = connection.execute(
        "select 1 from information_schema.columns "
        "where table_schema = %s and table_name = %s and column_name = '_sdc_deleted_at'",
        (schema, table),
    ).fetchone()
    where = sql.SQL("org = %s and _sdc_deleted_at is null" if deleted else "org = %s")
    query = sql.SQL("select count(*) from {}.{} where {}").format(
        sql.Identifier(schema), sql.Identifier(table), where
    )
    found = connection.execute(query, (org,)).fetchone()
    return int(found[0]) if found else 0


def describe_load(  # noqa: PLR0913 (the run's row, the org, and where its tables are)
    connection: psycopg.Connection[Any],
    schema: str,
    org: str,
    *,
    run: dict[str, Any] | None,
    tables: Iterable[str],
    summarized: set[str],
) -> dict[str, dict[str, Any]]:
    """Metadata per table this load wrote: per-stream figures from its `sync_runs` row.

    A table counts as written when its row says the stream was read (full or incremental),
    or, for a stream the row has no columns for, when the tap's summary named it.
    """
    described: dict[str, dict[str, Any]] = {}
    for table in tables:
        prefix = ledger_prefix(table)
        read = run.get(f"{prefix}_read") if run else None
        if table == LEDGER:
            if run is None:
                continue
            metadata: dict[str, Any] = {"status": run["status"], "tap run id": run["run_id"]}
        elif read in _READS and run is not None:
            metadata = _stream_metadata(connection, schema, org, run, prefix)
        elif (run is None or f"{prefix}_read" not in run) and table in summarized:
            metadata = {}
        else:
            continue  # not read in this run (not selected, or skipped for a permission)
        rows = live_rows(connection, schema, table, org)
        if rows is not None:
            metadata["dagster/partition_row_count"] = rows
        described[table] = metadata
    return described


def _stream_metadata(
    connection: psycopg.Connection[Any],
    schema: str,
    org: str,
    run: dict[str, Any],
    prefix: str,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "read": run[f"{prefix}_read"],
        "records": run.get(f"{prefix}_records"),
        "requests": run.get(f"{prefix}_requests"),
        "invalid records skipped (org)": run.get("invalid_records_skipped"),
        "tap run id": run["run_id"],
    }
    if run.get(f"{prefix}_verification_added") is not None:
        metadata["verification rows added"] = run[f"{prefix}_verification_added"]
    complete = complete_as_of(connection, schema, org, f"{prefix}_read")
    if complete is not None:
        metadata["complete as of"] = {"raw_value": complete.timestamp(), "type": "timestamp"}
    return {key: value for key, value in metadata.items() if value is not None}


def _utc(value: datetime | None) -> datetime | None:
    """A timestamp column (naive in UTC, as the loader writes it) as an aware UTC instant."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
