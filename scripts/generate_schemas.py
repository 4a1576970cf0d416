"""Regenerate the stream JSON Schemas from GitHub's OpenAPI description.

Reads the operation files in ``reference/`` (GitHub's OpenAPI extract, see its README; or the
folder given as the first argument) and writes one JSON Schema per stream into
``tap_github_pat_grants/schemas``.
Run it after refreshing the reference from ``@octokit/openapi``; the test suite checks that
the committed schemas still cover every documented property.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "tap_github_pat_grants" / "schemas"
ORG = {"type": "string", "description": "Organization login, as configured."}

# stream name -> (reference file, properties the tap adds in front of GitHub's)
STREAMS: dict[str, tuple[str, dict[str, Any]]] = {
    "pat_grants": ("list-pat-grants.json", {"org": ORG}),
    "pat_requests": ("list-pat-grant-requests.json", {"org": ORG}),
    "pat_grant_repositories": (
        "list-pat-grant-repositories.json",
        {
            "org": ORG,
            "pat_id": {"type": "integer", "description": "`id` of the grant in `pat_grants`."},
            "repository_id": {"type": "integer", "description": "The repository's `id`."},
        },
    ),
    "pat_request_repositories": (
        "list-pat-grant-request-repositories.json",
        {
            "org": ORG,
            "pat_request_id": {
                "type": "integer",
                "description": "`id` of the request in `pat_requests`.",
            },
            "repository_id": {"type": "integer", "description": "The repository's `id`."},
        },
    ),
    "credential_authorizations": ("list-saml-sso-authorizations.json", {"org": ORG}),
    "org_members": (
        "list-members.json",
        {
            "org": ORG,
            "role": {
                "type": "string",
                "description": "The member's role, from the `role` filter the tap listed them "
                "with: `admin` (an organization owner) or `member`.",
            },
        },
    ),
}


def convert(node: dict[str, Any], *, optional: bool = False) -> dict[str, Any]:
    """Turn one OpenAPI 3.0 schema node into JSON Schema (draft 7) for Singer.

    - ``nullable: true`` becomes a ``"null"`` member of ``type``, and so does a property
      GitHub does not list as ``required`` (list endpoints return a minimal object: an
      absent property reaches the loader as null);
    - only ``date-time`` formats are kept (loaders type columns by them; ``uri`` and
      ``int64`` add nothing a warehouse uses), and strings that GitHub describes as
      "Date and time ..." get one;
    - enums are dropped so a value GitHub adds later does not fail a loader's validation;
      the allowed values stay in the description.
    """
    out: dict[str, Any] = {}
    kind = node.get("type")
    description = node.get("description")
    if description:
        out["description"] = description.strip()
    if "enum" in node:
        allowed = ", ".join(str(v) for v in node["enum"])
        out["description"] = f"{out.get('description', '')} One of: {allowed}.".strip()
    if kind:
        out["type"] = [kind, "null"] if node.get("nullable") or optional else kind
    fmt = node.get("format")
    if fmt == "date-time" or (kind == "string" and (description or "").startswith("Date and time")):
        out["format"] = "date-time"
    if kind == "object":
        props = node.get("properties")
        if props:
            required = set(node.get("required", []))
            out["properties"] = {
                name: convert(sub, optional=name not in required) for name, sub in props.items()
            }
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            out["additionalProperties"] = convert(extra)
        elif not props:
            out["additionalProperties"] = True
    if kind == "array" and "items" in node:
        out["items"] = convert(node["items"])
    return out


def stream_schema(reference: Path, added: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema of one stream: the tap's own properties, then GitHub's item schema."""
    operation = json.loads(reference.read_text())
    item = operation["responses"]["200"]["schema"]["items"]
    converted = convert(item)
    return {
        "type": "object",
        "description": item.get("description", operation["summary"]),
        "properties": {**added, **converted["properties"]},
    }


