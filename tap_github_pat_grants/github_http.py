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

import http.client
import logging
import os
import time
import typing as t
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit

import msgspec
import requests
import urllib3

from tap_github_pat_grants.errors import (
    GitHubFatalError,
    IncompleteReadError,
    RedirectRefusedError,
    TapError,
    TokenRenewedError,
    TransientFaultError,
    WaitRequestedError,
    body_description,
    error_message,
    gave_up_line,
    incomplete_line,
    redirect_line,
    redirect_loop_line,
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

# A page of 100 of the largest items (repositories, ~6 KB each) is under 1 MiB; a body far
# beyond that is not a page of GitHub's, and is cut off instead of read into memory.
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_REDIRECTS = 3  # GHES host and path moves take one or two
_READ_CHUNK = 64 * 1024

logger = logging.getLogger("tap-github-pat-grants.http")


@dataclass(frozen=True)
class Expected:
    """What a caller accepts from GitHub, and how it refuses the rest.

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
        self, response: requests.Response, *, org: str, budget_key: str, expected: Expected
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
            return _decoded(response, expected)
        if decision.action is Action.RETRY:
            raise TransientFaultError(decision.reason, response)
        if decision.action is Action.WAIT:
            if "secondary" in decision.reason:
                self._secondary_limits_seen += 1
            if decision.wait_seconds > self._settings.max_rate_limit_wait_seconds:
                raise GitHubFatalError(self._too_long(org, decision.wait_seconds, response))
            raise WaitRequestedError(decision.reason, response, decision.wait_seconds)
        renew = expected.renew_token
        if decision.action is Action.REFRESH_TOKEN and renew is not None and renew():
            raise TokenRenewedError(decision.reason, response)
        raise expected.refuse(response, message)

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


def _decoded(response: requests.Response, expected: Expected) -> t.Any:
    """A 2xx body decoded inside the retry loop: a proxy's page or a cut body is resent."""
    kind = response.headers.get("Content-Type", "")
    if "json" not in kind.lower():
        reason = f"{body_description(response)} instead of GitHub's JSON"
        raise TransientFaultError(reason, response)
    try:
        payload = expected.decode(response.content)
    except msgspec.DecodeError:
        reason = f"an incomplete JSON body ({len(response.content):,} bytes)"
        raise TransientFaultError(reason, response) from None
    if not isinstance(payload, expected.shape):
        reason = f"JSON of the wrong shape: {body_description(response)}"
        raise TransientFaultError(reason, response)
    return payload


def _reason(fault: Exception) -> str:
    return str(fault) if isinstance(fault, TransientFaultError) else type(fault).__name__


class GitHubSession(requests.Session):
    """A session that only follows redirects within `api_url`, and reads bodies with bounds.

    requests follows redirects anywhere (dropping `Authorization` on a host change, but a 301
    to another host still ends a read with that host's answer); reads a body of any size into
    memory; and its timeout bounds each socket read, not a body that trickles in for ever.
    The proxy and CA-bundle environment is read once here, not on every request (~1 ms each).
    """

    def __init__(self, api_url: str, timeout_seconds: int) -> None:
        """Bind to the `api_url` origin; bodies must arrive within `timeout_seconds`."""
        super().__init__()
        self._origin = urlsplit(api_url)[:2]
        self._body_seconds = float(timeout_seconds)
        self.max_redirects = MAX_REDIRECTS
        self.proxies.update(requests.utils.get_environ_proxies(api_url))
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            self.verify = bundle
        self.trust_env = False

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        """Where to go next; raise before anything is sent off the `api_url` origin."""
        target = super().get_redirect_target(resp)
        if target is not None:
            absolute = urljoin(resp.url, target)
            parts = urlsplit(absolute)
            if parts[:2] != self._origin:
                shown = f"{parts.scheme}://{parts.netloc}{parts.path}"  # never the query
                resp.close()  # its body is unread: release the connection now, not at GC
                raise RedirectRefusedError(resp.status_code, shown, resp)
        return target

    def send(self, request: requests.PreparedRequest, **kwargs: t.Any) -> requests.Response:
        """Send, then read the body in chunks within the size and time bounds."""
        kwargs["stream"] = True
        try:
            response = super().send(request, **kwargs)
        except requests.exceptions.ConnectionError as error:
            endless = _unending_head(error)
            if endless is None:
                raise
            raise TransientFaultError(endless) from None
        # requests has no public way to hand it a body read some other way: `_content` is
        # False until read, and `content` then returns what is put there.
        unread: object = response._content  # noqa: SLF001
        if unread is False:
            response._content = self._read_body(response)  # noqa: SLF001
        return response

    def _read_body(self, response: requests.Response) -> bytes:
        announced = response.headers.get("Content-Length", "")
        if announced.isdigit() and int(announced) > MAX_BODY_BYTES:
            response.close()
            reason = f"a body of {int(announced):,} bytes, far more than a page of 100 rows"
            raise TransientFaultError(reason, response)
        deadline = time.monotonic() + self._body_seconds
        chunks: list[bytes] = []
        size = 0
        try:
            while chunk := response.raw.read1(_READ_CHUNK, decode_content=True):
                size += len(chunk)
                chunks.append(chunk)
                if size > MAX_BODY_BYTES:
                    reason = f"a body of more than {MAX_BODY_BYTES:,} bytes (cut off)"
                    raise TransientFaultError(reason, response)
                if time.monotonic() > deadline:
                    reason = (
                        f"a body trickling in for over {self._body_seconds:.0f} s "
                        f"(request_timeout_seconds; {size:,} bytes so far)"
                    )
                    raise TransientFaultError(reason, response)
        except urllib3.exceptions.HTTPError as cut:
            reason = f"a body cut off after {size:,} bytes ({type(cut).__name__})"
            raise TransientFaultError(reason, response) from None
        finally:
            if size > MAX_BODY_BYTES or time.monotonic() > deadline:
                response.close()
        return b"".join(chunks)


def _unending_head(error: requests.exceptions.ConnectionError) -> str | None:
    """What arrived, when http.client gave up on a header block (too many or too long lines).

    requests reports it as a connection error, which would read "could not be reached".
    """
    cause = error.args[0] if error.args else None
    if not isinstance(cause, urllib3.exceptions.ProtocolError) or len(cause.args) < 2:  # noqa: PLR2004
        return None
    inner = cause.args[1]
    if isinstance(inner, http.client.HTTPException) and str(inner).startswith("got more than"):
        return f"a header block that did not end ({inner})"
    return None
