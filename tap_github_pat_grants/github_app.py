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
from urllib.parse import urlsplit

import jwt
import requests

from tap_github_pat_grants.errors import (
    GitHubFatalError,
    IncompleteReadError,
    app_refusal_line,
    paging_loop_line,
)
from tap_github_pat_grants.github_http import Expected
from tap_github_pat_grants.instants import parse_instant
from tap_github_pat_grants.paging import IncompleteListError, PageGuard, PagingLoopError

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tap_github_pat_grants.github_http import GitHubHTTP
    from tap_github_pat_grants.settings import AppCredentials, Settings

logger = logging.getLogger("tap-github-pat-grants.auth")

JWT_BACKDATE_SECONDS = 60
JWT_LIFETIME_SECONDS = 540
# The App's own calls (JWT) have their own rate-limit budget, apart from every installation's.
APP_BUDGET = "app"
INSTALLATIONS_PER_PAGE = 100  # GitHub's maximum for GET /app/installations


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
        account = body.get("account") or {}
        return cls(
            org=str(account.get("login") or account.get("slug") or "").lower(),
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
        """A fresh App JWT (RS256, backdated a minute, nine minutes long)."""
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
            page, response = self._call("GET", path, "(discovery)", guard=guard)
            for body in page:
                if body.get("target_type") == "Organization":
                    found = Installation.from_github(body)
                    self._installations[found.org] = found
                yield body
            path = _next_path(response, self._settings.api_url, guard)

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
        expected = Expected(
            refuse=lambda answer, _: GitHubFatalError(app_refusal_line(org, answer, path)),
            shape=dict if guard is None else list,
        )

        def attempt() -> tuple[t.Any, requests.Response]:
            self.requests_made += 1
            headers = {
                "Authorization": f"Bearer {self.jwt()}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": self._settings.user_agent,
            }
            url = path if path.startswith("http") else f"{self._settings.api_url}{path}"
            # Prepared here, not by the session: the session's `auth` is a stream's OrgAuth.
            request = requests.Request(method, url, headers=headers, json=json)
            response = self._http.session.send(
                request.prepare(), timeout=self._settings.request_timeout_seconds
            )
            payload = self._http.check(response, org=org, budget_key=APP_BUDGET, expected=expected)
            if guard is not None:
                _check_page(guard, response, payload, org)
            return payload, response

        return self._http.send(attempt, org=org, budget_key=APP_BUDGET)


def _check_page(guard: PageGuard, response: requests.Response, page: list[t.Any], org: str) -> None:
    ids = [item.get("id") if isinstance(item, dict) else item for item in page]
    try:
        guard.check(response.url, response.links, len(page), ids)
    except IncompleteListError as short:
        raise IncompleteReadError(str(short), response) from None
    except PagingLoopError as loop:
        raise GitHubFatalError(paging_loop_line(org, str(loop), response)) from None
    guard.accept(response.url, response.links, ids)


def _next_path(response: requests.Response, api_url: str, guard: PageGuard) -> str | None:
    """The next page's URL (only on `api_url`), or None at the end of the list."""
    url = response.links.get("next", {}).get("url")
    if not url:
        return None
    if urlsplit(url)[:2] != urlsplit(api_url)[:2]:
        msg = (
            "(discovery): GitHub's next-page link points outside api_url; set api_url to the "
            "host GitHub's Link headers use"
        )
        raise GitHubFatalError(msg)
    try:
        guard.check_next(url)
    except PagingLoopError as loop:
        raise GitHubFatalError(paging_loop_line("(discovery)", str(loop), response)) from None
    return str(url)
