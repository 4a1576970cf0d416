"""How far one organization's full read of a stream got: its mark in that org's STATE.

A full read of a large organization can outlast a rate-limit window, or the process. So the
org's partition state carries, under `full_read`, where its full read stands, and a run
started with that STATE continues it instead of starting over:

    "full_read": {
      "started_at": "2026-01-05T10:00:00.123Z",  # when the read's first run started
      "version": 1767607200,    # the table version its records carry (null: unversioned)
      "query": 0,               # which of the endpoint's lists (org_members reads two)
      "pass": 1,                # 1: the first pass (newest first), 2: the verification pass
      "page": 4,                # the page in flight: a rerun reads it again
      "pages": 10,              # the pages GitHub announced for the list (when it said)
      "rows": 352,              # records emitted so far (for the lines a person reads)
      "done": ["z1", "eJz..."], # the ids emitted, with their children (`SeenIds.dump`)
      "done_other": [],         # ids that do not pack (rare; left out when empty)
      "end": ["...", 5, "/orgs/acme/personal-access-tokens"],  # pass 1 ended short: for pass 2
      "bookmark": "2026-01-04T08:00:00.000Z"  # the latest replication-key value emitted
    }

An id is in `done` only once its record and its children's (a `subset` grant's repositories)
were written, so a rerun skips exactly the rows that need nothing more. Once the org's part
of a versioned whole-table read is done while other orgs' parts are not, the mark shrinks to
`{"started_at": ..., "version": ..., "complete": true}` until the table's version is activated
(`versioning.py`).
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field

from tap_github_pat_grants.page_guard import UnconfirmedEnd
from tap_github_pat_grants.seen_ids import SeenIds

if t.TYPE_CHECKING:
    from collections.abc import Callable, MutableMapping

    from tap_github_pat_grants.page_guard import PageGuard

FULL_READ = "full_read"  # the partition-state key


@dataclass(frozen=True)
class ReadMark:
    """What a partition's state says of its full read, without its ids."""

    started_at: str
    version: int | None
    complete: bool  # the org's part of a whole-table read is done; the table's is not


@dataclass
class ListProgress:
    """Where one read of one whole list stands: its pass, the page in flight, the ids done."""

    query: int = 0
    first_pass: bool = True
    page: int = 1
    done: SeenIds = field(default_factory=SeenIds)
    end: UnconfirmedEnd | None = None  # the first pass ended short: the second pass settles it
    resumed: bool = False  # continues an earlier run's read: rows done then are not emitted again
    announced: int | None = None  # pages the list's latest page announced
    rows: int = 0  # records emitted by this read, in this run and earlier ones
    on_row: Callable[[], None] = lambda: None  # after each row (a checkpoint, when due)

    def emitted(self, row_id: object) -> None:
        """A row was written, with its children."""
        self.done.add(row_id)
        self.rows += 1

    def at(self, guard: PageGuard) -> None:
        """A row of the page `guard` accepted last was dealt with."""
        self.page = guard.latest_page or self.page
        self.announced = guard.latest_announced or self.announced
        self.on_row()

    def second_pass(self, end: UnconfirmedEnd | None) -> None:
        """The first pass is over; the verification pass begins."""
        self.done.seal()
        self.first_pass, self.page, self.end, self.announced = False, 1, end, None

    def page_params(self) -> tuple[tuple[str, str], ...]:
        """The query parameter that starts a read at the page in flight (none for page 1)."""
        return (("page", str(self.page)),) if self.page > 1 else ()

    def where(self) -> str:
        """Where the read stands, for a person: `first pass, page 4 of 10`."""
        of = f" of {self.announced}" if self.announced else ""
        return f"{'first' if self.first_pass else 'verification'} pass, page {self.page}{of}"


def read_mark(state: MutableMapping[str, t.Any]) -> ReadMark | None:
    """The partition's mark (None: none, or one that cannot be read: `mark_problem`)."""
    mark = state.get(FULL_READ)
    if mark is None or mark_problem(mark) is not None:
        return None
    return ReadMark(mark["started_at"], mark.get("version"), mark.get("complete") is True)


def mark_problem(mark: object) -> str | None:
    """Why a `full_read` mark cannot be read, short of its ids (None: it can)."""
    if not isinstance(mark, dict):
        return "it is not an object"
    version = mark.get("version")
    counts: list[t.Any] = [mark.get(key) for key in ("query", "page", "rows")]
    unfinished = mark.get("complete") is not True
    counted = all(type(count) is int and count >= 0 for count in counts) and counts[1] >= 1
    checks = [
        (isinstance(mark.get("started_at"), str), "it has no started_at"),
        (type(version) in {int, type(None)}, "its version is not a number"),
        (not unfinished or counted, "its query, page or rows are not counts"),
        (not unfinished or mark.get("pass") in {1, 2}, "its pass is neither 1 nor 2"),
        (not unfinished or isinstance(mark.get("done"), list), "it holds no ids"),
    ]
    return next((problem for fine, problem in checks if not fine), None)


def load_progress(state: MutableMapping[str, t.Any]) -> ListProgress:
    """The list read an unfinished, readable mark records; ValueError if its ids cannot be."""
    mark = state[FULL_READ]
    first_pass = mark["pass"] == 1
    done = SeenIds.load(mark["done"], mark.get("done_other", ()), sealed=not first_pass)
    end = mark.get("end")
    if end is not None:
        reason, pages_held, path = end
        end = UnconfirmedEnd(str(reason), int(pages_held), str(path))
    announced = mark.get("pages")
    announced = announced if type(announced) is int else None
    query, page, rows = mark["query"], mark["page"], mark["rows"]
    return ListProgress(
        query, first_pass, page, done, end, resumed=True, announced=announced, rows=rows
    )


def dump_progress(progress: ListProgress, mark: ReadMark, bookmark: object) -> dict[str, t.Any]:
    """The mark of an unfinished read, as STATE carries it."""
    done, others = progress.done.dump()
    dumped: dict[str, t.Any] = {
        "started_at": mark.started_at,
        "version": mark.version,
        "query": progress.query,
        "pass": 1 if progress.first_pass else 2,
        "page": progress.page,
        "rows": progress.rows,
        "done": done,
    }
    if progress.announced is not None:
        dumped["pages"] = progress.announced
    if others:
        dumped["done_other"] = others
    if progress.end is not None:
        dumped["end"] = [progress.end.reason, progress.end.pages_held, progress.end.path]
    if bookmark is not None:
        dumped["bookmark"] = bookmark
    return dumped


def dump_complete(mark: ReadMark) -> dict[str, t.Any]:
    """The mark of an org whose part of a whole-table read is done."""
    return {"started_at": mark.started_at, "version": mark.version, "complete": True}
