"""Before an organization's first load: Meltano's system database migrated, the tables created.

Parallel first loads would otherwise race twice: several `meltano` processes migrating one empty
system database, and several loaders creating one table (`CREATE TABLE` is not idempotent across
sessions). So each load first checks, under one advisory lock for the whole warehouse, that both
are there; if not, one loader fed only the tap's SCHEMA messages does both, once, in a few
seconds and without a request to GitHub. Once ready, a load pays two small queries.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import psycopg

from pat_grants_dagster.ledger import connect
from pat_grants_dagster.meltano_process import MeltanoResult, run_meltano
from pat_grants_dagster.meltano_selection import selected_streams
from pat_grants_dagster.org_lock import advisory_lock, libpq_url

if TYPE_CHECKING:
    from collections.abc import Callable

    from pat_grants_dagster.meltano_log import LogLine
    from pat_grants_dagster.org_load_spec import OrgLoadSpec

WAREHOUSE_LOCK = "pat-grants-dagster:warehouse"


class WarehouseError(RuntimeError):
    """The warehouse could not be prepared."""


def ensure_ready(spec: OrgLoadSpec, database_url: str, log: Callable[[str], None]) -> None:
    """Migrate the system database and create the tables unless both are there already."""
    with advisory_lock(
        database_url,
        WAREHOUSE_LOCK,
        holder=spec.holder,
        wait_seconds=spec.lock_wait_seconds,
        log=log,
        doing="prepared",
    ):
        missing = missing_tables(spec.loader_schema, spec.tables)
        if system_database_ready(database_url) and not missing:
            return
        log(f"preparing the warehouse (tables missing: {', '.join(missing) or 'none'})")
        discovered = _meltano(spec, ("invoke", "--dump=catalog", spec.extractor), b"")
        created = _meltano(spec, ("invoke", spec.loader), schema_messages(discovered.stdout))
        log(f"warehouse ready ({discovered.seconds + created.seconds:.1f} s)")
        still = missing_tables(spec.loader_schema, spec.tables)
        if still:
            # A dbt source without a stream of the tap: its asset is never filled.
            log(f"the tap has no stream for {', '.join(still)} (a dbt source without one)")


def system_database_ready(database_url: str) -> bool:
    """Meltano has migrated its system database (its alembic_version table exists)."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as connection:
        found = connection.execute("select to_regclass('alembic_version')").fetchone()
    return bool(found and found[0])


def missing_tables(schema: str, tables: tuple[str, ...]) -> list[str]:
    """The tables the loader has not created yet in its schema."""
    with connect() as connection:
        found = connection.execute(
            "select table_name from information_schema.tables "
            "where table_schema = %s and table_name = any(%s)",
            (schema, list(tables)),
        ).fetchall()
    present = {row[0] for row in found}
    return [table for table in tables if table not in present]


def schema_messages(catalog: bytes) -> bytes:
    """One Singer SCHEMA message per stream the tap's catalog selects.

    Not the others: a table is created when its stream is loaded (dbt's `source_tables` says
    which are), not because the warehouse was prepared.
    """
    selected = set(selected_streams(catalog))
    streams: list[dict[str, Any]] = [
        stream for stream in json.loads(catalog)["streams"] if stream["tap_stream_id"] in selected
    ]
    lines = [
        json.dumps(
            {
                "type": "SCHEMA",
                "stream": stream["tap_stream_id"],
                "schema": stream["schema"],
                "key_properties": stream.get("key_properties", []),
            }
        )
        for stream in streams
    ]
    return ("\n".join(lines) + "\n").encode()


def _meltano(spec: OrgLoadSpec, args: tuple[str, ...], stdin: bytes) -> MeltanoResult:
    """One preparation command; a failure stops the load with Meltano's last lines."""

    def ignore(_: LogLine) -> None:
        return None

    result = run_meltano(
        spec.project_dir,
        spec.meltano_bin,
        args,
        env=spec.meltano_env(),
        on_line=ignore,
        timeout_seconds=spec.timeout_seconds,
        stdin=stdin,
    )
    if result.returncode != 0:
        command = " ".join(args)
        msg = (
            f"preparing the warehouse: meltano {command} exited {result.returncode}\n"
            f"{result.tail_text}"
        )
        raise WarehouseError(msg)
    return result
