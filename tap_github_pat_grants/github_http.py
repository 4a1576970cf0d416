"""The one HTTP policy for every request to GitHub: list pages, child pages and the App's calls.

Every request goes through `GitHubHTTP.send`, which pauses when the installation's hourly budget
is nearly spent, has the answer checked by `check` (one classification: `http_policy.classify`),
backs off on transient faults, waits exactly as long as GitHub asks on rate limits, resends at
once after a token renewal, logs each wait once as a warning, and after `MAX_TRIES` gives up
with one line.

This replaces the SDK's retry loop (backoff, set up by `request_decorator`) rather than tuning
it: that loop logs every retry at ERROR with the request URL, jitters GitHub's exact
`Retry-After` waits, and cannot serve the App's own calls, which are not stream requests.
"""

from __future__ import annotations

import logging
import os
import typing as t
from http import HTTPStatus

import msgspec
import requests

from tap_github_pat_grants.errors import (
    GitHubFatalError,
    TapError,
    TokenRenewedError,
    TransientFaultError,
    WaitRequestedError,
    error_message,
    gave_up_line,
    wait_too_long_line,
)
from tap_github_pat_grants.http_policy import (
    MAX_TRIES,
    Action,
    RateBudget,
    classify,
    reset_epoch,
    transient_wait,
)
from tap_github_pat_grants.instants import epoch_text

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from tap_github_pat_grants.settings import Settings

T = t.TypeVar("T")

# Faults of the connection itself (no answer, or half of one): retried like a 5xx.
CONNECTION_FAULTS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)

logger = logging.getLogger("tap-github-pat-grants.http")


class GitHubHTTP:
    """One per tap: the session, the budgets GitHub reported, and the retry policy."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        """Read the proxy environment once and start with no budget known."""
        self.session = _session(settings.api_url)
        self.budget = RateBudget(buffer=settings.rate_limit_buffer, clock=clock)
        self.requests_sent = 0
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        self._secondary_limits_seen = 0

    def send(self, attempt: Callable[[], T], *, org: str, budget_key: str) -> T:
        """Run `attempt` (send one request and `check` it) until it succeeds or must stop."""
        last: TransientFaultError | OSError | None = None
        for tries in range(1, MAX_TRIES + 1):
            self._respect_budget(org, budget_key)
            try:
                self.requests_sent += 1
                return attempt()
            except TokenRenewedError:
                continue  # a new token: resend at once
            except WaitRequestedError as wait:
                last = wait
                if tries < MAX_TRIES:
                    self._wait(org, wait.wait_seconds, tries, str(wait))
                    self.budget.forget(budget_key)  # what GitHub said is past now
            except (TransientFaultError, *CONNECTION_FAULTS) as fault:
                last = fault
                if tries < MAX_TRIES:
                    self._wait(org, transient_wait(tries), tries, _reason(fault))
        assert last is not None  # noqa: S101 (the loop only ends here after a fault)
        raise GitHubFatalError(gave_up_line(org, last, MAX_TRIES)) from None

    def check(
        self,
        response: requests.Response,
        *,
        org: str,
        budget_key: str,
        refuse: Callable[[requests.Response, str], TapError],
        renew_token: Callable[[], bool] | None = None,
    ) -> object:
        """GitHub's decoded JSON body, or raise what the retry loop should do with the answer.

        `refuse` builds the error for an answer retrying cannot fix; `renew_token` (after a
        401) mints a new token and returns True when one resend is worth it.
        """
        self.budget.observe(budget_key, response.headers)
        status = response.status_code
        message = error_message(response) if status >= HTTPStatus.BAD_REQUEST else ""
        decision = classify(
            status,
            response.headers,
            message,
            now=self._clock(),
            secondary_limits_seen=self._secondary_limits_seen,
        )
        if decision.action is Action.OK:
            try:  # decoded here, inside the retry loop: a cut-off body is sent again
                return msgspec.json.decode(response.content)
            except msgspec.DecodeError:
                reason = "GitHub sent an incomplete JSON body"
                raise TransientFaultError(reason, response) from None
        if decision.action is Action.RETRY:
            raise TransientFaultError(decision.reason, response)
        if decision.action is Action.WAIT:
            if "secondary" in decision.reason:
                self._secondary_limits_seen += 1
            if decision.wait_seconds > self._settings.max_rate_limit_wait_seconds:
                raise GitHubFatalError(self._too_long(org, decision.wait_seconds, response))
            raise WaitRequestedError(decision.reason, response, decision.wait_seconds)
        if decision.action is Action.REFRESH_TOKEN and renew_token is not None and renew_token():
            raise TokenRenewedError(decision.reason, response)
        raise refuse(response, message)

    def _respect_budget(self, org: str, budget_key: str) -> None:
        """Pause before the next request when this installation's budget is nearly spent."""
        wait = self.budget.pause_before_request(budget_key)
        if wait <= 0:
            return
        if wait > self._settings.max_rate_limit_wait_seconds:
            raise GitHubFatalError(self._too_long(org, wait, None))
        logger.warning(
            "org %s: %.1f s pause: fewer than rate_limit_buffer=%d requests left in the "
            "installation's hourly budget; waiting for it to reset",
            org,
            wait,
            self._settings.rate_limit_buffer,
        )
        self._sleep(wait)
        self.budget.forget(budget_key)

    def _wait(self, org: str, seconds: float, tries: int, reason: str) -> None:
        if seconds > 0:
            logger.warning(
                "org %s: waiting %.1f s before retry %d of %d: %s",
                org,
                seconds,
                tries,
                MAX_TRIES - 1,
                reason,
            )
            self._sleep(seconds)

    def _too_long(self, org: str, wait: float, response: requests.Response | None) -> str:
        reset = reset_epoch(response.headers) if response is not None else None
        resets = f"at {epoch_text(reset)}" if reset is not None else f"in {wait:.0f} s"
        return wait_too_long_line(org, resets, self._settings.max_rate_limit_wait_seconds, response)


def _reason(fault: Exception) -> str:
    return str(fault) if isinstance(fault, TransientFaultError) else type(fault).__name__


def _session(api_url: str) -> requests.Session:
    """A session with the proxy and CA-bundle environment read once, not on every request.

    requests re-reads the proxy environment on every `send` (~1 ms, a tenth of a long sync's
    time); the values cannot change during a run.
    """
    session = requests.Session()
    session.proxies.update(requests.utils.get_environ_proxies(api_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    session.trust_env = False
    return session
