"""The streams: which endpoint, which key, how each is replicated, which children it has."""

from __future__ import annotations

import typing as t
from datetime import datetime, timezone

from singer_sdk import SchemaDirectory, Stream, StreamSchema
from singer_sdk.singerlib.catalog import REPLICATION_FULL_TABLE
from typing_extensions import override

from tap_github_pat_grants import schemas
from tap_github_pat_grants.client import GitHubOrgStream
from tap_github_pat_grants.incremental import GRANTED_SINCE_KEY, GrantQuery, plan_grant_queries
from tap_github_pat_grants.instants import parse_instant, to_utc_z, utc_text

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context

    from tap_github_pat_grants.tap import TapGitHubPatGrants

SCHEMAS = SchemaDirectory(schemas)

GRANT_TIMESTAMPS = ("access_granted_at", "token_expires_at", "token_last_used_at")
REQUEST_TIMESTAMPS = ("created_at", "token_expires_at", "token_last_used_at")


class PatGrantsStream(GitHubOrgStream):
    """Fine-grained PATs approved to access each organization, incremental on last use."""

    name = "pat_grants"
    path = "/orgs/{org}/personal-access-tokens"
    primary_keys = ("org", "id")
    replication_key = "token_last_used_at"
    is_sorted = False  # GitHub sorts by creation only: a bookmark is final per finished org
    schema = StreamSchema(SCHEMAS)
    timestamp_fields = GRANT_TIMESTAMPS
    child_context_key = "pat_id"
    verification_params = (("sort", "created_at"), ("direction", "asc"))  # pass 1: newest first

    @override
    def skips_without_permission(self) -> bool:
        return self._tap.settings.skip_grants_without_permission

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Start with no query in flight."""
        super().__init__(*args, **kwargs)
        self._query = GrantQuery("all", ())

    @property
    def run_started_at(self) -> str:
        """This run's start, the ceiling of every bookmark it writes."""
        return utc_text(datetime.fromtimestamp(self._tap.initialized_at / 1000, tz=timezone.utc))

    def plan(self, context: Context) -> list[GrantQuery]:
        """The queries this org needs in this run, from its two marks and `start_date`."""
        if self.replication_method == REPLICATION_FULL_TABLE:
            return plan_grant_queries(
                full_table=True,
                used_since=None,
                granted_since=None,
                lookback=self._tap.settings.lookback,
            )
        state = self.get_context_state(context)
        bookmark = (
            state.get("replication_key_value")
            if state.get("replication_key") == self.replication_key
            else None
        )
        granted_mark = state.get(GRANTED_SINCE_KEY)
        start_date = self._tap.settings.start_date
        return plan_grant_queries(
            full_table=False,
            used_since=_latest(parse_instant(bookmark) if bookmark else None, start_date),
            granted_since=_latest(
                parse_instant(granted_mark) if granted_mark else None, start_date
            ),
            lookback=self._tap.settings.lookback,
        )

    @override
    def query_params(self, context: Context) -> list[tuple[str, str]]:
        return [*self._tap.settings.grant_filters, *self._query.params]

    @override
    def read_partition(self, context: Context) -> Iterable[dict[str, t.Any]]:
        incremental = self.replication_method != REPLICATION_FULL_TABLE
        if incremental:
            # The SDK writes its signpost only at stream level and in another string form;
            # ours caps this org's bookmark at the run's start, in the form records use.
            self.state_manager.write_replication_key_signpost(self.run_started_at, context=context)
        queries = self.plan(context)
        if len(queries) == 1:  # a full read: the whole list, verified
            self._query = queries[0]
            yield from super().read_partition(context)
        else:
            yield from self._read_slices(context, queries)
        if incremental:
            self.get_context_state(context)[GRANTED_SINCE_KEY] = self.run_started_at

    def _read_slices(
        self, context: Context, queries: list[GrantQuery]
    ) -> Iterable[dict[str, t.Any]]:
        """An incremental read: grants used since the bookmark, then those granted since."""
        seen: set[int] = set()  # each grant at most once per run, across both slices
        for query in queries:
            self._query = query
            self.logger.debug("pat_grants org %s: reading %s grants", self._org, query.name)
            for grant in self.request_records(context):
                if query.stop_before is not None:
                    if str(to_utc_z(grant["access_granted_at"])) < query.stop_before:
                        break  # newest-first: everything after this is older still
                    if grant["id"] in seen:
                        continue
                else:
                    seen.add(grant["id"])
                yield grant

    @override
    def get_replication_key_signpost(self, context: Context | None = None) -> None:
        return None  # written per org in `read_partition`

    @override
    def _increment_stream_state(
        self, latest_record: dict[str, t.Any], *, context: Context | None = None
    ) -> None:
        # A never-used token has no `token_last_used_at`; the SDK would log a warning for
        # each such grant (thousands per run). It cannot move a bookmark, so skip it quietly.
        if latest_record.get(self.replication_key or "") is not None:
            super()._increment_stream_state(latest_record, context=context)

    @override
    def reads_whole_table(self) -> bool:
        # A run with no marks at all (first run, `meltano run --full-refresh`) reads every
        # grant too, not only a FULL_TABLE catalog; incremental runs must not be versioned.
        return all(len(self.plan(partition)) == 1 for partition in self.partitions or [])

    @override
    def read_kind(self, context: Context) -> str:
        return "full" if len(self.plan(context)) == 1 else "incremental"


