"""What this run read in each organization, and the `sync_runs` rows that say so.

Loaders that ignore ACTIVATE_VERSION (DuckDB, JSONL, lakes) cannot tell a revoked grant from a
live one. Each run therefore records, per organization, when it started and how it read each
stream ("full" or "incremental"), so SQL can say "grants seen since the last complete full read
of this org" in any warehouse, and an auditor can see "inventory complete as of" per org.
The lines a person reads are made from the same counts (`run_log.py`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

from tap_github_pat_grants import run_log
from tap_github_pat_grants.instants import utc_text
from tap_github_pat_grants.read_counts import ReadKind, StreamRead

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tap_github_pat_grants.ledger_columns import LedgerColumns

OrgStatus = Literal["complete", "failed", "skipped"]  # "complete" until something stops it
OrgSource = Literal["listed", "discovered"]


@dataclass
class OrgRun:
    """One organization's part of this run."""

    org: str
    source: OrgSource = "listed"
    status: OrgStatus = "complete"
    error: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    installation_id: int | None = None
    suspended: bool = False
    permissions: dict[str, str] | None = None
    skipped_streams: dict[str, str] = field(default_factory=dict)
    streams: dict[str, StreamRead] = field(default_factory=dict)

    def stream(self, name: str) -> StreamRead:
        """The read of `name` in this org (created on first use)."""
        return self.streams.setdefault(name, StreamRead())

    @property
    def reading(self) -> bool:
        """Nothing has stopped or skipped this org's read (yet)."""
        return self.status == "complete"


class RunLedger:
    """Every organization's part of one tap run, in the order they were first read."""

    def __init__(
        self, started_at_ms: int, tap_version: str, columns: Sequence[LedgerColumns] = ()
    ) -> None:
        """Start a run; `started_at_ms` is on the clock that stamps `time_extracted`.

        `columns`: each stream's `sync_runs` columns.
        """
        self.columns = columns
        self.run_id = str(uuid.uuid4())
        # Truncated to the millisecond: never after the `time_extracted` of this run's records.
        self.run_started_at = utc_text(datetime.fromtimestamp(started_at_ms / 1000, timezone.utc))
        self.tap_version = tap_version
        self._orgs: dict[str, OrgRun] = {}
        self._progress = run_log.Progress()

    def org(self, login: str) -> OrgRun:
        """The run record of one organization (created on first use)."""
        return self._orgs.setdefault(login, OrgRun(login))

    def fail(self, org: str, line: str) -> None:
        """The org's read stopped (the others go on): one line, and its row says why."""
        run = self.org(org)
        if run.reading:
            run.status, run.error = "failed", line
            run_log.org_failed(line)

    def skip_org(self, org: str, line: str, *, suspended: bool = False) -> None:
        """Nothing is read in this org: one warning, and its row says why."""
        run = self.org(org)
        run.suspended = run.suspended or suspended
        if run.reading:
            run.status, run.error = "skipped", line
            run_log.org_skipped(line)

    def skip_streams(self, org: str, streams: tuple[str, ...], line: str) -> None:
        """These streams are not read in this org (e.g. a permission the App lacks)."""
        run = self.org(org)
        for stream in streams:
            run.skipped_streams[stream] = line
            run.stream(stream).read = "skipped"

    def begin(self, org: str, stream: str, read: ReadKind) -> StreamRead:
        """A stream starts reading an org; the org's start is its first stream's."""
        run = self.org(org)
        run.started_at = run.started_at or utc_text(datetime.now(timezone.utc))
        counts = run.stream(stream)
        counts.read = read
        return counts

    def page_done(self, org: str, counts: StreamRead, announced: int | None) -> None:
        """One page arrived (announcing `announced` pages, if it said)."""
        counts.requests += 1
        if announced is not None:
            counts.announced_pages = max(announced, counts.announced_pages or 0)
        self._progress.tick(org, self.org(org).streams)

    def finish(self, org: str, stream: str, children: tuple[str, ...]) -> None:
        """A stream (and its children) finished an org: one summary line each."""
        run = self.org(org)
        run.completed_at = utc_text(datetime.now(timezone.utc))
        run_log.stream_done(org, stream, run.stream(stream))
        for child in children:
            counts = run.streams.get(child)
            if counts is not None and counts.read is not None:
                run_log.children_done(org, child, counts)

    def log_run_summary(self) -> None:
        """One line at the end of a run: how many orgs were read, failed, skipped, and which."""
        run_log.run_done([(run.org, run.status) for run in self._orgs.values()])

    def rows(self) -> list[dict[str, Any]]:
        """One `sync_runs` row per organization this run read."""
        return [self._row(run) for run in self._orgs.values()]

    def _row(self, run: OrgRun) -> dict[str, Any]:
        row: dict[str, Any] = {
            "org": run.org,
            "run_id": self.run_id,
            "run_started_at": self.run_started_at,
            "started_at": run.started_at,
            "completed_at": run.completed_at,
            "status": run.status,
            "error": run.error,
            "source": run.source,
            "installation_id": run.installation_id,
            "suspended": run.suspended,
            "permissions": run.permissions,
            "skipped_streams": run.skipped_streams or None,
            "tap_version": self.tap_version,
        }
        row["invalid_records_skipped"] = sum(c.invalid_skipped for c in run.streams.values())
        for columns in self.columns:
            row.update(columns.values(run.streams.get(columns.stream, StreamRead())))
        return row
