"""Incremental rules for grants: which queries (slices) one organization's read sends.

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
from typing import TYPE_CHECKING

from tap_github_pat_grants.instants import query_form, to_utc_z

if TYPE_CHECKING:
    from datetime import datetime, timedelta

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
        GrantQuery("used", (("last_used_after", query_form(used_mark - lookback)),)),
        GrantQuery(
            "granted",
            (("sort", "created_at"), ("direction", "desc")),
            stop_before=to_utc_z(query_form(granted_mark - lookback)),
        ),
    ]
