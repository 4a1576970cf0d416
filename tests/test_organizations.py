"""Issue 12 over real HTTP: discovery, permissions checked up front, narrowed tokens, coverage."""

from __future__ import annotations

import logging
from collections import Counter

import pytest

from tap_github_pat_grants.errors import GitHubFatalError, MissingPermissionError
from tests.fake_github import generate_org
from tests.fake_github.mutations import uninstall
from tests.helpers import GRANTS_ONLY, catalog, list_requests
from tests.tap_runner import run_tap

EVERYTHING = catalog(
    "pat_grants", "pat_grant_repositories", "pat_requests", "pat_request_repositories", "sync_runs"
)
GRANTS_PERMISSION = "organization_personal_access_tokens"
REQUESTS_PERMISSION = "organization_personal_access_token_requests"
GRANTS_ONLY_WITH_RUNS = catalog("pat_grants", "sync_runs")


def app_calls(github) -> Counter[tuple[str, str]]:
    """The App's own requests (JWT), by method and the path's last segment."""
    return Counter(
        (r.method, r.path.rsplit("/", 1)[-1]) for r in github.requests_log if r.auth_kind == "jwt"
    )


def rows(run) -> dict[str, dict]:
    return {row["org"]: row for row in run.records("sync_runs")}


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_discovery_of_150_orgs_costs_two_list_pages_and_one_token_per_org(
    github, app_config, caplog
):
    orgs = github.installations.add_orgs(150)
    github.installations.add_user("octocat")
    github.installations.add_enterprise("acme-corp")
    github.installations.suspend("org-042")
    caplog.set_level(logging.INFO)

    run = run_tap(app_config(organizations=["*"]), catalog=GRANTS_ONLY_WITH_RUNS)

    assert run.error is None
    listing = [r for r in github.requests_log if r.path == "/app/installations"]
    assert [r.query.get("page", ["1"]) for r in listing] == [["1"], ["2"]]  # ⌈152/100⌉
    assert all(r.query["per_page"] == ["100"] for r in listing)
    assert app_calls(github) == {("GET", "installations"): 2, ("POST", "access_tokens"): 149}
    assert not [r for r in github.requests_log if r.path.endswith("/installation")]
    read = {org.login for org in orgs} - {"org-042"}
    assert {r.org for r in list_requests(github)} == read  # one page each, nothing else
    assert len(list_requests(github, verification=None)) == 149
    assert len(github.requests_log) == 2 + 149 + 149
    skipped = [w for w in warnings(caplog) if "skipped" in w]
    assert len(skipped) == 3, skipped
    assert any("on user octocat skipped: not an organization" in w for w in skipped)
    assert any("on enterprise acme-corp skipped: an enterprise installation" in w for w in skipped)
    assert any(
        w.startswith("org org-042: the GitHub App's installation is suspended") for w in skipped
    )
    assert "Discovery: the App is installed on 150 organization(s); reading 150 (0 excluded)" in (
        caplog.text
    )
    coverage = rows(run)
    assert len(coverage) == 150
    suspended = coverage["org-042"]
    assert (suspended["status"], suspended["suspended"], suspended["grants_read"]) == (
        "skipped",
        True,
        None,
    )
    assert "suspended (since 2025-03-01T09:00:00Z)" in suspended["error"]
    assert suspended["installation_id"] == github.org("org-042").installation_id
    one = coverage["org-001"]
    assert (one["source"], one["status"], one["grants_read"]) == ("discovered", "complete", "full")
    assert one["installation_id"] == github.org("org-001").installation_id
    assert one["permissions"] == {GRANTS_PERMISSION: "read"}


def test_listed_logins_mixed_with_star_and_exclusions_match_case_insensitively(github, app_config):
    github.add_org(generate_org("Acme", 3, seed=1))
    github.add_org(generate_org("Globex", 3, seed=2))
    github.add_org(generate_org("Initech", 3, seed=3))
    github.add_org(generate_org("Umbrella", 3, seed=4))

    run = run_tap(
        app_config(organizations=["ACME", "*", "acme"], exclude_organizations=["GLOBEX"]),
        catalog=GRANTS_ONLY_WITH_RUNS,
    )

    assert run.error is None
    assert Counter(r["org"] for r in run.records()) == {"acme": 3, "initech": 3, "umbrella": 3}
    sources = {org: row["source"] for org, row in rows(run).items()}
    assert sources == {"acme": "listed", "initech": "discovered", "umbrella": "discovered"}
    # the listed org's installation came with the discovery: no lookup of its own
    assert app_calls(github) == {("GET", "installations"): 1, ("POST", "access_tokens"): 3}
    assert not list_requests(github, "globex", verification=None)


def test_star_with_auth_token_is_refused_before_any_request(github, app_config):
    github.add_org("acme")
    config = app_config(organizations=["*"], auth_token=github.mint_token_for("acme"))
    del config["app_id"], config["private_key"]

    run = run_tap(config, catalog=GRANTS_ONLY)

    assert 'organizations: "*"' in str(run.error)
    assert github.requests_log == []


