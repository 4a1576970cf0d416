"""A full read's mark in STATE: what it must hold, and its round trip (`read_progress.py`)."""

from __future__ import annotations

import pytest

from tap_github_pat_grants.page_guard import PageGuard, UnconfirmedEnd
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

STARTED = "2026-01-05T10:00:00.123Z"
GOOD = {
    "started_at": STARTED,
    "version": 1767607200,
    "query": 0,
    "pass": 1,
    "page": 4,
    "rows": 352,
    "done": ["z1", "eJwDAAAAAAE="],
}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({}, None),
        ({"version": None}, None),
        ({"started_at": None}, "it has no started_at"),
        ({"version": "1767607200"}, "its version is not a number"),
        ({"page": 0}, "its query, page or rows are not counts"),
        ({"rows": -1}, "its query, page or rows are not counts"),
        ({"query": True}, "its query, page or rows are not counts"),
        ({"pass": 3}, "its pass is neither 1 nor 2"),
        ({"done": None}, "it holds no ids"),
    ],
)
def test_what_a_mark_must_hold(change, problem):
    assert mark_problem({**GOOD, **change}) == problem
    mark = read_mark({FULL_READ: {**GOOD, **change}})
    assert (mark is None) == (problem is not None)


def test_a_complete_mark_needs_only_its_start_and_version():
    complete = dump_complete(ReadMark(STARTED, 7, complete=True))
    assert complete == {"started_at": STARTED, "version": 7, "complete": True}
    assert read_mark({FULL_READ: complete}) == ReadMark(STARTED, 7, complete=True)
    assert read_mark({}) is None
    assert read_mark({FULL_READ: "page 4"}) is None


def test_progress_round_trips_through_its_mark():
    progress = ListProgress(query=1, page=3, rows=250)
    for row_id in (11, 12, 13):
        progress.emitted(row_id)
    progress.second_pass(UnconfirmedEnd("the list ended at page 2", 2, "/orgs/acme/x"))
    progress.page, progress.announced = 5, 9

    dumped = dump_progress(progress, ReadMark(STARTED, None, complete=False), "2026-01-04Z")
    again = load_progress({FULL_READ: dumped})

    assert dumped["pass"] == 2 and dumped["bookmark"] == "2026-01-04Z"
    assert (again.query, again.first_pass, again.page, again.rows) == (1, False, 5, 253)
    assert (again.resumed, again.announced) == (True, 9)
    assert all(row_id in again.done for row_id in (11, 12, 13))
    assert again.end == UnconfirmedEnd("the list ended at page 2", 2, "/orgs/acme/x")
    assert again.where() == "verification pass, page 5 of 9"
    assert again.page_params() == (("page", "5"),)


def test_a_page_of_a_read_moves_its_progress_and_page_one_asks_for_no_page():
    progress = ListProgress()
    rows = []
    progress.on_row = lambda: rows.append(progress.page)
    guard = PageGuard(100, start_page=3)
    guard.accept("https://x/y?page=3", {"last": {"url": "https://x/y?page=8"}}, 100, [1])
    progress.at(guard)
    assert (rows, progress.announced, progress.where()) == ([3], 8, "first pass, page 3 of 8")
    assert ListProgress().page_params() == ()
    assert guard.pages_held == 3 and not guard.one_page
