"""How the audit log is read: a window before each organization's bookmark, two searches.

GitHub's organization audit log (Enterprise Cloud) is searched with `phrase`; the tap asks for
the personal access token events (`action:personal_access_token`) and, in a second search, the
auto-approve switch under its other name (`action:auto_approve_personal_access_token_requests`),
oldest first (`order=asc`), with web events (`include=web`); GitHub pages them by cursor. Each
run starts `audit_log_lookback_seconds` before the org's bookmark (the latest `@timestamp` it
has seen), because GitHub backfills late events and filters `created:` only to the second: an
event seen twice is one row (the key is `_document_id`). A first run starts an explicit 180
days back: without a `created:` qualifier GitHub returns only the last three months. Events are
history: never a whole-table read, never versioned away.
"""

from __future__ import annotations

import logging
import typing as t
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from singer_sdk.singerlib.catalog import REPLICATION_FULL_TABLE

from tap_github_pat_grants.endpoints import ListQuery
from tap_github_pat_grants.instants import query_form

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from singer_sdk.helpers.types import Context

    from tap_github_pat_grants.config import Settings
    from tap_github_pat_grants.incremental import SlicedStream
    from tap_github_pat_grants.read_counts import ReadKind

FIRST_RUN_DAYS = 180
SEARCHES = (
    "action:personal_access_token",
    "action:auto_approve_personal_access_token_requests",
)

logger = logging.getLogger("tap-github-pat-grants")


@dataclass(frozen=True)
class AuditWindow:
    """The audit log's incremental read (see the module docstring)."""

    settings: Settings
    run_started_ms: int

    def read_kind(self, stream: SlicedStream, context: Context) -> ReadKind:  # noqa: ARG002
        """Always "incremental": events are history, never versioned."""
        return "incremental"

    def since(self, stream: SlicedStream, context: Context) -> datetime:
        """Where this org's read starts: its bookmark less the window, or 180 days back."""
        state = stream.get_context_state(context)
        bookmark = state.get("replication_key_value")
        known = state.get("replication_key") == stream.replication_key
        incremental = stream.replication_method != REPLICATION_FULL_TABLE
        if incremental and known and isinstance(bookmark, int):
            seen = datetime.fromtimestamp(bookmark // 1000, tz=timezone.utc)
            return seen - timedelta(seconds=self.settings.audit_log_lookback_seconds)
        started = datetime.fromtimestamp(self.run_started_ms // 1000, tz=timezone.utc)
        return started - timedelta(days=FIRST_RUN_DAYS)

    def before_read(self, stream: SlicedStream, context: Context) -> None:
        """Nothing before: the bookmark moves with the events read."""

    def read(self, stream: SlicedStream, context: Context) -> Iterator[dict[str, t.Any]]:
        """The org's events since `since`, one search after the other."""
        created = f"created:>={query_form(self.since(stream, context))}"
        logger.debug("org %s: reading audit events %s", context.get("org"), created)
        for search in SEARCHES:
            params = (("phrase", f"{search} {created}"), ("order", "asc"), ("include", "web"))
            yield from stream.list_rows(context, ListQuery(params))

    def after_read(self, stream: SlicedStream, context: Context) -> None:
        """Nothing after: the SDK keeps the latest `@timestamp` as the bookmark."""
