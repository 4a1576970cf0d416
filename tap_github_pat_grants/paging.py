"""Paging can only move forward, and a list is complete only when it is: one check for every list.

Every page of a list read goes through `accept_page` (the rules are `page_guard.py`'s: where a
list that changed while it was read may end, how far paging may run, what is a loop), and
every next page through `next_link`, which also refuses a `next` link off the `api_url` origin
(never followed: the token would go with it). A cut page or list is worth one resend
(`IncompleteReadError`), then the read is incomplete and never versioned; a loop or runaway
paging stops the read at once. A list that ended short with a full (or empty) page twice, in
the first pass of a verified whole-list read, is settled by the second pass (`confirm_end`).

Stream list reads and the App's installation listing both page this way, so every list is
held to the same rules. A finished read also counts how far its list moved while it was read
(`ListRead.finished`: pages announced when it began, against pages the list held at its end).
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from singer_sdk.pagination import HeaderLinkPaginator
from typing_extensions import override

from tap_github_pat_grants.error_lines import (
    off_origin_link_line,
    paging_loop_line,
    unconfirmed_end_line,
)
from tap_github_pat_grants.errors import CutListError, GitHubFatalError, IncompleteReadError
from tap_github_pat_grants.page_guard import (
    IncompleteListError,
    PageGuard,
    PagingLoopError,
    UnconfirmedEnd,
)
from tap_github_pat_grants.read_counts import StreamRead

if TYPE_CHECKING:
    import requests

PER_PAGE = 100  # GitHub's maximum for these endpoints


def accept_page(
    guard: PageGuard, response: requests.Response, rows_sent: int, ids: list[Any], org: str
) -> None:
    """Accept one page of a list read, or raise the tap's error for a page that cannot be next.

    `rows_sent` counts the rows as GitHub sent them; `ids` those kept.
    """
    try:
        unconfirmed = guard.check(response.url, response.links, rows_sent, ids)
    except IncompleteListError as short:
        raise IncompleteReadError(str(short), response) from None
    except PagingLoopError as loop:
        raise GitHubFatalError(paging_loop_line(org, str(loop), response)) from None
    guard.accept(response.url, response.links, rows_sent, ids)
    if unconfirmed is not None:
        path = urlsplit(response.url).path
        guard.unconfirmed_end = UnconfirmedEnd(unconfirmed, guard.pages_held, path, response)


def confirm_end(end: UnconfirmedEnd | None, again: PageGuard, org: str) -> None:
    """Raise unless the read `again` of a list witnesses the shrink where its first read `end`ed.

    `again` began after the first read ended: a list that shrank is no longer than that when
    read again (its first page announces no more pages); a list that was cut is.
    """
    if end is None:
        return
    found = again.first_announced if again.first_announced is not None else again.pages_held
    if found > end.pages_held:
        line = unconfirmed_end_line(org, end.path, end.reason, found, end.response)
        raise CutListError(line)


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
    adds: tuple[tuple[str, t.Any], ...] = ()  # properties its query adds to each row
    witness_follows: bool = False  # the list is read again after this read
    start_page: int = 1  # where the read begins (later when it continues an earlier run's)
    guard: PageGuard = field(default_factory=lambda: PageGuard(PER_PAGE))

    def new_guard(self) -> PageGuard:
        """A fresh guard for the next read of this list."""
        self.guard = PageGuard(PER_PAGE, self.witness_follows, self.start_page)
        return self.guard

    def finished(self) -> None:
        """The list was read to its end: count how far it moved meanwhile."""
        moved = self.guard.moved()
        if moved is not None:
            self.counts.list_done(*moved)
