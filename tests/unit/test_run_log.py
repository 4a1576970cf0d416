"""The progress line: pages read against the pages announced, for a list that has them."""

from __future__ import annotations

import logging

import pytest

from tap_github_pat_grants import run_log
from tap_github_pat_grants.read_counts import StreamRead


def test_progress_says_of_how_many_pages_only_for_one_list(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_log, "PROGRESS_EVERY_SECONDS", 0.0)
    grants = StreamRead(read="full", records=181, requests=2, announced_pages=5)
    # 88 grants' repository lists read, the longest announced 2 pages: not "88 pages of 2".
    repositories = StreamRead(read="full", records=900, requests=88, parents=88, announced_pages=2)
    with caplog.at_level(logging.INFO, logger="tap-github-pat-grants"):
        run_log.Progress().tick(
            "acme", {"pat_grants": grants, "pat_grant_repositories": repositories}
        )
    assert caplog.messages == [
        "org acme: reading; so far pat_grants 2 pages of 5, 181 records; "
        "pat_grant_repositories 88 pages, 900 records"
    ]
