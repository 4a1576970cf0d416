"""The benchmark's fake GitHub: every organization it reads, generated once, in this process."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.fake_github import FakeGitHub, generate_org

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from tests.fake_github.records import PatRecord

PER_PAGE = 100
AUTH_CALLS_PER_ORG = 2  # GET /orgs/{org}/installation + POST .../access_tokens
ALL_STREAMS_REQUESTS = 100  # pending PAT requests in the "all streams" organization
# The tap's summary line per org per stream, e.g. "pat_grants org acme: done, 2,000 records".
_RECORD_COUNT = re.compile(r"(\w+) org \S+: done, (?:the lists of [\d,]+ \w+, )?([\d,]+) records?")


@dataclass(frozen=True)
class Scenario:
    """Which organizations one tap run reads, and how it is measured."""

    name: str
    orgs: tuple[str, ...]
    all_streams: bool = False  # False: a catalog selecting only `pat_grants`
    with_raw: bool = True  # also time the plain requests + json loop
    with_latency: bool = False  # also time it with 150 ms added to every response
    sdk_record_path: bool = False  # the SDK's record path instead of the tap's (sdk_record_path.py)


def populate(gh: FakeGitHub, *, include_100k: bool) -> list[Scenario]:
    """Add the organizations (only `pat_grants` data unless all streams) and name the runs."""
    sizes = [2_000, 20_000] + ([100_000] if include_100k else [])
    scenarios = [
        Scenario("0 grants (start-up sync)", (_add(gh, "bench-empty", 0),), with_raw=False)
    ]
    for size in sizes:
        login = _add(gh, f"bench-{size // 1000}k", size)
        scenarios.append(Scenario(f"{size:,}", (login,), with_latency=size <= 20_000))
    # What the tap's record path buys: the largest size again, on the SDK's record path.
    scenarios.append(
        Scenario(f"{sizes[-1]:,}, the SDK's record path", (login,), sdk_record_path=True)
    )
    multi = tuple(_add(gh, f"bench-multi-{n:02d}", 2_000) for n in range(10))
    scenarios.append(Scenario("10 orgs x 2,000", multi, with_latency=True))
    everything = generate_org(
        "bench-all", 2_000, n_requests=ALL_STREAMS_REQUESTS, seed=7, subset_fraction=0.5
    )
    gh.add_org(everything)
    scenarios.append(
        Scenario(
            f"2,000 all streams (50 % subset, {ALL_STREAMS_REQUESTS} requests)",
            ("bench-all",),
            all_streams=True,
            with_raw=False,
        )
    )
    return scenarios


def _add(gh: FakeGitHub, login: str, n_grants: int) -> str:
    gh.add_org(generate_org(login, n_grants, seed=1, subset_fraction=0))
    return login


def _pages(n_items: int) -> int:
    return max(1, math.ceil(n_items / PER_PAGE))  # an empty list still takes one request


def _full_read_pages(n_items: int) -> int:
    """A full read reads a list of more than one page twice (the tap's verification pass)."""
    pages = _pages(n_items)
    return pages if pages == 1 else 2 * pages


def _children(records: Iterable[PatRecord]) -> tuple[int, int]:
    """(requests, records) of the repository child stream under these parents."""
    subsets = [r for r in records if r.repository_selection == "subset"]
    return sum(_full_read_pages(len(r.repositories)) for r in subsets), sum(
        len(r.repositories) for r in subsets
    )


def expected(gh: FakeGitHub, scenario: Scenario) -> tuple[int, int]:
    """(records the run must write, fewest requests that can fetch them)."""
    records = requests = 0
    for login in scenario.orgs:
        org = gh.org(login)
        records += len(org.grants)
        requests += AUTH_CALLS_PER_ORG + _full_read_pages(len(org.grants))
        if scenario.all_streams:
            records += len(org.requests)
            requests += _full_read_pages(len(org.requests))
            for parents in (org.grants, org.requests):
                child_requests, child_records = _children(parents)
                requests += child_requests
                records += child_records
    return records, requests


def records_written(stderr: str) -> int:
    """RECORD messages of GitHub's streams the tap wrote, from its summary lines on stderr."""
    return sum(int(value.replace(",", "")) for _stream, value in _RECORD_COUNT.findall(stderr))


def write_config(path: Path, gh: FakeGitHub, orgs: Iterable[str]) -> None:
    """A tap config: App auth against the fake server."""
    config = {
        "api_url": gh.url,
        "app_id": gh.app_id,
        "private_key": gh.private_key_pem,
        "organizations": list(orgs),
    }
    path.write_text(json.dumps(config), encoding="utf-8")
    path.chmod(0o600)


def grants_only(catalog: dict[str, object]) -> dict[str, object]:
    """The discovered catalog with every stream but `pat_grants` deselected."""
    streams = catalog["streams"]
    assert isinstance(streams, list)
    for stream in streams:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = stream["tap_stream_id"] == "pat_grants"
    return catalog
