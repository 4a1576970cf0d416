"""The lines a person reads about a run: progress, one summary per org per stream, one closing line.

Progress every few seconds; child streams added up per org; nothing per child partition.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tap_github_pat_grants.read_counts import StreamRead as Counts

PROGRESS_EVERY_SECONDS = 10.0
# What a child stream's parents are called in its summary line.
PARENTS = {"pat_grant_repositories": "grant", "pat_request_repositories": "request"}

logger = logging.getLogger("tap-github-pat-grants")


class Progress:
    """Every few seconds, one line on how the org being read is going."""

    def __init__(self) -> None:
        """Nothing said yet."""
        self._last = time.monotonic()

    def tick(self, org: str, streams: Mapping[str, Counts]) -> None:
        """A page arrived; say how far the org's read is, if it is time to."""
        now = time.monotonic()
        if now - self._last < PROGRESS_EVERY_SECONDS:
            return
        self._last = now
        parts = []
        for name, read in streams.items():
            if read.read is None:
                continue
            # "of N" only for one list: a child stream reads one list per parent.
            one_list = read.announced_pages and not read.parents
            of = f" of {read.announced_pages}" if one_list else ""
            parts.append(
                f"{name} {_count(read.requests, 'page')}{of}, {_count(read.records, 'record')}"
            )
        logger.info("org %s: reading; so far %s", org, "; ".join(parts))


def stream_done(org: str, stream: str, read: Counts) -> None:
    """A stream finished an org."""
    logger.info(
        "%s org %s: done, %s, %s, %.1f s (%s read%s)%s",
        stream,
        org,
        _count(read.records, "record"),
        _count(read.requests, "request"),
        read.seconds,
        read.read,
        ", resumed" if read.resumed else "",
        _details(read),
    )


def children_done(org: str, child: str, counts: Counts) -> None:
    """A child stream finished the lists of an org's parents."""
    logger.info(
        "%s org %s: done, the lists of %s, %s, %s, %.1f s%s",
        child,
        org,
        _count(counts.parents, PARENTS.get(child, "parent")),
        _count(counts.records, "record"),
        _count(counts.requests, "request"),
        counts.seconds,
        _details(counts),
    )


def org_failed(line: str) -> None:
    """An org's read stopped and the others go on."""
    logger.error("%s; the other organizations go on (continue_on_org_error)", line)


def org_skipped(line: str) -> None:
    """Nothing is read in an org."""
    logger.warning("%s; skipped", line)


def run_done(statuses: list[tuple[str, str]]) -> None:
    """One line at the end of a run: how many orgs were read, failed, skipped, and which."""
    by_status: dict[str, list[str]] = {"complete": [], "failed": [], "skipped": []}
    for org, status in statuses:
        by_status.setdefault(status, []).append(org)
    parts = [f"{len(by_status['complete'])} complete"]
    for status in ("failed", "skipped"):
        orgs = by_status[status]
        parts.append(f"{len(orgs)} {status}" + (f" ({', '.join(orgs)})" if orgs else ""))
    level = logging.WARNING if by_status["failed"] else logging.INFO
    logger.log(level, "Run done: %s; see sync_runs", ", ".join(parts))


def _details(counts: Counts) -> str:
    """The end of a summary line: how far lists moved, what verification added, what was skipped."""
    text = _moved(counts)
    if counts.verified:
        text += f"; verification pass added {counts.verification_added}"
    if counts.parents_gone:
        text += f"; {_count(counts.parents_gone, 'parent')} gone before its list was read"
    if counts.invalid_skipped:
        text += f"; {_count(counts.invalid_skipped, 'invalid record')} skipped"
    return text


def _moved(counts: Counts) -> str:
    """How far the lists moved while they were read: GitHub working, said so an auditor sees it."""
    changes = []
    if counts.pages_grown:
        changes.append(f"grew by {_count(counts.pages_grown, 'page')}")
    if counts.pages_shrunk:
        changes.append(f"shrank by {_count(counts.pages_shrunk, 'page')}")
    if not changes:
        return ""
    lists = "lists" if counts.parents else "list"  # a child stream: one list per parent
    return (
        f"; while read, the {lists} {' and '.join(changes)} "
        f"({counts.pages_announced:,} pages announced, {counts.pages_read:,} read)"
    )


def _count(number: int, noun: str) -> str:
    """`1 record`, `2 records`."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"
