"""What an organization holds besides PAT grants: members and their roles, the credentials
members authorized for SAML single sign-on, the audit log, and the plan flags that gate them.

`org.governance` on every `Org`:
- `enterprise_cloud` (GitHub Enterprise Cloud: the audit-log API exists; otherwise 404) and
  `saml_sso` (SAML single sign-on: credential authorizations exist; they also need Enterprise
  Cloud; otherwise 404) are plain flags, both on by default;
- `members`, `credential_authorizations` and `audit_log` are built on first use when the org was
  generated (`generate_org`, `attach_governance`), so a 100,000-grant org costs nothing until a
  test reads them; a hand-made org starts with none and tests add their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fake_github.audit_log import AuditLog
from tests.fake_github.shapes import user

Json = dict[str, Any]

# The installation permissions the three endpoints need: GitHub's "Administration"
# organization permission (read) for credential authorizations and the audit log, and
# "Members" (read) for the member list. Not granted by default: tests grant them.
GOVERNANCE_PERMISSIONS = {"organization_administration": "read", "members": "read"}
ROLES = ("admin", "member")  # GitHub's `role` filter: admin = organization owner
TWO_FACTOR = ("secure", "insecure", "disabled")  # what `filter=2fa_insecure|2fa_disabled` sees


@dataclass(eq=False)
class Member:
    """One member: GitHub's Simple User, the role, and how they sign in (for `filter`)."""

    user: Json
    role: str = "member"
    two_factor: str = "secure"

    @property
    def login(self) -> str:
        """The member's login."""
        return str(self.user["login"])


@dataclass
class Parts:
    """The generated data, built together (they refer to the same people)."""

    members: list[Member] = field(default_factory=list)
    credential_authorizations: list[Json] = field(default_factory=list)
    audit_log: AuditLog = field(default_factory=AuditLog)


class Governance:
    """An organization's members, credential authorizations, audit log and plan flags."""

    def __init__(
        self,
        *,
        enterprise_cloud: bool = True,
        saml_sso: bool = True,
        build: Callable[[], Parts] | None = None,
    ) -> None:
        self.enterprise_cloud = enterprise_cloud
        self.saml_sso = saml_sso
        self._build = build
        self._parts: Parts | None = None
        self._lock = threading.Lock()

    def _ready(self) -> Parts:
        with self._lock:
            if self._parts is None:
                self._parts = self._build() if self._build is not None else Parts()
                self._build = None
            return self._parts

    @property
    def built(self) -> bool:
        """Whether the data exists yet (it is built on first use)."""
        return self._parts is not None

    @property
    def members(self) -> list[Member]:
        """The members, both roles (a plain list: tests may change it)."""
        return self._ready().members

    @property
    def credential_authorizations(self) -> list[Json]:
        """The SAML credential authorizations, as GitHub's JSON objects."""
        return self._ready().credential_authorizations

    @property
    def audit_log(self) -> AuditLog:
        """The organization's audit log."""
        return self._ready().audit_log

    def member(self, login: str) -> Member | None:
        """The member with that login (any case), or None."""
        return next((m for m in self.members if m.login.lower() == login.lower()), None)

    def add_member(self, login_or_user: str | Json, role: str = "member", **more: Any) -> Member:
        """Someone joins (a login makes a Simple User with a stable id)."""
        if role not in ROLES:
            msg = f"role must be one of {ROLES}"
            raise ValueError(msg)
        if isinstance(login_or_user, str):
            login_or_user = user(login_or_user, 5_000_000 + sum(map(ord, login_or_user.lower())))
        if self.member(str(login_or_user["login"])) is not None:
            msg = f"{login_or_user['login']} is already a member"
            raise ValueError(msg)
        added = Member(login_or_user, role, **more)
        self.members.append(added)
        return added

    def remove_member(self, login: str) -> Member:
        """A member leaves (their grants stay: GitHub only marks their tokens inactive)."""
        found = self.member(login)
        if found is None:
            raise KeyError(login)
        self.members.remove(found)
        return found
