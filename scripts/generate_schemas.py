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

# stream name -> (reference file, properties the tap adds in front of GitHub's)
STREAMS: dict[str, tuple[str, dict[str, Any]]] = {
    "pat_grants": (
        "list-pat-grants.json",
        {"org": {"type": "string", "description": "Organization login, as configured."}},
    ),
    "pat_requests": (
        "list-pat-grant-requests.json",
        {"org": {"type": "string", "description": "Organization login, as configured."}},
    ),
    "pat_grant_repositories": (
        "list-pat-grant-repositories.json",
        {
            "org": {"type": "string", "description": "Organization login, as configured."},
            "pat_id": {"type": "integer", "description": "`id` of the grant in `pat_grants`."},
            "repository_id": {"type": "integer", "description": "The repository's `id`."},
        },
    ),
    "pat_request_repositories": (
        "list-pat-grant-request-repositories.json",
        {
            "org": {"type": "string", "description": "Organization login, as configured."},
            "pat_request_id": {
                "type": "integer",
                "description": "`id` of the request in `pat_requests`.",
            },
            "repository_id": {"type": "integer", "description": "The repository's `id`."},
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


def main() -> None:
    """Write every stream's schema file."""
    reference_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "reference"
    for stream, (filename, added) in STREAMS.items():
        schema = stream_schema(reference_dir / filename, added)
        target = SCHEMAS / f"{stream}.json"
        target.write_text(json.dumps(schema, indent=2) + "\n")
        print(f"wrote {target.relative_to(ROOT)} ({len(schema['properties'])} properties)")


if __name__ == "__main__":
    main()
