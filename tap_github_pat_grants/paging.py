"""Paging can only move forward, and a list is complete only when it is (pure checks).

GitHub pages these lists by offset and says in `Link` what follows (`rel="next"`) and how many
pages there are (`rel="last"`). A proxy, a cache or a bug can answer otherwise; each answer
that cannot belong to a list read front to back is caught here, per read of one list:

- a `next` link to a page this read already accepted, or a page that repeats the previous one
  (a loop: stop, with no further request);
- more pages than `rel="last"` first announced, beyond a margin for rows added during the read;
- a page shorter than `per_page` while `Link` still promises more, or a list that ends with a
  full (or empty) page before the page `rel="last"` announced (an incomplete read: worth one
  resend, never versioned).
"""

from __future__ import annotations

import heapq
import typing as t
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from collections.abc import Mapping

# Rows added while a list is read push later rows to further pages: allow this many more
# pages than first announced (at least 2, or a tenth of the announced count).
EXTRA_PAGES_MIN = 2
EXTRA_PAGES_SHARE = 10


class PagingLoopError(Exception):
    """The list cannot move forward: a loop, a repeated page, or pages beyond any bound."""


class IncompleteListError(Exception):
    """A page or the list ended short of what GitHub's `Link` header promised."""


PageKey = tuple[str, tuple[tuple[str, str], ...], int]


def page_key(url: str) -> PageKey:
    """A page's identity: its path, its other query parameters in order-free form, its number.

    The first page is asked for without `page`; GitHub's links name it `page=1`: the same page.
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    others = tuple(sorted((name, value) for name, value in query if name != "page"))
    return parts.path, others, page_number(url)


def page_number(url: str) -> int:
    """The `page` parameter of a list URL (1 when absent or unreadable)."""
    for name, value in parse_qsl(urlsplit(url).query):
        if name == "page" and value.isdigit():
            return int(value)
    return 1


@dataclass
class PageGuard:
    """What one read of one list has accepted so far."""

    per_page: int
    accepted: int = 0
    first_announced: int | None = None
    _seen: set[PageKey] = field(default_factory=set)
    _previous_ids: tuple[Any, ...] | None = None

    def check(self, url: str, links: Mapping[str, Any], rows: int, ids: list[Any]) -> None:
        """Raise if this page (`rows` rows as sent, `ids` of those kept) cannot be next."""
        number = page_number(url)
        has_next = "next" in links
        if has_next and rows < self.per_page:
            msg = (
                f"page {number} held {rows} of {self.per_page} rows although GitHub's "
                "Link header promised more"
            )
            raise IncompleteListError(msg)
        announced = self.first_announced
        # A last page that is full (or empty) before the announced end is a cut list; a short
        # one is how a list that shrank during the read ends (rows revoked meanwhile).
        cut = rows in {0, self.per_page}
        if not has_next and announced is not None and number < announced and cut:
            msg = f"the list ended at page {number} although GitHub announced {announced} pages"
            raise IncompleteListError(msg)
        if ids and tuple(ids) == self._previous_ids:
            msg = f"page {number} repeats the previous page"
            raise PagingLoopError(msg)
        if announced is not None and self.accepted + 1 > announced + _extra_pages(announced):
            msg = f"more than the {announced} pages GitHub announced (page {number})"
            raise PagingLoopError(msg)

    def accept(self, url: str, links: Mapping[str, Any], ids: list[Any]) -> None:
        """Remember an accepted page."""
        self.accepted += 1
        self._seen.add(page_key(url))
        self._previous_ids = tuple(ids)
        last = links.get("last", {}).get("url")
        if self.first_announced is None and last:
            self.first_announced = page_number(last)

    def check_next(self, next_url: str) -> None:
        """Raise if `next` leads back to a page this read already accepted."""
        if page_key(next_url) in self._seen:
            msg = f"GitHub's next link leads back to page {page_number(next_url)}, already read"
            raise PagingLoopError(msg)


def _extra_pages(announced: int) -> int:
    return max(EXTRA_PAGES_MIN, announced // EXTRA_PAGES_SHARE)


_INT64 = 2**63 - 1
_RUN = 4096  # ids sorted at a time while filling


class SeenIds:
    """The ids a list's first pass emitted, kept compact for its verification pass.

    A Python set of 100,000 ids costs ~7 MiB (int objects and hash slots); ids packed in an
    array cost 8 bytes each and are looked up by bisection once the first pass is sealed.
    """

    def __init__(self) -> None:
        """Empty; `add` during the first pass, `seal`, then look up and `add` what was missed."""
        self._filling = array("q")  # the current run of ids, unsorted
        self._runs: list[array[int]] = []  # full runs, each sorted
        self._packed = array("q")  # every run merged, once sealed
        self._sealed = False
        self._others: set[object] = set()  # added after sealing, or not a 64-bit integer

    def add(self, row_id: object) -> None:
        """Remember one id."""
        if not self._sealed and _is_int64(row_id):
            self._filling.append(t.cast("int", row_id))
            if len(self._filling) == _RUN:
                self._runs.append(array("q", sorted(self._filling)))
                self._filling = array("q")
        else:
            self._others.add(row_id)

    def seal(self) -> None:
        """The first pass is over: sort for lookups."""
        # Sorted in runs and merged, so no moment holds every id as a Python int.
        self._runs.append(array("q", sorted(self._filling)))
        self._packed = array("q", heapq.merge(*self._runs))
        self._runs, self._filling = [], array("q")
        self._sealed = True

    def __contains__(self, row_id: object) -> bool:
        """Whether this id was added (lookups of packed ids need `seal` first)."""
        if row_id in self._others:
            return True
        if not _is_int64(row_id):
            return False
        place = bisect_left(self._packed, t.cast("int", row_id))
        return place < len(self._packed) and self._packed[place] == row_id


def _is_int64(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -_INT64 <= value <= _INT64
