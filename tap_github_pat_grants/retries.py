"""GitHub's retry and rate-limit policy, plugged into the SDK's backoff loop.

What to do with each answer is decided in `http_policy.py`; this module waits (through the
tap's `sleep`, so tests can use a fake clock), logs each wait once with its reason, and turns
an exhausted retry budget into one line.
"""

from __future__ import annotations

import typing as t
from urllib.parse import ParseResult

import backoff
import requests
from singer_sdk import RESTStream
from singer_sdk.exceptions import RetriableAPIError
from typing_extensions import override

from tap_github_pat_grants.errors import GitHubFatalError
from tap_github_pat_grants.http_policy import MAX_TRIES, transient_wait
from tap_github_pat_grants.messages import gave_up_line, rate_limit_too_long_line

if t.TYPE_CHECKING:
    from collections.abc import Callable, Generator

    from backoff.types import Details

    from tap_github_pat_grants.tap import TapGitHubPatGrants


class RateLimitedError(RetriableAPIError):
    """GitHub asked us to wait a known time before the next request."""

    def __init__(self, message: str, response: requests.Response, wait_seconds: float) -> None:
        """Carry the wait GitHub asked for."""
        super().__init__(message, response)
        self.wait_seconds = wait_seconds


class RetryingStream(RESTStream[ParseResult]):
    """A REST stream that retries, waits and gives up the way GitHub asks."""

    _tap: TapGitHubPatGrants
    _org: str  # the organization being read, for log and error lines

    # Retries and waits: the SDK's backoff loop, with GitHub's waits instead of its guesses.

    @override
    def backoff_wait_generator(self) -> Generator[float, t.Any, None]:
        # The wait happens here, through the tap's `sleep`, so it is logged with its reason and
        # tests can use a fake clock; backoff itself is told to wait 0 s.
        exception = yield 0.0
        attempt = 0
        while True:
            attempt += 1
            if isinstance(exception, RateLimitedError):
                wait, reason = exception.wait_seconds, str(exception)
            else:
                wait = transient_wait(attempt)
                reason = type(exception).__name__
                if isinstance(exception, RetriableAPIError):
                    reason = str(exception)
            if wait > 0:
                self.logger.warning(
                    "org %s: waiting %.1f s before retry %d of %d: %s",
                    self._org,
                    wait,
                    attempt,
                    MAX_TRIES - 1,
                    reason,
                )
                self._tap.sleep(wait)
            exception = yield 0.0

    @override
    def backoff_max_tries(self) -> int:
        return MAX_TRIES

    @override
    def backoff_jitter(self, value: float) -> float:
        # Jitter is already in `transient_wait`; a rate-limit wait must be exactly GitHub's.
        return value

    @override
    def backoff_handler(self, details: Details) -> None:
        # The SDK logs each retry at ERROR (schedulers alert on it) with the SDK's error text;
        # `backoff_wait_generator` logs each wait once, as a warning, with its reason.
        return

    @override
    def request_decorator(
        self, func: Callable[..., requests.Response]
    ) -> Callable[..., requests.Response]:
        # The SDK's decorator, minus backoff's own logger (it logs give-ups at ERROR with the
        # SDK's error text, which carries URLs); `backoff_handler` logs each wait instead.
        retrying = backoff.on_exception(
            self.backoff_wait_generator,
            (
                ConnectionError,
                RetriableAPIError,
                requests.exceptions.Timeout,
                requests.exceptions.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ),
            max_tries=self.backoff_max_tries,
            on_backoff=self.backoff_handler,
            jitter=self.backoff_jitter,
            logger=None,
        )(func)

        def request_or_fail(*args: t.Any, **kwargs: t.Any) -> requests.Response:
            try:
                return retrying(*args, **kwargs)
            except (RetriableAPIError, requests.RequestException, ConnectionError) as exc:
                raise GitHubFatalError(gave_up_line(self._org, exc, MAX_TRIES)) from None

        return request_or_fail

    def _respect_rate_budget(self) -> None:
        """Pause before the next request when this installation's budget is nearly spent."""
        wait = self._tap.rate_budget.pause_before_request(self._org)
        if wait <= 0:
            return
        if wait > self._tap.settings.max_rate_limit_wait_seconds:
            raise GitHubFatalError(rate_limit_too_long_line(self._org, None, self._tap, wait))
        self.logger.warning(
            "org %s: %.1f s pause: fewer than rate_limit_buffer=%d requests left in the "
            "installation's hourly budget; waiting for it to reset",
            self._org,
            wait,
            self._tap.settings.rate_limit_buffer,
        )
        self._tap.sleep(wait)
        self._tap.rate_budget.forget(self._org)
