"""The verification pass's compact memory of what the first pass emitted."""

from __future__ import annotations

import pytest

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


def test_the_text_form_keeps_every_id_and_reads_back_sealed_or_not():
    ids = [(i * 7919) % 100_003 + 2**31 for i in range(1, 9_000)]
    seen = SeenIds()
    for row_id in ids[:5_000]:
        seen.add(row_id)
    seen.seal()
    for row_id in (*ids[5_000:], None, "x", 2**40):
        seen.add(row_id)

    parts, others = seen.dump()
    again = SeenIds.load(parts, others, sealed=True)

    assert parts[0] == "z1"
    assert sorted(others, key=str) == sorted([None, "x", 2**40], key=str)
    assert all(row_id in again for row_id in (*ids, None, "x", 2**40))
    assert 5 not in again
    again.add(7)
    assert 7 in again


def test_the_text_form_is_small_for_one_orgs_ids():
    seen = SeenIds()
    for n in range(1_000):
        seen.add(100_000 + 7 * n)
    assert sum(map(len, seen.dump()[0])) < 200


def test_an_empty_set_round_trips_and_a_broken_text_is_refused():
    assert 1 not in SeenIds.load(SeenIds().dump()[0])
    for broken in (
        [],
        "z1:AAAA",
        ["z2", "AAAA"],
        ["z1", "not base64!"],
        ["z1", "eJwLAAAA"],
        ["z1", 5],
    ):
        with pytest.raises(ValueError, match=r"packed id list"):
            SeenIds.load(broken)
