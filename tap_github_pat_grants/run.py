"""What every stream of one tap run shares, made when first needed.

The checked settings, the one HTTP policy, the credentials (installation tokens narrowed to
the selected streams' permissions), the organizations to read and the run's ledger. The tap
makes one `Run` and hands it to each stream it creates; streams read through it and never
through the tap.
"""

from __future__ import annotations

import typing as t
from functools import cached_property

from tap_github_pat_grants import __version__
from tap_github_pat_grants.auth import GitHubCredentials
from tap_github_pat_grants.config import Settings, parse_settings
from tap_github_pat_grants.github_http import GitHubHTTP
from tap_github_pat_grants.org_checks import Checked, check_organizations
from tap_github_pat_grants.organizations import OrgTarget, organizations_to_read
from tap_github_pat_grants.run_ledger import RunLedger

if t.TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping

    from singer_sdk.singerlib.messages import Message

    from tap_github_pat_grants.full_read import FullRead
    from tap_github_pat_grants.ledger_columns import LedgerColumns


class Reader(Checked, t.Protocol):
    """A top-level list stream, as the run sees it: its selection, and what the checks need."""

    def reads_this_run(self) -> bool:
        """Selected itself, or for a selected child."""


class Run:
    """One tap run's shared parts (see the module docstring)."""

    def __init__(  # noqa: PLR0913 (what a run is made of)
        self,
        config: Mapping[str, t.Any],
        *,
        skippable: Collection[str],
        started_at_ms: int,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        write_message: Callable[[Message], None],
        write_state: Callable[[], None],
        settings: Settings | None = None,
    ) -> None:
        """Keep what the run is made of; nothing is checked or sent yet."""
        self._config = config
        self._skippable = skippable
        self._settings = settings
        self.started_at_ms = started_at_ms
        self.clock = clock
        self.sleep = sleep
        self.write_message = write_message
        self.write_state = write_state  # STATE, as the tap holds it now
        self.full_reads: dict[str, FullRead] = {}  # per org: the full read in progress
        self.readers: list[Reader] = []
        self.ledger_columns: list[LedgerColumns] = []  # each list stream's `sync_runs` columns

    @cached_property
    def settings(self) -> Settings:
        """The checked settings."""
        return self._settings or parse_settings(self._config, self._skippable)

    @cached_property
    def http(self) -> GitHubHTTP:
        """The one HTTP policy for every request of this run."""
        return GitHubHTTP(self.settings, clock=self.clock, sleep=self.sleep)

    @cached_property
    def credentials(self) -> GitHubCredentials:
        """Per-org credentials; installation tokens carry only what the selected streams read."""
        wanted = {
            reader.permission.key: "read"
            for reader in self.readers
            if reader.permission is not None and reader.reads_this_run()
        }
        return GitHubCredentials(self.settings, self.http, wanted, clock=self.clock)

    @cached_property
    def ledger(self) -> RunLedger:
        """What this run read in each organization (the `sync_runs` rows)."""
        return RunLedger(self.started_at_ms, __version__, self.ledger_columns)

    @cached_property
    def organizations(self) -> list[OrgTarget]:
        """The organizations this run reads (discovered ones too, with `"*"`)."""
        targets = organizations_to_read(self.settings, self.credentials.app)
        for target in targets:
            self.ledger.org(target.org).source = target.source
        return targets

    @cached_property
    def checked_organizations(self) -> list[str]:
        """The organizations, each checked before any list request (`org_checks.py`)."""
        orgs = [target.org for target in self.organizations]
        readers = [reader for reader in self.readers if reader.reads_this_run()]
        check_organizations(orgs, readers, self.credentials.app, self.ledger, self.settings)
        return orgs