def _latest(*moments: datetime | None) -> datetime | None:
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


class PatRequestsStream(GitHubOrgStream):
    """Pending requests for fine-grained PAT access, read whole each run (they are few)."""

    name = "pat_requests"
    path = "/orgs/{org}/personal-access-token-requests"
    primary_keys = ("org", "id")
    replication_key = None  # a request disappears once reviewed: FULL_TABLE + ACTIVATE_VERSION
    schema = StreamSchema(SCHEMAS)
    timestamp_fields = REQUEST_TIMESTAMPS
    permission_key = "organization_personal_access_token_requests"
    permission_name = "Personal access token requests: read"
    skip_setting = "skip_requests_without_permission"
    child_context_key = "pat_request_id"
    verification_params = (("sort", "created_at"), ("direction", "asc"))

    @override
    def reads_whole_table(self) -> bool:
        return True

    @override
    def query_params(self, context: Context) -> list[tuple[str, str]]:
        return list(self._tap.settings.grant_filters)

    @override
    def skips_without_permission(self) -> bool:
        return self._tap.settings.skip_requests_without_permission


class RepositoriesOfParent(GitHubOrgStream):
    """Repositories a `subset` grant or request reaches: one row per (parent, repository)."""

    parent_id_field: str
    added_properties = ("org", "pat_id", "pat_request_id", "repository_id")
    state_partitioning_keys: t.ClassVar[list[str]] = []  # no state per grant: read whole
    schema = StreamSchema(SCHEMAS)
    timestamp_fields = ("created_at", "updated_at", "pushed_at")

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """No SCHEMA sent yet in this run."""
        super().__init__(*args, **kwargs)
        self._schema_sent = False

    @override
    def _write_schema_message(self) -> None:
        # The SDK syncs a child once per parent record and re-sends SCHEMA each time
        # (hundreds of identical messages per run); once is enough for every target.
        if not self._schema_sent:
            self._schema_sent = True
            super()._write_schema_message()

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        row = super().post_process(row, context) or row
        row[self.parent_id_field] = (context or {})[self.parent_id_field]
        row["repository_id"] = row["id"]
        return row


class PatGrantRepositoriesStream(RepositoriesOfParent):
    """Repositories each `subset` grant can reach."""

    name = "pat_grant_repositories"
    path = "/orgs/{org}/personal-access-tokens/{pat_id}/repositories"
    primary_keys = ("org", "pat_id", "repository_id")
    parent_stream_type = PatGrantsStream
    parent_id_field = "pat_id"


class PatRequestRepositoriesStream(RepositoriesOfParent):
    """Repositories each pending `subset` request asks for."""

    name = "pat_request_repositories"
    path = "/orgs/{org}/personal-access-token-requests/{pat_request_id}/repositories"
    primary_keys = ("org", "pat_request_id", "repository_id")
    parent_stream_type = PatRequestsStream
    parent_id_field = "pat_request_id"
    permission_key = "organization_personal_access_token_requests"
    permission_name = "Personal access token requests: read"


class SyncRunsStream(Stream):
    """One row per organization per run: what the run read there (`run_record.py`).

    The SDK syncs streams in name order, and `sync_runs` sorts after every `pat_*` stream: its
    rows describe reads that completed, and a run that fails writes none (a test checks the
    order). Its rows are history: never versioned away.
    """

    _tap: TapGitHubPatGrants
    name = "sync_runs"
    primary_keys = ("org", "run_id")
    replication_key = None
    schema = StreamSchema(SCHEMAS)

    @property
    def emit_activate_version_messages(self) -> bool:
        """Never: ACTIVATE_VERSION would delete the earlier runs' rows."""
        return False

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        yield from self._tap.run_ledger.rows()

    @override
    def log_sync_costs(self) -> None:
        # The SDK calls this for every stream after the last one synced, selected or not,
        # and `sync_runs` is the last: the run's one closing line (the SDK's `sync_all` is final).
        super().log_sync_costs()
        self._tap.run_ledger.log_run_summary()
