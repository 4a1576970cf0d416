"""What to do with each GitHub answer: pure decisions on status, headers, body and the clock.

The numbers come from GitHub's REST docs ("Rate limits for the REST API" and "Best practices
for using the REST API"): honour `Retry-After`; on a secondary limit without it wait at least
one minute, growing; on a primary limit wait until `x-ratelimit-reset` (epoch seconds).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from enum import Enum
from http import HTTPStatus
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

SECONDARY_LIMIT_MIN_WAIT = 60.0  # GitHub: "wait for at least one minute before retrying"
SECONDARY_LIMIT_MAX_WAIT = 900.0
TRANSIENT_BASE_WAIT = 1.0
TRANSIENT_MAX_WAIT = 60.0
MAX_TRIES = 6  # per request: 1 try + 5 retries (~1+2+4+8+16 s of backoff for 5xx)

_TRANSIENT_STATUSES = frozenset(
    {
        HTTPStatus.INTERNAL_SERVER_ERROR,
        HTTPStatus.BAD_GATEWAY,
        HTTPStatus.SERVICE_UNAVAILABLE,
        HTTPStatus.GATEWAY_TIMEOUT,
    }
)
_RATE_LIMIT_STATUSES = frozenset({HTTPStatus.FORBIDDEN, HTTPStatus.TOO_MANY_REQUESTS})


class Action(Enum):
    """The tap's answer to one GitHub response."""

    OK = "ok"
    RETRY = "retry"  # transient fault: exponential backoff with jitter
    WAIT = "wait"  # rate limited: wait the given seconds, then resend
    REFRESH_TOKEN = "refresh_token"  # noqa: S105 (an action, not a secret): 401, mint and resend
    FATAL = "fatal"


@dataclass(frozen=True)
class Decision:
    """An action, how long to wait first (WAIT only), and why, in words for the log."""

    action: Action
    reason: str
    wait_seconds: float = 0.0


def classify(
    status: int,
    headers: Mapping[str, str],
    message: str,
    *,
    now: float,
    secondary_limits_seen: int = 0,
) -> Decision:
    """Decide what a response means. `message` is GitHub's error `message` ('' if none).

    `now` is epoch seconds; `secondary_limits_seen` counts earlier secondary limits in this
    run, so waits without `Retry-After` grow on repeats.
    """
    if status < HTTPStatus.BAD_REQUEST:
        return Decision(Action.OK, "ok")
    if status in _TRANSIENT_STATUSES:
        return Decision(Action.RETRY, f"GitHub answered {status}")
    if status in _RATE_LIMIT_STATUSES:
        limited = _rate_limit_decision(status, headers, message, now, secondary_limits_seen)
        if limited is not None:
            return limited
    if status == HTTPStatus.UNAUTHORIZED:
        return Decision(Action.REFRESH_TOKEN, "GitHub answered 401 Bad credentials")
    return Decision(Action.FATAL, f"GitHub answered {status}: {message or 'no message'}")


def _rate_limit_decision(
    status: int,
    headers: Mapping[str, str],
    message: str,
    now: float,
    secondary_limits_seen: int,
) -> Decision | None:
    retry_after = _number(headers.get("retry-after"))
    if retry_after is not None:
        return Decision(
            Action.WAIT, f"secondary rate limit ({status}, Retry-After)", max(retry_after, 0.0)
        )
    if headers.get("x-ratelimit-remaining") == "0":
        return Decision(
            Action.WAIT,
            f"primary rate limit exhausted ({status})",
            seconds_until_reset(headers, now) or SECONDARY_LIMIT_MIN_WAIT,
        )
    if "secondary rate limit" in message.lower() or status == HTTPStatus.TOO_MANY_REQUESTS:
        grown = SECONDARY_LIMIT_MIN_WAIT * 2**secondary_limits_seen
        return Decision(
            Action.WAIT,
            f"secondary rate limit ({status}, no Retry-After)",
            min(grown, SECONDARY_LIMIT_MAX_WAIT),
        )
    return None


def seconds_until_reset(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds until `x-ratelimit-reset` (an epoch time, not a duration), plus one second."""
    reset = _number(headers.get("x-ratelimit-reset"))
    if reset is None:
        return None
    return max(reset - now, 0.0) + 1.0


def transient_wait(attempt: int, rng: Callable[[], float] = random.random) -> float:
    """Exponential backoff with full jitter for the `attempt`-th retry (1-based)."""
    ceiling = min(TRANSIENT_BASE_WAIT * 2.0 ** (attempt - 1), TRANSIENT_MAX_WAIT)
    return ceiling / 2 + rng() * ceiling / 2


def reset_epoch(headers: Mapping[str, str]) -> float | None:
    """`x-ratelimit-reset` (epoch seconds), when GitHub sent one."""
    return _number(headers.get("x-ratelimit-reset"))


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


@dataclass
class RateBudget:
    """The rate-limit budget GitHub last reported for each installation (one per org).

    Before each request the tap asks `pause_before_request`: when fewer than `buffer`
    requests are left it waits for the reset instead of spending the last ones.
    """

    buffer: int
    clock: Callable[[], float] = time.time
    _remaining: dict[str, tuple[int, float]] = field(default_factory=dict)

    def observe(self, installation: str, headers: Mapping[str, str]) -> None:
        """Remember the budget from a response's `x-ratelimit-*` headers."""
        remaining = _number(headers.get("x-ratelimit-remaining"))
        reset = _number(headers.get("x-ratelimit-reset"))
        if remaining is not None and reset is not None:
            self._remaining[installation] = (int(remaining), reset)

    def pause_before_request(self, installation: str) -> float:
        """Seconds to wait before the next request on this installation (0 if none)."""
        seen = self._remaining.get(installation)
        if seen is None:
            return 0.0
        remaining, reset = seen
        now = self.clock()
        if remaining > self.buffer or reset <= now:
            return 0.0
        return reset - now + 1.0

    def forget(self, installation: str) -> None:
        """Drop what we knew (after waiting for the reset)."""
        self._remaining.pop(installation, None)
