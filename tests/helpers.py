"""Small helpers the sync tests share: catalogs, request-log views."""

from __future__ import annotations

import math
import threading
import time
from typing import TYPE_CHECKING, Any

from tap_github_pat_grants.tap import TapGitHubPatGrants
from tests.fake_github import FakeGitHub, LoggedRequest

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tests.fake_github.records import Org


def catalog(*selected: str, full_table: tuple[str, ...] = ()) -> dict[str, Any]:
    """The tap's discovered catalog with only `selected` streams chosen."""
    tap = TapGitHubPatGrants(
        config={"organizations": ["x"], "auth_token": "x"}, validate_config=False
    )
    result = tap.catalog_dict
    for entry in result["streams"]:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = entry["tap_stream_id"] in selected
                if entry["tap_stream_id"] in full_table:
                    item["metadata"]["replication-method"] = "FULL_TABLE"
        if entry["tap_stream_id"] in full_table:
            entry["replication_method"] = "FULL_TABLE"
    return result


GRANTS_ONLY = catalog("pat_grants")


def list_requests(
    github: FakeGitHub,
    org: str | None = None,
    endpoint: str = "personal-access-tokens",
    *,
    verification: bool | None = False,
) -> list[LoggedRequest]:
    """An org's list requests: by default the first pass only; `verification=True` only the
    verification pass of a full read (oldest first); None both."""
    return [
        r
        for r in github.requests_log
        if r.method == "GET"
        and r.path.endswith(f"/{endpoint}")
        and (org is None or (r.org or "").lower() == org)
        and (verification is None or is_verification(r) == verification)
    ]


def is_verification(request: LoggedRequest) -> bool:
    """A request of a full read's verification pass (the list read oldest first)."""
    return request.query.get("direction") == ["asc"]


def pages(n: int) -> int:
    return max(1, math.ceil(n / 100))


class VirtualClock:
    """Time that moves only when the fake GitHub "takes" latency: hours of sync in milliseconds."""

    def __init__(self) -> None:
        self._now = float(int(time.time()))
        self._lock = threading.Lock()

    def read(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


def on_virtual_clock(
    github: FakeGitHub, *, latency_seconds: float, github_ahead_seconds: float = 0
) -> type[TapGitHubPatGrants]:
    """Put the fake GitHub and a tap class on one virtual clock; every response takes
    `latency_seconds` of it, and GitHub's clock reads `github_ahead_seconds` ahead of the tap's."""
    clock = VirtualClock()
    github.clock = lambda: clock.read() + github_ahead_seconds
    github.sleep = clock.advance
    github.latency_seconds = latency_seconds

    class VirtualClockTap(TapGitHubPatGrants):
        pass

    VirtualClockTap.clock = staticmethod(clock.read)
    VirtualClockTap.sleep = staticmethod(clock.advance)
    return VirtualClockTap


def expected_row_counts(orgs: Iterable[Org]) -> dict[str, int]:
    """What a load of `orgs` holds: a row per grant and request, and one per (grant or request,
    repository) of the `subset` ones."""
    orgs = list(orgs)
    grants = [grant for org in orgs for grant in org.grants]
    requests = [request for org in orgs for request in org.requests]
    return {
        "pat_grants": len(grants),
        "pat_grant_repositories": sum(
            len(g.repositories) for g in grants if g.repository_selection == "subset"
        ),
        "pat_requests": len(requests),
        "pat_request_repositories": sum(
            len(r.repositories) for r in requests if r.repository_selection == "subset"
        ),
    }
