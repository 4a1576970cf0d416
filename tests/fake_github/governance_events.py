"""The audit events of a generated organization's fine-grained tokens (see `governance_data`).

Fields follow GitHub's "Audit log events for your organization" (reference/audit-log-pat-
events.json): `user_programmatic_access_id` is the token (`pat_grants.token_id`),
`user_programmatic_access_request_id` the request (`pat_requests.id` while pending), and the
common `token_id`/`hashed_token`/`programmatic_access_type` describe the credential that
*performed* the action, present only when it was done through the API.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from tests.fake_github.audit_log import audit_event, document_id
from tests.fake_github.shapes import user
from tests.fake_github.timestamps import parse_instant

if TYPE_CHECKING:
    import random

    from tests.fake_github.governance_data import GovernanceOptions
    from tests.fake_github.records import Org

Json = dict[str, Any]
DAY = 86_400
_APP_ACTOR = user("pat-review-bot[bot]", 41_898_282, kind="Bot")
_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"
_POLICY = (  # (action, operation_type, extra fields), oldest first
    ("auto_approve_personal_access_token_requests.disable", "modify", {}),
    ("personal_access_token.access_restriction_enabled", "modify", {}),
    ("personal_access_token.expiration_limit_set", "modify",
     {"token_expiration": 366, "old_token_expiration": None, "exempt_administrators": False}),
    ("personal_access_token.expiration_limit_set", "modify",
     {"token_expiration": 90, "old_token_expiration": 366, "exempt_administrators": True}),
    ("personal_access_token.auto_approve_grant_requests_enabled", "modify", {}),
    ("personal_access_token.expiration_limit_unset", "modify", {"old_token_expiration": 90}),
    ("personal_access_token.auto_approve_grant_requests_disabled", "modify", {}),
    ("auto_approve_personal_access_token_requests.enable", "modify", {}),
    ("personal_access_token.access_restriction_disabled", "modify", {}),
)  # fmt: skip
_UNRELATED = ("org.add_member", "repo.create", "team.add_member", "org.update_member",
              "org_credential_authorization.grant", "integration_installation.create",
              "git.clone", "git.push", "git.fetch")  # fmt: skip


def seconds(text: str) -> float:
    """An ISO 8601 timestamp as epoch seconds."""
    return parse_instant(text) / 1e6


class EventMaker:
    """Makes events into `events`, only those within the history window."""

    def __init__(
        self, org: Org, rng: random.Random, now: float, approvers: list[Json], days: int
    ) -> None:
        self.org, self.rng, self.now, self.approvers = org, rng, now, approvers
        self.since = now - days * DAY
        self.events: list[Json] = []
        self.next_request_id = 7_000_000 + rng.randrange(100_000)
        self.next_token_id = 70_000_000 + rng.randrange(1_000_000)

    def emit(self, action: str, at: float, actor: Json, target: Json | None, **fields: Any) -> None:
        if not self.since <= at <= self.now:
            return
        milliseconds = int(at * 1000) + int(self.rng.random() * 1000) % 1000
        operation = fields.pop("operation_type", "modify")
        common = {"operation_type": operation, "user_agent": _USER_AGENT,
                  "business": f"{self.org.login.lower()}-enterprise",
                  "business_id": 1_000 + self.org.id % 90_000,
                  "actor_location": {"country_code": self.rng.choice(("US", "DE", "IN", "BR"))}}  # fmt: skip
        if actor is _APP_ACTOR:  # done through the API: the acting credential is recorded
            token_id = 40_000_000 + int(self.rng.random() * 1_000_000)
            hashed = base64.b64encode(self.rng.randbytes(32)).decode()
            common.update(programmatic_access_type="GitHub App server-to-server token",
                          token_id=token_id, hashed_token=hashed)  # fmt: skip
        seed = f"{self.org.id}:{len(self.events)}:{action}"
        self.events.append(audit_event(action, milliseconds, org=self.org.login,
                                       org_id=self.org.id, actor=actor, user=target,
                                       doc_id=document_id(seed), **common, **fields))  # fmt: skip

    def approver(self) -> Json:
        """An owner, or (one time in five) a GitHub App approving through the API."""
        return _APP_ACTOR if self.rng.random() < 0.2 else self.rng.choice(self.approvers)

    def token_fields(self, record: Any, *, with_token: bool = True) -> Json:
        fields: Json = {"repository_selection": record.repository_selection}
        if record.repository_selection == "subset":
            fields["repositories"] = [repo["id"] for repo in record.repositories]
        if with_token:
            fields["user_programmatic_access_id"] = record.token_id
        fields["user_programmatic_access_name"] = record.token_name
        return fields

    def grants(self, grants: list[Any], admins: set[str]) -> None:
        for grant in grants:
            granted = seconds(grant.access_granted_at)
            owner, fields = grant.owner, self.token_fields(grant)
            if owner["login"] in admins:  # an owner's token needs no approval
                self.emit("personal_access_token.access_granted", granted, owner, owner,
                          operation_type="create", **fields)  # fmt: skip
                continue
            self.next_request_id += 1 + int(self.rng.random() * 9)
            asked = granted - self.rng.uniform(300, 3 * DAY)
            self.emit("personal_access_token.request_created", asked, owner, owner,
                      operation_type="create", **fields,
                      user_programmatic_access_request_id=self.next_request_id)  # fmt: skip
            self.emit("personal_access_token.access_granted", granted, self.approver(), owner,
                      operation_type="create", **fields)  # fmt: skip

    def requests(self, requests: list[Any]) -> None:
        for request in requests:
            self.emit("personal_access_token.request_created", seconds(request.created_at),
                      request.owner, request.owner, operation_type="create",
                      **self.token_fields(request),
                      user_programmatic_access_request_id=request.id)  # fmt: skip

    def history(self, owners: list[Json], options: GovernanceOptions, n_grants: int) -> None:
        """Tokens granted then revoked; requests denied; requests cancelled (all gone now)."""
        rng, span = self.rng, self.now - self.since
        revoked = n_grants // 10 + 1 if options.revoked is None else options.revoked
        plans = [("revoked", n) for n in range(revoked)]
        plans += [("denied", n) for n in range(options.denied)]
        plans += [("cancelled", n) for n in range(options.cancelled)]
        for outcome, n in plans:
            owner = rng.choice(owners)
            self.next_request_id += 1 + int(rng.random() * 9)
            self.next_token_id += 1 + int(rng.random() * 40)
            asked = self.since + rng.random() * span * 0.8
            fields: Json = {"repository_selection": "all",
                            "user_programmatic_access_name": f"{outcome}-token-{n}"}  # fmt: skip
            request = {"user_programmatic_access_request_id": self.next_request_id}
            token = {"user_programmatic_access_id": self.next_token_id}
            self.emit("personal_access_token.request_created", asked, owner, owner,
                      operation_type="create", **fields, **token, **request)  # fmt: skip
            decided = asked + rng.uniform(600, 2 * DAY)
            if outcome == "denied":
                self.emit("personal_access_token.request_denied", decided, self.approver(),
                          owner, **fields, **request)  # fmt: skip
            elif outcome == "cancelled":
                self.emit("personal_access_token.request_cancelled", decided, owner, owner,
                          **fields, **request)  # fmt: skip
            else:
                self.emit("personal_access_token.access_granted", decided, self.approver(),
                          owner, operation_type="create", **fields, **token)  # fmt: skip
                gone = decided + rng.uniform(DAY, span * 0.2)
                actor = owner if rng.random() < 0.3 else self.approver()
                self.emit("personal_access_token.access_revoked", gone, actor, owner,
                          operation_type="remove", **fields, **token)  # fmt: skip

    def policy(self) -> None:
        step = (self.now - self.since) / (len(_POLICY) + 1)
        for n, (action, operation, fields) in enumerate(_POLICY, start=1):
            at = self.since + step * n + self.rng.uniform(0, step / 2)
            self.emit(action, at, self.rng.choice(self.approvers), None,
                      operation_type=operation, **fields)  # fmt: skip

    def unrelated(self, people: list[Json], left: list[Json], count: int) -> None:
        rng, span = self.rng, self.now - self.since
        for n in range(count):
            action = _UNRELATED[n % len(_UNRELATED)]
            extra = {"repository": f"{self.org.login}/repo-{n}"} if "git." in action else {}
            self.emit(action, self.since + rng.random() * span, rng.choice(people),
                      rng.choice(people), **extra)  # fmt: skip
        for former in left:  # they left the organization: their grants remain
            at = self.now - rng.uniform(DAY, 60 * DAY)
            self.emit("org.remove_member", at, rng.choice(self.approvers), former,
                      operation_type="remove")  # fmt: skip
