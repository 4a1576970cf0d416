"""Credentials per organization: an installation token minted by the App, or a ready token.

One `GitHubCredentials` per tap instance (never a process-wide singleton). Installation tokens
are narrowed to the read permissions the selected streams need, cached per organization until
their own `expires_at` minus a margin, minted again before that, and refreshed once after a
401. Nothing here ever logs or repeats a key, JWT or token.
"""

from __future__ import annotations

import logging
import time
import typing as t

from requests.auth import AuthBase

from tap_github_pat_grants.config import AppCredentials, Settings, TokenCredentials
from tap_github_pat_grants.github_app import GitHubApp

if t.TYPE_CHECKING:
    from collections.abc import Callable

    import requests

    from tap_github_pat_grants.github_http import GitHubHTTP

logger = logging.getLogger("tap-github-pat-grants.auth")

# Mint a new installation token this long before the old one expires (GitHub's last an
# hour); short-lived tokens get a tenth of their lifetime instead.
TOKEN_REFRESH_MARGIN_SECONDS = 300.0


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
    def permissions(self) -> dict[str, str] | None:
        """What the token may read, as GitHub said when minting it (None: unknown)."""
        return None

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

    def __init__(self, org: str, app: GitHubApp, wanted: dict[str, str]) -> None:
        """Mint tokens for this organization through the App, narrowed to `wanted`."""
        super().__init__(org)
        self._app = app
        self._wanted = wanted
        self._token: str | None = None
        self._permissions: dict[str, str] | None = None
        self._renew_at = 0.0
        self._refreshed_since_success = False

    def token(self) -> str:
        """The cached token, or a new one when it is close to expiry."""
        if self._token is None or self._app.clock() >= self._renew_at:
            # Only what the selected streams read, and only what the installation has: a
            # token that leaks can then read PAT metadata and nothing else.
            granted = self._app.installation(self.org).permissions
            narrowed = {name: level for name, level in self._wanted.items() if name in granted}
            minted = self._app.mint_token(self.org, narrowed)
            self._token, self._permissions = minted.token, minted.permissions
            now = self._app.clock()
            margin = min(TOKEN_REFRESH_MARGIN_SECONDS, max(minted.expires_at - now, 0.0) / 10)
            self._renew_at = minted.expires_at - margin
        return self._token

    @property
    def permissions(self) -> dict[str, str] | None:
        """What the current token may read (None before the first mint)."""
        return self._permissions

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


class GitHubCredentials:
    """The tap's credentials: hands out one `OrgAuth` per organization, built once."""

    def __init__(
        self,
        settings: Settings,
        http: GitHubHTTP,
        wanted: dict[str, str],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Choose the mode the settings name; installation tokens carry only `wanted`."""
        self._credentials = settings.credentials
        self._wanted = wanted
        self.app: GitHubApp | None = None
        if isinstance(settings.credentials, AppCredentials):
            self.app = GitHubApp(settings, settings.credentials, http, clock=clock)
        self._by_org: dict[str, OrgAuth] = {}

    def __repr__(self) -> str:
        """Mask."""
        return f"GitHubCredentials(orgs={sorted(self._by_org)})"

    @property
    def app_requests_made(self) -> int:
        """How many requests went to GitHub to find installations and mint tokens."""
        return self.app.requests_made if self.app else 0

    def for_org(self, org: str) -> OrgAuth:
        """The (cached) credentials object for one organization."""
        if org not in self._by_org:
            if self.app is not None:
                self._by_org[org] = InstallationTokenAuth(org, self.app, self._wanted)
            else:
                assert isinstance(self._credentials, TokenCredentials)  # noqa: S101
                self._by_org[org] = StaticTokenAuth(org, self._credentials.token)
        return self._by_org[org]
