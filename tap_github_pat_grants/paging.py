"""Paging can only move forward, and a list is complete only when it is: one check for every list.

GitHub pages these lists by offset and says in `Link` what follows (`rel="next"`) and how many
pages there are (`rel="last"`). A proxy, a cache or a bug can answer otherwise; each answer
that cannot belong to a list read front to back is caught here, per read of one list:

- a `next` link to a page this read already accepted, or a page that repeats the previous one
  (a loop: stop, with no further request);
- more pages than `rel="last"` first announced, beyond a margin for rows added during the read;
- a page shorter than `per_page` while `Link` still promises more, or a list that ends with a
  full (or empty) page before the page `rel="last"` announced (an incomplete read: worth one
  resend, never versioned);
- a `next` link off the `api_url` origin (never followed: the token would go with it).

Stream list reads and the App's installation listing both page through `accept_page` and
`next_link`, so every list is held to the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from singer_sdk.pagination import HeaderLinkPaginator
from typing_extensions import override

from tap_github_pat_grants.error_lines import off_origin_link_line, paging_loop_line
from tap_github_pat_grants.errors import GitHubFatalError, IncompleteReadError
from tap_github_pat_grants.read_counts import StreamRead

if TYPE_CHECKING:
    from collections.abc import Mapping

    import requests

# Rows added while a list is read push later rows to further pages: allow this many more
# pages than first announced (at least 2, or a tenth of the announced count).
EXTRA_PAGES_MIN = 2
EXTRA_PAGES_SHARE = 10


class PagingLoopError(Exception):
    """The list cannot move forward: a loop, a repeated page, or pages beyond any bound."""


class IncompleteListError(Exception):
    """A page or the list ended short of what GitHub's `Link` header promised."""


PageKey = tuple[str, tuple[tuple[str, str], ...], int]


PER_PAGE = 100  # GitHub's maximum for these endpoints


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


def announced_pages(links: Mapping[str, Any]) -> int | None:
    """The page count a `Link: rel="last"` announces (None on the last page, or without one)."""
    last = links.get("last", {}).get("url")
    return page_number(last) if last else None


def accept_page(
    guard: PageGuard, response: requests.Response, rows_sent: int, ids: list[Any], org: str
) -> None:
    """Accept one page of a list read, or raise the tap's error for a page that cannot be next.

    `rows_sent` counts the rows as GitHub sent them; `ids` those kept.
    """
    try:
        guard.check(response.url, response.links, rows_sent, ids)
    except IncompleteListError as short:
        raise IncompleteReadError(str(short), response) from None
    except PagingLoopError as loop:
        raise GitHubFatalError(paging_loop_line(org, str(loop), response)) from None
    guard.accept(response.url, response.links, ids)


def next_link(
    response: requests.Response, origin: tuple[str, str], guard: PageGuard, org: str
) -> str | None:
    """The next page's URL from `Link: rel="next"`, or None at the end of the list.

    Only on the `api_url` origin (`origin`: scheme and host), and never back to a page this
    read already accepted.
    """
    url: str | None = response.links.get("next", {}).get("url")
    if not url:
        return None
    if urlsplit(url)[:2] != origin:
        raise GitHubFatalError(off_origin_link_line(org, response))
    try:
        guard.check_next(url)
    except PagingLoopError as loop:
        raise GitHubFatalError(paging_loop_line(org, str(loop), response)) from None
    return url


class GitHubLinkPaginator(HeaderLinkPaginator):
    """The SDK's `Link` paginator, held to `next_link`: forward only, only to `api_url`."""

    def __init__(self, origin: tuple[str, str], org: str, guard: PageGuard) -> None:
        """Page one list of `org` on the `origin` (scheme, host) of `api_url`."""
        super().__init__()
        self._origin = origin
        self._org = org
        self.guard = guard

    @override
    def get_next_url(self, response: requests.Response) -> str | None:
        return next_link(response, self._origin, self.guard, self._org)


@dataclass
class ListRead:
    """The read of one list in progress: whose, what it has counted, and its extra parameters."""

    org: str = ""
    counts: StreamRead = field(default_factory=StreamRead)
    params: tuple[tuple[str, str], ...] = ()
    guard: PageGuard = field(default_factory=lambda: PageGuard(PER_PAGE))
