"""The streams: which endpoint, which key, how each is replicated, which children and permission.

Declarations only: the reading is the base stream's (`client.py`) and `org_read.py`'s.
"""

from __future__ import annotations

import typing as t

from singer_sdk import SchemaDirectory, Stream, StreamSchema
from typing_extensions import override

from tap_github_pat_grants import schemas
from tap_github_pat_grants.audit_window import AuditWindow
from tap_github_pat_grants.endpoints import (
    ADMINISTRATION,
    MEMBERS,
    PERSONAL_ACCESS_TOKEN_REQUESTS,
    PERSONAL_ACCESS_TOKENS,
    Endpoint,
    ListQuery,
)
from tap_github_pat_grants.incremental import GrantSlices
from tap_github_pat_grants.org_stream import GitHubOrgStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from tap_github_pat_grants.run import Run

SCHEMAS = SchemaDirectory(schemas)

TOKEN_TIMESTAMPS = ("token_expires_at", "token_last_used_at")
REPOSITORY_TIMESTAMPS = ("created_at", "updated_at", "pushed_at")
OLDEST_FIRST = (("sort", "created_at"), ("direction", "asc"))  # the first pass: newest first


class PatGrantsStream(GitHubOrgStream):
    """Fine-grained PATs approved to access each organization, incremental on last use."""

    name = "pat_grants"
    path = "/orgs/{org}/personal-access-tokens"
    primary_keys = ("org", "id")
    replication_key = "token_last_used_at"
    is_sorted = False  # GitHub sorts by creation only: a bookmark is final per finished org
    schema = StreamSchema(SCHEMAS)
    endpoint = Endpoint(
        PERSONAL_ACCESS_TOKENS,
        timestamp_fields=("access_granted_at", *TOKEN_TIMESTAMPS),
        child_context_key="pat_id",
        verification_params=OLDEST_FIRST,
        takes_list_filters=True,
    )
    incremental_read = GrantSlices


class PatRequestsStream(GitHubOrgStream):
    """Pending requests for fine-grained PAT access, read whole each run (they are few)."""

    name = "pat_requests"
    path = "/orgs/{org}/personal-access-token-requests"
    primary_keys = ("org", "id")
    replication_key = None  # a request disappears once reviewed: FULL_TABLE + ACTIVATE_VERSION
    schema = StreamSchema(SCHEMAS)
    endpoint = Endpoint(
        PERSONAL_ACCESS_TOKEN_REQUESTS,
        timestamp_fields=("created_at", *TOKEN_TIMESTAMPS),
        child_context_key="pat_request_id",
        verification_params=OLDEST_FIRST,
        takes_list_filters=True,  # GitHub filters requests as it filters grants
    )


class CredentialAuthorizationsStream(GitHubOrgStream):
    """Classic PATs and SSH keys members authorized for the org's SAML single sign-on."""

    name = "credential_authorizations"
    path = "/orgs/{org}/credential-authorizations"
    primary_keys = ("org", "credential_id")
    replication_key = None  # read whole every run: a revoked authorization just disappears
    selected_by_default = False  # needs "Administration: read", which the App may not have
    schema = StreamSchema(SCHEMAS)
    endpoint = Endpoint(
        ADMINISTRATION,
        id_field="credential_id",
        timestamp_fields=(
            "credential_authorized_at",
            "credential_accessed_at",
            "authorized_credential_expires_at",
        ),
        absent_when_not_found="GitHub lists credential authorizations only for organizations "
        "with SAML single sign-on, on GitHub Enterprise Cloud",
    )


class PatAuditEventsStream(GitHubOrgStream):
    """Who requested, approved, denied and revoked tokens, and the token policy's changes."""

    name = "pat_audit_events"
    path = "/orgs/{org}/audit-log"
    primary_keys = ("_document_id",)
    replication_key = "@timestamp"
    is_sorted = False  # two searches, each oldest first: the bookmark is final per finished org
    selected_by_default = False  # needs "Administration: read" and Enterprise Cloud
    schema = StreamSchema(SCHEMAS)
    endpoint = Endpoint(
        ADMINISTRATION,
        id_field="_document_id",
        whole_list=False,
        instants_from_epoch_ms=(("@timestamp", "created_at"),),
        added_properties=("org", "created_at", "event"),
        absent_when_not_found="GitHub's audit log API is only on GitHub Enterprise Cloud",
        rate_limit_resource="audit_log",  # 1,750 searches an hour, its own budget
        whole_record_as="event",
    )
    incremental_read = AuditWindow


class OrgMembersStream(GitHubOrgStream):
    """The org's members, owners (`admin`) and the rest (`member`), read whole each run."""

    name = "org_members"
    path = "/orgs/{org}/members"
    primary_keys = ("org", "id")
    replication_key = None
    selected_by_default = False  # needs "Members: read", which the App may not have
    schema = StreamSchema(SCHEMAS)
    endpoint = Endpoint(
        MEMBERS,
        queries=(
            ListQuery((("role", "admin"),), (("role", "admin"),)),
            ListQuery((("role", "member"),), (("role", "member"),)),
        ),
        added_properties=("org", "role"),
    )


class RepositoriesOfParent(GitHubOrgStream):
    """Repositories a `subset` grant or request reaches: one row per (parent, repository)."""

    parent_id_field: str
    state_partitioning_keys: t.ClassVar[list[str]] = []  # no state per grant: read whole
    schema = StreamSchema(SCHEMAS)

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
    endpoint = Endpoint(
        PERSONAL_ACCESS_TOKENS,
        timestamp_fields=REPOSITORY_TIMESTAMPS,
        added_properties=("org", "pat_id", "repository_id"),
    )


class PatRequestRepositoriesStream(RepositoriesOfParent):
    """Repositories each pending `subset` request asks for."""

    name = "pat_request_repositories"
    path = "/orgs/{org}/personal-access-token-requests/{pat_request_id}/repositories"
    primary_keys = ("org", "pat_request_id", "repository_id")
    parent_stream_type = PatRequestsStream
    parent_id_field = "pat_request_id"
    endpoint = Endpoint(
        PERSONAL_ACCESS_TOKEN_REQUESTS,
        timestamp_fields=REPOSITORY_TIMESTAMPS,
        added_properties=("org", "pat_request_id", "repository_id"),
    )


class SyncRunsStream(Stream):
    """One row per organization per run: what the run read there (`run_ledger.py`).

    The SDK syncs streams in name order, and `sync_runs` sorts after every `pat_*` stream: its
    rows describe reads that completed, and a run that fails writes none (a test checks the
    order). Its rows are history: never versioned away.
    """

    name = "sync_runs"
    primary_keys = ("org", "run_id")
    replication_key = None

    def __init__(self, tap: Tap, run: Run) -> None:
        """The rows of `run`'s ledger: the run's columns, then each list stream's."""
        schema = SCHEMAS.fetch_schema("sync_runs")
        for columns in run.ledger_columns:
            schema["properties"].update(columns.schema())
        super().__init__(tap=tap, schema=schema)
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
