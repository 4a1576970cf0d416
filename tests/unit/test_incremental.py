"""The incremental rules: which slices a run reads, and one comparable form of instants."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tap_github_pat_grants.incremental import plan_grant_queries
from tap_github_pat_grants.instants import parse_instant, to_utc_z

HOUR = timedelta(hours=1)
T = datetime(2026, 11, 1, 12, 0, 0, tzinfo=timezone.utc)


def test_no_marks_reads_everything_in_one_slice():
    (query,) = plan_grant_queries(
        full_table=False, used_since=None, granted_since=None, lookback=HOUR
    )
    assert query.name == "all"
    assert query.params == ()
    assert query.stop_before is None


def test_full_table_ignores_marks():
    (query,) = plan_grant_queries(full_table=True, used_since=T, granted_since=T, lookback=HOUR)
    assert query.name == "all"


def test_incremental_reads_used_after_bookmark_and_newest_grants_since_last_run():
    used, granted = plan_grant_queries(
        full_table=False, used_since=T, granted_since=T + HOUR, lookback=HOUR
    )
    assert used.params == (("last_used_after", "2026-11-01T11:00:00Z"),)
    assert granted.params == (("sort", "created_at"), ("direction", "desc"))
    assert granted.stop_before == "2026-11-01T12:00:00.000Z"


def test_one_mark_stands_in_for_the_other():
    used, granted = plan_grant_queries(
        full_table=False, used_since=None, granted_since=T, lookback=HOUR
    )
    assert used.params == (("last_used_after", "2026-11-01T11:00:00Z"),)
    assert granted.stop_before == "2026-11-01T11:00:00.000Z"


@pytest.mark.parametrize(
    ("github", "normalised"),
    [
        ("2023-11-16T08:47:09.000-07:00", "2023-11-16T15:47:09.000Z"),
        ("2023-11-16T15:47:09Z", "2023-11-16T15:47:09.000Z"),
        ("2023-11-16T15:47:09.123Z", "2023-11-16T15:47:09.123Z"),
        ("2023-11-16T23:30:00+05:30", "2023-11-16T18:00:00.000Z"),
        ("2023-11-16T15:47:09", "2023-11-16T15:47:09.000Z"),
        (None, None),
    ],
)
def test_to_utc_z_keeps_the_instant_in_one_fixed_form(github, normalised):
    assert to_utc_z(github) == normalised
    if github is not None:
        assert parse_instant(github) == parse_instant(normalised)


def test_fixed_form_orders_as_strings_like_instants():
    values = ["2023-11-16T08:47:09.000-07:00", "2023-11-16T15:47:08Z", "2023-11-16T15:47:09.001Z"]
    as_strings = sorted(to_utc_z(v) for v in values)
    by_instant = [to_utc_z(v) for v in sorted(values, key=parse_instant)]
    assert as_strings == by_instant
