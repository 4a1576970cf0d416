"""The fake GitHub's state: organizations, App identity, tokens, budgets, faults, request log."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tests.fake_github.auth import AppKeys, AuthKind, InstallationTokens
from tests.fake_github.data import new_org
from tests.fake_github.faults import Faults
from tests.fake_github.hostile import Hostile
from tests.fake_github.installations import Installations
from tests.fake_github.mutations import Mutations
from tests.fake_github.queries import Filter, select
from tests.fake_github.ratelimit import AUDIT_LOG_LIMIT, RateLimits

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from tests.fake_github.records import Grant, Org, PatRequest

_ORG_IN_PATH = re.compile(r"/orgs/([^/]+)")
_ORG_ID_IN_PATH = re.compile(r"/organizations/(\d+)/")
_INSTALLATION_IN_PATH = re.compile(r"/app/installations/(\d+)/")
_AUDIT_LOG = re.compile(r"/(?:orgs/[^/]+|organizations/\d+)/audit-log")


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the server saw it (`query` holds every value exactly as sent)."""

    method: str
    path: str
    query: dict[str, list[str]]
    auth_kind: AuthKind
    status: int  # 0 when a `drop` fault answered nothing
    at: float  # time.monotonic() when the request arrived
    org: str | None
    request_id: str = ""
    fault: str | None = None  # the fault action applied, if any
    # Request headers, `Authorization` reduced to its scheme (tests check what was sent).
    headers: dict[str, str] = field(default_factory=dict)


class World:
    """Everything the HTTP handler reads and tests change between runs."""

    def __init__(
        self,
        app_keys: AppKeys,
        *,
        token_ttl_seconds: float,
        latency_seconds: float,
        rate_limit: int,
    ) -> None:
        self.app_keys = app_keys
        self.token_ttl_seconds = token_ttl_seconds
        self.latency_seconds = latency_seconds
        # Seams like the tap's: a test can run token expiry and latency on a virtual clock.
        self.clock: Callable[[], float] = time.time
        self.sleep: Callable[[float], None] = time.sleep
        self.base_url = ""
        self.orgs: dict[str, Org] = {}
        self.tokens = InstallationTokens()
        self.rate_limits = RateLimits(rate_limit)
        self.audit_rate_limits = RateLimits(AUDIT_LOG_LIMIT, resource="audit_log")
        self.faults = Faults()
        self.hostile = Hostile()
        self.installations = Installations(self)  # users, enterprises, suspensions, mints
        self.mutations = Mutations(self)  # lists that change while they are paged
        self.requests_log: list[LoggedRequest] = []
        self.server_errors: list[str] = []
        self._lock = threading.Lock()

    @property
    def app_id(self) -> str:
        """The App id (a JWT `iss` may be this or the client id)."""
        return self.app_keys.app_id

    @property
    def client_id(self) -> str:
        """The App's client id, e.g. `Iv1.abc123`."""
        return self.app_keys.client_id

    def add_org(
        self,
        org: str | Org,
        *,
        installed: bool | None = None,
        permissions: dict[str, str] | None = None,
        grants: Iterable[Grant] = (),
        requests: Iterable[PatRequest] = (),
    ) -> Org:
        """Add an organization (a login or a generated `Org`); returns the live, mutable Org."""
        added = new_org(org) if isinstance(org, str) else org
        if installed is not None:
            added.installed = installed
        if permissions is not None:
            added.permissions = dict(permissions)
        added.grants.extend(grants)
        added.requests.extend(requests)
        with self._lock:
            if added.login.lower() in self.orgs:
                msg = f"organization {added.login!r} already exists"
                raise ValueError(msg)
            if self.find_org_by_id(added.id) is not None:
                msg = f"organization id {added.id} already exists"
                raise ValueError(msg)
            self.orgs[added.login.lower()] = added
        self.warm(added)
        return added

    def org(self, login: str) -> Org:
        """The organization with that login (any case); KeyError when unknown."""
        return self.orgs[login.lower()]

    def find_org(self, login: str) -> Org | None:
        """Organization logins are case-insensitive on GitHub."""
        return self.orgs.get(login.lower())

    def find_org_by_id(self, org_id: int) -> Org | None:
        """The organization with that numeric id."""
        return next((org for org in self.orgs.values() if org.id == org_id), None)

    def find_installation(self, installation_id: int) -> Org | None:
        """The organization where the App has that installation (installed orgs only)."""
        found = (o for o in self.orgs.values() if o.installation_id == installation_id)
        org = next(found, None)
        return org if org is not None and org.installed else None

    def org_in_path(self, path: str) -> str | None:
        """The organization a path is about (its real login when known), for the log."""
        org = None
        if match := _ORG_IN_PATH.match(path):
            org = self.find_org(match.group(1))
            if org is None:
                return match.group(1)
        elif match := _ORG_ID_IN_PATH.match(path):
            org = self.find_org_by_id(int(match.group(1)))
        elif match := _INSTALLATION_IN_PATH.match(path):
            org = self.find_installation(int(match.group(1)))
        return org.login if org is not None else None

    def mint_token_for(self, org_login: str) -> str:
        """A valid installation token for that organization (for auth_token-mode tests)."""
        org = self.org(org_login)
        if not org.installed:
            msg = f"the App is not installed on {org.login}"
            raise ValueError(msg)
        return self.tokens.mint(org.installation_id, self.token_ttl_seconds, self.clock())[0]

    def revoke_tokens(self) -> None:
        """Every installation token issued so far now gets 401 Bad credentials."""
        self.tokens.revoke_all()

    def set_rate_limit(
        self,
        *,
        remaining: int,
        reset_at: float | None = None,
        limit: int | None = None,
        org: str | None = None,
    ) -> None:
        """Script the primary rate limit of one org's installation (default: every org's)."""
        orgs = [self.org(org)] if org is not None else list(self.orgs.values())
        keys: list[object] = [o.installation_id for o in orgs]
        self.rate_limits.set(keys, remaining=remaining, reset_at=reset_at, limit=limit)

    def set_audit_rate_limit(
        self,
        *,
        remaining: int,
        reset_at: float | None = None,
        limit: int | None = None,
        org: str | None = None,
        status: int | None = None,
    ) -> None:
        """Script the audit log's own budget (default: every org's); `status` 403 or 429."""
        orgs = [self.org(org)] if org is not None else list(self.orgs.values())
        keys: list[object] = [o.installation_id for o in orgs]
        self.audit_rate_limits.set(keys, remaining=remaining, reset_at=reset_at, limit=limit)
        if status is not None:
            self.audit_rate_limits.exhausted_status = status

    def limits_for(self, path: str) -> RateLimits:
        """The budget a request to this path spends: the audit log's own, or `core`."""
        return self.audit_rate_limits if _AUDIT_LOG.fullmatch(path) else self.rate_limits

    def reset_log(self) -> None:
        """Forget the requests logged so far."""
        self.requests_log.clear()

    def log(self, entry: LoggedRequest) -> None:
        """Record one request."""
        self.requests_log.append(entry)

    def warm(self, org: Org) -> None:
        """Encode every record and sort the default listing now, not during a timed run."""
        if not self.base_url:
            return
        org.grants.encode_each(select(org.grants, Filter()), self.base_url, org.id)
        org.requests.encode_each(select(org.requests, Filter()), self.base_url, org.id)
