"""Surviving GitHub: retries, rate-limit waits, token expiry and one-line fatal errors."""

from __future__ import annotations

import time

import pytest

from tap_github_pat_grants import http_policy
from tap_github_pat_grants.errors import GitHubFatalError
from tap_github_pat_grants.tap import TapGitHubPatGrants
from tests.fake_github import generate_org, other_private_key_pem
from tests.helpers import GRANTS_ONLY, catalog, list_requests, on_virtual_clock
from tests.tap_runner import run_tap

LIST = r"/orgs/acme/personal-access-tokens$"


class RecordedSleepTap(TapGitHubPatGrants):
    """Waits are recorded instead of slept, so a 60 s wait takes no time in the suite."""

    waits: list[float] = []

    @staticmethod
    def sleep(seconds: float) -> None:
        RecordedSleepTap.waits.append(seconds)


@pytest.fixture
def recorded():
    RecordedSleepTap.waits = []
    return RecordedSleepTap


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(http_policy, "TRANSIENT_BASE_WAIT", 0.01)


def _acme(github, n=250, seed=41):
    return github.add_org(generate_org("acme", n, seed=seed))


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried(github, app_config, status):
    _acme(github)
    github.faults.server_error(LIST, nth=2, status=status, times=2)
    run = run_tap(app_config(), catalog=GRANTS_ONLY)
    assert run.error is None
    assert len(run.records()) == 250
    assert [r.status for r in list_requests(github, "acme")] == [200, status, status, 200, 200]


@pytest.mark.parametrize("action", ["drop", "truncate"])
def test_dropped_connections_and_truncated_bodies_are_retried(github, app_config, action):
    _acme(github)
    github.faults.add(LIST, nth=2, action=action)
    run = run_tap(app_config(), catalog=GRANTS_ONLY)
    assert run.error is None
    assert len({r["id"] for r in run.records()}) == 250
    assert len(run.records()) == 250, "a truncated page is not half-emitted"


def test_read_timeouts_are_retried(github, app_config):
    _acme(github, n=150)
    github.faults.add(LIST, nth=1, action="delay", delay_seconds=2.5)
    run = run_tap(app_config(request_timeout_seconds=1), catalog=GRANTS_ONLY)
    assert run.error is None
    assert len(run.records()) == 150


def test_retries_are_bounded_then_one_clear_line(github, app_config):
    _acme(github)
    github.faults.server_error(LIST, nth=1, status=502, times=None)
    run = run_tap(app_config(), catalog=GRANTS_ONLY)
    assert isinstance(run.error, GitHubFatalError)
    message = str(run.error)
    assert message.startswith(
        "org acme: /orgs/acme/personal-access-tokens: GitHub kept answering 502 after 6 tries"
    )
    assert "X-GitHub-Request-Id: " in message
    assert "\n" not in message
    assert len(list_requests(github, "acme")) == http_policy.MAX_TRIES


def test_retry_after_is_waited_exactly_and_nothing_is_sent_meanwhile(github, app_config):
    _acme(github)
    github.faults.secondary_rate_limit(LIST, nth=2, retry_after=1)
    run = run_tap(app_config(), catalog=GRANTS_ONLY)
    assert run.error is None
    log = github.requests_log
    limited = next(i for i, r in enumerate(log) if r.status == 403)
    after = log[limited + 1]
    assert after.path == log[limited].path and after.query == log[limited].query
    assert after.at - log[limited].at >= 1.0
    assert len(run.records()) == 250


@pytest.mark.parametrize("status", [403, 429])
def test_secondary_limit_without_retry_after_waits_a_minute_growing(
    github, app_config, recorded, status
):
    _acme(github)
    github.faults.secondary_rate_limit(LIST, nth=2, status=status, times=2)
    run = run_tap(app_config(), catalog=GRANTS_ONLY, tap_class=recorded)
    assert run.error is None
    assert recorded.waits == [60.0, 120.0]
    assert len(run.records()) == 250


