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
