"""Issue 14 over real HTTP: GitHub changes a list while the tap pages it; no live row is lost."""

from __future__ import annotations

import logging

from tests.fake_github import (
    generate_org,
    make_grant,
    organization_account,
    parse_instant,
    repository,
)
from tests.fake_github.mutations import add_grant, remove_repository, review_request, revoke_grant
from tests.helpers import catalog, list_requests, pages
from tests.tap_runner import run_tap

GRANTS = catalog("pat_grants", "sync_runs")
REQUESTS = catalog("pat_requests", "sync_runs")
WITH_REPOSITORIES = catalog("pat_grants", "pat_grant_repositories", "sync_runs")


def newest_first(records) -> list[int]:
    """GitHub's default order: by creation (grants: when access was granted), newest first."""
    return [
        r.id
        for r in sorted(records, key=lambda r: (parse_instant(r.sorted_at), r.id), reverse=True)
    ]


def first_pass_ids(run, served: int, stream="pat_grants") -> list[int]:
    """The ids of the first pass: the first `served` records (what its pages held)."""
    return [r["id"] for r in run.records(stream)][:served]


def verification_added(run, stream="pat_grants") -> int:
    return run.tap.run.ledger.org("acme").stream(stream).verification_added


def sync_row(run) -> dict:
    (row,) = run.records("sync_runs")
    return row


def test_one_revocation_on_a_read_page_hides_a_live_grant_until_the_verification_pass(
    github, app_config, caplog
):
    org = github.add_org(generate_org("acme", 250, seed=41))
    order = newest_first(org.grants)
    github.mutations.after_page("acme", "grants", 1, revoke_grant(order[10]))
    caplog.set_level(logging.INFO)

    run = run_tap(app_config(), catalog=GRANTS)

    assert run.error is None
    live = {g.id for g in org.grants}
    first_pass = first_pass_ids(run, 100 + 100 + 49)  # page 2 starts one grant later
    assert live - set(first_pass) == {order[100]}, "before verification: one live grant missed"
    emitted = [r["id"] for r in run.records()]
    assert live <= set(emitted), "after verification: none missed"
    assert emitted[-1] == order[100]
    assert order[10] in emitted  # served on page 1, before it was revoked
    first = list_requests(github, "acme")
    verify = list_requests(github, "acme", verification=True)
    assert (len(first), len(verify)) == (3, pages(249))
    assert [r.query["sort"] + r.query["direction"] for r in verify] == [["created_at", "asc"]] * 3
    assert "pat_grants org acme: done, 250 records, 6 requests" in caplog.text
    assert "verification pass added 1" in caplog.text
    row = sync_row(run)
    assert (row["grants_verification_added"], row["grants_requests"]) == (1, 6)
    assert run.of_type("ACTIVATE_VERSION"), "a verified full read is versioned"


def test_two_revocations_on_different_pages_are_both_caught(github, app_config):
    org = github.add_org(generate_org("acme", 350, seed=42))
    order = newest_first(org.grants)
    github.mutations.after_page("acme", "grants", 1, revoke_grant(order[5]))
    github.mutations.after_page("acme", "grants", 2, revoke_grant(order[150]))

    run = run_tap(app_config(), catalog=GRANTS)

    assert run.error is None
    live = {g.id for g in org.grants}
    assert live - set(first_pass_ids(run, 100 + 100 + 100 + 48)) == {order[100], order[201]}
    assert live <= {r["id"] for r in run.records()}
    assert verification_added(run) == 2
    assert sync_row(run)["grants_verification_added"] == 2
    assert len(list_requests(github, "acme", verification=True)) == pages(348)


def test_a_grant_created_during_the_read_is_emitted_by_the_verification_pass(github, app_config):
    org = github.add_org(generate_org("acme", 250, seed=43))
    order = newest_first(org.grants)
    created = make_grant(7_777_777, "newcomer", access_granted_at="2099-01-01T00:00:00Z")
    github.mutations.after_page("acme", "grants", 1, add_grant(created))

    run = run_tap(app_config(), catalog=GRANTS)

    assert run.error is None
    emitted = [r["id"] for r in run.records()]
    assert emitted.count(order[99]) == 2, "shifted down: the last of page 1 came again"
    assert {g.id for g in org.grants} <= set(emitted)
    assert emitted[-1] == created.id
    assert verification_added(run) == 1


