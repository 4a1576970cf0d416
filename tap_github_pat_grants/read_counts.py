"""What one stream's read of one organization counted, and how long it took."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

ReadKind = Literal["full", "incremental", "skipped"]


@dataclass
class StreamRead:
    """One stream's read of one organization in this run."""

    read: ReadKind | None = None  # None: the stream was not read
    records: int = 0
    requests: int = 0
    parents: int = 0  # child streams: how many parent rows had their list read
    parents_gone: int = 0  # child streams: parents revoked or reviewed before their list was read
    invalid_skipped: int = 0  # records that broke GitHub's shape, left out by choice
    verified: bool = False  # a whole list read twice (`org_read.read_whole_list`)
    verification_added: int = 0  # rows the second pass found that the first missed
    seconds: float = 0.0
    announced_pages: int | None = None  # the most pages any `rel="last"` announced
    # How far the lists read to their end moved while they were read (`paging.ListRead`):
    pages_announced: int = 0  # what each list's first page announced, summed
    pages_read: int = 0  # the pages each list held at its end, summed
    pages_grown: int = 0  # pages lists held beyond their first announcement, summed
    pages_shrunk: int = 0  # pages lists held short of their first announcement, summed
    read_started_at: str | None = None  # a full read: when its first run started
    resumed: bool = False  # a full read that continues one an earlier run began

    def part_of(self, started_at: str, *, resumed: bool) -> None:
        """This read is (part of) a full read that began at `started_at`."""
        self.read_started_at, self.resumed = started_at, resumed

    def list_done(self, announced: int, held: int) -> None:
        """One list was read to its end: `announced` pages at the start, `held` at the end."""
        self.pages_announced += announced
        self.pages_read += held
        self.pages_grown += max(0, held - announced)
        self.pages_shrunk += max(0, announced - held)


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
