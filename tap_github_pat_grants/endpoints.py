"""What a stream declares about its GitHub list endpoint, beyond the SDK's own attributes.

A stream is a name, a path, keys, a schema and one `Endpoint`: the permission it needs, how
its rows are told apart, which queries make the whole list, how a 404 reads, which rate limit
it spends. The reading (`client.py`, `org_read.py`) follows the declaration; adding a stream
adds no mechanism.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Permission:
    """An organization permission of the App: GitHub's name for it, and as its settings show it."""

    key: str  # e.g. organization_personal_access_tokens
    name: str  # e.g. Personal access tokens: read


PERSONAL_ACCESS_TOKENS = Permission(
    "organization_personal_access_tokens", "Personal access tokens: read"
)
PERSONAL_ACCESS_TOKEN_REQUESTS = Permission(
    "organization_personal_access_token_requests", "Personal access token requests: read"
)
ADMINISTRATION = Permission("organization_administration", "Administration: read")
MEMBERS = Permission("members", "Members: read")


@dataclass(frozen=True)
class ListQuery:
    """One list of the endpoint: its query parameters, and properties it adds to each row."""

    params: tuple[tuple[str, str], ...] = ()
    adds: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Endpoint:
    """How one list endpoint is read (see the module docstring)."""

    # The org permission the endpoint needs (None: none).
    permission: Permission | None = None
    # The property that tells rows apart within a list (paging and verification check it).
    id_field: str = "id"
    # Timestamp fields rewritten to one UTC form (the same instants).
    timestamp_fields: tuple[str, ...] = ()
    # (GitHub's epoch-milliseconds field, the UTC date-time field the tap adds beside it).
    instants_from_epoch_ms: tuple[tuple[str, str], ...] = ()
    # A parent's id under this name in its children's context (None: no children).
    child_context_key: str | None = None
    # Whether it is a list read whole (verified, versioned), not a log of events.
    whole_list: bool = True
    # The lists that together make the endpoint's whole list, each read whole.
    queries: tuple[ListQuery, ...] = (ListQuery(),)
    # A whole list's second pass reads it this way round (`org_read.read_whole_list`).
    verification_params: tuple[tuple[str, str], ...] = ()
    # Properties the tap adds to GitHub's record (not checked against GitHub's shape).
    added_properties: tuple[str, ...] = ("org",)
    # GitHub's owner/repository/permission/... filters (the user's settings) apply to it.
    takes_list_filters: bool = False
    # Why GitHub answers 404 for an organization that exists (e.g. a plan it is not on): the
    # stream is then skipped there with this reason, never failing the run. None: a 404 is
    # an error (the org or the App's installation is not there).
    absent_when_not_found: str | None = None
    # The rate limit its requests spend (`x-ratelimit-resource`): each has its own budget.
    rate_limit_resource: str = "core"
    # The property that keeps the whole record as GitHub sent it (None: none).
    whole_record_as: str | None = None
