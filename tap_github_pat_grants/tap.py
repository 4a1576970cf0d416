"""The tap: its settings (as `--about` shows them), their checks, and its streams."""

from __future__ import annotations

import time
import typing as t
from functools import cached_property

from jsonschema import Draft7Validator
from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.streams import Stream  # noqa: TC002 (used at runtime in STREAM_TYPES)
from typing_extensions import override

from tap_github_pat_grants import __version__, streams
from tap_github_pat_grants.auth import GitHubCredentials
from tap_github_pat_grants.client import GitHubOrgStream
from tap_github_pat_grants.errors import ConfigError, MissingPermissionError, TapError
from tap_github_pat_grants.github_http import GitHubHTTP
from tap_github_pat_grants.organizations import OrgTarget, organizations_to_read
from tap_github_pat_grants.run_record import RunLedger
from tap_github_pat_grants.sdk_overrides import BufferedMsgSpecWriter, quiet_sdk_logs
from tap_github_pat_grants.settings import (
    DEFAULT_API_URL,
    DEFAULT_LOOKBACK_SECONDS,
    DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS,
    DEFAULT_RATE_LIMIT_BUFFER,
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
    MAX_OWNERS,
    MAX_TOKEN_IDS,
    Settings,
    parse_settings,
)

STREAM_TYPES: tuple[type[Stream], ...] = (
    streams.PatGrantsStream,
    streams.PatGrantRepositoriesStream,
    streams.PatRequestsStream,
    streams.PatRequestRepositoriesStream,
    streams.SyncRunsStream,
)

