"""Who may call an organization's endpoint: the request as the endpoints see it, and GitHub's
refusals in GitHub's order (authentication, the organization, the App's permission)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.fake_github.auth import JWT_UNDECODABLE, Credential
from tests.fake_github.responses import Response, error, not_found

if TYPE_CHECKING:
    from tests.fake_github.records import Org

DOCS = "https://docs.github.com/rest"
NOT_INTEGRATION = "Resource not accessible by integration"


@dataclass(frozen=True)
class Request:
    """The parts of an HTTP request the endpoints look at."""

    method: str
    path: str
    raw_query: str
    query: dict[str, list[str]]
    credential: Credential
    body: bytes = b""


def authorize(
    credential: Credential, org: Org | None, permission: str, docs: str
) -> Org | Response:
    """GitHub's answers, in its order: who are you, can you see the org, may the App read it."""
    refusals = {
        "none": (401, "Requires authentication", docs),
        "invalid": (401, credential.error or "Bad credentials", DOCS),
        "jwt": (401, JWT_UNDECODABLE, DOCS),
        "user_token": (403, "Resource not accessible by personal access token", docs),
    }
    if credential.kind in refusals:
        return error(*refusals[credential.kind])
    if org is None or not org.installed or org.installation_id != credential.installation_id:
        return not_found(docs)
    if org.permissions.get(permission) not in {"read", "write"}:
        return error(403, NOT_INTEGRATION, docs)
    # A token minted with a `permissions` body can do only that.
    narrowed = credential.permissions
    if narrowed is not None and narrowed.get(permission) not in {"read", "write"}:
        return error(403, NOT_INTEGRATION, docs)
    return org