# The audit log's item schema in GitHub's OpenAPI lists few fields; GitHub's page "Audit log
# events for your organization" (reference/audit-log-pat-events.json) names the rest, without
# types. These are the tap's types for the fields it names; every one may be absent (nullable).
AUDIT_FIELD_TYPES: dict[str, tuple[str, str]] = {
    "actor_is_agent": ("boolean", "Whether the actor is an agent."),
    "actor_is_bot": ("boolean", "Whether the actor is a bot."),
    "exempt_administrators": (
        "boolean",
        "`expiration_limit_set`: whether organization owners are exempt from the limit.",
    ),
    "hashed_token": (
        "string",
        (
            "SHA-256 hash (base64) of the credential that performed the action; not the token "
            "the event is about."
        ),
    ),
    "oauth_application_id": ("integer", "The OAuth app that performed the action."),
    "old_token_expiration": ("integer", "The previous maximum token lifetime, in days."),
    "programmatic_access_type": (
        "string",
        "How the actor authenticated (the credential that performed the action).",
    ),
    "repo_id": ("integer", "The repository's id."),
    "repository_id": ("integer", "The repository's id."),
    "repository_selection": ("string", "The token's repository access: none, all or subset."),
    "request_access_security_header": ("string", "Request metadata GitHub records."),
    "request_id": ("string", "GitHub's id of the HTTP request that performed the action."),
    "token_expiration": ("integer", "The maximum token lifetime set, in days."),
    "token_id": (
        "integer",
        (
            "The credential that performed the action (not the token the event is about: see "
            "`user_programmatic_access_id`)."
        ),
    ),
    "token_scopes": ("string", "The scopes of the credential that performed the action."),
    "user_agent": ("string", "The actor's user agent."),
    "user_programmatic_access_id": (
        "integer",
        (
            "The fine-grained personal access token the event is about; joins to "
            "`pat_grants.token_id` and `pat_requests.token_id`."
        ),
    ),
    "user_programmatic_access_name": ("string", "The fine-grained token's name."),
    "user_programmatic_access_request_id": (
        "integer",
        "The request the event is about; joins to `pat_requests.id` while it is pending.",
    ),
}
AUDIT_ADDED: dict[str, Any] = {
    "org": {
        "type": "string",
        "description": "Organization login, as configured (GitHub's own `org` names the same "
        "organization; the event keeps it raw).",
    },
    "_document_id": {"type": "string", "description": "A unique identifier for an audit event."},
    "@timestamp": {
        "type": "integer",
        "description": "When the event occurred, in milliseconds since the Unix epoch, as "
        "GitHub sends it. The replication key.",
    },
    "created_at": {
        "type": "string",
        "format": "date-time",
        "description": "`@timestamp` as an RFC 3339 UTC date-time with milliseconds, added by "
        "the tap. GitHub's own `created_at` is also epoch milliseconds (equal to `@timestamp` "
        "in every example GitHub documents); it is kept raw in `event`.",
    },
}
AUDIT_EVENT = {
    "type": "object",
    "additionalProperties": True,
    "description": "The whole event as GitHub sent it (unknown actions and fields included).",
}
AUDIT_ARRAYS = {"repositories": "The token's repositories (ids), for `subset` selections."}


def audit_event_schema(reference_dir: Path) -> dict[str, Any]:
    """`pat_audit_events`: GitHub's audit-log item, the documented PAT fields, the tap's own."""
    operation = json.loads((reference_dir / "get-audit-log.json").read_text())
    events = json.loads((reference_dir / "audit-log-pat-events.json").read_text())
    properties = convert(operation["responses"]["200"]["schema"]["items"])["properties"]
    documented = set(events["common_fields"])
    for event in events["events"]:
        documented.update(event["additional_fields"])
    for name in sorted(documented - set(properties)):
        if name in AUDIT_ARRAYS:
            items = {"type": "integer"}
            properties[name] = {"type": ["array", "null"], "items": items}
            properties[name]["description"] = AUDIT_ARRAYS[name]
            continue
        kind, description = AUDIT_FIELD_TYPES[name]
        properties[name] = {"description": description, "type": [kind, "null"]}
    for name in AUDIT_ADDED:
        properties.pop(name, None)
    # Only the fields GitHub documents for these events (the audit log's item schema spans every
    # kind of event): the rest of an event is in `event`, never lost.
    properties = {name: prop for name, prop in properties.items() if name in documented}
    return {
        "type": "object",
        "description": "An organization audit-log event about fine-grained personal access "
        "tokens (`personal_access_token.*`, `auto_approve_personal_access_token_requests.*`).",
        "properties": {**AUDIT_ADDED, **properties, "event": AUDIT_EVENT},
    }


def schemas(reference_dir: Path) -> dict[str, dict[str, Any]]:
    """Every stream's JSON Schema, by stream name."""
    found = {
        name: stream_schema(reference_dir / file, added) for name, (file, added) in STREAMS.items()
    }
    found["pat_audit_events"] = audit_event_schema(reference_dir)
    return found


def main() -> None:
    """Write every stream's schema file."""
    reference_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "reference"
    for stream, schema in schemas(reference_dir).items():
        target = SCHEMAS / f"{stream}.json"
        target.write_text(json.dumps(schema, indent=2) + "\n")
        print(f"wrote {target.relative_to(ROOT)} ({len(schema['properties'])} properties)")


if __name__ == "__main__":
    main()
