"""What one run read in each organization: the `sync_runs` rows.

Loaders that ignore ACTIVATE_VERSION (DuckDB, JSONL, lakes) cannot tell a revoked grant from a
live one. Each run therefore records, per organization, when it started and how it read each
stream ("full" or "incremental"), so SQL can say "grants seen since the last complete full read
of this org" in any warehouse, and an auditor can see "inventory complete as of" per org.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

# `sync_runs` columns per data stream: how it was read, and what that cost.
STREAM_COLUMNS = {
    "pat_grants": "grants",
    "pat_grant_repositories": "grant_repositories",
    "pat_requests": "requests",
    "pat_request_repositories": "request_repositories",
}


@dataclass
class StreamRead:
    """One stream's read of one organization in this run."""

    read: str | None = None  # "full" | "incremental"; None when the stream was not read
    records: int = 0
    requests: int = 0


@dataclass
class OrgRun:
    """One organization's part of this run."""

    org: str
    started_at: str | None = None
    completed_at: str | None = None
    streams: dict[str, StreamRead] = field(default_factory=dict)

    def stream(self, name: str) -> StreamRead:
        """The read of `name` in this org (created on first use)."""
        return self.streams.setdefault(name, StreamRead())


class RunLedger:
    """Every organization's part of one tap run, in the order they were first read."""

    def __init__(self, started_at_ms: int, tap_version: str) -> None:
        """Start a run; `started_at_ms` is on the clock that stamps `time_extracted`."""
        self.run_id = str(uuid.uuid4())
        # Floor to the millisecond: never after the `time_extracted` of this run's records.
        started = datetime.fromtimestamp(started_at_ms / 1000, tz=timezone.utc)
        self.run_started_at = utc_text(started)
        self.tap_version = tap_version
        self._orgs: dict[str, OrgRun] = {}

    def org(self, login: str) -> OrgRun:
        """The run record of one organization (created on first use)."""
        return self._orgs.setdefault(login, OrgRun(login))

    def begin(self, org: str, stream: str, read: str) -> StreamRead:
        """A stream starts reading an org; the org's start is its first stream's."""
        run = self.org(org)
        run.started_at = run.started_at or utc_text(datetime.now(timezone.utc))
        counts = run.stream(stream)
        counts.read = read
        return counts

    def end(self, org: str) -> None:
        """A stream finished an org: the org's completion moves to now."""
        self.org(org).completed_at = utc_text(datetime.now(timezone.utc))

    def rows(self) -> list[dict[str, Any]]:
        """One `sync_runs` row per organization this run read."""
        rows = []
        for run in self._orgs.values():
            row: dict[str, Any] = {
                "org": run.org,
                "run_id": self.run_id,
                "run_started_at": self.run_started_at,
                "started_at": run.started_at,
                "completed_at": run.completed_at,
                "status": "complete",
                "error": None,
                "source": "listed",
                "installation_id": None,
                "suspended": False,
                "permissions": None,
                "skipped_streams": None,
                "tap_version": self.tap_version,
            }
            for stream, prefix in STREAM_COLUMNS.items():
                counts = run.streams.get(stream, StreamRead())
                row[f"{prefix}_read"] = counts.read
                row[f"{prefix}_records"] = counts.records if counts.read else None
                row[f"{prefix}_requests"] = counts.requests if counts.read else None
            row["grants_verification_added"] = None
            rows.append(row)
        return rows


def utc_text(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS.mmmZ`, truncated (not rounded) to the millisecond."""
    utc = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return utc.isoformat(timespec="milliseconds") + "Z"
