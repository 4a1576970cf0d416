"""The verification pass's compact memory of what the first pass emitted."""

from __future__ import annotations

from tap_github_pat_grants.seen_ids import SeenIds


def test_packed_ids_are_found_after_sealing_and_others_are_not():
    seen = SeenIds()
    for row_id in (907, 3, 2**40, 55, 2**32 - 1, 2**32, -5):
        seen.add(row_id)
    seen.seal()

    assert all(row_id in seen for row_id in (3, 55, 907, 2**40, 2**32 - 1, 2**32, -5))
    assert 4 not in seen
    assert -4 not in seen
    assert 2**63 not in seen
    assert "55" not in seen


def test_ids_added_after_sealing_and_odd_ids_are_remembered():
    seen = SeenIds()
    seen.add(None)
    seen.add("12")
    seen.add(2**64)
    seen.seal()
    seen.add(8)

    assert None in seen
    assert "12" in seen
    assert 2**64 in seen
    assert 8 in seen
    assert True not in seen


def test_many_ids_sorted_in_runs_are_all_found():
    ids = [(i * 7919) % 100_003 for i in range(1, 20_000)]  # more than one sorted run, shuffled
    seen = SeenIds()
    for row_id in ids:
        seen.add(row_id)
    seen.seal()

    assert all(row_id in seen for row_id in ids)
    assert sum(row_id in seen for row_id in range(100_003)) == len(set(ids))
