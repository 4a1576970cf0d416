"""One organization's full read of one stream, carried from run to run in STATE.

The mark's layout is `read_progress.py`'s. Here: when it is written (a checkpoint every
`CHECKPOINT_REQUESTS` requests, checked after each row, so a killed process loses at most
those; fewer, relative to its size, for a large one), what a stop writes (the org's
bookmarks as they were before the read, its progress, and a line that says so), and what
the end leaves (`finish`). A run given that STATE continues the read; a read without a mark
(a first run, `--full-refresh`, STATE from before marks existed) starts from the beginning.
"""

from __future__ import annotations

import logging
import typing as t

from tap_github_pat_grants.error_lines import stopped_read_line
from tap_github_pat_grants.read_progress import (
    FULL_READ,
    ListProgress,
    ReadMark,
    dump_complete,
    dump_progress,
    load_progress,
    mark_problem,
    read_mark,
)

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from tap_github_pat_grants.errors import TapError

State = dict[str, t.Any]

# A checkpoint (STATE) at least every this many requests of the read ...
CHECKPOINT_REQUESTS = 20
# ... and not more often than one request per this many bytes of its mark: a 250 KiB mark
# (100,000 ids) is written every ~125 requests, so STATE stays a small share of the output.
MARK_BYTES_PER_REQUEST = 2048
# The SDK's key for a bookmark still being read (its note says it cannot resume: here it can).
PROGRESS_MARKERS = "progress_markers"
NOTE = "The latest bookmark of a full read in progress; full_read says where it resumes."

logger = logging.getLogger("tap-github-pat-grants")


class FullRead:
    """An org's full read of a stream in progress (the stream's children are part of it)."""

    def __init__(  # noqa: PLR0913 (what a read is made of)
        self,
        state: State,
        before: State,
        mark: ReadMark,
        *,
        names: tuple[str, str],
        write_state: Callable[[], None],
        requests_sent: Callable[[], int],
    ) -> None:
        """A read of `names` (stream, org), its STATE partition `state` (as it was: `before`)."""
        self.mark = mark
        self.progress: ListProgress | None = None
        self._state, self._before = state, before
        self._stream, self._org = names
        self._write_state, self._requests_sent = write_state, requests_sent
        self._last = requests_sent()
        self._mark_size = 0

    @property
    def resumed(self) -> bool:
        """It continues a read an earlier run began."""
        return self.progress is not None and self.progress.resumed

    def list_progress(self, query: int) -> ListProgress | None:
        """The read of the endpoint's list `query` (None: an earlier run read it)."""
        progress = self.progress
        if progress is not None and query < progress.query:
            return None
        if progress is None or query > progress.query:
            progress = self.progress = ListProgress(query, rows=progress.rows if progress else 0)
        progress.on_row = self._after_row
        return progress

    def _after_row(self) -> None:
        every = max(CHECKPOINT_REQUESTS, self._mark_size // MARK_BYTES_PER_REQUEST)
        if self._requests_sent() - self._last >= every:
            self.checkpoint()

    def checkpoint(self) -> None:
        """Write where the read stands into its partition's state, and STATE out."""
        self._save()
        self._write_state()

    def _save(self) -> None:
        self._last = self._requests_sent()
        if self.progress is None:
            return
        bookmark = self._state.get(PROGRESS_MARKERS, {}).get("replication_key_value")
        mark = dump_progress(self.progress, self.mark, bookmark)
        self._mark_size = sum(map(len, mark["done"]))
        self._state[FULL_READ] = mark

    def stopped(self, error: TapError) -> TapError:
        """The read stops: STATE keeps its progress (its bookmarks unmoved); the line says so."""
        self._save()
        keep_progress(self._state, self._before)
        self._write_state()
        if self.progress is None:
            return error
        rows, where = self.progress.rows, self.progress.where()
        return type(error)(stopped_read_line(str(error), self._stream, self._org, rows, where))

    def start_over(self) -> None:
        """The read cannot be continued: the next run starts it from the beginning."""
        self._state.pop(FULL_READ, None)
        self._before.pop(FULL_READ, None)
        self.progress = None
        self._write_state()

    def finish(self) -> None:
        """The org's read ended complete: a versioned one waits for the other orgs' (if any)."""
        if self.mark.version is None:
            self._state.pop(FULL_READ, None)
        else:
            self._state[FULL_READ] = dump_complete(self.mark)


def begin(  # noqa: PLR0913 (what a read is made of)
    state: State,
    before: State,
    *,
    names: tuple[str, str],
    started: tuple[str, int | None],
    bookmark_key: str | None,
    write_state: Callable[[], None],
    requests_sent: Callable[[], int],
) -> FullRead:
    """A full read of `names` (stream, org): the one `state` marks, or a new one.

    `started`: this run's start and the table version it decided; `bookmark_key`: the
    replication key whose bookmark the read carries (None: none).
    """
    mark, progress = _resumable(state, names)
    if progress is None or mark is None:
        mark = ReadMark(started[0], started[1], complete=False)
    else:
        mark = ReadMark(mark.started_at, started[1], complete=False)
        logger.info(
            "%s org %s: continuing the full read begun at %s (%s records done; %s)",
            *names,
            mark.started_at,
            f"{progress.rows:,}",
            progress.where(),
        )
    if bookmark_key is not None:
        carried = state[FULL_READ].get("bookmark") if progress is not None else None
        _seed_bookmark(state, bookmark_key, carried)
    read = FullRead(
        state, before, mark, names=names, write_state=write_state, requests_sent=requests_sent
    )
    read.progress = progress
    return read


def _resumable(state: State, names: tuple[str, str]) -> tuple[ReadMark | None, ListProgress | None]:
    """The unfinished read `state` marks, if any and readable."""
    mark, problem = read_mark(state), None
    if FULL_READ in state and mark is None:
        problem = mark_problem(state[FULL_READ])
    elif mark is not None and not mark.complete:
        try:
            return mark, load_progress(state)
        except (ValueError, TypeError) as broken:
            problem = str(broken)
    if problem is not None:
        logger.warning(
            "%s org %s: the full read's progress in STATE cannot be read (%s); it starts over",
            *names,
            problem,
        )
    return mark, None


def _seed_bookmark(state: State, key: str, carried: object) -> None:
    """The bookmark so far of a resumed read, where the SDK keeps it while a read is on."""
    markers: dict[str, t.Any] = {"Note": NOTE}
    if carried is not None:
        markers.update(replication_key=key, replication_key_value=carried)
    state[PROGRESS_MARKERS] = markers


def keep_progress(state: State, before: State) -> None:
    """A failed read moves no bookmark, but keeps its full read's progress."""
    progress = state.get(FULL_READ)
    state.clear()
    state.update(before)
    if progress is not None:
        state[FULL_READ] = progress
