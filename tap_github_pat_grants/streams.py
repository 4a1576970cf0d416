"""The streams: which endpoint, which key, how each is replicated, which children and permission.

Declarations only: the reading is the base stream's (`client.py`) and `org_read.py`'s.
"""

from __future__ import annotations

import typing as t

from singer_sdk import SchemaDirectory, Stream, StreamSchema
from typing_extensions import override

from tap_github_pat_grants import schemas
from tap_github_pat_grants.client import GitHubOrgStream
from tap_github_pat_grants.incremental import GrantSlices
from tap_github_pat_grants.org_checks import Permission

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from tap_github_pat_grants.run import Run

SCHEMAS = SchemaDirectory(schemas)

GRANT_TIMESTAMPS = ("access_granted_at", "token_expires_at", "token_last_used_at")
REQUEST_TIMESTAMPS = ("created_at", "token_expires_at", "token_last_used_at")
REPOSITORY_TIMESTAMPS = ("created_at", "updated_at", "pushed_at")
PERSONAL_ACCESS_TOKENS = Permission(
    "organization_personal_access_tokens", "Personal access tokens: read"
)
PAT_REQUESTS = Permission(
    "organization_personal_access_token_requests", "Personal access token requests: read"
)
OLDEST_FIRST = (("sort", "created_at"), ("direction", "asc"))  # the other way round


class PatGrantsStream(GitHubOrgStream):
    """Fine-grained PATs approved to access each organization, incremental on last use."""

    name = "pat_grants"
    path = "/orgs/{org}/personal-access-tokens"
    primary_keys = ("org", "id")
    replication_key = "token_last_used_at"
    is_sorted = False  # GitHub sorts by creation only: a bookmark is final per finished org
    schema = StreamSchema(SCHEMAS)
    timestamp_fields = GRANT_TIMESTAMPS
    permission = PERSONAL_ACCESS_TOKENS
    child_context_key = "pat_id"
    verification_params = OLDEST_FIRST  # the first pass reads newest first
    takes_list_filters = True
    incremental_read = GrantSlices


class PatRequestsStream(GitHubOrgStream):
    """Pending requests for fine-grained PAT access, read whole each run (they are few)."""

    name = "pat_requests"
    path = "/orgs/{org}/personal-access-token-requests"
    primary_keys = ("org", "id")
    replication_key = None  # a request disappears once reviewed: FULL_TABLE + ACTIVATE_VERSION
    schema = StreamSchema(SCHEMAS)
    timestamp_fields = REQUEST_TIMESTAMPS
    permission = PAT_REQUESTS
    child_context_key = "pat_request_id"
    verification_params = OLDEST_FIRST
    takes_list_filters = True  # GitHub filters requests as it filters grants


class RepositoriesOfParent(GitHubOrgStream):
    """Repositories a `subset` grant or request reaches: one row per (parent, repository)."""

    parent_id_field: str
    added_properties = ("org", "pat_id", "pat_request_id", "repository_id")
    state_partitioning_keys: t.ClassVar[list[str]] = []  # no state per grant: read whole
    schema = StreamSchema(SCHEMAS)
    timestamp_fields = REPOSITORY_TIMESTAMPS

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
    permission = PERSONAL_ACCESS_TOKENS


class PatRequestRepositoriesStream(RepositoriesOfParent):
    """Repositories each pending `subset` request asks for."""

    name = "pat_request_repositories"
    path = "/orgs/{org}/personal-access-token-requests/{pat_request_id}/repositories"
    primary_keys = ("org", "pat_request_id", "repository_id")
    parent_stream_type = PatRequestsStream
    parent_id_field = "pat_request_id"
    permission = PAT_REQUESTS


class SyncRunsStream(Stream):
    """One row per organization per run: what the run read there (`run_ledger.py`).

    The SDK syncs streams in name order, and `sync_runs` sorts after every `pat_*` stream: its
    rows describe reads that completed, and a run that fails writes none (a test checks the
    order). Its rows are history: never versioned away.
    """

    name = "sync_runs"
    primary_keys = ("org", "run_id")
    replication_key = None
    schema = StreamSchema(SCHEMAS)

    def __init__(self, tap: Tap, run: Run) -> None:
        """The rows of `run`'s ledger."""
        super().__init__(tap=tap)
        self.run = run

    @property
    def emit_activate_version_messages(self) -> bool:
        """Never: ACTIVATE_VERSION would delete the earlier runs' rows."""
        return False

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        yield from self.run.ledger.rows()

    @override
    def log_sync_costs(self) -> None:
        # The SDK calls this for every stream after the last one synced, selected or not,
        # and `sync_runs` is the last: the run's one closing line (the SDK's `sync_all` is final).
        super().log_sync_costs()
        self.run.ledger.log_run_summary()
