"""Credentials: GitHub App JWT -> one installation token per organization, or a ready token.

One `GitHubCredentials` per tap instance (never a process-wide singleton). Tokens are cached
per organization until their own `expires_at` minus a margin, minted again before that, and
refreshed once after a 401. Nothing here ever logs or repeats a key, JWT or token.
"""

from __future__ import annotations

import logging
import time
import typing as t

import jwt
import requests
from requests.auth import AuthBase

from tap_github_pat_grants.errors import GitHubFatalError, app_refusal_line
from tap_github_pat_grants.github_http import Expected
from tap_github_pat_grants.instants import parse_instant
from tap_github_pat_grants.settings import AppCredentials, Settings, TokenCredentials

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from tap_github_pat_grants.github_http import GitHubHTTP

logger = logging.getLogger("tap-github-pat-grants.auth")

# GitHub: the JWT's `iat` should be 60 s in the past (clock drift), `exp` at most 10 minutes
# after now. https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
JWT_BACKDATE_SECONDS = 60
JWT_LIFETIME_SECONDS = 540
# Mint a new installation token this long before the old one expires (GitHub's last an
# hour); short-lived tokens get a tenth of their lifetime instead.
TOKEN_REFRESH_MARGIN_SECONDS = 300.0
# The App's own calls (JWT) have their own rate-limit budget, apart from every installation's.
APP_BUDGET = "app"


class OrgAuth(AuthBase):
    """Adds one organization's credentials to a request; knows how to refresh them."""

    def __init__(self, org: str) -> None:
        """Bind to an organization login."""
        self.org = org

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Set `Authorization` on an outgoing request."""
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request

    def __repr__(self) -> str:
        """Mask: the class name and org only."""
        return f"{type(self).__name__}(org={self.org!r}, token=<redacted>)"

    def token(self) -> str:
        """A token valid now for this organization."""
        raise NotImplementedError

    def refresh_after_unauthorized(self) -> bool:
        """After a 401: drop the token and return True to resend once; False if fatal."""
        raise NotImplementedError

    def note_success(self) -> None:
        """A request with the current token succeeded: a later 401 may refresh again."""

    @property
    def unauthorized_advice(self) -> str:
        """What the person should do when GitHub keeps answering 401."""
        raise NotImplementedError


class StaticTokenAuth(OrgAuth):
    """`auth_token` mode: a ready installation token that the tap cannot renew."""

    def __init__(self, org: str, token: str) -> None:
        """Use the given token for this organization."""
        super().__init__(org)
        self._token = token

    def token(self) -> str:
        """The configured token."""
        return self._token

    def refresh_after_unauthorized(self) -> bool:
        """A ready token cannot be renewed: a 401 is fatal."""
        return False

    @property
    def unauthorized_advice(self) -> str:
        """What to do when the configured token is rejected."""
        return (
            "auth_token was rejected (expired or revoked); mint a new installation token, "
            "or configure app_id + private_key so the tap renews tokens itself"
        )


class InstallationTokenAuth(OrgAuth):
    """GitHub App mode: the org's installation token, minted and renewed on demand."""

    def __init__(self, org: str, app: GitHubApp) -> None:
        """Mint tokens for this organization through the App."""
        super().__init__(org)
        self._app = app
        self._token: str | None = None
        self._renew_at = 0.0
        self._refreshed_since_success = False

    def token(self) -> str:
        """The cached token, or a new one when it is close to expiry."""
        if self._token is None or self._app.clock() >= self._renew_at:
            self._token, expires_at = self._app.mint_installation_token(self.org)
            now = self._app.clock()
            margin = min(TOKEN_REFRESH_MARGIN_SECONDS, max(expires_at - now, 0.0) / 10)
            self._renew_at = expires_at - margin
        return self._token

    def refresh_after_unauthorized(self) -> bool:
        """Drop the token and allow one resend, unless we already did since the last success."""
        if self._refreshed_since_success:
            return False
        self._refreshed_since_success = True
        self._token = None
        logger.info("Installation token for org %s was rejected (401); minting a new one", self.org)
        return True

    def note_success(self) -> None:
        """Allow a refresh again after the next 401."""
        self._refreshed_since_success = False

    @property
    def unauthorized_advice(self) -> str:
        """What to do when even a fresh installation token is rejected."""
        return (
            "a freshly minted installation token was rejected twice; check that the App "
            "is not suspended and is still installed on the organization"
        )


class GitHubApp:
    """The App's side of authentication: JWTs, installation ids, installation tokens."""

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
        self._installation_ids: dict[str, int] = {}
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

    def mint_installation_token(self, org: str) -> tuple[str, float]:
        """A new installation token for `org` and its expiry (epoch seconds)."""
        installation_id = self._installation_id(org)
        body = self._call("POST", f"/app/installations/{installation_id}/access_tokens", org)
        expires_at = parse_instant(str(body["expires_at"]))
        logger.info(
            "Minted an installation token for org %s (installation %s, expires %s)",
            org,
            installation_id,
            body["expires_at"],
        )
        return str(body["token"]), expires_at.timestamp()

    def _installation_id(self, org: str) -> int:
        if org not in self._installation_ids:
            body = self._call("GET", f"/orgs/{org}/installation", org)
            self._installation_ids[org] = int(str(body["id"]))
        return self._installation_ids[org]

    def _call(self, method: str, path: str, org: str) -> dict[str, t.Any]:
        """One App-authenticated call, through the same HTTP policy as every other request."""

        def attempt() -> dict[str, t.Any]:
            self.requests_made += 1
            headers = {
                "Authorization": f"Bearer {self.jwt()}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": self._settings.user_agent,
            }
            # Prepared here, not by the session: the session's `auth` is a stream's OrgAuth.
            request = requests.Request(method, f"{self._settings.api_url}{path}", headers=headers)
            response = self._http.session.send(
                request.prepare(), timeout=self._settings.request_timeout_seconds
            )
            expected = Expected(
                refuse=lambda answer, _: GitHubFatalError(app_refusal_line(org, answer, path)),
                shape=dict,
            )
            payload: dict[str, t.Any] = self._http.check(
                response, org=org, budget_key=APP_BUDGET, expected=expected
            )
            return payload

        return self._http.send(attempt, org=org, budget_key=APP_BUDGET)


class GitHubCredentials:
    """The tap's credentials: hands out one `OrgAuth` per organization, built once."""

    def __init__(
        self,
        settings: Settings,
        http: GitHubHTTP,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Choose the mode the settings name (they were checked: exactly one is set)."""
        self._credentials = settings.credentials
        self._app: GitHubApp | None = None
        if isinstance(settings.credentials, AppCredentials):
            self._app = GitHubApp(settings, settings.credentials, http, clock=clock)
        self._by_org: dict[str, OrgAuth] = {}

    def __repr__(self) -> str:
        """Mask."""
        return f"GitHubCredentials(orgs={sorted(self._by_org)})"

    @property
    def app_requests_made(self) -> int:
        """How many requests went to GitHub to find installations and mint tokens."""
        return self._app.requests_made if self._app else 0

    def for_org(self, org: str) -> OrgAuth:
        """The (cached) credentials object for one organization."""
        if org not in self._by_org:
            if self._app is not None:
                self._by_org[org] = InstallationTokenAuth(org, self._app)
            else:
                assert isinstance(self._credentials, TokenCredentials)  # noqa: S101
                self._by_org[org] = StaticTokenAuth(org, self._credentials.token)
        return self._by_org[org]
