"""Run SQL (statements or files) against the warehouse; print each result as a table (or JSON).

Run it with the loader's own Python, which has the right driver (and, for DuckDB, a version
that reads the file: 1.2.2 or newer; target-duckdb's venv has 1.2.2):

    .meltano/loaders/target-duckdb/venv/bin/python demo/query.py \
        --duckdb output/warehouse.duckdb --schema github_pat_grants_analytics \
        --sql "select * from grants_never_expire"
    .meltano/loaders/target-postgres/venv/bin/python demo/query.py --postgres \
        --schema github_pat_grants_analytics --sql "select * from grants_write_or_admin"

With --postgres, a file `DIR/NAME.sql` is swapped for `DIR/postgres/NAME.sql` when that exists
(for the odd query whose dialect differs). The connection then comes from the PG* environment
variables, as for psql.
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import sys
from pathlib import Path
from typing import Any

DEFAULT_SCHEMA = "github_pat_grants"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="demo/query.py", description=__doc__.split("\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--duckdb", type=Path, metavar="FILE", help="a DuckDB file (read only)")
    where.add_argument("--postgres", action="store_true", help="PostgreSQL from PG* variables")
    parser.add_argument("--schema", default=DEFAULT_SCHEMA, help="the loader's target schema")
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument("--max-rows", type=int, default=10, help="rows shown per table")
    parser.add_argument("--sql", action="append", default=[], help="a statement to run as well")
    parser.add_argument("files", nargs="*", type=Path, help="SQL files, one statement each")
    return parser.parse_args(argv)


def _for_postgres(path: Path) -> Path:
    variant = path.parent / "postgres" / path.name
    return variant if variant.is_file() else path


def _connect(args: argparse.Namespace) -> Any:
    if args.duckdb:
        import duckdb

        if not args.duckdb.is_file():
            sys.exit(f"no DuckDB file at {args.duckdb}: run the pipeline first")
        connection = duckdb.connect(str(args.duckdb), read_only=True)
        connection.execute(f"SET schema = '{args.schema}'")
        return connection
    import psycopg

    connection = psycopg.connect(autocommit=True)
    connection.execute(f'SET search_path TO "{args.schema}"')
    return connection


def _run(connection: Any, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    cursor = connection.execute(sql)  # duckdb and psycopg alike (a duckdb .cursor() drops SET)
    if cursor.description is None:  # a statement without a result (DROP, SET)
        return [], []
    return [column[0] for column in cursor.description], [tuple(r) for r in cursor.fetchall()]


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return value


def _cell(value: Any, width: int = 38) -> str:
    text = "" if value is None else str(_plain(value))
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(title: str, columns: list[str], rows: list[tuple[Any, ...]], max_rows: int) -> str:
    shown = [[_cell(value) for value in row] for row in rows[:max_rows]]
    widths = [max([len(name)] + [len(row[i]) for row in shown]) for i, name in enumerate(columns)]
    line = "  ".join("-" * width for width in widths)
    out = [
        f"== {title}: {len(rows)} row(s)",
        "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)),
    ]
    out.append(line)
    out += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in shown]
    if len(rows) > max_rows:
        out.append(f"... {len(rows) - max_rows} more")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run every statement; one table (or one JSON document for all) on stdout."""
    args = _arguments(argv)
    jobs = [(f"sql #{n}", sql) for n, sql in enumerate(args.sql, 1)]
    for path in args.files:
        chosen = _for_postgres(path) if args.postgres else path
        jobs.append((str(chosen), chosen.read_text(encoding="utf-8")))
    connection = _connect(args)
    results = []
    try:
        for title, sql in jobs:
            columns, rows = _run(connection, sql)
            if args.json:
                results.append(
                    {
                        "query": title,
                        "columns": columns,
                        "rows": [list(map(_plain, r)) for r in rows],
                    }
                )
            else:
                sys.stdout.write(_table(title, columns, rows, args.max_rows) + "\n\n")
    finally:
        connection.close()
    if args.json:
        json.dump(results, sys.stdout)
        sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
