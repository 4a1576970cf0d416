"""Lists that change while they are paged: changes that happen right after a page is served.

GitHub pages the PAT lists by offset (`page=`) and offers no snapshot: a grant revoked after
page 1 was served moves every later grant up one place, so page 2 starts one grant later. The
fake needs nothing special for that, only the change at the right moment: every page is cut
from the list as it is when the page is asked for. A hook fires once, after the first 200
answer for its org, listing and page number; the tap's next request then sees the new list.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tests.fake_github.records import Grant, Json, Org, PatRequest
    from tests.fake_github.world import World

ListingName = Literal[
    "grants",
    "requests",
    "grant_repositories",
    "request_repositories",
    "members",
    "credential_authorizations",
    "audit_log",  # page N: the page that starts N-1 pages into the matching events
]
Change = Callable[["World", "Org"], None]


@dataclass
class PageHook:
    """A change to make once, right after page `page` of one org's listing was served."""

    org: str  # login, lower-case
    listing: ListingName
    page: int
    change: Change
    record_id: int | None = None  # for a repositories listing: whose repositories
    fired: bool = False


class Mutations:
    """The scripted changes, and what has fired so far."""

    def __init__(self, world: World) -> None:
        self._world = world
        self.hooks: list[PageHook] = []
        self._lock = threading.Lock()

    def after_page(
        self,
        org: str,
        listing: ListingName,
        page: int,
        change: Change,
        *,
        record_id: int | None = None,
    ) -> PageHook:
        """Run `change` once, right after that page of that org's listing was served."""
        hook = PageHook(org.lower(), listing, page, change, record_id)
        with self._lock:
            self.hooks.append(hook)
        return hook

    def served(
        self, org: Org, listing: ListingName, page: int, record_id: int | None = None
    ) -> None:
        """A page was cut for an answer: make the changes due after it."""
        with self._lock:
            due = [
                hook
                for hook in self.hooks
                if not hook.fired
                and (hook.org, hook.listing, hook.page, hook.record_id)
                == (org.login.lower(), listing, page, record_id)
            ]
            for hook in due:
                hook.fired = True
        for hook in due:
            hook.change(self._world, org)


def revoke_grant(grant_id: int) -> Change:
    """An owner revokes a grant: it stops being listed."""
    return lambda _world, org: _discard(org.grants.remove(grant_id))


def revoke_grants(*grant_ids: int) -> Change:
    """An owner revokes several grants at once (an incident response): none is listed any more."""

    def change(_world: World, org: Org) -> None:
        for grant_id in grant_ids:
            org.grants.remove(grant_id)

    return change


def add_grant(grant: Grant) -> Change:
    """An owner approves a new grant."""
    return lambda _world, org: org.grants.append(grant)


def add_grants(grants: Iterable[Grant]) -> Change:
    """Many grants approved at once (an auto-approved burst): each listed where its time puts it."""
    return lambda _world, org: org.grants.extend(grants)


def add_requests(requests: Iterable[PatRequest]) -> Change:
    """Members ask for access with many tokens at once: pending requests, listed by creation."""
    return lambda _world, org: org.requests.extend(requests)


def add_repositories(grant_id: int, repositories: Iterable[Json]) -> Change:
    """A token's owner gives a `subset` grant more repositories, listed after those it had."""

    def change(_world: World, org: Org) -> None:
        grant = org.grants.get(grant_id)
        if grant is None:
            raise KeyError(grant_id)
        grant.repositories = [*grant.repositories, *repositories]

    return change


def review_request(request_id: int) -> Change:
    """An owner approves or denies a pending request: it stops being listed."""
    return lambda _world, org: _discard(org.requests.remove(request_id))


def remove_repository(grant_id: int, repository_id: int) -> Change:
    """A token's owner drops one repository from a `subset` grant."""

    def change(_world: World, org: Org) -> None:
        grant = org.grants.get(grant_id)
        if grant is None:
            raise KeyError(grant_id)
        kept = [repo for repo in grant.repositories if repo["id"] != repository_id]
        if len(kept) == len(grant.repositories):
            raise KeyError(repository_id)
        grant.repositories = kept

    return change


def late_event(event: dict[str, Any]) -> Change:
    """GitHub backfills an audit event (often with an `@timestamp` before pages already served)."""
    return lambda _world, org: _discard(org.governance.audit_log.add(event))


def member_leaves(login: str) -> Change:
    """A member leaves the organization (their grants stay)."""
    return lambda _world, org: _discard(org.governance.remove_member(login))


def uninstall() -> Change:
    """The App is removed from the org (its tokens answer 401 from now on)."""
    return lambda world, org: world.installations.uninstall(org.login)


def _discard(_: object) -> None:
    return None
