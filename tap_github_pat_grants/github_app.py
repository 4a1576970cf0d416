"""The GitHub App's own calls: its JWT, its installations, and installation tokens.

GitHub: the JWT's `iat` should be 60 s in the past (clock drift) and `exp` at most 10 minutes
later (https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/
generating-a-json-web-token-jwt-for-a-github-app). The token URL is built from `api_url`, so
GitHub Enterprise works. Every call goes through the tap's one HTTP policy, with the App's own
rate-limit budget. Nothing here ever logs or repeats the key, a JWT or a token.
"""

from __future__ import annotations

import logging
import time
import typing as t
from dataclasses import dataclass, field

import jwt
import requests

from tap_github_pat_grants.error_lines import app_refusal_line
from tap_github_pat_grants.errors import GitHubFatalError
from tap_github_pat_grants.github_http import GITHUB_HEADERS, ResponseHandlers
from tap_github_pat_grants.instants import parse_instant
from tap_github_pat_grants.page_guard import PageGuard
from tap_github_pat_grants.paging import accept_page, next_link

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tap_github_pat_grants.config import AppCredentials, Settings
    from tap_github_pat_grants.github_http import GitHubHTTP

logger = logging.getLogger("tap-github-pat-grants.auth")

JWT_BACKDATE_SECONDS = 60
JWT_LIFETIME_SECONDS = 540
# The App's own calls (JWT) have their own rate-limit budget, apart from every installation's.
APP_BUDGET = "app"
INSTALLATIONS_PER_PAGE = 100  # GitHub's maximum for GET /app/installations
DISCOVERY = "(discovery)"  # stands for the org in the lines of the installation listing


def account_login(installation: dict[str, t.Any]) -> str:
    """The login of the account an installation is on, as GitHub wrote it ('' if none)."""
    account = installation.get("account") or {}
    return str(account.get("login") or account.get("slug") or account.get("name") or "")


@dataclass(frozen=True)
class Installation:
    """The App's installation on one organization, as GitHub describes it."""

    org: str  # the organization's login, lower-case
    id: int
    permissions: dict[str, str] = field(default_factory=dict)
    suspended_at: str | None = None

    @classmethod
    def from_github(cls, body: dict[str, t.Any]) -> Installation:
        """From GitHub's installation object (`GET /orgs/{org}/installation` or the list)."""
        return cls(
            org=account_login(body).lower(),
            id=int(body["id"]),
            permissions={str(k): str(v) for k, v in (body.get("permissions") or {}).items()},
            suspended_at=body.get("suspended_at"),
        )


@dataclass(frozen=True)
class InstallationToken:
    """A minted installation token: its secret, expiry (epoch seconds) and permissions."""

    token: str = field(repr=False)
    expires_at: float
    permissions: dict[str, str]


class GitHubApp:
    """The App's side of authentication: JWTs, installations, installation tokens."""

    def __init__(
        self,
        settings: Settings,
        credentials: AppCredentials,
        http: GitHubHTTP,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Prepare to sign JWTs with the App's key (parsed once, when settings were checked)."""
        self._settings = settings
        self._app_id = credentials.app_id
        self._key = credentials.signing_key
        self._http = http
        self.clock = clock
        self._installations: dict[str, Installation] = {}
        self.requests_made = 0

    def __repr__(self) -> str:
        """Mask: never show the key."""
        return f"GitHubApp(app_id={self._app_id!r}, private_key=<redacted>)"

    def jwt(self) -> str:
        """A fresh App JWT (RS256, issued a minute ago, expiring nine minutes from now)."""
        now = int(self.clock())
        claims = {
            "iat": now - JWT_BACKDATE_SECONDS,
            "exp": now + JWT_LIFETIME_SECONDS,
            "iss": self._app_id,
        }
        return jwt.encode(claims, self._key, algorithm="RS256")  # type: ignore[arg-type]

    def installation(self, org: str) -> Installation:
        """The App's installation on `org` (looked up once, unless discovery found it)."""
        if org not in self._installations:
            body, _ = self._call("GET", f"/orgs/{org}/installation", org)
            self._installations[org] = Installation.from_github(body)
        return self._installations[org]

    def installations(self) -> Iterator[dict[str, t.Any]]:
        """Every installation of the App (`GET /app/installations`, paged), as GitHub wrote it.

        Each one found on an organization is remembered: no lookup per org afterwards.
        """
        guard = PageGuard(INSTALLATIONS_PER_PAGE)
        path: str | None = f"/app/installations?per_page={INSTALLATIONS_PER_PAGE}"
        while path is not None:
            page, response = self._call("GET", path, DISCOVERY, guard=guard)
            for body in page:
                if body.get("target_type") == "Organization":
                    found = Installation.from_github(body)
                    self._installations[found.org] = found
                yield body
            path = next_link(response, self._http.session.origin, guard, DISCOVERY)

    def mint_token(self, org: str, permissions: dict[str, str]) -> InstallationToken:
        """A new installation token for `org`, narrowed to `permissions` (all if empty)."""
        installation = self.installation(org)
        path = f"/app/installations/{installation.id}/access_tokens"
        wanted = {"permissions": permissions} if permissions else None
        body, _ = self._call("POST", path, org, json=wanted)
        expires_at = parse_instant(str(body["expires_at"])).timestamp()
        granted = {str(k): str(v) for k, v in (body.get("permissions") or {}).items()}
        logger.info(
            "Minted an installation token for org %s (installation %s, expires %s, %s)",
            org,
            installation.id,
            body["expires_at"],
            ", ".join(f"{name}: {level}" for name, level in sorted(granted.items())) or "-",
        )
        return InstallationToken(str(body["token"]), expires_at, granted)

    def _call(
        self,
        method: str,
        path: str,
        org: str,
        *,
        guard: PageGuard | None = None,
        json: dict[str, t.Any] | None = None,
    ) -> tuple[t.Any, requests.Response]:
        """One App-authenticated call, through the same HTTP policy as every other request.

        With a `guard` the answer is a page of a list; without, one object.
        """
        handlers = ResponseHandlers(
            refuse=lambda answer, _: GitHubFatalError(app_refusal_line(org, answer, path)),
            shape=dict if guard is None else list,
        )
        request = _Request(method, path, org, handlers, guard, json)
        return self._http.send(lambda: self._send_once(request), org=org, budget_key=APP_BUDGET)

    def _send_once(self, call: _Request) -> tuple[t.Any, requests.Response]:
        self.requests_made += 1
        headers = {
            **GITHUB_HEADERS,
            "Authorization": f"Bearer {self.jwt()}",
            "User-Agent": self._settings.user_agent,
        }
        path = call.path
        url = path if path.startswith("http") else f"{self._settings.api_url}{path}"
        # Prepared here, not by the session: the session's `auth` is a stream's OrgAuth.
        request = requests.Request(call.method, url, headers=headers, json=call.json)
        response = self._http.session.send(
            request.prepare(), timeout=self._settings.request_timeout_seconds
        )
        payload = self._http.check(
            response, org=call.org, budget_key=APP_BUDGET, handlers=call.handlers
        )
        if call.guard is not None:
            ids = [item.get("id") if isinstance(item, dict) else item for item in payload]
            accept_page(call.guard, response, len(payload), ids, call.org)
        return payload, response


@dataclass(frozen=True)
class _Request:
    """One App call: what to send, and how its answer is checked."""

    method: str
    path: str
    org: str
    handlers: ResponseHandlers
    guard: PageGuard | None
    json: dict[str, t.Any] | None
