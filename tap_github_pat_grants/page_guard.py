"""What one read of one list has accepted, what GitHub said of the list's length, and its rules.

Pure decisions (`paging.py` turns them into the tap's errors). GitHub pages these lists by
offset and says in every page's `Link` what follows (`rel="next"`) and how many pages the list
holds *now* (`rel="last"`). Lists change while they are read (a full read of a large
organization takes hours): a grant revoked meanwhile shortens the list, one approved lengthens
it, and each later page says so. So a read is held to what the list's latest page announced,
never to what its first page did:

- complete: the list ended where its latest announcement said (or after it), whatever the
  first page announced; a short last page before that is how a list that shrank after the
  announcement ends;
- cut: it ended with a full (or empty) page before its latest announcement, or a page held
  fewer than `per_page` rows while `Link` promised more (`IncompleteListError`). The same
  full (or empty) end twice, in a read the list's second pass follows (`witness_follows`),
  waits for that pass: a shrink is a list no longer when read again (`paging.confirm_end`);
- a loop: a page repeating the previous one while the list did not grow by a page, or a
  `next` link back to a page already accepted (`PagingLoopError`);
- runaway: a page beyond the latest announcement plus a margin for rows added meanwhile, or
  beyond twice the pages the list held when its read began (an end that keeps receding, a
  `next` chain without end: bounded whatever each page announces).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from collections.abc import Mapping

    import requests

# Rows added while a list is read push later rows to further pages: a page may come this many
# pages after the latest `rel="last"` (at least 2, or a tenth of it) before paging runs away.
EXTRA_PAGES_MIN = 2
EXTRA_PAGES_SHARE = 10
# However fast it grows meanwhile, no list is read for more than twice the pages it held when
# its read began (plus the margin): an end that keeps receding is a `next` chain without end.
GROWTH_BOUND = 2


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


def _split_key(url: str) -> tuple[tuple[str, tuple[tuple[str, str], ...]], int]:
    """A page's path and other parameters, and its number."""
    path, others, number = page_key(url)
    return (path, others), number


def page_number(url: str) -> int:
    """The `page` parameter of a list URL (1 when absent or unreadable)."""
    for name, value in parse_qsl(urlsplit(url).query):
        if name == "page" and value.isdigit():
            return int(value)
    return 1


class PageNumbers:
    """Page numbers a read accepted: a bit each, not an object each (125 bytes for 1,000 pages).

    Numbers past any real list (a hostile link's `page=10**12`) go to a small set.
    """

    BITS = 2**20

    def __init__(self) -> None:
        """None yet."""
        self._bits = bytearray()
        self._beyond: set[int] = set()

    def add(self, number: int) -> None:
        """Remember one page number."""
        if not 0 <= number < self.BITS:
            self._beyond.add(number)
            return
        byte, bit = divmod(number, 8)
        if len(self._bits) <= byte:
            self._bits.extend(bytes(byte + 1 - len(self._bits)))
        self._bits[byte] |= 1 << bit

    def __contains__(self, number: object) -> bool:
        """Whether this page number was added."""
        if not isinstance(number, int) or not 0 <= number < self.BITS:
            return number in self._beyond
        byte, bit = divmod(number, 8)
        return byte < len(self._bits) and bool(self._bits[byte] & 1 << bit)


@dataclass
class UnconfirmedEnd:
    """A list that ended short of its latest announcement twice: a shrink, if read again shorter."""

    reason: str
    pages_held: int  # pages that held rows, up to where the list ended
    path: str  # the list's path, for the line that says it was cut
    response: requests.Response | None = None  # None when it comes from an earlier run's STATE


