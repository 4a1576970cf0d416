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
import typing as t
from dataclasses import dataclass
from http import HTTPStatus

import msgspec
import requests

from tap_github_pat_grants.error_lines import (
    body_description,
    error_message,
    gave_up_line,
    incomplete_line,
    redirect_line,
    redirect_loop_line,
    wait_too_long_line,
)
from tap_github_pat_grants.errors import (
    GitHubFatalError,
    IncompleteReadError,
    RedirectRefusedError,
    TapError,
    TokenRenewedError,
    TransientFaultError,
    WaitRequestedError,
)
from tap_github_pat_grants.github_session import GitHubSession, body_of
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

    from tap_github_pat_grants.config import Settings

T = t.TypeVar("T")

# Every request asks for GitHub's recommended media type and a pinned API version.
GITHUB_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}

# Faults of the connection itself (no answer, or half of one): retried like a 5xx.
CONNECTION_FAULTS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)

logger = logging.getLogger("tap-github-pat-grants.http")


@dataclass(frozen=True)
class ResponseHandlers:
    """A caller's handlers for GitHub's answer: how to decode it, and how to refuse the rest.

    `refuse` builds the error for an answer retrying cannot fix; `renew_token` (after a 401)
    mints a new token and returns True when one resend is worth it; `decode` turns the body
    into Python (a `msgspec.ValidationError` from it is the caller's to handle); `shape` is
    the type the decoded body must have.
    """

    refuse: Callable[[requests.Response, str], TapError]
    renew_token: Callable[[], bool] | None = None
    decode: Callable[[bytes], object] = msgspec.json.decode
    shape: type = object


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
        self.session = GitHubSession(settings.api_url, settings.request_timeout_seconds)
        self.budget = RateBudget(buffer=settings.rate_limit_buffer, clock=clock)
        self.requests_sent = 0
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        self._secondary_limits_seen = 0

    def send(self, attempt: Callable[[], T], *, org: str, budget_key: str) -> T:
        """Run `attempt` (send one request and `check` it) until it succeeds or must stop."""
        last: TransientFaultError | OSError | None = None
        incomplete = 0
        for tries in range(1, MAX_TRIES + 1):
            self._respect_budget(org, budget_key)
            try:
                self.requests_sent += 1
                return attempt()
            except TokenRenewedError:
                continue  # a new token: resend at once
            except (RedirectRefusedError, requests.exceptions.TooManyRedirects) as moved:
                raise GitHubFatalError(self._redirect_line(org, moved)) from None
            except (TransientFaultError, *CONNECTION_FAULTS) as fault:
                last = fault
                if isinstance(fault, IncompleteReadError):
                    incomplete += 1
                    if incomplete > 1:  # once may be a hiccup; twice is the answer
                        raise GitHubFatalError(incomplete_line(org, fault)) from None
                if tries < MAX_TRIES:
                    self._pause_after(org, fault, tries, budget_key)
        assert last is not None  # noqa: S101 (the loop only ends here after a fault)
        raise GitHubFatalError(gave_up_line(org, last, MAX_TRIES)) from None

    def _pause_after(self, org: str, fault: Exception, tries: int, budget_key: str) -> None:
        if isinstance(fault, WaitRequestedError):
            self._wait(org, fault.wait_seconds, tries, str(fault))
            self.budget.forget(budget_key)  # what GitHub said is past now
        else:
            self._wait(org, transient_wait(tries), tries, _reason(fault))

    def _redirect_line(self, org: str, moved: Exception) -> str:
        if isinstance(moved, RedirectRefusedError):
            return redirect_line(org, moved, self._settings.api_url)
        last = moved.response if isinstance(moved, requests.RequestException) else None
        return redirect_loop_line(org, self._settings.api_url, last)

    def check(
        self, response: requests.Response, *, org: str, budget_key: str, handlers: ResponseHandlers
    ) -> t.Any:
        """GitHub's decoded body, or raise what the retry loop should do with this answer."""
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
            return _decoded(response, handlers)
        if decision.action is Action.RETRY:
            raise TransientFaultError(decision.reason, response)
        if decision.action is Action.WAIT:
            if "secondary" in decision.reason:
                self._secondary_limits_seen += 1
            if decision.wait_seconds > self._settings.max_rate_limit_wait_seconds:
                raise GitHubFatalError(self._too_long(org, decision.wait_seconds, response))
            raise WaitRequestedError(decision.reason, response, decision.wait_seconds)
        renew = handlers.renew_token
        if decision.action is Action.REFRESH_TOKEN and renew is not None and renew():
            raise TokenRenewedError(decision.reason, response)
        raise handlers.refuse(response, message)

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


def _decoded(response: requests.Response, handlers: ResponseHandlers) -> t.Any:
    """A 2xx body decoded inside the retry loop: a proxy's page or a cut body is resent."""
    kind = response.headers.get("Content-Type", "")
    if "json" not in kind.lower():
        reason = f"{body_description(response)} instead of GitHub's JSON"
        raise TransientFaultError(reason, response)
    body = body_of(response)
    try:
        payload = handlers.decode(body)
    except msgspec.DecodeError:
        reason = f"an incomplete JSON body ({len(body):,} bytes)"
        raise TransientFaultError(reason, response) from None
    if not isinstance(payload, handlers.shape):
        reason = f"JSON of the wrong shape: {body_description(response)}"
        raise TransientFaultError(reason, response)
    return payload


def _reason(fault: Exception) -> str:
    return str(fault) if isinstance(fault, TransientFaultError) else type(fault).__name__
