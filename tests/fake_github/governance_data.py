"""Deterministic members, credential authorizations and audit events for a generated org.

Built from the org's grants and pending requests, with a random stream of its own (seeded by
login, seed and "governance"), so the grants and requests of a seed never change:
- members: the token owners (but a share of grant owners who left the organization), a few
  dedicated owners who approve requests, some token owners who are owners themselves, and
  members with no token; each with a 2FA state for `filter`;
- credential authorizations (SAML SSO) of members: classic PATs with scopes and the last eight
  characters only, sometimes no expiry or never used; SSH keys (`fingerprint`, no scopes);
  a few OAuth app tokens;
- audit events within `history_days`: for each grant, `request_created` (the token's owner,
  with a request id that is no longer pending) then `access_granted` (an approver; owners'
  tokens need no approval, so theirs is granted by themselves), `user_programmatic_access_id`
  being the grant's `token_id`; `request_created` of each pending request
  (`user_programmatic_access_request_id` = `pat_requests.id`); tokens granted then revoked,
  requests denied and cancelled, policy changes under both names of the auto-approve switch,
  and unrelated actions (web and Git) that a `phrase` must leave out. A share of approvals is
  made through the API by a GitHub App: those events carry the *acting* credential's
  `token_id`, `hashed_token` and `programmatic_access_type`.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.fake_github.audit_log import AuditLog
from tests.fake_github.governance import Governance, Member, Parts
from tests.fake_github.governance_events import EventMaker
from tests.fake_github.shapes import user
from tests.fake_github.timestamps import format_utc

if TYPE_CHECKING:
    from tests.fake_github.records import Org

DAY = 86_400
_SCOPES = (["repo"], ["repo", "admin:org"], ["read:org"], ["admin:enterprise", "repo"],
           ["write:packages", "read:packages"], ["delete_repo", "repo"], ["user"],
           ["workflow", "repo"], ["admin:public_key"], [])  # fmt: skip
_NOTES = ("deploy script", "laptop", "terraform", "backup job", "release", None)
_KEY_TITLES = ("work laptop", "ci runner", "yubikey", "desktop")
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@dataclass(frozen=True)
class GovernanceOptions:
    """The knobs: plan flags and how much of each kind of data to make."""

    enterprise_cloud: bool = True
    saml_sso: bool = True
    left_share: float = 0.1  # grant owners who are no longer members
    owner_share: float = 0.05  # token owners who are organization owners (role admin)
    approvers: int = 2  # owners who approve requests and own no token
    other_members: int | None = None  # members with no token (None: a quarter of the owners)
    credential_share: float = 0.6  # members with SAML-authorized credentials
    history_days: int = 200  # audit events this far back (GitHub keeps 180 days)
    revoked: int | None = None  # tokens granted and revoked (None: a tenth of the grants + 1)
    denied: int = 3
    cancelled: int = 2
    unrelated: int = 12


def attach_governance(
    org: Org, *, seed: int | str = 0, now: float, options: GovernanceOptions | None = None
) -> Governance:
    """Give `org` generated governance data (built on first use, from its grants now)."""
    chosen = options or GovernanceOptions()
    grants, requests = list(org.grants), list(org.requests)

    def build() -> Parts:
        rng = random.Random(f"{org.login.lower()}:{seed}:governance")
        return _Builder(org, rng, now, chosen).build(grants, requests)

    governance = Governance(
        enterprise_cloud=chosen.enterprise_cloud, saml_sso=chosen.saml_sso, build=build
    )
    org.governance = governance
    return governance


class _Builder:
    def __init__(self, org: Org, rng: random.Random, now: float, options: GovernanceOptions):
        self.org, self.rng, self.now, self.options = org, rng, now, options
        self.next_user = 0

    def person(self, tag: str) -> dict[str, Any]:
        self.next_user += 1
        login = f"{self.org.login.lower()}-{tag}-{self.next_user}"
        return user(login, 6_000_000 + self.next_user * 7 + 5)

    def build(self, grants: list[Any], requests: list[Any]) -> Parts:
        members, left = self.members(grants, requests)
        approvers = [m.user for m in members if m.role == "admin"]
        admins = {m.login for m in members if m.role == "admin"}
        log = AuditLog()
        maker = EventMaker(self.org, self.rng, self.now, approvers, self.options.history_days)
        maker.grants(grants, admins)
        maker.requests(requests)
        owners = [m.user for m in members if m.role == "member"] or approvers
        maker.history(owners, self.options, len(grants))
        maker.policy()
        maker.unrelated([m.user for m in members], left, self.options.unrelated)
        log.extend(maker.events)
        return Parts(members, self.credentials(members), log)

    def members(self, grants: list[Any], requests: list[Any]) -> tuple[list[Member], list[Any]]:
        rng, options = self.rng, self.options
        owners: dict[str, Any] = {}
        for record in [*grants, *requests]:
            owners.setdefault(record.owner["login"], record.owner)
        requesting = {r.owner["login"] for r in requests}
        leavers = [u for login, u in owners.items() if login not in requesting]
        left = rng.sample(leavers, int(len(leavers) * options.left_share)) if leavers else []
        gone = {u["login"] for u in left}
        staying = [u for u in owners.values() if u["login"] not in gone]
        promoted = {
            u["login"] for u in rng.sample(staying, int(len(staying) * options.owner_share))
        }
        members = [Member(u, "admin" if u["login"] in promoted else "member") for u in staying]
        members += [Member(self.person("owner"), "admin") for _ in range(options.approvers)]
        others = options.other_members
        count = max(2, len(owners) // 4) if others is None else others
        members += [Member(self.person("member")) for _ in range(count)]
        for member in members:
            draw = rng.random()
            member.two_factor = (
                "disabled" if draw < 0.04 else "insecure" if draw < 0.1 else "secure"
            )
        return sorted(members, key=lambda m: m.user["id"]), left

    def credentials(self, members: list[Member]) -> list[dict[str, Any]]:
        rng, found = self.rng, []
        credential_id = 161_000 + rng.randrange(1_000)
        for member in members:
            if rng.random() >= self.options.credential_share:
                continue
            for _ in range(1 + int(rng.random() * 3)):
                credential_id += 1 + int(rng.random() * 5)
                found.append(self.credential(member.login, credential_id))
        return found

    def credential(self, login: str, credential_id: int) -> dict[str, Any]:
        rng = self.rng
        authorized = self.now - rng.uniform(DAY, 900 * DAY)
        draw = rng.random()
        found: dict[str, Any] = {"login": login, "credential_id": credential_id}
        expires = None if rng.random() < 0.35 else authorized + rng.choice((30, 90, 366)) * DAY
        last_use = self.now if expires is None or draw < 0.3 else min(self.now, expires)
        accessed = None if rng.random() < 0.2 else rng.uniform(authorized, last_use)
        if draw < 0.3:  # GitHub's example: SSH keys have a fingerprint and a title, no scopes
            digest = base64.b64encode(rng.randbytes(32)).decode().rstrip("=")
            return {**found, "credential_type": "SSH key",
                    "credential_authorized_at": format_utc(authorized),
                    "credential_accessed_at": None if accessed is None else format_utc(accessed),
                    "authorized_credential_id": credential_id * 3 + 11,
                    "fingerprint": f"SHA256:{digest}",
                    "authorized_credential_title": rng.choice(_KEY_TITLES)}  # fmt: skip
        kind = "OAuth app token" if draw > 0.9 else "personal access token"
        return {**found, "credential_type": kind,
                "token_last_eight": "".join(rng.choice(_ALNUM) for _ in range(8)),
                "credential_authorized_at": format_utc(authorized),
                "credential_accessed_at": None if accessed is None else format_utc(accessed),
                "authorized_credential_id": credential_id * 3 + 11,
                "authorized_credential_note": rng.choice(_NOTES) if kind != "OAuth app token" else None,
                "authorized_credential_expires_at": None if expires is None else format_utc(expires),
                "scopes": list(rng.choice(_SCOPES))}  # fmt: skip