def test_primary_limit_waits_until_reset(github, app_config, recorded):
    _acme(github)
    github.faults.primary_rate_limit(LIST, nth=2, reset_in_seconds=120)
    run = run_tap(app_config(), catalog=GRANTS_ONLY, tap_class=recorded)
    assert run.error is None
    (wait,) = recorded.waits
    assert 119 <= wait <= 122
    assert len(run.records()) == 250


def test_primary_limit_longer_than_the_maximum_stops_with_the_reset_time(
    github, app_config, recorded
):
    _acme(github)
    github.faults.primary_rate_limit(LIST, nth=1, reset_in_seconds=3600, status=429)
    run = run_tap(
        app_config(max_rate_limit_wait_seconds=600), catalog=GRANTS_ONLY, tap_class=recorded
    )
    message = str(run.error)
    assert message.startswith("org acme: the installation's GitHub rate limit resets at 20")
    assert "max_rate_limit_wait_seconds=600" in message
    assert "X-GitHub-Request-Id" in message
    assert recorded.waits == []


def test_low_remaining_budget_pauses_before_the_next_request(github, app_config, recorded, caplog):
    _acme(github)
    github.set_rate_limit(remaining=30, reset_at=time.time() + 40)
    run = run_tap(app_config(rate_limit_buffer=29), catalog=GRANTS_ONLY, tap_class=recorded)
    assert run.error is None
    # the fake's budget does not refill while the wait is only recorded: every request
    # after the first one finds the budget below the buffer and waits for the reset again
    requests = list_requests(github, "acme", verification=None)  # 3 pages, 3 to verify them
    assert len(recorded.waits) == len(requests) - 1 == 5
    assert all(38 <= wait <= 42 for wait in recorded.waits)
    assert "rate_limit_buffer=29" in caplog.text


def test_expired_tokens_are_renewed_through_a_long_sync(github, app_config):
    # 30 pages, 30 more to verify them, at 10 virtual minutes each: a ten-hour sync, with four
    # tokens revoked mid-way.
    tap_class = on_virtual_clock(github, latency_seconds=600)
    _acme(github, n=3000)
    for nth in (5, 12, 20, 27):
        github.faults.add(LIST, nth=nth, status=401, body={"message": "Bad credentials"})
    run = run_tap(app_config(), catalog=GRANTS_ONLY, tap_class=tap_class)
    assert run.error is None
    assert len(run.records()) == 3000
    assert len([r for r in list_requests(github, "acme") if r.status == 401]) == 4
    minted = [r for r in github.requests_log if r.path.endswith("/access_tokens")]
    assert len(minted) == 15, "the first, one after each revocation, and one per hour (10)"


def test_a_second_401_in_a_row_is_fatal(github, app_config):
    _acme(github)
    github.faults.add(LIST, nth=2, status=401, times=2, body={"message": "Bad credentials"})
    run = run_tap(app_config(), catalog=GRANTS_ONLY)
    message = str(run.error)
    assert message.startswith("org acme: GitHub answered 401 Bad credentials: a freshly minted")
    assert "X-GitHub-Request-Id" in message


def test_a_rejected_auth_token_is_fatal_at_once(github, app_config):
    _acme(github)
    config = app_config(auth_token="ghs_" + "x" * 36)
    del config["app_id"], config["private_key"]
    run = run_tap(config, catalog=GRANTS_ONLY)
    assert str(run.error).startswith(
        "org acme: GitHub answered 401 Bad credentials: auth_token was rejected"
    )


def test_wrong_app_key_says_so(github, app_config):
    _acme(github)
    run = run_tap(app_config(private_key=other_private_key_pem()), catalog=GRANTS_ONLY)
    message = str(run.error)
    assert message.startswith("org acme: GitHub rejected the App's JWT (401): app_id")
    assert "X-GitHub-Request-Id" in message


