"""Grant repositories and pending requests: every row, the fewest requests, deselection."""

from __future__ import annotations

import math
from collections import Counter

from tests.fake_github import generate_org
from tests.helpers import catalog, list_requests
from tests.tap_runner import run_tap

GRANTS_AND_REPOS = catalog("pat_grants", "pat_grant_repositories")
EVERYTHING = catalog(
    "pat_grants", "pat_grant_repositories", "pat_requests", "pat_request_repositories"
)


def _repo_pages(records) -> int:
    return sum(
        max(1, math.ceil(len(r.repositories) / 100))
        for r in records
        if r.repository_selection == "subset"
    )


def _repo_verification_pages(records) -> int:
    """A full read reads every list of more than one page twice (`read_whole_list`)."""
    return sum(
        math.ceil(len(r.repositories) / 100)
        for r in records
        if r.repository_selection == "subset" and len(r.repositories) > 100
    )


def test_a_sync_of_1000_grants_600_subset_makes_the_minimum_requests(github, app_config):
    org = github.add_org(generate_org("acme", 1000, n_requests=30, seed=61, subset_fraction=0.6))
    subset = [g for g in org.grants if g.repository_selection == "subset"]
    assert 520 <= len(subset) <= 680

    run = run_tap(app_config(), catalog=EVERYTHING)

    assert run.error is None
    # 10 grant pages and 10 to verify them; 1 page of requests (one page: nothing to verify)
    repeated = _repo_verification_pages(org.grants) + _repo_verification_pages(org.requests)
    distinct = 10 + 10 + _repo_pages(org.grants) + 1 + _repo_pages(org.requests)
    data_requests = [r for r in github.requests_log if r.auth_kind == "installation"]
    assert len(data_requests) == distinct + repeated
    assert len({(r.path, str(sorted(r.query.items()))) for r in data_requests}) == distinct, (
        "nothing repeated but the verification of repository lists longer than a page"
    )
    rows = run.records("pat_grant_repositories")
    assert len(rows) == sum(len(g.repositories) for g in subset)
    assert len({(r["org"], r["pat_id"], r["repository_id"]) for r in rows}) == len(rows)
    assert {r["pat_id"] for r in rows} == {g.id for g in subset if g.repositories}
    sample = rows[0]
    assert sample["repository_id"] == sample["id"]
    assert {"full_name", "private", "owner", "html_url"} <= set(sample)
    requests = run.records("pat_requests")
    assert len(requests) == 30
    assert all(r["org"] == "acme" and "reason" in r and "created_at" in r for r in requests)
    request_rows = run.records("pat_request_repositories")
    assert len(request_rows) == sum(
        len(r.repositories) for r in org.requests if r.repository_selection == "subset"
    )
    with_big_lists = [g for g in subset if len(g.repositories) > 100]
    assert with_big_lists, "the fixture has grants whose repositories span pages"


def test_deselected_streams_cost_no_request(github, app_config):
    github.add_org(generate_org("acme", 300, n_requests=10, seed=62, subset_fraction=0.7))
    run = run_tap(app_config(), catalog=catalog("pat_grants"))
    assert run.error is None
    paths = Counter(
        r.path.rsplit("/", 1)[-1] for r in github.requests_log if r.auth_kind == "installation"
    )
    assert paths == {"personal-access-tokens": 6}  # 3 pages and the verification pass
    assert run.records("pat_grant_repositories") == []


def test_children_only_for_subset_grants_and_only_for_grants_the_run_emits(github, app_config):
    org = github.add_org(generate_org("acme", 400, seed=63, subset_fraction=0.5))
    first = run_tap(app_config(), catalog=GRANTS_AND_REPOS)
    github.reset_log()

    second = run_tap(app_config(), catalog=GRANTS_AND_REPOS, state=first.last_state)

    emitted = {r["id"] for r in second.records()}
    assert len(emitted) < 400
    asked = {
        int(r.path.split("/")[-2]) for r in github.requests_log if r.path.endswith("/repositories")
    }
    assert asked == {
        g.id for g in org.grants if g.id in emitted and g.repository_selection == "subset"
    }
    assert not second.of_type("ACTIVATE_VERSION"), "an incremental run must not version any table"


def test_a_full_read_versions_each_table_once(github, app_config):
    github.add_org(generate_org("acme", 200, n_requests=8, seed=64, subset_fraction=0.6))
    run = run_tap(app_config(), catalog=EVERYTHING)
    activations = Counter(m["stream"] for m in run.of_type("ACTIVATE_VERSION"))
    assert activations == {
        "pat_grants": 1,
        "pat_grant_repositories": 1,
        "pat_requests": 1,
        "pat_request_repositories": 1,
    }
    schemas = Counter(m["stream"] for m in run.of_type("SCHEMA"))
    assert set(schemas.values()) == {1}


def test_request_filters_follow_the_grant_filters(github, app_config):
    github.add_org(generate_org("acme", 20, n_requests=12, seed=65))
    run = run_tap(app_config(owner=["someone"]), catalog=catalog("pat_requests"))
    assert run.error is None
    (request,) = list_requests(github, "acme", endpoint="personal-access-token-requests")
    assert request.query["owner[]"] == ["someone"]
    assert request.query["per_page"] == ["100"]