CONFIG_SCHEMA = th.PropertiesList(
    th.Property(
        "organizations",
        th.ArrayType(th.StringType),
        required=True,
        description='Organization logins to read (case-insensitive, as on GitHub), or "*" '
        "for every organization the App is installed on (can be mixed with logins). Each gets "
        "its own partition and bookmark.",
    ),
    th.Property(
        "app_id",
        th.CustomType({"type": ["string", "integer"]}),
        description="The GitHub App's App ID or Client ID (the JWT issuer). "
        "Use with private_key; or set auth_token instead.",
    ),
    th.Property(
        "private_key",
        th.StringType,
        secret=True,
        description="The GitHub App's private key (PEM). Real newlines or literal \\n escapes.",
    ),
    th.Property(
        "auth_token",
        th.StringType,
        secret=True,
        description="A ready GitHub App installation access token (e.g. minted by a CI step), "
        "instead of app_id + private_key. It cannot be renewed by the tap.",
    ),
    th.Property(
        "api_url",
        th.StringType,
        default=DEFAULT_API_URL,
        description="API base URL: https://api.github.com, https://HOST/api/v3 (GitHub "
        "Enterprise Server) or https://api.SUBDOMAIN.ghe.com. Every request goes here.",
    ),
    th.Property(
        "start_date",
        th.StringType,
        description="First-run lower bound: grants whose token was used, or that were granted, "
        "after this instant (e.g. 2024-01-31 or 2024-01-31T00:00:00Z). Unset: read every grant.",
    ),
    th.Property(
        "lookback_seconds",
        th.IntegerType(minimum=0),
        default=DEFAULT_LOOKBACK_SECONDS,
        description="Incremental runs re-read this many seconds before each bookmark, so "
        "late-recorded uses and same-second boundaries are never missed.",
    ),
    th.Property(
        "owner",
        th.ArrayType(th.StringType),
        description="GitHub filter: only tokens of these owners (at most 10 logins).",
    ),
    th.Property(
        "repository",
        th.StringType,
        description="GitHub filter: only tokens that can access this repository (its name).",
    ),
    th.Property(
        "permission",
        th.StringType,
        description="GitHub filter: only tokens with this permission, e.g. contents_read.",
    ),
    th.Property(
        "last_used_before",
        th.StringType,
        description="GitHub filter: only tokens last used before this instant.",
    ),
    th.Property(
        "token_id",
        th.ArrayType(th.CustomType({"type": ["string", "integer"]})),
        description="GitHub filter: only these token ids (at most 50).",
    ),
    th.Property(
        "user_agent",
        th.StringType,
        description="User-Agent header; default tap-github-pat-grants/<version>.",
    ),
    th.Property(
        "request_timeout_seconds",
        th.IntegerType(minimum=1),
        default=DEFAULT_REQUEST_TIMEOUT_SECONDS,
        description="Connect and read timeout of one request, in seconds.",
    ),
    th.Property(
        "max_rate_limit_wait_seconds",
        th.IntegerType(minimum=0),
        default=DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS,
        description="Longest wait for a rate limit to reset; a longer one stops the run "
        "with the reset time.",
    ),
    th.Property(
        "rate_limit_buffer",
        th.IntegerType(minimum=0),
        default=DEFAULT_RATE_LIMIT_BUFFER,
        description="Requests left untouched in each installation's hourly budget: below it "
        "the tap waits for the reset.",
    ),
    th.Property(
        "skip_requests_without_permission",
        th.BooleanType,
        default=False,
        description="If the App lacks 'Personal access token requests: read' on an org, skip "
        "pat_requests streams there with a warning instead of failing.",
    ),
    th.Property(
        "emit_activate_version_messages",
        th.BooleanType,
        default=True,
        description="Emit ACTIVATE_VERSION after each complete full read, so loaders that "
        "support it drop revoked grants. Turn off when separate jobs load different "
        "organizations into one table.",
    ),
    th.Property(
        "skip_grants_without_permission",
        th.BooleanType,
        default=False,
        description="If the App lacks 'Personal access tokens: read' on an org, skip "
        "pat_grants and pat_grant_repositories there with a warning instead of failing.",
    ),
    th.Property(
        "exclude_organizations",
        th.ArrayType(th.StringType),
        description='Organization logins not to read, e.g. with organizations ["*"].',
    ),
    th.Property(
        "continue_on_org_error",
        th.BooleanType,
        default=False,
        description="If reading one organization fails (e.g. the App was uninstalled), record "
        "it in sync_runs and go on with the others (exit 0) instead of stopping the run.",
    ),
    th.Property(
        "skip_invalid_records",
        th.BooleanType,
        default=False,
        description="A record that breaks GitHub's documented shape (a timestamp that is not "
        "one, an id that is not a number, a required property missing or null) stops the run "
        "with one line; true skips each such record with a warning and counts it.",
    ),
    th.Property(
        "log_metrics",
        th.BooleanType,
        default=False,
        description="Also log the SDK's METRIC lines (timings and counts per request and per "
        "partition; hundreds per run). Off: one summary line per org per stream.",
    ),
).to_dict()
CONFIG_SCHEMA["additionalProperties"] = False
# Bounds the SDK's typing helpers cannot declare (GitHub documents the two maxima).
CONFIG_SCHEMA["properties"]["organizations"]["minItems"] = 1
CONFIG_SCHEMA["properties"]["owner"]["maxItems"] = MAX_OWNERS
CONFIG_SCHEMA["properties"]["token_id"]["maxItems"] = MAX_TOKEN_IDS


