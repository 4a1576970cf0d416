"""What this run read in each organization: progress and summary lines, and the `sync_runs` rows.

Loaders that ignore ACTIVATE_VERSION (DuckDB, JSONL, lakes) cannot tell a revoked grant from a
live one. Each run therefore records, per organization, when it started and how it read each
stream ("full" or "incremental"), so SQL can say "grants seen since the last complete full read
of this org" in any warehouse, and an auditor can see "inventory complete as of" per org.
The same counts make the log: one summary line per org per stream (child streams added up per
org), and a progress line every few seconds, nothing per child partition.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from tap_github_pat_grants.instants import utc_text

if TYPE_CHECKING:
    import requests

PROGRESS_EVERY_SECONDS = 10.0

# `sync_runs` columns per data stream: how it was read, and what that cost.
STREAM_COLUMNS = {
    "pat_grants": "grants",
    "pat_grant_repositories": "grant_repositories",
    "pat_requests": "requests",
    "pat_request_repositories": "request_repositories",
}

# What a child stream's parents are called in its summary line.
PARENTS = {"pat_grant_repositories": "grant", "pat_request_repositories": "request"}

logger = logging.getLogger("tap-github-pat-grants")


@dataclass
class StreamRead:
    """One stream's read of one organization in this run."""

    read: str | None = None  # "full" | "incremental"; None when the stream was not read
    records: int = 0
    requests: int = 0
    parents: int = 0  # child streams: how many parent rows had their list read
    parents_gone: int = 0  # child streams: parents revoked or reviewed before their list was read
    invalid_skipped: int = 0  # records that broke GitHub's shape, left out by choice
    verified: bool = False  # a whole list read twice (`GitHubOrgStream.read_whole_list`)
    verification_added: int = 0  # rows the second pass found that the first missed
    seconds: float = 0.0
    announced_pages: int | None = None  # GitHub's `rel="last"`


@dataclass
class OrgRun:
    """One organization's part of this run."""

    org: str
    source: str = "listed"  # or "discovered"
    status: str = "complete"  # or "failed" (the read stopped), "skipped" (nothing read)
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


