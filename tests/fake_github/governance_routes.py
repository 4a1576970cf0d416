"""The organization's members, SAML credential authorizations and audit log, as GitHub serves them.

- `GET /orgs/{org}/members`: `role` (`all`, `admin`, `member`), `filter` (`all`,
  `2fa_disabled`, `2fa_insecure`), page numbers and `Link`; needs "Members: read".
- `GET /orgs/{org}/credential-authorizations`: page numbers and `Link`, `login`; 404 without
  SAML single sign-on on Enterprise Cloud; needs "Administration: read".
- `GET /orgs/{org}/audit-log` (and `/organizations/{id}/audit-log`, where its `Link` leads, as
  GitHub's does: google/go-github#1848): cursors, no page numbers; 404 without Enterprise
  Cloud; needs "Administration: read"; spends the audit log's own budget (`world.py`).
"""

from __future__ import annotations

import bisect
import json
import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from tests.fake_github.access import authorize
from tests.fake_github.audit_log import encode_cursor, window
from tests.fake_github.audit_search import AuditQuery
from tests.fake_github.queries import Page, ValidationFailedError, link_header
from tests.fake_github.responses import Response, not_found, validation_failed

if TYPE_CHECKING:
    from tests.fake_github.access import Request
    from tests.fake_github.audit_log import Json, Key
    from tests.fake_github.records import Org
    from tests.fake_github.world import World

_ORGS_DOCS = "https://docs.github.com/enterprise-cloud@latest/rest/orgs/orgs"
MEMBERS_DOCS = "https://docs.github.com/rest/orgs/members#list-organization-members"
CREDENTIALS_DOCS = f"{_ORGS_DOCS}#list-saml-sso-authorizations-for-an-organization"
AUDIT_DOCS = f"{_ORGS_DOCS}#get-the-audit-log-for-an-organization"
_MEMBER_FILTERS = {"all": None, "2fa_disabled": {"disabled"}, "2fa_insecure": {"insecure"}}


def _org(world: World, params: dict[str, str]) -> Org | None:
    if "org_id" in params:
        return world.find_org_by_id(int(params["org_id"]))
    return world.find_org(params["org"])


def _paged(world: World, request: Request, page: Page, items: list[Json]) -> Response:
    link = link_header(world.base_url, request.path, request.raw_query, page, len(items))
    body = json.dumps(page.slice(items)).encode()
    return Response(200, body, {"Link": link} if link else {})


def list_members(world: World, request: Request, params: dict[str, str]) -> Response:
    """GET /orgs/{org}/members."""
    org = authorize(request.credential, _org(world, params), "members", MEMBERS_DOCS)
    if isinstance(org, Response):
        return org
    role = (request.query.get("role") or ["all"])[-1]
    two_factor = (request.query.get("filter") or ["all"])[-1]
    errors = []
    if role not in {"all", "admin", "member"}:
        errors.append({"resource": "Member", "field": "role", "code": "invalid", "value": role})
    if two_factor not in _MEMBER_FILTERS:
        errors.append(
            {"resource": "Member", "field": "filter", "code": "invalid", "value": two_factor}
        )
    if errors:
        return validation_failed(errors, MEMBERS_DOCS)
    states = _MEMBER_FILTERS[two_factor]
    chosen = [
        member.user
        for member in sorted(org.governance.members, key=lambda m: m.user["id"])
        if role in {"all", member.role} and (states is None or member.two_factor in states)
    ]
    page = Page.from_query(request.query)
    world.mutations.served(org, "members", page.number)
    return _paged(world, request, page, chosen)


def list_credential_authorizations(
    world: World, request: Request, params: dict[str, str]
) -> Response:
    """GET /orgs/{org}/credential-authorizations."""
    permission = "organization_administration"
    org = authorize(request.credential, _org(world, params), permission, CREDENTIALS_DOCS)
    if isinstance(org, Response):
        return org
    if not (org.governance.enterprise_cloud and org.governance.saml_sso):
        return not_found(CREDENTIALS_DOCS)  # no SAML single sign-on: nothing to list
    login = ((request.query.get("login") or [""])[-1]).lower()
    chosen = sorted(
        (c for c in org.governance.credential_authorizations
         if not login or str(c["login"]).lower() == login),
        key=lambda c: int(c["credential_id"]),
    )  # fmt: skip
    page = Page.from_query(request.query)
    world.mutations.served(org, "credential_authorizations", page.number)
    return _paged(world, request, page, chosen)


