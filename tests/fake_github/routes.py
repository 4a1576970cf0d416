"""The endpoints: GitHub App installation/token endpoints, the four PAT listings, and the
organization's members, credential authorizations and audit log (`governance_routes.py`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.fake_github.access import Request, authorize
from tests.fake_github.governance_routes import GOVERNANCE_ROUTES
from tests.fake_github.installations import (
    create_access_token,
    get_installation,
    list_installations,
)
from tests.fake_github.queries import Page, ValidationFailedError, link_header, parse_filter, select
from tests.fake_github.responses import Response, not_found, validation_failed

if TYPE_CHECKING:
    from tests.fake_github.mutations import ListingName
    from tests.fake_github.records import Org, PatRecord, RecordList
    from tests.fake_github.world import World

_PAT_DOCS = "https://docs.github.com/rest/orgs/personal-access-tokens"


@dataclass(frozen=True)
class Listing:
    """Grants or requests: the permission they need and where GitHub documents them."""

    permission: str
    resource: str
    docs: str
    repositories_docs: str
    records: Callable[[Org], RecordList[Any]]
    name: ListingName = "grants"


GRANTS = Listing(
    "organization_personal_access_tokens",
    "OrganizationProgrammaticAccessGrant",
    f"{_PAT_DOCS}#list-fine-grained-personal-access-tokens-with-access-to-organization-resources",
    f"{_PAT_DOCS}#list-repositories-a-fine-grained-personal-access-token-has-access-to",
    lambda org: org.grants,
)
REQUESTS = Listing(
    "organization_personal_access_token_requests",
    "OrganizationProgrammaticAccessGrantRequest",
    f"{_PAT_DOCS}#list-requests-to-access-organization-resources-with-fine-grained-personal-access-tokens",
    f"{_PAT_DOCS}#list-repositories-requested-to-be-accessed-by-a-fine-grained-personal-access-token",
    lambda org: org.requests,
    "requests",
)


def list_records(listing: Listing) -> Handler:
    """GET /orgs/{org}/personal-access-tokens or .../personal-access-token-requests."""

    def handle(world: World, request: Request, params: dict[str, str]) -> Response:
        found = world.find_org(params["org"])
        org = authorize(request.credential, found, listing.permission, listing.docs)
        if isinstance(org, Response):
            return org
        try:
            flt = parse_filter(request.query, listing.resource)
        except ValidationFailedError as invalid:
            return validation_failed(invalid.errors, listing.docs)
        records = listing.records(org)
        selected = select(records, flt)
        page = Page.from_query(request.query)
        body = records.encoded(page.slice(selected), world.base_url, org.id)
        world.mutations.served(org, listing.name, page.number)
        return _paged(world, request, page, len(selected), body)

    return handle


def list_repositories(listing: Listing, *, by_org_id: bool) -> Handler:
    """GET .../{pat_id or pat_request_id}/repositories, by org login or numeric org id."""

    def handle(world: World, request: Request, params: dict[str, str]) -> Response:
        if by_org_id:
            found = world.find_org_by_id(int(params["org_id"]))
        else:
            found = world.find_org(params["org"])
        org = authorize(request.credential, found, listing.permission, listing.repositories_docs)
        if isinstance(org, Response):
            return org
        record: PatRecord | None = listing.records(org).get(int(params["record_id"]))
        if record is None:
            return not_found(listing.repositories_docs)
        repositories = record.repositories if record.repository_selection == "subset" else []
        page = Page.from_query(request.query)
        body = json.dumps(page.slice(repositories)).encode()
        listed: ListingName = "grant_repositories" if listing is GRANTS else "request_repositories"
        world.mutations.served(org, listed, page.number, record.id)
        return _paged(world, request, page, len(repositories), body)

    return handle


def _paged(world: World, request: Request, page: Page, total: int, body: bytes) -> Response:
    link = link_header(world.base_url, request.path, request.raw_query, page, total)
    return Response(200, body, {"Link": link} if link else {})


Handler = Callable[["World", Request, dict[str, str]], Response]

_ORG = r"/orgs/(?P<org>[^/]+)"
_BY_ID = r"/organizations/(?P<org_id>\d+)"
_ID = r"(?P<record_id>\d+)"
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    ("GET", re.compile(r"/app/installations"), list_installations),
    ("GET", re.compile(f"{_ORG}/installation"), get_installation),
    (
        "POST",
        re.compile(r"/app/installations/(?P<installation_id>\d+)/access_tokens"),
        create_access_token,
    ),
    ("GET", re.compile(f"{_ORG}/personal-access-tokens"), list_records(GRANTS)),
    ("GET", re.compile(f"{_ORG}/personal-access-token-requests"), list_records(REQUESTS)),
    (
        "GET",
        re.compile(f"{_ORG}/personal-access-tokens/{_ID}/repositories"),
        list_repositories(GRANTS, by_org_id=False),
    ),
    (
        "GET",
        re.compile(f"{_ORG}/personal-access-token-requests/{_ID}/repositories"),
        list_repositories(REQUESTS, by_org_id=False),
    ),
    (
        "GET",
        re.compile(f"{_BY_ID}/personal-access-tokens/{_ID}/repositories"),
        list_repositories(GRANTS, by_org_id=True),
    ),
    (
        "GET",
        re.compile(f"{_BY_ID}/personal-access-token-requests/{_ID}/repositories"),
        list_repositories(REQUESTS, by_org_id=True),
    ),
    *GOVERNANCE_ROUTES,
]


def route(world: World, request: Request) -> Response:
    """Dispatch to the endpoint for this method and path; GitHub answers 404 otherwise."""
    for method, pattern, handler in ROUTES:
        match = pattern.fullmatch(request.path)
        if match is not None and method == request.method:
            return handler(world, request, match.groupdict())
    return not_found()
