"""Incremental rules for grants: which queries a run sends, and instants the SDK can compare.

GitHub filters grants by `last_used_after` but cannot sort by last use, and a never-used
token is never "used after" anything. So an incremental run reads two slices:

1. `used`: grants whose token was used after the bookmark minus the lookback window;
2. `granted`: the newest grants first (`sort=created_at&direction=desc`), stopping at the
   first grant granted before the previous run's start minus the lookback window; this is
   how never-used new grants get in.

A run without any mark (first run, no `start_date`) or a FULL_TABLE run reads everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tap_github_pat_grants.settings import format_instant

# Partition-state key for the second mark: when the last complete run of this org started.
GRANTED_SINCE_KEY = "granted_since"


@dataclass(frozen=True)
class GrantQuery:
    """One slice of the grants list: its own query parameters and where it may stop."""

    name: str
    params: tuple[tuple[str, str], ...]
    # Stop paging at the first grant with `access_granted_at` before this (newest-first).
    stop_before: str | None = None


def plan_grant_queries(
    *,
    full_table: bool,
    used_since: datetime | None,
    granted_since: datetime | None,
    lookback: timedelta,
) -> list[GrantQuery]:
    """The queries one org's grants need in this run (filters are added by the caller)."""
    if full_table or (used_since is None and granted_since is None):
        return [GrantQuery("all", ())]
    used_mark = used_since or granted_since
    granted_mark = granted_since or used_since
    assert used_mark is not None  # noqa: S101
    assert granted_mark is not None  # noqa: S101
    return [
        GrantQuery("used", (("last_used_after", format_instant(used_mark - lookback)),)),
        GrantQuery(
            "granted",
            (("sort", "created_at"), ("direction", "desc")),
            stop_before=to_utc_z(format_instant(granted_mark - lookback)),
        ),
    ]


def to_utc_z(value: str | None) -> str | None:
    """The same instant in one fixed UTC form, `YYYY-MM-DDTHH:MM:SS.mmmZ`.

    GitHub writes timestamps with offsets and milliseconds (`...09.000-07:00`); the SDK
    compares replication-key values as strings, which is only right in one fixed form.
    """
    if value is None:
        return None
    if value[-1:] == "Z":
        if len(value) == 24 and value[19] == ".":  # noqa: PLR2004
            return value  # already in the fixed form
        if len(value) == 20:  # noqa: PLR2004
            return f"{value[:19]}.000Z"  # `...SSZ`: only the milliseconds are missing
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    offset = moment.utcoffset()
    if offset is not None:
        moment = moment.replace(tzinfo=None) - offset  # naive UTC: cheaper than astimezone
    return moment.isoformat(timespec="milliseconds") + "Z"


def parse_instant(value: str) -> datetime:
    """A timestamp string from state or GitHub as an aware datetime."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
