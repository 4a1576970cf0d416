"""Issue 20 over real HTTP, through the tap's CLI: a list that shrinks or grows while it is read.

GitHub answers every page about the list as it is *now*; a revocation or an approval during a
read is GitHub working, and a read of such a list completes (exit 0, every live row emitted,
ACTIVATE_VERSION after it). Only answers no change of the list explains stop a read (exit 1,
nothing versioned). Each case checks the exit status, the rows, the list requests made (first
pass, then the verification pass) and the summary line or the error line.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.fake_github import (
    format_utc,
    generate_org,
    make_grant,
    make_request,
    organization_account,
    repository,
)
from tests.fake_github.mutations import (
    add_grants,
    add_repositories,
    add_requests,
    revoke_grant,
    revoke_grants,
)
from tests.helpers import catalog
from tests.tap_runner import TapRun, run_cli
from tests.test_paged_changes import newest_first

if TYPE_CHECKING:
    from tests.fake_github import FakeGitHub

GRANTS = catalog("pat_grants", "sync_runs")
REQUESTS = catalog("pat_requests", "sync_runs")
WITH_REPOSITORIES = catalog("pat_grants", "pat_grant_repositories", "sync_runs")
GRANTS_LIST = "/orgs/acme/personal-access-tokens"
REQUESTS_LIST = "/orgs/acme/personal-access-token-requests"
_EPOCH_2099 = 4_070_908_800


def newer(n: int) -> str:
    """A time after every generated row's, later for a larger `n`: listed first, newest first."""
    return format_utc(_EPOCH_2099 + n)


def run(github: FakeGitHub, config: dict[str, Any], selected: dict[str, Any]) -> TapRun:
    """The tap's real entry point at INFO, the wait before a resend shortened."""
    return run_cli(
        [],
        config=config,
        catalog=selected,
        transient_base_wait=0.01,
        env={"LOGLEVEL": "INFO", "TAP_GITHUB_PAT_GRANTS_LOG_LEVEL": "INFO"},
    )


def asked(github: FakeGitHub, path: str) -> list[tuple[str, int]]:
    """The list requests for `path`, in order: ("first" or "verify" pass, page)."""
    return [
        (
            "verify" if r.query.get("direction") == ["asc"] else "first",
            int((r.query.get("page") or ["1"])[-1]),
        )
        for r in github.requests_log
        if r.path.endswith(path)
    ]


def passes(first: list[int], verify: list[int]) -> list[tuple[str, int]]:
    return [("first", n) for n in first] + [("verify", n) for n in verify]


def summary(done: TapRun, stream: str) -> str:
    """The org's summary line for `stream`, without the logger's prefix and the seconds."""
    prefix = f"{stream} org acme: done"
    (line,) = [line for line in done.stderr.splitlines() if prefix in line]
    return re.sub(r", [\d.]+ s", ", _ s", line[line.index(prefix) :])


def sync_row(done: TapRun) -> dict[str, Any]:
    (row,) = done.records("sync_runs")
    return row


def versioned(done: TapRun) -> list[str]:
    return [m["stream"] for m in done.of_type("ACTIVATE_VERSION")]


def assert_complete(done: TapRun, stream: str, live: set[int]) -> None:
    """Exit 0, every live row emitted, ACTIVATE_VERSION after the stream's last record."""
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert live <= {r["id"] for r in done.records(stream)}
    kinds = [m["type"] for m in done.messages if m.get("stream") == stream]
    assert kinds.count("ACTIVATE_VERSION") == 1
    assert kinds.index("ACTIVATE_VERSION") > max(i for i, k in enumerate(kinds) if k == "RECORD")
    assert sync_row(done)["status"] == "complete"


def assert_stopped(done: TapRun) -> str:
    """Exit 1, no traceback, nothing versioned, no sync_runs row; returns the error line."""
    assert done.returncode == 1, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert versioned(done) == []
    assert done.records("sync_runs") == []
    return done.stderr.strip().splitlines()[-1].removeprefix("tap-github-pat-grants: error: ")


# A list that shrank: complete.


