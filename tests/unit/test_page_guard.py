"""Where a list read may end and how far it may run, as GitHub says while the list changes.

Each case is one read: a table of pages (page number, rows sent, `rel="last"` it announces,
whether it links a next page), each checked and accepted in turn, as `paging.accept_page` does.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tap_github_pat_grants.page_guard import (
    IncompleteListError,
    PageGuard,
    PagingLoopError,
)

URL = "https://api.github.com/orgs/acme/personal-access-tokens?per_page=100"


@dataclass(frozen=True)
class Page:
    """One page as GitHub sends it: its number, its rows, and what its `Link` header says."""

    number: int
    rows: int = 100
    last: int | None = None  # `rel="last"`
    more: bool = True  # `rel="next"`
    ids_from: int | None = None  # the first row id (default: by position)

    @property
    def url(self) -> str:
        return URL if self.number == 1 else f"{URL}&page={self.number}"

    @property
    def links(self) -> dict[str, dict[str, str]]:
        links = {}
        if self.more:
            links["next"] = {"url": f"{URL}&page={self.number + 1}"}
        if self.last is not None:
            links["last"] = {"url": f"{URL}&page={self.last}"}
        return links

    @property
    def ids(self) -> list[int]:
        start = self.ids_from if self.ids_from is not None else self.number * 1_000
        return list(range(start, start + self.rows))


def read(pages: list[Page], guard: PageGuard | None = None) -> PageGuard:
    """Check and accept each page in turn; the first refusal is raised."""
    guard = guard or PageGuard(100)
    for page in pages:
        guard.check(page.url, page.links, page.rows, page.ids)
        guard.accept(page.url, page.links, page.rows, page.ids)
    return guard


def announcing(last: int, through: int) -> list[Page]:
    """Pages 1..`through` of a list that announces `last` pages, each linking the next."""
    return [Page(n, last=last) for n in range(1, through + 1)]


# Complete reads: the list ended where its latest page said, whatever the first announced.

COMPLETE = {
    "unchanged": [*announcing(5, 4), Page(5, rows=50, more=False)],
    "unchanged, full last page": [*announcing(5, 4), Page(5, more=False)],
    "shrank before page 2, ends full on page 4": [
        Page(1, last=5),
        *[Page(n, last=4) for n in (2, 3)],
        Page(4, more=False),
    ],
    "shrank after the last announcement, ends short": [*announcing(5, 3), Page(4, 60, more=False)],
    "shrank after page 4, ends empty where announced": [*announcing(5, 4), Page(5, 0, more=False)],
    "grew from 10 to 13 pages after page 1": [
        Page(1, last=10),
        *[Page(n, last=13) for n in range(2, 13)],
        Page(13, rows=50, more=False),
    ],
    "grew by exactly one page: page 2 repeats page 1": [
        Page(1, last=2, ids_from=1),
        Page(2, last=3, ids_from=1),
        Page(3, rows=10, more=False),
    ],
    "one page": [Page(1, rows=40, more=False)],
    "empty": [Page(1, rows=0, more=False)],
}


@pytest.mark.parametrize("pages", COMPLETE.values(), ids=COMPLETE.keys())
def test_a_list_that_ends_where_its_latest_page_said_is_complete(pages):
    guard = read(pages)
    assert guard.accepted == len(pages)
    assert guard.unconfirmed_end is None


MOVED = {
    "unchanged": ([*announcing(5, 4), Page(5, rows=50, more=False)], (5, 5)),
    "shrank by a page": ([Page(1, last=5), Page(2, last=4), Page(3, last=4), Page(4, more=False)], (5, 4)),
    "shrank into an empty last page": ([*announcing(5, 4), Page(5, 0, more=False)], (5, 4)),
    "grew by 3 pages": ([Page(1, last=10), *[Page(n, last=13) for n in range(2, 13)], Page(13, 50, more=False)], (10, 13)),
    "one page": ([Page(1, rows=40, more=False)], (1, 1)),
    "empty": ([Page(1, rows=0, more=False)], (1, 1)),
    "never announced": ([Page(1), Page(2, rows=3, more=False)], None),
}  # fmt: skip


@pytest.mark.parametrize(("pages", "moved"), MOVED.values(), ids=MOVED.keys())
def test_a_finished_read_says_pages_announced_at_the_start_and_pages_held(pages, moved):
    assert read(pages).moved() == moved


# Cut reads: full (or empty) end before the latest announcement; short page promising more.

CUT = {
    "ends full on page 2 of 5": ([Page(1, last=5), Page(2, more=False)], "the list ended at page 2 although GitHub announced 5 pages"),
    "ends empty on page 3 of 5": ([*announcing(5, 2), Page(3, 0, more=False)], "the list ended at page 3 although GitHub announced 5 pages"),
    "shrank to 4 pages, then cut at 3": ([Page(1, last=5), Page(2, last=4), Page(3, more=False)], "the list ended at page 3 although GitHub announced 4 pages"),
    "short page promising more": ([Page(1, last=5), Page(2, rows=10, last=5)], "page 2 held 10 of 100 rows although GitHub's Link header promised more"),
    "empty page promising more": ([Page(1, last=5), Page(2, rows=0, last=5)], "page 2 held 0 of 100 rows although GitHub's Link header promised more"),
}  # fmt: skip


@pytest.mark.parametrize(("pages", "reason"), CUT.values(), ids=CUT.keys())
def test_a_cut_list_is_incomplete(pages, reason):
    with pytest.raises(IncompleteListError, match=f"^{reason}$"):
        read(pages)


@pytest.mark.parametrize("rows", [100, 0], ids=["full", "empty"])
def test_the_same_short_end_twice_waits_for_the_witness_only_when_one_follows(rows):
    start, end = announcing(5, 3), Page(4, rows, more=False)
    alone = read(start)
    for _ in range(2):  # sent, then resent: both refused
        with pytest.raises(IncompleteListError):
            alone.check(end.url, end.links, end.rows, end.ids)

    witnessed = read(start, PageGuard(100, witness_follows=True))
    with pytest.raises(IncompleteListError):
        witnessed.check(end.url, end.links, end.rows, end.ids)
    reason = witnessed.check(end.url, end.links, end.rows, end.ids)
    assert reason == "the list ended at page 4 although GitHub announced 5 pages"


# Loops and runaway paging.

LOOPS = {
    "repeats the previous page": ([Page(1, last=5, ids_from=1), Page(2, last=5, ids_from=1)], "page 2 repeats the previous page"),
    "past the latest announcement (2) plus 2": ([Page(n, last=2) for n in range(1, 6)], r"more than the 2 pages GitHub announced \(page 5\)"),
    "past the latest announcement (30) plus 3": ([Page(1, last=20), *[Page(n, last=30) for n in range(2, 35)]], r"more than the 30 pages GitHub announced \(page 34\)"),
    "an end receding a page per page read, from 2": ([Page(n, last=n + 1) for n in range(1, 20)], "page 7 is more than twice the 2 pages GitHub announced when the read began"),
    "an end receding a page per page read, from 10": ([Page(1, last=10), *[Page(n, last=n + 1) for n in range(2, 40)]], "page 23 is more than twice the 10 pages GitHub announced"),
    "repeats, growing a page per page": ([Page(n, last=n + 1, ids_from=1) for n in range(1, 20)], "page 7 is more than twice the 2 pages"),
}  # fmt: skip


@pytest.mark.parametrize(("pages", "reason"), LOOPS.values(), ids=LOOPS.keys())
def test_paging_that_cannot_end_stops(pages, reason):
    with pytest.raises(PagingLoopError, match=reason):
        read(pages)


def test_a_list_may_grow_to_twice_its_first_announcement_plus_the_margin():
    # 10 pages when the read began; 22 pages (2 x 10 + 2) is still a list that grew.
    pages = [Page(1, last=10), *[Page(n, last=22) for n in range(2, 22)], Page(22, 5, more=False)]
    assert read(pages).moved() == (10, 22)


def test_a_next_link_back_to_an_accepted_page_is_a_loop():
    guard = read(announcing(5, 2))
    with pytest.raises(PagingLoopError, match="leads back to page 1, already read"):
        guard.check_next(URL + "&page=1")