class TapGitHubPatGrants(Tap):
    """Fine-grained personal access token grants, requests and their repositories."""

    name = "tap-github-pat-grants"
    package_name = "tap-github-pat-grants"
    config_jsonschema = CONFIG_SCHEMA
    message_writer_class = BufferedMsgSpecWriter

    _checked_before_reading = False
    # Seams for tests: a fake clock and sleep make rate-limit waits instant.
    clock: t.Callable[[], float] = staticmethod(time.time)
    sleep: t.Callable[[float], None] = staticmethod(time.sleep)

    @cached_property
    def settings(self) -> Settings:
        """The checked settings (schema first, then the rules it cannot say)."""
        return parse_settings(self.config)

    @cached_property
    def http(self) -> GitHubHTTP:
        """The one HTTP policy for every request of this run."""
        return GitHubHTTP(self.settings, clock=self.clock, sleep=self.sleep)

    @cached_property
    def credentials(self) -> GitHubCredentials:
        """One credentials object per tap, shared by its streams.

        Installation tokens carry only the read permissions the selected streams need.
        """
        wanted = {stream.permission_key: "read" for stream in self.selected_list_streams}
        return GitHubCredentials(self.settings, self.http, wanted, clock=self.clock)

    @property
    def selected_list_streams(self) -> list[GitHubOrgStream]:
        """The top-level list streams this run reads (themselves, or for their children)."""
        return [
            stream
            for stream in self.streams.values()
            if isinstance(stream, GitHubOrgStream)
            and stream.parent_stream_type is None
            and (stream.selected or stream.has_selected_descendents)
        ]

    def check_every_org_before_reading(self) -> None:
        """Before any list request: every org's installation has what the selected streams read.

        The SDK syncs stream by stream, so a check per stream would find a permission missing
        in the last org only after reading every other org's grants. Installations come from
        discovery or one lookup per org, which the reads would make anyway. Runs once.
        """
        if self._checked_before_reading:
            return
        fatal = [s for s in self.selected_list_streams if not s.skips_without_permission()]
        for target in self.organizations:
            self._check_org(target.org, fatal)
        self._checked_before_reading = True

    def _check_org(self, org: str, streams: list[GitHubOrgStream]) -> None:
        """Stop (or, with continue_on_org_error, record) an org this run cannot read."""
        try:
            problem = next(filter(None, (s.permission_missing(org) for s in streams)), None)
            if problem is not None:
                raise MissingPermissionError(problem)
        except TapError as error:  # also the App not installed there (404)
            if not self.settings.continue_on_org_error:
                raise
            self.run_ledger.fail(org, str(error))

    @cached_property
    def organizations(self) -> list[OrgTarget]:
        """The organizations this run reads (discovered ones too, with `"*"`)."""
        targets = organizations_to_read(self.settings, self.credentials.app)
        for target in targets:
            self.run_ledger.org(target.org).source = target.source
        return targets

    @cached_property
    def run_ledger(self) -> RunLedger:
        """What this run read in each organization (the `sync_runs` rows)."""
        return RunLedger(self.initialized_at, __version__)

    @override
    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        # The SDK's messages echo the offending value, which may be a secret; ours name the
        # setting and the rule. The schema first, then the rules it cannot say.
        if not raise_errors:
            return []
        schema = self.config_jsonschema
        self.append_builtin_config(schema)  # the SDK's own settings: stream maps, flattening...
        for error in Draft7Validator(schema).iter_errors(dict(self.config)):
            setting = ".".join(str(part) for part in error.absolute_path) or "config"
            if error.validator == "additionalProperties":
                unknown = sorted(set(self.config) - set(schema["properties"]))
                msg = f"{', '.join(unknown)}: unknown setting; see --about for the settings"
            elif error.validator == "required":
                missing = ", ".join(sorted(set(schema["required"]) - set(self.config)))
                msg = f"{missing}: a required setting is missing"
            else:
                msg = f"{setting}: {_rule(error.validator, error.validator_value)}"
            raise ConfigError(msg)
        _ = self.settings
        quiet_sdk_logs(log_metrics=self.settings.log_metrics)
        return []

    @override
    def discover_streams(self) -> list[Stream]:
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]


def _rule(validator: object, expected: object) -> str:
    """What a JSON Schema keyword asks for, without the value that broke it."""
    rules = {
        "type": f"must be of type {expected}",
        "minimum": f"must be {expected} or more",
        "maximum": f"must be {expected} or less",
        "minItems": f"needs at least {expected} item(s)",
        "maxItems": f"GitHub accepts at most {expected} values",
    }
    return rules.get(str(validator), f"fails the {validator} rule ({expected})")