def test_a_shrink_ending_on_a_full_page_before_the_first_announcement_completes(github, app_config):
    # The case: 401 grants, one revoked after page 1 (5 pages announced, 4 left).
    org = github.add_org(generate_org("acme", 401, seed=20))
    order = newest_first(org.grants)
    github.mutations.after_page("acme", "grants", 1, revoke_grant(order[3]))

    done = run(github, app_config(), GRANTS)

    assert_complete(done, "pat_grants", {g.id for g in org.grants})
    assert asked(github, GRANTS_LIST) == passes([1, 2, 3, 4], [1, 2, 3, 4])
    assert summary(done, "pat_grants") == (
        "pat_grants org acme: done, 401 records, 8 requests, _ s (full read); while read, the "
        "list shrank by 1 page (9 pages announced, 8 read); verification pass added 1"
    )
    row = sync_row(done)
    assert (row["grants_pages_announced"], row["grants_pages_read"]) == (9, 8)
    assert (row["grants_pages_grown"], row["grants_pages_shrunk"]) == (0, 1)


@pytest.mark.parametrize(
    ("revoked", "page_4_rows", "verify_pages", "added"),
    [(1, 100, 4, 1), (101, 0, 3, 101)],
    ids=["full-page", "empty-page"],
)
def test_a_shrink_after_the_last_announcement_is_witnessed_by_the_second_pass(
    github, app_config, revoked, page_4_rows, verify_pages, added
):
    # Revoked after page 3, which still announced 5 pages: page 4 ends the list, full (400
    # left) or empty (300 left), with nothing after it to say the list shrank. Resent once;
    # then the second pass reads the list again and finds it no longer: a shrink.
    org = github.add_org(generate_org("acme", 401, seed=21))
    order = newest_first(org.grants)
    github.mutations.after_page("acme", "grants", 3, revoke_grants(*order[:revoked]))

    done = run(github, app_config(), GRANTS)

    assert_complete(done, "pat_grants", {g.id for g in org.grants})
    assert asked(github, GRANTS_LIST) == passes([1, 2, 3, 4, 4], range(1, verify_pages + 1))
    assert "the list ended at page 4 although GitHub announced 5 pages" in done.stderr
    held = 4 if page_4_rows else 3
    # `requests` counts the pages accepted (8 or 7), not the resend of page 4.
    assert summary(done, "pat_grants") == (
        f"pat_grants org acme: done, 401 records, {4 + verify_pages} requests, _ s (full read); "
        f"while read, the list shrank by {5 - held} page{'s' if 5 - held > 1 else ''} "
        f"({5 + verify_pages} pages announced, {held + verify_pages} read); "
        f"verification pass added {added}"
    )
    assert sync_row(done)["grants_verification_added"] == added


# A list that grew: complete.


def test_grants_growing_far_beyond_the_first_announcement_complete(github, app_config):
    # The case: 1,000 grants, 250 approved after page 1; newest first, so every later
    # grant moves back 250 places and the list takes 13 pages, not the 10 first announced.
    org = github.add_org(generate_org("acme", 1_000, seed=22, subset_fraction=0.0))
    burst = [
        make_grant(9_000_000 + n, f"new{n % 9}", access_granted_at=newer(n)) for n in range(250)
    ]
    github.mutations.after_page("acme", "grants", 1, add_grants(burst))

    done = run(github, app_config(), GRANTS)

    assert_complete(done, "pat_grants", {g.id for g in org.grants})
    assert len(org.grants) == 1_250
    assert asked(github, GRANTS_LIST) == passes(range(1, 14), range(1, 14))
    assert summary(done, "pat_grants") == (
        "pat_grants org acme: done, 1,350 records, 26 requests, _ s (full read); while read, "
        "the list grew by 3 pages (23 pages announced, 26 read); verification pass added 100"
    )
    row = sync_row(done)
    assert (row["grants_pages_announced"], row["grants_pages_read"]) == (23, 26)
    assert (row["grants_pages_grown"], row["grants_pages_shrunk"]) == (3, 0)


def test_pending_requests_growing_far_beyond_the_first_announcement_complete(github, app_config):
    org = github.add_org(generate_org("acme", 0, n_requests=1_000, seed=23, subset_fraction=0.0))
    burst = [make_request(9_000_000 + n, f"new{n % 9}", created_at=newer(n)) for n in range(250)]
    github.mutations.after_page("acme", "requests", 1, add_requests(burst))

    done = run(github, app_config(), REQUESTS)

    assert_complete(done, "pat_requests", {r.id for r in org.requests})
    assert asked(github, REQUESTS_LIST) == passes(range(1, 14), range(1, 14))
    assert summary(done, "pat_requests") == (
        "pat_requests org acme: done, 1,350 records, 26 requests, _ s (full read); while read, "
        "the list grew by 3 pages (23 pages announced, 26 read); verification pass added 100"
    )
    assert sync_row(done)["requests_pages_grown"] == 3


