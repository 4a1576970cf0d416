"""The App's installations as GitHub serves them: listed, looked up, suspended, uninstalled.

`GET /app/installations` (App JWT only) lists every installation of the App, 100 a page at
most, with GitHub's `Link` header: organizations, and also users and (since 2025) enterprise
accounts, which grant no organization access. A token mint (`POST .../access_tokens`) records
its `permissions` body and, as GitHub does, answers 422 when it asks for more than the
installation was granted; the token it returns can do only what it asked for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fake_github.auth import JWT_UNDECODABLE
from tests.fake_github.data import generate_org, stable_id
from tests.fake_github.queries import LEVELS, Page, link_header
from tests.fake_github.responses import Response, error, json_response, not_found
from tests.fake_github.shapes import organization_account, user
from tests.fake_github.timestamps import format_utc

if TYPE_CHECKING:
    from tests.fake_github.auth import Credential
    from tests.fake_github.records import Org
    from tests.fake_github.routes import Request
    from tests.fake_github.world import World

Json = dict[str, Any]

_APP_DOCS = "https://docs.github.com/rest/apps/apps"
_DOCS = "https://docs.github.com/rest"
NOT_GRANTED = "The permissions requested are not granted to this installation."
SUSPENDED = "This installation has been suspended"
_CREATED = "2023-01-04T10:12:31.000Z"


@dataclass
class OtherInstallation:
    """An installation on an account that is not an organization (a user, an enterprise)."""

    id: int
    account: Json
    target_type: str  # "User" | "Enterprise"
    permissions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TokenRequest:
    """One token mint as the server saw it: for whom, the `permissions` body, the answer."""

    installation_id: int
    org: str | None
    permissions: dict[str, str] | None  # None: the body asked for no narrowing
    status: int


def enterprise_account(slug: str, enterprise_id: int) -> Json:
    """GitHub's Enterprise object, the `account` of an enterprise installation."""
    return {
        "id": enterprise_id,
        "slug": slug,
        "name": slug.replace("-", " ").title(),
        "node_id": f"E_kgDO{enterprise_id:08d}",
        "avatar_url": f"https://avatars.githubusercontent.com/b/{enterprise_id}?v=4",
        "description": None,
        "website_url": None,
        "html_url": f"https://github.com/enterprises/{slug}",
        "created_at": _CREATED,
        "updated_at": _CREATED,
    }


class Installations:
    """Installations besides the organizations' own, suspensions, and every token mint."""

    def __init__(self, world: World) -> None:
        self._world = world
        self.others: list[OtherInstallation] = []
        self.suspended: dict[int, str] = {}  # installation id -> `suspended_at`
        self.token_requests: list[TokenRequest] = []

    def add_user(self, login: str) -> OtherInstallation:
        """The App installed on a personal account."""
        account = user(login, stable_id(login, "user", 2_000_000, 1_000_000))
        return self._add(login, account, "User")

    def add_enterprise(self, slug: str) -> OtherInstallation:
        """The App installed on an enterprise account (no organization access)."""
        account = enterprise_account(slug, stable_id(slug, "enterprise", 1_000, 90_000))
        return self._add(slug, account, "Enterprise")

    def _add(self, name: str, account: Json, kind: str) -> OtherInstallation:
        installation_id = stable_id(name, f"installation:{kind}", 90_000_000, 9_000_000)
        added = OtherInstallation(installation_id, account, kind, {"members": "read"})
        self.others.append(added)
        return added

    def suspend(self, login: str, at: str = "2025-03-01T09:00:00Z") -> None:
        """Suspend the App's installation on an organization (listed with `suspended_at`)."""
        self.suspended[self._world.org(login).installation_id] = at

    def uninstall(self, login: str) -> None:
        """Remove the App from an org: its lookup and mints answer 404, its tokens 401."""
        org = self._world.org(login)
        org.installed = False
        self._world.tokens.revoke_installation(org.installation_id)

    def add_orgs(self, count: int, *, prefix: str = "org", grants: int = 0) -> list[Org]:
        """Install the App on `count` more organizations at once, e.g. 150 or 300."""
        return [
            self._world.add_org(generate_org(f"{prefix}-{n:03d}", grants, seed=n))
            for n in range(1, count + 1)
        ]

    def documents(self) -> list[Json]:
        """Every installation of the App, in id order, as `GET /app/installations` lists them."""
        found = [self.document(org) for org in self._world.orgs.values() if org.installed]
        found += [self._other_document(other) for other in self.others]
        return sorted(found, key=lambda installation: int(installation["id"]))

    def document(self, org: Org) -> Json:
        """GitHub's installation object for an organization."""
        suspended_at = self.suspended.get(org.installation_id)
        return self._shape(
            org.installation_id,
            organization_account(org.login, org.id),
            "Organization",
            org.permissions,
            suspended_at,
            f"https://github.com/organizations/{org.login}/settings/installations",
        )

    def _other_document(self, other: OtherInstallation) -> Json:
        login = other.account.get("login") or other.account.get("slug")
        place = "enterprises" if other.target_type == "Enterprise" else "settings"
        return self._shape(
            other.id,
            other.account,
            other.target_type,
            other.permissions,
            None,
            f"https://github.com/{place}/{login}/installations",
        )

    def _shape(
        self,
        installation_id: int,
        account: Json,
        target_type: str,
        permissions: dict[str, str],
        suspended_at: str | None,
        settings_url: str,
    ) -> Json:
        base, app_id = self._world.base_url, self._world.app_id
        return {
            "id": installation_id,
            "client_id": self._world.client_id,
            "account": account,
            "repository_selection": "all",
            "access_tokens_url": f"{base}/app/installations/{installation_id}/access_tokens",
            "repositories_url": f"{base}/installation/repositories",
            "html_url": f"{settings_url}/{installation_id}",
            "app_id": int(app_id) if app_id.isdigit() else app_id,
            "app_slug": "pat-grants-reader",
            "target_id": account["id"],
            "target_type": target_type,
            "permissions": dict(permissions),
            "events": [],
            "created_at": _CREATED,
            "updated_at": _CREATED,
            "single_file_name": None,
            "has_multiple_single_files": False,
            "single_file_paths": [],
            "suspended_by": user("octo-admin", 4_000_001) if suspended_at else None,
            "suspended_at": suspended_at,
        }