def test_a_request_reviewed_during_the_read_is_caught(github, app_config, caplog):
    org = github.add_org(generate_org("acme", 0, n_requests=230, seed=44))
    order = newest_first(org.requests)
    github.mutations.after_page("acme", "requests", 2, review_request(order[150]))
    caplog.set_level(logging.INFO)

    run = run_tap(app_config(), catalog=REQUESTS)

    assert run.error is None
    live = {r.id for r in org.requests}
    first_pass = first_pass_ids(run, 100 + 100 + 29, "pat_requests")
    assert live - set(first_pass) == {order[200]}
    assert live <= {r["id"] for r in run.records("pat_requests")}
    assert verification_added(run, "pat_requests") == 1
    assert "pat_requests org acme: done, 230 records, 6 requests" in caplog.text
    verify = list_requests(github, "acme", "personal-access-token-requests", verification=True)
    assert len(verify) == 3


def test_a_repository_removed_while_its_grants_list_is_paged_is_not_lost(github, app_config):
    org = github.add_org("acme")
    owner = organization_account("acme", org.id)
    repos = [repository(owner, f"repo-{n}", 8_000 + n) for n in range(250)]
    grant = make_grant(5, "dana", repository_selection="subset", repositories=repos)
    org.grants.append(grant)
    github.mutations.after_page(
        "acme", "grant_repositories", 1, remove_repository(5, 8_010), record_id=5
    )

    run = run_tap(app_config(), catalog=WITH_REPOSITORIES)

    assert run.error is None
    emitted = [r["repository_id"] for r in run.records("pat_grant_repositories")]
    live = {repo["id"] for repo in org.grants.get(5).repositories}
    assert 8_100 not in emitted[:249], "the first pass skipped it"
    assert live <= set(emitted)
    children = [r for r in github.requests_log if r.path.endswith("/5/repositories")]
    assert len(children) == 3 + pages(249)  # the list, then its verification
    counts = run.tap.run.ledger.org("acme").stream("pat_grant_repositories")
    assert counts.verification_added == 1


def test_a_grant_revoked_before_its_repositories_are_read_is_no_fault(github, app_config, caplog):
    # Revoked right after the page that listed it: its repository list then answers 404.
    org = github.add_org(generate_org("acme", 250, seed=46, subset_fraction=1.0))
    order = newest_first(org.grants)
    github.mutations.after_page("acme", "grants", 1, revoke_grant(order[50]))
    caplog.set_level(logging.INFO)

    run = run_tap(app_config(), catalog=WITH_REPOSITORIES)

    assert run.error is None
    gone = [r for r in github.requests_log if r.path.endswith(f"/{order[50]}/repositories")]
    assert [r.status for r in gone] == [404]
    assert {g.id for g in org.grants} <= {r["id"] for r in run.records("pat_grants")}
    counts = run.tap.run.ledger.org("acme").stream("pat_grant_repositories")
    assert counts.parents_gone == 1
    assert "1 parent gone before its list was read" in caplog.text
    assert [m["stream"] for m in run.of_type("ACTIVATE_VERSION")] == [
        "pat_grants",
        "pat_grant_repositories",
    ]


def test_a_full_read_of_1000_grants_costs_ten_more_requests_and_no_child_request(
    github, app_config
):
    org = github.add_org(generate_org("acme", 1_000, seed=45, subset_fraction=0.5))

    run = run_tap(app_config(), catalog=WITH_REPOSITORIES)

    assert run.error is None
    assert len(list_requests(github, "acme")) == 10
    assert len(list_requests(github, "acme", verification=True)) == 10  # ⌈1000/100⌉ extra
    assert verification_added(run) == 0
    lists = [pages(len(g.repositories)) for g in org.grants if g.repository_selection == "subset"]
    children = [r for r in github.requests_log if r.path.endswith("/repositories")]
    # every subset grant's list once (and a second pass only for lists longer than a page)
    assert len(children) == sum(n * 2 if n > 1 else 1 for n in lists)
    assert len({r["id"] for r in run.records()}) == 1_000


def test_an_incremental_run_makes_no_verification_request(github, app_config):
    github.add_org(generate_org("acme", 250, seed=46))
    first = run_tap(app_config(), catalog=GRANTS)
    github.reset_log()

    again = run_tap(app_config(), catalog=GRANTS, state=first.last_state)

    assert again.error is None
    assert sync_row(again)["grants_read"] == "incremental"
    assert list_requests(github, "acme", verification=True) == []
    assert sync_row(again)["grants_verification_added"] == 0