def test_a_grants_repository_list_growing_far_beyond_the_first_announcement_completes(
    github, app_config
):
    org = github.add_org("acme")
    owner = organization_account("acme", org.id)
    repos = [repository(owner, f"repo-{n}", 10_000 + n) for n in range(1_250)]
    org.grants.append(
        make_grant(5, "dana", repository_selection="subset", repositories=repos[:1_000])
    )
    github.mutations.after_page(
        "acme", "grant_repositories", 1, add_repositories(5, repos[1_000:]), record_id=5
    )

    done = run(github, app_config(), WITH_REPOSITORIES)

    assert_complete(done, "pat_grant_repositories", set())
    assert {r["repository_id"] for r in done.records("pat_grant_repositories")} == {
        repo["id"] for repo in repos
    }
    assert asked(github, "/5/repositories") == [("first", n) for n in [*range(1, 14)] * 2]
    assert versioned(done) == ["pat_grants", "pat_grant_repositories"]
    assert summary(done, "pat_grant_repositories") == (
        "pat_grant_repositories org acme: done, the lists of 1 grant, 1,250 records, 26 "
        "requests, _ s; while read, the lists grew by 3 pages (23 pages announced, 26 read); "
        "verification pass added 0"
    )
    row = sync_row(done)
    assert (row["grant_repositories_pages_grown"], row["grant_repositories_pages_read"]) == (3, 26)


# What no change of the list explains: stopped.


def test_a_list_growing_a_page_per_page_read_stops_within_bounded_requests(github, app_config):
    # 100 grants approved after each page: every page repeats the one before (all pushed back
    # one page) and the end recedes as fast as the read moves. No read can finish that list;
    # it stops past twice the 2 pages first announced (plus 2), not for ever.
    org = github.add_org(generate_org("acme", 200, seed=24, subset_fraction=0.0))
    for page in range(1, 20):
        ids = range(9_000_000 + page * 100, 9_000_100 + page * 100)
        wave = [make_grant(n, "flood", access_granted_at=newer(n)) for n in ids]
        github.mutations.after_page("acme", "grants", page, add_grants(wave))

    done = run(github, app_config(), GRANTS)

    line = assert_stopped(done)
    assert asked(github, GRANTS_LIST) == passes(range(1, 8), [])
    assert line.startswith(
        f"org acme: {GRANTS_LIST}: page 7 is more than twice the 2 pages GitHub announced when "
        "the read began: the end it announces keeps moving away; stopped reading it (no "
        "further request), nothing was versioned"
    )
    assert len({r["id"] for r in done.records()}) == 100, "the same 100 grants, pushed back"
    assert org.grants


@pytest.mark.parametrize("times", [None, 2], ids=["every-read", "first-pass-only"])
def test_a_list_cut_short_twice_in_a_full_read_is_not_taken_for_a_shrink(github, app_config, times):
    # A proxy ends the list at page 2 of 5 (a full page, no `next`), twice. The second pass
    # is cut too (every read): incomplete, as before; or it reads all 5 pages (first pass
    # only): the list did not shrink, so the first pass was cut and the read is incomplete.
    github.add_org(generate_org("acme", 450, seed=25, subset_fraction=0.0))
    github.hostile.ends_early(GRANTS_LIST, on_page=2, times=times)

    done = run(github, app_config(), GRANTS)

    line = assert_stopped(done)
    ended = "the list ended at page 2 although GitHub announced 5 pages, twice"
    if times is None:
        assert asked(github, GRANTS_LIST) == passes([1, 2, 2], [1, 2, 2])
        assert line.startswith(f"org acme: {GRANTS_LIST}: {ended}; the read is incomplete")
    else:
        assert asked(github, GRANTS_LIST) == passes([1, 2, 2], [1, 2, 3, 4, 5])
        assert line.startswith(
            f"org acme: {GRANTS_LIST}: {ended}, and read again it holds 5 pages; the read is "
            "incomplete, so nothing was versioned"
        )
