"""The tap: its config schema (from the one settings table), its checks, and its streams.

The tap makes one `Run` (what every stream of the run shares) and each stream with it; the
SDK's `sync_all` then syncs the streams in name order, every organization checked before the
first list request, `sync_runs` last.
"""

from __future__ import annotations

import time
import typing as t
from functools import cached_property

from jsonschema import Draft7Validator
from singer_sdk import Tap
from singer_sdk.helpers.capabilities import PluginCapabilities, TapCapabilities
from typing_extensions import override

from tap_github_pat_grants import SDK_VERSION, __version__, streams
from tap_github_pat_grants.config import Settings, parse_settings
from tap_github_pat_grants.errors import ConfigError
from tap_github_pat_grants.ledger_columns import LedgerColumns
from tap_github_pat_grants.org_stream import GitHubOrgStream
from tap_github_pat_grants.run import Run
from tap_github_pat_grants.sdk_overrides import BufferedMsgSpecWriter, quiet_sdk_logs
from tap_github_pat_grants.settings import config_schema

if t.TYPE_CHECKING:
    from singer_sdk.helpers.capabilities import CapabilitiesEnum
    from singer_sdk.streams import Stream

    from tap_github_pat_grants.organizations import OrgTarget

LIST_STREAMS: tuple[type[GitHubOrgStream], ...] = (
    streams.PatGrantsStream,
    streams.PatGrantRepositoriesStream,
    streams.PatRequestsStream,
    streams.PatRequestRepositoriesStream,
    streams.CredentialAuthorizationsStream,
    streams.PatAuditEventsStream,
    streams.OrgMembersStream,
)
STREAM_TYPES: tuple[type[Stream], ...] = (*LIST_STREAMS, streams.SyncRunsStream)
# What `skip_streams_without_permission` may name: the top-level streams that need one.
SKIPPABLE = tuple(
    stream.name  # type: ignore[misc]  # the SDK types `name` per instance; streams declare it
    for stream in LIST_STREAMS
    if stream.parent_stream_type is None and stream.endpoint.permission
)


class TapGitHubPatGrants(Tap):
    """Fine-grained personal access token grants, requests and their repositories."""

    name = "tap-github-pat-grants"
    package_name = "tap-github-pat-grants"
    config_jsonschema = config_schema()
    message_writer_class = BufferedMsgSpecWriter
    # The SDK's BATCH path reads no child streams and versions nothing: not offered.
    capabilities: t.ClassVar[list[CapabilitiesEnum]] = [
        TapCapabilities.CATALOG,
        TapCapabilities.STATE,
        TapCapabilities.DISCOVER,
        TapCapabilities.ACTIVATE_VERSION,
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.STRUCTURED_LOGGING,
    ]

    # Seams for tests: a fake clock and sleep make rate-limit waits instant.
    clock: t.Callable[[], float] = staticmethod(time.time)
    sleep: t.Callable[[float], None] = staticmethod(time.sleep)
    _checked_settings: Settings | None = None

    @cached_property
    def run(self) -> Run:
        """What every stream of this run shares (made once, when the streams are)."""
        return Run(
            self.config,
            skippable=SKIPPABLE,
            started_at_ms=self.initialized_at,
            clock=self.clock,
            sleep=self.sleep,
            write_message=self.write_message,
            write_state=lambda: self.state_writer.write_state(self.state),
            settings=self._checked_settings,
        )

    @property
    def settings(self) -> Settings:
        """The checked settings."""
        return self.run.settings

    @property
    def organizations(self) -> list[OrgTarget]:
        """The organizations this run reads (discovered ones too, with `"*"`)."""
        return self.run.organizations

    @override
    @classmethod
    def print_version(cls, print_fn: t.Callable[[t.Any], None] = print) -> None:
        # The SDK's line, from the versions the package read when it was imported.
        print_fn(f"{cls.name} v{__version__}, Meltano SDK v{SDK_VERSION}")

    @override
    def discover_streams(self) -> list[Stream]:
        self.run.ledger_columns = [_ledger_columns(stream) for stream in LIST_STREAMS]
        made = [stream_type(tap=self, run=self.run) for stream_type in STREAM_TYPES]  # type: ignore[call-arg]
        self.run.readers = [
            stream
            for stream in made
            if isinstance(stream, GitHubOrgStream) and stream.parent_stream_type is None
        ]
        return made

    @override
    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        # Private hook 2 of 3 (sdk_overrides.py): the SDK's messages echo the offending value,
        # which may be a secret; ours name the setting and the rule.
        if not raise_errors:
            return []
        schema = self.config_jsonschema
        self.append_builtin_config(schema)  # the SDK's own settings: stream maps, flattening...
        for error in Draft7Validator(schema).iter_errors(dict(self.config)):
            raise ConfigError(_schema_line(error, schema, self.config))
        self._checked_settings = parse_settings(self.config, SKIPPABLE)
        quiet_sdk_logs(log_metrics=self._checked_settings.log_metrics)
        return []


def _ledger_columns(stream: type[GitHubOrgStream]) -> LedgerColumns:
    """A list stream's `sync_runs` columns, from its declaration."""
    top = stream.parent_stream_type is None
    name: str = stream.name  # type: ignore[misc]  # the SDK types `name` per instance
    return LedgerColumns(
        name, name.removeprefix("pat_"), whole_list=top and stream.endpoint.whole_list
    )


def _schema_line(error: t.Any, schema: dict[str, t.Any], config: t.Mapping[str, t.Any]) -> str:
    """One line for a config that breaks the schema: the setting and the rule, never the value."""
    if error.validator == "additionalProperties":
        unknown = sorted(set(config) - set(schema["properties"]))
        return f"{', '.join(unknown)}: unknown setting; see --about for the settings"
    if error.validator == "required":
        missing = ", ".join(sorted(set(schema["required"]) - set(config)))
        return f"{missing}: a required setting is missing"
    setting = ".".join(str(part) for part in error.absolute_path) or "config"
    return f"{setting}: {_rule(error.validator, error.validator_value)}"


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
