"""Table tests of the pure HTTP decisions: classify a response, seconds to wait."""

from __future__ import annotations

import pytest

from tap_github_pat_grants.http_policy import (
    SECONDARY_LIMIT_MAX_WAIT,
    Action,
    RateBudget,
    classify,
    seconds_until_reset,
    transient_wait,
)

NOW = 1_700_000_000.0
SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)


@pytest.mark.parametrize(
    ("status", "headers", "message", "seen", "action", "wait"),
    [
        (200, {}, "", 0, Action.OK, 0.0),
        (500, {}, "", 0, Action.RETRY, 0.0),
        (502, {}, "", 0, Action.RETRY, 0.0),
        (503, {}, "", 0, Action.RETRY, 0.0),
        (504, {}, "", 0, Action.RETRY, 0.0),
        (403, {"retry-after": "30"}, SECONDARY, 0, Action.WAIT, 30.0),
        (429, {"retry-after": "7"}, "", 0, Action.WAIT, 7.0),
        (403, {}, SECONDARY, 0, Action.WAIT, 60.0),
        (403, {}, SECONDARY, 1, Action.WAIT, 120.0),
        (429, {}, "", 2, Action.WAIT, 240.0),
        (403, {}, SECONDARY, 10, Action.WAIT, SECONDARY_LIMIT_MAX_WAIT),
        (
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 100)},
            "API rate limit exceeded for installation ID 1.",
            0,
            Action.WAIT,
            101.0,
        ),
        (
            429,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) - 5)},
            "",
            0,
            Action.WAIT,
            1.0,
        ),
        (401, {}, "Bad credentials", 0, Action.REFRESH_TOKEN, 0.0),
        (403, {}, "Resource not accessible by integration", 0, Action.FATAL, 0.0),
        (403, {}, "Resource not accessible by personal access token", 0, Action.FATAL, 0.0),
        (404, {}, "Not Found", 0, Action.FATAL, 0.0),
        (422, {}, "Validation Failed", 0, Action.FATAL, 0.0),
    ],
)
def test_classify(status, headers, message, seen, action, wait):
    decision = classify(status, headers, message, now=NOW, secondary_limits_seen=seen)
    assert decision.action is action
    assert decision.wait_seconds == pytest.approx(wait)
    assert decision.reason


def test_a_403_with_budget_left_and_no_limit_message_is_not_a_rate_limit():
    decision = classify(403, {"x-ratelimit-remaining": "4000"}, "Forbidden", now=NOW)
    assert decision.action is Action.FATAL


def test_seconds_until_reset_reads_an_epoch_not_a_duration():
    assert seconds_until_reset({"x-ratelimit-reset": str(int(NOW) + 60)}, NOW) == 61.0
    assert seconds_until_reset({"x-ratelimit-reset": "60"}, NOW) == 1.0
    assert seconds_until_reset({}, NOW) is None


@pytest.mark.parametrize(
    ("attempt", "low", "high"), [(1, 0.5, 1), (2, 1, 2), (5, 8, 16), (12, 30, 60)]
)
def test_transient_wait_grows_with_jitter_and_a_cap(attempt, low, high):
    assert transient_wait(attempt, rng=lambda: 0.0) == low
    assert transient_wait(attempt, rng=lambda: 1.0) == high


def test_rate_budget_pauses_only_below_the_buffer_until_reset():
    clock = [NOW]
    budget = RateBudget(buffer=50, clock=lambda: clock[0])
    assert budget.pause_before_request("acme") == 0
    budget.observe("acme", {"x-ratelimit-remaining": "51", "x-ratelimit-reset": str(int(NOW) + 30)})
    assert budget.pause_before_request("acme") == 0
    budget.observe("acme", {"x-ratelimit-remaining": "50", "x-ratelimit-reset": str(int(NOW) + 30)})
    assert budget.pause_before_request("acme") == 31.0
    assert budget.pause_before_request("globex") == 0
    clock[0] = NOW + 31
    assert budget.pause_before_request("acme") == 0