@dataclass
class PageGuard:
    """What one read of one list has accepted so far, and what GitHub said of its length."""

    per_page: int
    witness_follows: bool = False  # the list is read again after this read (`confirm_end`)
    start_page: int = 1  # a read that continues an earlier run's begins later in the list
    accepted: int = 0
    first_announced: int | None = None  # pages when the read began (1: a list of one page)
    latest_announced: int | None = None  # the latest `rel="last"`
    pages_held: int = 0  # pages up to the last accepted one that held rows
    latest_page: int | None = None  # the number of the latest accepted page
    unconfirmed_end: UnconfirmedEnd | None = None
    _seen: dict[tuple[str, tuple[tuple[str, str], ...]], PageNumbers] = field(default_factory=dict)
    _previous_ids: tuple[Any, ...] | None = None
    _previous_announced: int | None = None
    _refused_end: PageKey | None = None

    def check(self, url: str, links: Mapping[str, Any], rows: int, ids: list[Any]) -> str | None:
        """Raise if this page (`rows` rows as sent, `ids` of those kept) cannot be next.

        Returns why it ends the list short, when that waits for the witness (`confirm_end`).
        """
        number = page_number(url)
        announced = announced_pages(links)
        unconfirmed = None
        if "next" not in links:
            unconfirmed = self._check_end(url, number, rows)
        elif rows < self.per_page:
            msg = (
                f"page {number} held {rows} of {self.per_page} rows although GitHub's "
                "Link header promised more"
            )
            raise IncompleteListError(msg)
        if ids and tuple(ids) == self._previous_ids and not self._grew_by_a_page(announced):
            msg = f"page {number} repeats the previous page"
            raise PagingLoopError(msg)
        self._check_bounds(number, announced or self.latest_announced)
        return unconfirmed

    def _check_end(self, url: str, number: int, rows: int) -> str | None:
        """A last page: where its latest announcement said, short (a shrink), or cut."""
        latest = self.latest_announced
        if latest is None or number >= latest or 0 < rows < self.per_page:
            return None
        reason = f"the list ended at page {number} although GitHub announced {latest} pages"
        if self.witness_follows and page_key(url) == self._refused_end:
            return reason  # the same end twice: the next read of the list says if it shrank
        self._refused_end = page_key(url)
        raise IncompleteListError(reason)

    def _grew_by_a_page(self, announced: int | None) -> bool:
        """GitHub announces more pages than for the previous page: rows added pushed it back."""
        previous = self._previous_announced
        return announced is not None and previous is not None and announced > previous

    def _check_bounds(self, number: int, announced: int | None) -> None:
        """Raise if paging ran past the latest announcement, or past any list growing."""
        pages = self.accepted + self.start_page  # the pages of the list up to this one
        if announced is not None and pages > announced + _extra_pages(announced):
            msg = f"more than the {announced} pages GitHub announced (page {number})"
            raise PagingLoopError(msg)
        first = self.first_announced
        if first is not None and pages > GROWTH_BOUND * first + _extra_pages(first):
            msg = (
                f"page {number} is more than twice the {first} pages GitHub announced when "
                "the read began: the end it announces keeps moving away"
            )
            raise PagingLoopError(msg)

    def accept(self, url: str, links: Mapping[str, Any], rows: int, ids: list[Any]) -> None:
        """Remember an accepted page, and what it said of the list's length."""
        self.accepted += 1
        query, number = _split_key(url)
        self._seen.setdefault(query, PageNumbers()).add(number)
        self._previous_ids = tuple(ids)
        self.latest_page = number
        announced = announced_pages(links)
        self._previous_announced = announced
        if rows:
            self.pages_held = self.accepted + self.start_page - 1
        if announced is not None:
            self.latest_announced = announced
        if self.first_announced is None:
            one_page = self.accepted == 1 and "next" not in links and self.start_page == 1
            self.first_announced = announced or (1 if one_page else None)

    @property
    def one_page(self) -> bool:
        """The whole list was one page (an empty list too), read at once: nothing to verify."""
        return self.start_page == 1 and self.accepted <= 1 and self.unconfirmed_end is None

    def check_next(self, next_url: str) -> None:
        """Raise if `next` leads back to a page this read already accepted."""
        query, number = _split_key(next_url)
        if number in self._seen.get(query, ()):
            msg = f"GitHub's next link leads back to page {page_number(next_url)}, already read"
            raise PagingLoopError(msg)

    def moved(self) -> tuple[int, int] | None:
        """(pages GitHub announced when the read began, pages the list held at its end)."""
        if self.first_announced is None:
            return None
        return self.first_announced, max(1, self.pages_held)  # an empty list is one page


def _extra_pages(announced: int) -> int:
    return max(EXTRA_PAGES_MIN, announced // EXTRA_PAGES_SHARE)


def announced_pages(links: Mapping[str, Any]) -> int | None:
    """The page count a `Link: rel="last"` announces (None on the last page, or without one)."""
    last = links.get("last", {}).get("url")
    return page_number(last) if last else None
