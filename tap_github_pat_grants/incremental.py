"""Incremental rules for grants: the queries (slices) one organization's read sends, its marks.

GitHub filters grants by `last_used_after` but cannot sort by last use, and a never-used
token is never "used after" anything. So an incremental run reads two slices:

1. `used`: grants whose token was used after the bookmark minus the lookback window;
2. `granted`: the newest grants first (`sort=created_at&direction=desc`), stopping at the
   first grant granted before the previous run's start minus the lookback window; this is
   how never-used new grants get in.

A run without any mark (first run, no `start_date`) or a FULL_TABLE run reads everything.
"""

from __future__ import annotations

import logging
import typing as t
from dataclasses import dataclass
from datetime import datetime, timezone

from singer_sdk.singerlib.catalog import REPLICATION_FULL_TABLE

from tap_github_pat_grants.endpoints import ListQuery
from tap_github_pat_grants.instants import parse_instant, query_form, to_utc_z, utc_text
from tap_github_pat_grants.read_progress import read_mark

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from datetime import timedelta

    from singer_sdk.helpers.types import Context

    from tap_github_pat_grants.config import Settings
    from tap_github_pat_grants.read_counts import ReadKind

# Partition-state key for the second mark: when the last complete run of this org started.
GRANTED_SINCE_KEY = "granted_since"

logger = logging.getLogger("tap-github-pat-grants")


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


class SlicedStream(t.Protocol):
    """What an incremental read needs of its stream (the SDK's public stream API)."""

    replication_key: str | None

    @property
    def replication_method(self) -> str:
        """FULL_TABLE or INCREMENTAL, as the catalog says."""

    @property
    def state_manager(self) -> t.Any:
        """The SDK's state manager (`write_replication_key_signpost`)."""

    def get_context_state(self, context: Context | None) -> dict[str, t.Any]:
        """This partition's state."""

    def list_rows(
        self, context: Context, query: ListQuery = ..., params: tuple[tuple[str, str], ...] = ()
    ) -> Iterable[dict[str, t.Any]]:
        """One read of a list: `query`, with `params` added."""


class IncrementalRead(t.Protocol):
    """How a stream reads one organization incrementally (`GrantSlices`, `AuditWindow`)."""

    def __init__(self, settings: Settings, run_started_ms: int) -> None:
        """For one run, with its settings."""

    def read_kind(self, stream: SlicedStream, context: Context) -> ReadKind:
        """Whether this run reads the whole list in this org ("full", versioned)."""

    def before_read(self, stream: SlicedStream, context: Context) -> None:
        """Before any read of the org, full or not."""

    def read(self, stream: SlicedStream, context: Context) -> Iterator[dict[str, t.Any]]:
        """The org's rows, when `read_kind` is "incremental"."""

    def after_read(self, stream: SlicedStream, context: Context) -> None:
        """The org was read to the end: its marks for the next run."""


@dataclass(frozen=True)
class GrantSlices:
    """How a stream of grants reads one org incrementally: the two slices above, then its marks."""

    settings: Settings
    run_started_ms: int

    @property
    def run_started_at(self) -> str:
        """This run's start, the ceiling of every bookmark it writes."""
        started = datetime.fromtimestamp(self.run_started_ms / 1000, tz=timezone.utc)
        return utc_text(started)

    def plan(self, stream: SlicedStream, context: Context) -> list[GrantQuery]:
        """The queries this org needs in this run, from its two marks and `start_date`."""
        if stream.replication_method == REPLICATION_FULL_TABLE:
            return plan_grant_queries(
                full_table=True, used_since=None, granted_since=None, lookback=self.lookback
            )
        state = stream.get_context_state(context)
        bookmark = (
            state.get("replication_key_value")
            if state.get("replication_key") == stream.replication_key
            else None
        )
        granted_mark = state.get(GRANTED_SINCE_KEY)
        start_date = self.settings.start_date
        return plan_grant_queries(
            full_table=False,
            used_since=_latest(parse_instant(bookmark) if bookmark else None, start_date),
            granted_since=_latest(
                parse_instant(granted_mark) if granted_mark else None, start_date
            ),
            lookback=self.lookback,
        )

    @property
    def lookback(self) -> timedelta:
        """`lookback_seconds`."""
        return self.settings.lookback

    def read_kind(self, stream: SlicedStream, context: Context) -> ReadKind:
        """A run with no marks reads every grant: "full"; else "incremental"."""
        return "full" if len(self.plan(stream, context)) == 1 else "incremental"

    def before_read(self, stream: SlicedStream, context: Context) -> None:
        """Before any read of the org, full or not, under INCREMENTAL replication: its signpost."""
        if stream.replication_method != REPLICATION_FULL_TABLE:
            # The SDK writes its signpost only at stream level and in another string form;
            # this caps the org's bookmark at the run's start, in the form records use.
            signpost = self.run_started_at
            stream.state_manager.write_replication_key_signpost(signpost, context=context)

    def read(self, stream: SlicedStream, context: Context) -> Iterator[dict[str, t.Any]]:
        """An incremental read: grants used since the bookmark, then those granted since."""
        seen: set[int] = set()  # each grant at most once per run, across both slices
        for query in self.plan(stream, context):
            logger.debug("org %s: reading %s grants", context.get("org"), query.name)
            for grant in stream.list_rows(context, ListQuery(query.params)):
                if query.stop_before is not None:
                    if str(to_utc_z(grant["access_granted_at"])) < query.stop_before:
                        break  # newest-first: everything after this is older still
                    if grant["id"] in seen:
                        continue
                else:
                    seen.add(grant["id"])
                yield grant

    def after_read(self, stream: SlicedStream, context: Context) -> None:
        """The org was read: the next run's `granted` slice starts from this run's start.

        From the first run's start, for a full read that took more than one run.
        """
        if stream.replication_method != REPLICATION_FULL_TABLE:
            state = stream.get_context_state(context)
            mark = read_mark(state)
            since = mark.started_at if mark and not mark.complete else self.run_started_at
            state[GRANTED_SINCE_KEY] = since


def _latest(*moments: datetime | None) -> datetime | None:
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None
