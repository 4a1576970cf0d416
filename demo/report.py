"""The governance report, read from the dbt models (transform/) in a DuckDB warehouse.

    .meltano/loaders/target-duckdb/venv/bin/python demo/report.py --duckdb output/warehouse.duckdb

Run it with duckdb 1.2.2 or newer (target-duckdb's own venv has 1.2.2). Every table is titled;
the headline totals are counted from the same models as the detail tables, and the report stops
with an error if they disagree. A section whose stream was not selected (its table never loaded:
the `source_tables` model) says so in one line. `--grant ORG/ID` adds that grant's history.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import duckdb

SCHEMA = "github_pat_grants_analytics"
# (total in governance_summary, the detail model it counts, which rows, the table it needs)
TOTALS = (
    ("grants", "current_grants", "true", "pat_grants"),
    ("write_or_admin", "grants_write_or_admin", "true", "pat_grants"),
    ("write_or_admin_expired", "grants_write_or_admin", "is_expired", "pat_grants"),
    ("expired", "grants_expired", "true", "pat_grants"),
    ("unused_90_days", "grants_unused_90_days", "true", "pat_grants"),
    ("never_expire", "grants_never_expire", "true", "pat_grants"),
    ("pending_requests", "current_requests", "true", "pat_requests"),
    ("pending_over_7_days", "requests_pending_over_7_days", "true", "pat_requests"),
)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="demo/report.py", description=__doc__.split("\n")[0])
    parser.add_argument("--duckdb", type=Path, required=True, metavar="FILE")
    parser.add_argument("--schema", default=SCHEMA, help="the dbt models' schema")
    parser.add_argument("--max-rows", type=int, default=8, help="rows shown per table")
    parser.add_argument("--grant", metavar="ORG/ID", help="also show this grant's history")
    return parser.parse_args(argv)


# Columns shown whole up to 80 characters: the reason is the answer.
WIDE = {"risk_reasons"}


def _cell(value: Any, width: int = 34) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def table(title: str, columns: list[str], rows: list[tuple[Any, ...]], max_rows: int) -> str:
    """A titled plain-text table, `max_rows` shown, with how many rows it has."""
    shown = [
        [_cell(v, 80 if c in WIDE else 34) for c, v in zip(columns, row, strict=True)]
        for row in rows[:max_rows]
    ]
    widths = [max([len(c)] + [len(r[i]) for r in shown]) for i, c in enumerate(columns)]
    lines = [f"== {title} ({len(rows)} row{'s' if len(rows) != 1 else ''})"]
    lines.append("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in shown]
    if len(rows) > max_rows:
        lines.append(f"   ... and {len(rows) - max_rows} more")
    return "\n".join(lines) + "\n"


def run(connection: Any, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    cursor = connection.execute(sql)
    return [c[0] for c in cursor.description], cursor.fetchall()


def loaded_tables(connection: Any) -> set[str]:
    """The tap's tables the loader has created (the others' streams were never selected)."""
    _, found = run(connection, "select source_table from source_tables where is_loaded")
    return {name for (name,) in found}


def not_selected(title: str, needs: tuple[str, ...], loaded: set[str]) -> str | None:
    """The one line that replaces a section whose streams were not selected, else None."""
    missing = [name for name in needs if name not in loaded]
    if not missing:
        return None
    return f"== {title}: not available, stream {', '.join(missing)} not selected\n"


# Columns counted from a table that may not be loaded: shown empty then, not as a false 0.
COUNTED_FROM = {"repositories": "pat_request_repositories", "pending_requests": "pat_requests"}


def headline(connection: Any, loaded: set[str]) -> str:
    """Totals over all orgs from governance_summary, checked against the detail models."""
    totals = [total for total in TOTALS if total[3] in loaded]
    sums = ", ".join(f"sum({name})" for name, *_ in totals)
    _, ((*summary,),) = run(connection, f"select {sums} from governance_summary")
    for (name, model, where, _), total in zip(totals, summary, strict=True):
        _, ((detail,),) = run(connection, f"select count(*) from {model} where {where}")
        if int(total or 0) != detail:
            sys.exit(f"report: headline {name} = {total} but {model} has {detail} rows")
    labels = [name.replace("_", " ") for name, *_ in totals]
    values = [f"{int(v or 0):,}" for v in summary]
    title = "Headline totals (all organizations read; stale ones are left out)"
    return table(title, labels, [tuple(values)], 1)


# (title, the tables it needs, its query)
QUERIES = (
    (
        "Per organization",
        ("pat_grants",),
        (
            "select org, grants, write_or_admin, expired, unused_90_days, never_expire,"
            " pending_requests, grants_complete_as_of as complete_as_of"
            " from governance_summary order by org"
        ),
    ),
    (
        "Write or admin access (EXPIRED = token expired, grant still there)",
        ("pat_grants",),
        (
            "select org, grant_id, owner_login, token_name, repository_selection as repos,"
            " coalesce(repository_write_permissions, '') as writes,"
            " coalesce(organization_administration, '') as org_admin,"
            " case when is_expired then 'EXPIRED' else '' end as expired"
            " from grants_write_or_admin order by is_expired, org, grant_id"
        ),
    ),
    (
        "Unused for 90 days",
        ("pat_grants",),
        (
            "select org, grant_id, owner_login, token_name, days_unused,"
            " case when is_expired then 'EXPIRED' else '' end as expired"
            " from grants_unused_90_days order by days_unused desc, org, grant_id"
        ),
    ),
    (
        "Owners with the most tokens",
        ("pat_grants",),
        (
            "select owner_login, tokens, never_expire, all_repositories from token_owners"
            " order by tokens desc, owner_login"
        ),
    ),
    (
        "Requests waiting more than 7 days",
        ("pat_requests",),
        (
            "select org, request_id, owner_login, token_name, repositories, days_waiting"
            " from requests_pending_over_7_days order by days_waiting desc, org, request_id"
        ),
    ),
    (
        "Grants over the token lifetime policy (max_token_lifetime_days after the grant)",
        ("pat_grants",),
        (
            "select org, grant_id, owner_login, token_name, reason, lifetime_days,"
            " case when is_expired then 'EXPIRED' else '' end as expired"
            " from grants_over_lifetime_policy"
            " order by reason desc, lifetime_days desc, org, grant_id"
        ),
    ),
    (
        "Grants expiring soon (within expiring_soon_days)",
        ("pat_grants",),
        (
            "select org, grant_id, owner_login, token_name, token_expires_at, days_left"
            " from grants_expiring_soon order by token_expires_at, org, grant_id"
        ),
    ),
    (
        "Grants of people who are not members (they left; GitHub keeps their grants)",
        ("pat_grants", "org_members"),
        (
            "select org, grant_id, owner_login, token_name, token_last_used_at,"
            " case when is_expired then 'EXPIRED' else '' end as expired"
            " from grants_of_non_members order by org, owner_login, grant_id"
        ),
    ),
    (
        "Grants of organization owners (no approval was needed)",
        ("pat_grants", "org_members"),
        (
            "select org, grant_id, owner_login, token_name, repository_selection as repos,"
            " access_granted_at from grants_of_org_owners order by org, owner_login, grant_id"
        ),
    ),
    (
        "Classic tokens and SSH keys at risk (SAML credential authorizations)",
        ("credential_authorizations",),
        (
            "select org, login, credential_type as type,"
            " coalesce(token_last_eight, authorized_credential_title) as credential, risk_reasons"
            " from classic_credentials_at_risk"
            " order by has_broad_scopes desc, never_expires desc, org, login, credential_id"
        ),
    ),
    (
        "Grant timelines (audit log: who requested, approved, revoked, denied)",
        ("pat_audit_events",),
        (
            "select org, token_id, owner_login, present_state, requested_at,"
            " granted_by, granted_at, coalesce(revoked_by, denied_by) as revoked_or_denied_by,"
            " coalesce(revoked_at, denied_at) as revoked_or_denied_at"
            " from grant_timeline where audit_events > 0"
            " order by last_event_at desc, org, token_id"
        ),
    ),
    (
        "Token policy changes (audit log; * = in force now)",
        ("pat_audit_events",),
        (
            "select org, occurred_at, policy, setting,"
            " coalesce(cast(token_expiration_days as varchar), '') as max_days, changed_by,"
            " case when is_latest then '*' else '' end as in_force"
            " from pat_policy_changes order by occurred_at desc, org"
        ),
    ),
    (
        "Organizations not fully covered (stale: read no more, left out of the totals)",
        ("sync_runs",),
        (
            "select org, reason, case when is_stale then 'yes' else '' end as stale,"
            " last_complete_read_at, last_error from orgs_not_fully_covered order by org"
        ),
    ),
)


def grant_history(connection: Any, key: str) -> str:
    """Is the grant current, and its versions from the snapshot (valid_to = when it changed/went)."""
    _, ((current,),) = run(
        connection, f"select count(*) from current_grants where grant_key = '{key}'"
    )
    columns, rows = run(
        connection,
        "select grant_key, token_name, repository_selection, dbt_valid_from as valid_from,"
        f" dbt_valid_to as valid_to from grants_snapshot where grant_key = '{key}'"
        " order by dbt_valid_from",
    )
    state = "in current_grants" if current else "NOT in current_grants"
    return table(f"Grant {key}: {state}; its history (grants_snapshot)", columns, rows, 20)


def main(argv: list[str] | None = None) -> int:
    """Print the report."""
    args = _arguments(argv)
    if not args.duckdb.is_file():
        sys.exit(f"no DuckDB file at {args.duckdb}: run the pipeline first")
    connection = duckdb.connect(str(args.duckdb), read_only=True)
    try:
        connection.execute(f"set schema = '{args.schema}'")
        loaded = loaded_tables(connection)
        out = [headline(connection, loaded)]
        for title, needs, sql in QUERIES:
            line = not_selected(title, needs, loaded)
            if line is None:
                columns, rows = run(connection, sql)
                unknown = [
                    i
                    for i, c in enumerate(columns)
                    if COUNTED_FROM.get(c, "pat_grants") not in loaded
                ]
                rows = [tuple(None if i in unknown else v for i, v in enumerate(r)) for r in rows]
                line = table(title, columns, rows, args.max_rows)
            out.append(line)
        if args.grant:
            out.append(grant_history(connection, args.grant))
    finally:
        connection.close()
    sys.stdout.write("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
