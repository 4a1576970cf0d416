"""Incremental runs: per-org bookmarks, the lookback at the boundary, new never-used grants."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tap_github_pat_grants.instants import parse_instant
from tests.fake_github import generate_org, make_grant
from tests.helpers import GRANTS_ONLY, catalog, list_requests
from tests.tap_runner import run_tap


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bookmark(state: dict, org: str) -> dict:
    partitions = state["bookmarks"]["pat_grants"]["partitions"]
    return next(p for p in partitions if p["context"] == {"org": org})


def test_second_run_asks_only_for_recent_use_and_new_grants(github, app_config):
    github.add_org(generate_org("acme", 350, seed=11))
    first = run_tap(app_config(), catalog=GRANTS_ONLY)
    bookmark = _bookmark(first.last_state, "acme")
    github.reset_log()

    second = run_tap(app_config(), catalog=GRANTS_ONLY, state=first.last_state)

    assert second.error is None
    used_slice, granted_slice = list_requests(github, "acme")
    expected_after = _utc(parse_instant(bookmark["replication_key_value"]) - timedelta(hours=1))
    assert used_slice.query["last_used_after"] == [expected_after]
    assert granted_slice.query["sort"] == ["created_at"]
    assert granted_slice.query["direction"] == ["desc"]
    assert "last_used_after" not in granted_slice.query
    cutoff = parse_instant(bookmark["replication_key_value"]) - timedelta(hours=1)
    recent = {
        g.id
        for g in github.org("acme").grants
        if g.token_last_used_at and parse_instant(g.token_last_used_at) > cutoff
    }
    assert {r["id"] for r in second.records()} == recent
    assert len(second.records()) < 350


def test_a_token_used_in_the_same_second_as_the_bookmark_comes_through(github, app_config):
    org = github.add_org("acme")
    org.grants.extend(
        [
            make_grant(1, "alice", token_last_used_at="2026-01-05T10:00:00Z"),
            make_grant(2, "bob", token_last_used_at="2026-01-05T09:00:00Z"),
            make_grant(3, "carol", token_last_used_at="2025-12-01T00:00:00Z"),
        ]
    )
    first = run_tap(app_config(), catalog=GRANTS_ONLY)
    assert (
        _bookmark(first.last_state, "acme")["replication_key_value"] == "2026-01-05T10:00:00.000Z"
    )
    # bob's token is used again, recorded at the very second of the bookmark (GitHub's filter is '>')
    org.grants.get(2).token_last_used_at = "2026-01-05T03:00:00.000-07:00"

    second = run_tap(app_config(), catalog=GRANTS_ONLY, state=first.last_state)

    assert {r["id"] for r in second.records()} == {1, 2}


def test_new_grants_appear_in_the_next_run_used_or_not_and_only_once(github, app_config):
    org = github.add_org(generate_org("acme", 120, seed=12))
    first = run_tap(app_config(), catalog=GRANTS_ONLY)
    now = datetime.now(timezone.utc)
    org.grants.append(
        make_grant(
            900001,
            "newbie",
            access_granted_at=_utc(now + timedelta(seconds=5)),
            token_last_used_at=None,
        )
    )
    org.grants.append(
        make_grant(
            900002,
            "busy",
            access_granted_at=_utc(now + timedelta(seconds=5)),
            token_last_used_at=_utc(now + timedelta(seconds=6)),
        )
    )

    second = run_tap(app_config(), catalog=GRANTS_ONLY, state=first.last_state)

    ids = [r["id"] for r in second.records()]
    assert ids.count(900001) == 1
    assert ids.count(900002) == 1
    assert len(ids) == len(set(ids))
    # the newest-first slice stopped at the first page: the old grants were not paged through
    granted_slice = [r for r in list_requests(github, "acme") if r.query.get("sort")]
    assert len(granted_slice) == 1


def test_interrupted_run_resumes_without_losing_anything(github, app_config):
    github.add_org(generate_org("acme", 180, seed=13))
    github.add_org(generate_org("globex", 260, seed=14))
    config = app_config(organizations=["acme", "globex"])
    github.faults.add(
        r"/orgs/globex/personal-access-tokens$", nth=2, status=404, body={"message": "Not Found"}
    )

    failed = run_tap(config, catalog=GRANTS_ONLY)

    assert failed.error is not None
    partitions = failed.last_state["bookmarks"]["pat_grants"]["partitions"]
    acme = next(p for p in partitions if p["context"] == {"org": "acme"})
    assert "replication_key_value" in acme and "granted_since" in acme
    globex = [p for p in partitions if p["context"] == {"org": "globex"}]
    assert not globex or "replication_key_value" not in globex[0]
    github.faults.clear()
    github.reset_log()

    resumed = run_tap(config, catalog=GRANTS_ONLY, state=failed.last_state)

    assert resumed.error is None
    # globex's full read continues where it stopped (issue 22): every grant once, across both
    before = {r["id"] for r in failed.records() if r["org"] == "globex"}
    after = {r["id"] for r in resumed.records() if r["org"] == "globex"}
    assert len(before) == 100, "page 1 was read before page 2's 404"
    assert before.isdisjoint(after)
    assert before | after == {g.id for g in github.org("globex").grants}
    assert all(
        "last_used_after" in r.query
        for r in list_requests(github, "acme")
        if not r.query.get("sort")
    )
    assert not [r for r in list_requests(github, "globex") if "last_used_after" in r.query]
    delivered = {(r["org"], r["id"]) for r in failed.records() + resumed.records()}
    assert {("acme", g.id) for g in github.org("acme").grants} <= delivered


def test_full_table_catalog_reads_everything_despite_state(github, app_config):
    github.add_org(generate_org("acme", 150, seed=15))
    first = run_tap(app_config(), catalog=GRANTS_ONLY)
    github.reset_log()

    again = run_tap(
        app_config(),
        catalog=catalog("pat_grants", full_table=("pat_grants",)),
        state=first.last_state,
    )

    assert len(again.records()) == 150
    assert not [
        r
        for r in list_requests(github, "acme")
        if "last_used_after" in r.query or "sort" in r.query
    ]
    assert [m for m in again.messages if m["type"] == "ACTIVATE_VERSION"]


def test_start_date_bounds_the_first_run_on_use_and_on_grant(github, app_config):
    org = github.add_org("acme")
    org.grants.extend(
        [
            make_grant(
                1,
                "a",
                access_granted_at="2023-01-01T00:00:00Z",
                token_last_used_at="2024-06-01T00:00:00Z",
            ),
            make_grant(2, "b", access_granted_at="2024-05-01T00:00:00Z", token_last_used_at=None),
            make_grant(
                3,
                "c",
                access_granted_at="2023-01-01T00:00:00Z",
                token_last_used_at="2023-02-01T00:00:00Z",
            ),
            make_grant(4, "d", access_granted_at="2023-01-01T00:00:00Z", token_last_used_at=None),
        ]
    )

    run = run_tap(
        app_config(start_date="2024-01-01T00:00:00Z", lookback_seconds=0), catalog=GRANTS_ONLY
    )

    assert sorted(r["id"] for r in run.records()) == [1, 2]
    assert not [m for m in run.messages if m["type"] == "ACTIVATE_VERSION"], "not a full read"


def test_a_bookmark_never_moves_past_the_runs_start(github, app_config):
    org = github.add_org("acme")
    future = datetime.now(timezone.utc) + timedelta(days=2)
    org.grants.append(make_grant(1, "skewed", token_last_used_at=_utc(future)))

    run = run_tap(app_config(), catalog=GRANTS_ONLY)

    value = parse_instant(_bookmark(run.last_state, "acme")["replication_key_value"])
    assert value <= datetime.now(timezone.utc)
    assert value < future


def test_first_run_reads_never_used_tokens_and_versions_the_table(github, app_config):
    org = github.add_org("acme")
    org.grants.extend(
        [make_grant(1, "a", token_last_used_at=None), make_grant(2, "b", token_last_used_at=None)]
    )

    run = run_tap(app_config(), catalog=GRANTS_ONLY)

    assert sorted(r["id"] for r in run.records()) == [1, 2]
    (activate,) = run.of_type("ACTIVATE_VERSION")
    assert all(m.get("version") == activate["version"] for m in run.of_type("RECORD"))
    # no bookmark from use yet, but the second mark makes the next run incremental
    assert "granted_since" in _bookmark(run.last_state, "acme")