@pytest.mark.parametrize("installed", [False, None])
def test_app_not_installed_or_org_missing_names_the_org(github, app_config, installed):
    _acme(github)
    if installed is False:
        github.add_org("initech", installed=False)
    run = run_tap(app_config(organizations=["acme", "initech"]), catalog=GRANTS_ONLY)
    message = str(run.error)
    assert message.startswith(
        "org initech: the GitHub App is not installed on organization 'initech'"
    )
    assert "X-GitHub-Request-Id" in message
    # every org's installation is checked before any list request of the run
    assert run.records() == []
    assert not [r for r in github.requests_log if r.auth_kind == "installation"]


def test_a_personal_access_token_is_refused_with_how_to_fix(github, app_config):
    _acme(github)
    config = app_config(auth_token="github_pat_" + "a" * 40)
    del config["app_id"], config["private_key"]
    run = run_tap(config, catalog=GRANTS_ONLY)
    message = str(run.error)
    assert message.startswith("org acme: this endpoint needs a GitHub App installation token")
    assert "app_id + private_key" in message


def test_missing_org_permission_is_named(github, app_config):
    github.add_org(generate_org("acme", 10, seed=42))
    github.org("acme").permissions = {"organization_personal_access_token_requests": "read"}
    run = run_tap(app_config(), catalog=GRANTS_ONLY)
    message = str(run.error)
    assert message.startswith(
        "org acme: the GitHub App lacks the organization permission 'Personal access tokens: read'"
    )


@pytest.mark.parametrize(
    "skip",
    [
        {"skip_streams_without_permission": ["pat_requests"]},
        {"skip_streams_without_permission": ["*"]},
        {"skip_requests_without_permission": True},  # the switch that came first still works
    ],
)
def test_missing_requests_permission_fails_or_is_skipped_by_choice(
    github, app_config, caplog, skip
):
    github.add_org(generate_org("acme", 10, n_requests=3, seed=43))
    github.org("acme").permissions = {"organization_personal_access_tokens": "read"}
    selected = catalog("pat_grants", "pat_requests")

    failed = run_tap(app_config(), catalog=selected)
    assert "'Personal access token requests: read'" in str(failed.error)
    other_stream = run_tap(
        app_config(skip_streams_without_permission=["pat_grants"]), catalog=selected
    )
    assert "'Personal access token requests: read'" in str(other_stream.error)

    skipped = run_tap(app_config(**skip), catalog=selected)
    assert skipped.error is None
    assert len(skipped.records()) == 10
    assert skipped.records("pat_requests") == []
    assert "skipped pat_requests, pat_request_repositories" in caplog.text


def test_validation_failure_names_the_filter(github, app_config):
    _acme(github)
    github.faults.add(
        LIST,
        nth=1,
        status=422,
        body={
            "message": "Validation Failed",
            "errors": [
                {
                    "resource": "PersonalAccessToken",
                    "field": "repository",
                    "code": "invalid",
                    "value": "nope",
                }
            ],
            "documentation_url": "https://docs.github.com/rest",
        },
    )
    run = run_tap(app_config(repository="nope"), catalog=GRANTS_ONLY)
    message = str(run.error)
    assert message.startswith(
        "org acme: GitHub rejected a filter (422 Validation Failed: repository='nope' invalid)"
    )


def test_a_failed_run_leaves_the_previous_state_valid(github, app_config):
    _acme(github)
    first = run_tap(app_config(), catalog=GRANTS_ONLY)
    github.faults.server_error(r"personal-access-tokens$", nth=1, status=500, times=None)
    failed = run_tap(app_config(), catalog=GRANTS_ONLY, state=first.last_state)
    assert failed.error is not None
    before = first.last_state["bookmarks"]["pat_grants"]["partitions"][0]
    after = failed.last_state["bookmarks"]["pat_grants"]["partitions"][0]
    assert after["replication_key_value"] == before["replication_key_value"]
    assert after["granted_since"] == before["granted_since"]