def get_audit_log(world: World, request: Request, params: dict[str, str]) -> Response:
    """GET /orgs/{org}/audit-log (or /organizations/{org_id}/audit-log)."""
    permission = "organization_administration"
    org = authorize(request.credential, _org(world, params), permission, AUDIT_DOCS)
    if isinstance(org, Response):
        return org
    if not org.governance.enterprise_cloud:
        return not_found(AUDIT_DOCS)  # the audit-log API is Enterprise Cloud only
    try:
        query = AuditQuery.parse(request.query, int(world.clock() * 1000))
    except ValidationFailedError as invalid:
        return validation_failed(invalid.errors, AUDIT_DOCS)
    log = org.governance.audit_log
    search = query.search
    events, keys = log.matching((search.wanted, search.excluded, search.include), search.keeps)
    start, end = window(keys, search.low_ms, search.high_ms)
    page, before_page, after_page = _cut(keys, start, end, query)
    chosen = [events[i] for i in page]
    ordinal = before_page // query.per_page + 1  # "page N" for `mutations.after_page`
    world.mutations.served(org, "audit_log", ordinal)
    links = _links(world, request, org, [keys[i] for i in page], before_page, after_page)
    headers = {"Link": links} if links else {}
    return Response(200, json.dumps(chosen).encode(), headers)


def _cut(keys: list[Key], start: int, end: int, query: AuditQuery) -> tuple[list[int], int, int]:
    """This page's indexes (in the order asked), and how many events lie before and after it.

    `keys[start:end]` are the matching events, oldest first; a cursor is a place between keys.
    """
    size = query.per_page
    if query.order == "asc":
        if query.before is not None:  # the page just before the cursor
            hi = min(end, bisect.bisect_left(keys, query.before))
            lo = max(start, hi - size)
        else:
            lo = (
                start if query.after is None else max(start, bisect.bisect_right(keys, query.after))
            )
            hi = min(end, lo + size)
        return list(range(lo, hi)), lo - start, end - hi
    if query.before is not None:  # newest first: "before" means newer than the cursor
        lo = max(start, bisect.bisect_right(keys, query.before))
        hi = min(end, lo + size)
    else:
        hi = end if query.after is None else min(end, bisect.bisect_left(keys, query.after))
        lo = max(start, hi - size)
    return list(range(hi - 1, lo - 1, -1)), end - hi, lo - start


def _links(
    world: World, request: Request, org: Org, page: list[Key], before: int, after: int
) -> str | None:
    """GitHub's cursor links: `next` (more after this page), `first` and `prev` (more before)."""
    # The client's other parameters are kept byte for byte; only the cursors change.
    cursors = {"after", "before"}
    kept = [p for p in request.raw_query.split("&") if p and p.split("=", 1)[0] not in cursors]
    base = f"{world.base_url}/organizations/{org.id}/audit-log?" + "".join(f"{p}&" for p in kept)
    rels = []
    if page and after > 0:
        rels.append((f"after={quote(encode_cursor(page[-1]), safe='')}&before=", "next"))
    if page and before > 0:
        rels.append(("after=&before=", "first"))
        rels.append((f"after=&before={quote(encode_cursor(page[0]), safe='')}", "prev"))
    return ", ".join(f'<{base}{cursor}>; rel="{rel}"' for cursor, rel in rels) or None


_ORG = r"/orgs/(?P<org>[^/]+)"
GOVERNANCE_ROUTES = [
    ("GET", re.compile(f"{_ORG}/members"), list_members),
    ("GET", re.compile(f"{_ORG}/credential-authorizations"), list_credential_authorizations),
    ("GET", re.compile(f"{_ORG}/audit-log"), get_audit_log),
    ("GET", re.compile(r"/organizations/(?P<org_id>\d+)/audit-log"), get_audit_log),
]