def require_app_jwt(credential: Credential) -> Response | None:
    """GitHub's 401 for an App endpoint called without a valid App JWT."""
    if credential.kind == "jwt":
        return None
    if credential.kind == "invalid" and credential.looks_like_jwt:
        return error(401, credential.error or JWT_UNDECODABLE, _DOCS)
    return error(401, JWT_UNDECODABLE, _DOCS)


def list_installations(world: World, request: Request, params: dict[str, str]) -> Response:
    """GET /app/installations (App JWT)."""
    denied = require_app_jwt(request.credential)
    if denied is not None:
        return denied
    every = world.installations.documents()
    page = Page.from_query(request.query)
    link = link_header(world.base_url, request.path, request.raw_query, page, len(every))
    return json_response(200, page.slice(every), {"Link": link} if link else {})


def get_installation(world: World, request: Request, params: dict[str, str]) -> Response:
    """GET /orgs/{org}/installation (App JWT)."""
    denied = require_app_jwt(request.credential)
    if denied is not None:
        return denied
    org = world.find_org(params["org"])
    if org is None or not org.installed:
        return not_found(f"{_APP_DOCS}#get-an-organization-installation-for-the-authenticated-app")
    return json_response(200, world.installations.document(org))


def create_access_token(world: World, request: Request, params: dict[str, str]) -> Response:
    """POST /app/installations/{installation_id}/access_tokens (App JWT)."""
    denied = require_app_jwt(request.credential)
    if denied is not None:
        return denied
    installation_id = int(params["installation_id"])
    org = world.find_installation(installation_id)
    wanted = _wanted_permissions(request.body)
    response = _mint(world, org, wanted)
    login = org.login if org is not None else None
    world.installations.token_requests.append(
        TokenRequest(installation_id, login, wanted, response.status)
    )
    return response


def _mint(world: World, org: Org | None, wanted: dict[str, str] | None) -> Response:
    if org is None:
        return not_found(f"{_APP_DOCS}#create-an-installation-access-token-for-an-app")
    if org.installation_id in world.installations.suspended:
        return error(403, SUSPENDED, f"{_APP_DOCS}#create-an-installation-access-token-for-an-app")
    granted = dict(org.permissions)
    if wanted is not None and not _within(wanted, granted):
        return error(
            422, NOT_GRANTED, f"{_APP_DOCS}#create-an-installation-access-token-for-an-app"
        )
    token, expires_at = world.tokens.mint(
        org.installation_id, world.token_ttl_seconds, world.clock(), wanted
    )
    payload = {
        "token": token,
        "expires_at": format_utc(expires_at),
        "permissions": dict(wanted if wanted is not None else granted),
        "repository_selection": "all",
    }
    return json_response(201, payload)


def _wanted_permissions(body: bytes) -> dict[str, str] | None:
    """The `permissions` of a token request body (None when it asks for no narrowing)."""
    try:
        document = json.loads(body) if body else {}
    except ValueError:
        return None
    wanted = document.get("permissions") if isinstance(document, dict) else None
    return {str(k): str(v) for k, v in wanted.items()} if isinstance(wanted, dict) else None


def _within(wanted: dict[str, str], granted: dict[str, str]) -> bool:
    """Each permission asked for was granted to the installation, at that level or higher."""
    return all(
        LEVELS.get(level, 99) <= LEVELS.get(granted.get(name, ""), 0)
        for name, level in wanted.items()
    )
