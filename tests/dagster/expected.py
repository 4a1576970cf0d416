"""What PostgreSQL should hold per organization, and what the fake GitHub saw, per organization."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from tests.helpers import expected_row_counts, list_requests

if TYPE_CHECKING:
    from tests.dagster.conftest import Warehouse
    from tests.fake_github import FakeGitHub, LoggedRequest

TABLE_KEYS = {
    "pat_grants": "id",
    "pat_grant_repositories": "pat_id, repository_id",
    "pat_requests": "id",
    "pat_request_repositories": "pat_request_id, repository_id",
}


def expected_rows(gh: FakeGitHub, org: str) -> dict[str, int]:
    """Rows the load of one organization holds, per table."""
    return expected_row_counts([gh.org(org)])


def live_rows(house: Warehouse, org: str) -> dict[str, tuple[int, int]]:
    """(rows, distinct keys) per table of one org, rows not marked deleted only."""
    found = {}
    for table, keys in TABLE_KEYS.items():
        ((rows, distinct),) = house.query(
            f"select count(*), count(distinct ({keys})) from {{schema}}.{table} "
            "where org = %s and _sdc_deleted_at is null",
            org,
        )
        found[table] = (rows, distinct)
    return found


def requests_of(gh: FakeGitHub, org: str) -> list[LoggedRequest]:
    """Every request the fake GitHub logged for one organization (token mint included)."""
    return [r for r in gh.requests_log if (r.org or "").lower() == org]


def grant_list_requests(gh: FakeGitHub, org: str) -> list[LoggedRequest]:
    """The org's grant list requests of a run's first pass."""
    return list_requests(gh, org)


def most_orgs_at_once(gh: FakeGitHub, orgs: list[str]) -> int:
    """The most organizations whose requests were under way at one instant."""
    spans = []
    for org in orgs:
        times = [r.at for r in requests_of(gh, org)]
        spans.append((min(times), max(times)))
    return max(sum(1 for start, end in spans if start <= at <= end) for at, _ in spans)


def closest_requests_seconds(gh: FakeGitHub, org: str) -> float:
    """The shortest gap between two requests of one org (one in flight: >= the latency)."""
    times = sorted(r.at for r in requests_of(gh, org))
    return min(b - a for a, b in itertools.pairwise(times))
