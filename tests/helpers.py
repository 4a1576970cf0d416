"""Small helpers the sync tests share: catalogs, request-log views."""

from __future__ import annotations

import math
from typing import Any

from tap_github_pat_grants.tap import TapGitHubPatGrants
from tests.fake_github import FakeGitHub, LoggedRequest


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
    github: FakeGitHub, org: str | None = None, endpoint: str = "personal-access-tokens"
) -> list[LoggedRequest]:
    return [
        r
        for r in github.requests_log
        if r.method == "GET"
        and r.path.endswith(f"/{endpoint}")
        and (org is None or (r.org or "").lower() == org)
    ]


def pages(n: int) -> int:
    return max(1, math.ceil(n / 100))