@pytest.mark.parametrize(
    ("selected", "asked"),
    [
        (("pat_grants",), {GRANTS_PERMISSION: "read"}),
        (("pat_grant_repositories",), {GRANTS_PERMISSION: "read"}),
        (("pat_requests", "pat_request_repositories"), {REQUESTS_PERMISSION: "read"}),
        (
            ("pat_grants", "pat_grant_repositories", "pat_requests", "pat_request_repositories"),
            {GRANTS_PERMISSION: "read", REQUESTS_PERMISSION: "read"},
        ),
    ],
)
def test_each_token_asks_for_exactly_the_selected_streams_read_permissions(
    github, app_config, selected, asked
):
    # The App holds more than it needs (write, members): the token must still ask for read only.
    permissions = {GRANTS_PERMISSION: "write", REQUESTS_PERMISSION: "read", "members": "read"}
    github.add_org(generate_org("acme", 120, n_requests=3, seed=5), permissions=permissions)

    run = run_tap(app_config(), catalog=catalog(*selected, "sync_runs"))

    assert run.error is None
    assert [(t.org, t.permissions, t.status) for t in github.installations.token_requests] == [
        ("acme", asked, 201)
    ]
    assert rows(run)["acme"]["permissions"] == asked


def test_a_missing_permission_stops_the_run_before_any_list_request(github, app_config):
    github.add_org(generate_org("acme", 120, n_requests=3, seed=6))
    github.add_org(
        generate_org("globex", 10, n_requests=3, seed=7),
        permissions={GRANTS_PERMISSION: "read"},
    )

    run = run_tap(app_config(), catalog=EVERYTHING)

    assert isinstance(run.error, MissingPermissionError)
    line = str(run.error)
    assert "\n" not in line
    assert line.startswith("org globex: the GitHub App lacks the organization permission ")
    assert "'Personal access token requests: read'" in line
    assert "Permissions > Organization permissions" in line
    lists = [r for r in github.requests_log if r.auth_kind == "installation"]
    assert lists == [], "no list request, in any org, before every permission was checked"
    assert run.records() == []


def test_a_missing_permission_can_skip_its_streams_with_one_warning(github, app_config, caplog):
    github.add_org(generate_org("acme", 30, n_requests=3, seed=8))
    github.add_org(
        generate_org("globex", 30, n_requests=3, seed=9),
        permissions={GRANTS_PERMISSION: "read"},
    )

    run = run_tap(app_config(skip_requests_without_permission=True), catalog=EVERYTHING)

    assert run.error is None
    assert Counter(r["org"] for r in run.records("pat_requests")) == {"acme": 3}
    assert Counter(r["org"] for r in run.records()) == {"acme": 30, "globex": 30}
    assert not list_requests(github, "globex", "personal-access-token-requests", verification=None)
    (warning,) = [w for w in warnings(caplog) if "globex" in w]
    assert "'Personal access token requests: read'" in warning
    assert "(skip_streams_without_permission)" in warning
    # the token asks only for what the installation has: a wider ask would be refused (422)
    asked = {t.org: t.permissions for t in github.installations.token_requests}
    assert asked["globex"] == {GRANTS_PERMISSION: "read"}
    row = rows(run)["globex"]
    assert row["requests_read"] is None
    assert set(row["skipped_streams"]) == {"pat_requests", "pat_request_repositories"}
    assert "Personal access token requests: read" in row["skipped_streams"]["pat_requests"]
    assert row["grants_read"] == "full"


def test_bookmarks_are_the_same_for_a_listed_and_a_discovered_org(github, app_config):
    github.add_org(generate_org("Acme", 130, seed=10))
    github.add_org(generate_org("globex", 20, seed=11))

    listed = run_tap(app_config(organizations=["ACME", "Globex"]), catalog=GRANTS_ONLY)
    discovered = run_tap(app_config(organizations=["*"]), catalog=GRANTS_ONLY)
    github.reset_log()
    following = run_tap(
        app_config(organizations=["*"]), catalog=GRANTS_ONLY, state=listed.last_state
    )

    def bookmarks(run):
        partitions = run.last_state["bookmarks"]["pat_grants"]["partitions"]
        return {
            p["context"]["org"]: (p["replication_key"], p["replication_key_value"])
            for p in partitions
        }

    assert bookmarks(listed) == bookmarks(discovered)
    assert set(bookmarks(listed)) == {"acme", "globex"}
    # a discovered run goes on from the listed run's bookmarks: incremental, not a full read
    assert following.error is None
    assert not list_requests(github, verification=True)
    assert all("last_used_after" in r.query or "sort" in r.query for r in list_requests(github))


def three_orgs(github) -> None:
    for n, login in enumerate(("acme", "globex", "initech")):
        github.add_org(generate_org(login, 150, seed=20 + n))
    github.mutations.after_page("globex", "grants", 1, uninstall())


def test_an_org_uninstalled_mid_run_stops_the_run_by_default(github, app_config):
    three_orgs(github)

    run = run_tap(app_config(), catalog=GRANTS_ONLY_WITH_RUNS)

    assert isinstance(run.error, GitHubFatalError)
    assert str(run.error).startswith("org globex: ")
    assert "\n" not in str(run.error)
    assert not list_requests(github, "initech", verification=None), "stopped at globex"
    assert run.records("sync_runs") == []
    assert run.of_type("ACTIVATE_VERSION") == []


def test_continue_on_org_error_lets_the_others_finish_and_records_the_failure(
    github, app_config, caplog
):
    three_orgs(github)
    caplog.set_level(logging.INFO)

    run = run_tap(app_config(continue_on_org_error=True), catalog=GRANTS_ONLY_WITH_RUNS)

    assert run.error is None  # exit status 0, as documented
    assert Counter(r["org"] for r in run.records())["initech"] == 150
    assert Counter(r["org"] for r in run.records())["acme"] == 150
    coverage = rows(run)
    assert [coverage[o]["status"] for o in ("acme", "globex", "initech")] == [
        "complete",
        "failed",
        "complete",
    ]
    assert coverage["globex"]["error"].startswith("org globex: ")
    assert run.of_type("ACTIVATE_VERSION") == [], "one org's read failed: nothing versioned"
    summary = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
    assert any("1 failed (globex)" in line for line in summary), summary
