"""The one table of settings: each declared once, here.

The tap's config schema (`--about`), the typed view the code reads (`config.py`), the
`meltano.yml` settings block and the Meltano Hub definition (`scripts/plugin_definition.py`)
are all made from `SETTINGS`; `tests/test_plugin_definition.py` fails when a file drifts from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# GitHub documents these limits on the list endpoints' `owner[]` and `token_id[]` filters.
MAX_OWNERS = 10
MAX_TOKEN_IDS = 50

DISCOVER = "*"  # in `organizations`: every organization the App is installed on

# Meltano's setting kinds; `id` is a GitHub id, written as a string or a number.
Kind = Literal["string", "integer", "boolean", "array", "date_iso8601", "id"]
_JSON_TYPES: dict[str, list[str]] = {
    "string": ["string"],
    "integer": ["integer"],
    "boolean": ["boolean"],
    "array": ["array"],
    "date_iso8601": ["string"],
    "id": ["string", "integer"],
}


@dataclass(frozen=True)
class Setting:
    """One setting: its name, Meltano kind, default, description, and whether it is secret."""

    name: str
    kind: Kind
    description: str
    default: Any = None
    secret: bool = False
    required: bool = False
    label: str = ""
    # JSON Schema keywords the kind does not say: bounds, the type of array items.
    rules: dict[str, Any] = field(default_factory=dict)

    def json_schema(self) -> dict[str, Any]:
        """This setting as a property of the tap's config schema."""
        types = _JSON_TYPES[self.kind]
        prop: dict[str, Any] = {"type": types if self.required else [*types, "null"]}
        if self.kind == "array":
            prop["items"] = {"type": ["string"]}
        prop.update(self.rules)
        if self.default is not None:
            prop["default"] = self.default
        prop["description"] = self.description
        if self.secret:
            prop.update(secret=True, writeOnly=True)
        return prop


def _seconds(name: str, default: int, description: str, minimum: int = 0) -> Setting:
    return Setting(name, "integer", description, default, rules={"minimum": minimum})


def _switch(name: str, description: str, *, default: bool = False) -> Setting:
    return Setting(name, "boolean", description, default)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "organizations",
        "array",
        'Organization logins to read (case-insensitive, as on GitHub), or "*" for every '
        "organization the App is installed on (can be mixed with logins). Each gets its own "
        "partition and bookmark.",
        required=True,
        rules={"minItems": 1},
    ),
    Setting(
        "exclude_organizations",
        "array",
        'Organization logins not to read, e.g. with organizations ["*"].',
    ),
    Setting(
        "app_id",
        "id",
        "The GitHub App's App ID or Client ID (the JWT issuer). Use with private_key; or set "
        "auth_token instead.",
        label="App ID",
    ),
    Setting(
        "private_key",
        "string",
        "The GitHub App's private key (PEM). Real newlines or literal \\n escapes.",
        secret=True,
    ),
    Setting(
        "auth_token",
        "string",
        "A ready GitHub App installation access token (e.g. minted by a CI step), instead of "
        "app_id + private_key. It cannot be renewed by the tap.",
        secret=True,
    ),
    Setting(
        "api_url",
        "string",
        "API base URL: https://api.github.com, https://HOST/api/v3 (GitHub Enterprise Server) "
        "or https://api.SUBDOMAIN.ghe.com. Every request goes here.",
        "https://api.github.com",
        label="API URL",
    ),
    Setting(
        "start_date",
        "date_iso8601",
        "Lower bound of every run's grants: those whose token was used, or that were granted, "
        "after this instant (e.g. 2024-01-31 or 2024-01-31T00:00:00Z). Unset: a first run reads "
        "every grant.",
    ),
    _seconds(
        "lookback_seconds",
        3600,
        "Incremental runs re-read this many seconds before each bookmark, so late-recorded "
        "uses and same-second boundaries are never missed.",
    ),
    _seconds(
        "audit_log_lookback_seconds",
        1800,
        "pat_audit_events: each run re-reads this many seconds before each organization's "
        "bookmark, for events GitHub records late (an event read twice is one row).",
    ),
    Setting(
        "owner",
        "array",
        f"GitHub filter: only tokens of these owners (at most {MAX_OWNERS} logins).",
        rules={"maxItems": MAX_OWNERS},
    ),
    Setting(
        "repository",
        "string",
        "GitHub filter: only tokens that can access this repository (its name).",
    ),
    Setting(
        "permission",
        "string",
        "GitHub filter: only tokens with this permission, e.g. contents_read.",
    ),
    Setting(
        "last_used_before",
        "date_iso8601",
        "GitHub filter: only tokens last used before this instant.",
    ),
    Setting(
        "token_id",
        "array",
        f"GitHub filter: only these token ids (at most {MAX_TOKEN_IDS}).",
        label="Token IDs",
        rules={"items": {"type": ["string", "integer"]}, "maxItems": MAX_TOKEN_IDS},
    ),
    Setting(
        "user_agent",
        "string",
        "User-Agent header; default tap-github-pat-grants/<version>.",
    ),
    _seconds(
        "request_timeout_seconds",
        30,
        "Connect and read timeout of one request, in seconds.",
        minimum=1,
    ),
    _seconds(
        "max_rate_limit_wait_seconds",
        900,
        "Longest wait for a rate limit to reset; a longer one stops the run with the reset time.",
    ),
    _seconds(
        "rate_limit_buffer",
        50,
        "Requests left untouched in each installation's hourly budget: once no more than this "
        "many are left, the tap waits for the reset.",
    ),
    Setting(
        "skip_streams_without_permission",
        "array",
        "Streams to skip, with a warning and a reason in sync_runs, in an org whose App "
        "installation lacks the permission they need (their child streams go with them), "
        'instead of failing; e.g. ["pat_requests"], or ["*"] for every stream.',
    ),
    _switch(
        "skip_grants_without_permission",
        'The same as "pat_grants" in skip_streams_without_permission (kept for old configs).',
    ),
    _switch(
        "skip_requests_without_permission",
        'The same as "pat_requests" in skip_streams_without_permission (kept for old configs).',
    ),
    _switch(
        "continue_on_org_error",
        "If reading one organization fails (e.g. the App was uninstalled), record it in "
        "sync_runs and go on with the others (exit 0) instead of stopping the run.",
    ),
    _switch(
        "emit_activate_version_messages",
        "Emit ACTIVATE_VERSION after each complete full read, so loaders that support it drop "
        "revoked grants. Turn off when separate jobs load different organizations into one "
        "table.",
        default=True,
    ),
    _switch(
        "skip_invalid_records",
        "A record that breaks GitHub's documented shape (a timestamp that is not one, an id "
        "that is not a number, a required property missing or null) stops the run with one "
        "line; true skips each such record with a warning and counts it.",
    ),
    _switch(
        "log_metrics",
        "Also log the SDK's METRIC lines (timings and counts per request and per partition; "
        "hundreds per run). Off: one summary line per org per stream.",
    ),
)

BY_NAME = {setting.name: setting for setting in SETTINGS}


def config_schema() -> dict[str, Any]:
    """The tap's config schema (JSON Schema draft 7), unknown keys refused."""
    return {
        "type": "object",
        "properties": {setting.name: setting.json_schema() for setting in SETTINGS},
        "required": [setting.name for setting in SETTINGS if setting.required],
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "additionalProperties": False,
    }


def default(name: str) -> Any:
    """The table's default of a setting."""
    return BY_NAME[name].default


def label(setting: Setting) -> str:
    """How Meltano shows the setting: its label, else its name in words."""
    return setting.label or setting.name.replace("_", " ").title()