class RunLedger:
    """Every organization's part of one tap run, in the order they were first read."""

    def __init__(self, started_at_ms: int, tap_version: str) -> None:
        """Start a run; `started_at_ms` is on the clock that stamps `time_extracted`."""
        self.run_id = str(uuid.uuid4())
        # Truncated to the millisecond: never after the `time_extracted` of this run's records.
        self.run_started_at = utc_text(datetime.fromtimestamp(started_at_ms / 1000, timezone.utc))
        self.tap_version = tap_version
        self._orgs: dict[str, OrgRun] = {}
        self._last_progress = time.monotonic()

    def org(self, login: str) -> OrgRun:
        """The run record of one organization (created on first use)."""
        return self._orgs.setdefault(login, OrgRun(login))

    def fail(self, org: str, line: str) -> None:
        """The org's read stopped (the others go on): one line, and its row says why."""
        run = self.org(org)
        if run.status == "complete":
            run.status, run.error = "failed", line
            logger.error("%s; the other organizations go on (continue_on_org_error)", line)

    def skip_org(self, org: str, line: str, *, suspended: bool = False) -> None:
        """Nothing is read in this org: one warning, and its row says why."""
        run = self.org(org)
        run.suspended = run.suspended or suspended
        if run.status == "complete":
            run.status, run.error = "skipped", line
            logger.warning("%s; skipped", line)

    def skip_stream(self, org: str, streams: tuple[str, ...], line: str) -> None:
        """These streams are not read in this org (e.g. a permission the App lacks)."""
        run = self.org(org)
        for stream in streams:
            run.skipped_streams[stream] = line
            run.stream(stream).read = "skipped"

    def failed_orgs(self) -> list[str]:
        """The orgs whose read stopped in this run."""
        return [run.org for run in self._orgs.values() if run.status == "failed"]

    def begin(self, org: str, stream: str, read: str) -> StreamRead:
        """A stream starts reading an org; the org's start is its first stream's."""
        run = self.org(org)
        run.started_at = run.started_at or utc_text(datetime.now(timezone.utc))
        counts = run.stream(stream)
        counts.read = read
        return counts

    def page_done(
        self, org: str, stream: str, counts: StreamRead, response: requests.Response
    ) -> None:
        """One page arrived; every few seconds, one line on how the org's read is going."""
        counts.requests += 1
        announced = _announced_pages(response)
        if announced is not None:
            counts.announced_pages = max(announced, counts.announced_pages or 0)
        now = time.monotonic()
        if now - self._last_progress < PROGRESS_EVERY_SECONDS:
            return
        self._last_progress = now
        parts = []
        for name, read in self.org(org).streams.items():
            if read.read is None:
                continue
            of = f" of {read.announced_pages}" if name == stream and read.announced_pages else ""
            parts.append(
                f"{name} {_count(read.requests, 'page')}{of}, {_count(read.records, 'record')}"
            )
        logger.info("org %s: reading; so far %s", org, "; ".join(parts))

    def finish(self, org: str, stream: str, children: tuple[str, ...]) -> None:
        """A stream (and its children) finished an org: one summary line each."""
        run = self.org(org)
        run.completed_at = utc_text(datetime.now(timezone.utc))
        read = run.stream(stream)
        logger.info(
            "%s org %s: done, %s, %s, %.1f s (%s read)%s",
            stream,
            org,
            _count(read.records, "record"),
            _count(read.requests, "request"),
            read.seconds,
            read.read,
            _skipped(read),
        )
        for child in children:
            counts = run.streams.get(child)
            if counts is None or counts.read is None:
                continue
            logger.info(
                "%s org %s: done, the lists of %s, %s, %s, %.1f s%s",
                child,
                org,
                _count(counts.parents, PARENTS.get(child, "parent")),
                _count(counts.records, "record"),
                _count(counts.requests, "request"),
                counts.seconds,
                _skipped(counts),
            )

    def log_run_summary(self) -> None:
        """One line at the end of a run: how many orgs were read, failed, skipped, and which."""
        by_status: dict[str, list[str]] = {"complete": [], "failed": [], "skipped": []}
        for run in self._orgs.values():
            by_status.setdefault(run.status, []).append(run.org)
        parts = [f"{len(by_status['complete'])} complete"]
        for status in ("failed", "skipped"):
            orgs = by_status[status]
            parts.append(f"{len(orgs)} {status}" + (f" ({', '.join(orgs)})" if orgs else ""))
        level = logging.WARNING if by_status["failed"] else logging.INFO
        logger.log(level, "Run done: %s; see sync_runs", ", ".join(parts))

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
        for stream, prefix in STREAM_COLUMNS.items():
            counts = run.streams.get(stream, StreamRead())
            read = counts.read if counts.read != "skipped" else None
            row[f"{prefix}_read"] = read
            row[f"{prefix}_records"] = counts.records if read else None
            row[f"{prefix}_requests"] = counts.requests if read else None
        grants = run.streams.get("pat_grants", StreamRead())
        row["grants_verification_added"] = grants.verification_added if grants.read else None
        requests_read = run.streams.get("pat_requests", StreamRead())
        row["requests_verification_added"] = (
            requests_read.verification_added if requests_read.read else None
        )
        row["invalid_records_skipped"] = sum(c.invalid_skipped for c in run.streams.values())
        return row


class Timer:
    """Adds the seconds of a `with` block to a stream's read."""

    def __init__(self, counts: StreamRead) -> None:
        """Time into `counts.seconds`."""
        self._counts = counts
        self._started = 0.0

    def __enter__(self) -> None:
        """Start timing."""
        self._started = time.monotonic()

    def __exit__(self, *_: object) -> None:
        """Add the seconds since the start, whatever ended the block."""
        self._counts.seconds += time.monotonic() - self._started


def _announced_pages(response: requests.Response) -> int | None:
    """The page count GitHub announces in `Link: rel="last"` (None on the last page)."""
    last = response.links.get("last", {}).get("url")
    if not last:
        return None
    pages = parse_qs(urlsplit(last).query).get("page")
    return int(pages[0]) if pages and pages[0].isdigit() else None


def _skipped(counts: StreamRead) -> str:
    """The end of a summary line: what the verification pass added, what was skipped."""
    text = ""
    if counts.verified:
        text += f"; verification pass added {counts.verification_added}"
    if counts.parents_gone:
        text += f"; {_count(counts.parents_gone, 'parent')} gone before its list was read"
    if counts.invalid_skipped:
        text += f"; {_count(counts.invalid_skipped, 'invalid record')} skipped"
    return text


def _count(number: int, noun: str) -> str:
    """`1 record`, `2 records`."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"
