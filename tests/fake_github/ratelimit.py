"""GitHub's primary rate limits: one budget per installation and resource, in `x-ratelimit-*`.

The REST API's `core` budget, and the audit log's own (`audit_log`): GitHub's OpenAPI says
the audit-log endpoint "has a rate limit of 1,750 queries per hour per user and IP address",
and `GET /rate_limit` reports it as a separate `audit_log` category (google/go-github#3088).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Hashable

WINDOW_SECONDS = 3600  # GitHub's budgets reset hourly
ANONYMOUS_LIMIT = 60  # GitHub's budget for unauthenticated requests
AUDIT_LOG_LIMIT = 1750  # GitHub's OpenAPI, orgs/get-audit-log: 1,750 queries per hour


@dataclass
class Budget:
    """One rate-limit bucket."""

    limit: int
    remaining: int
    reset_at: float
    resource: str = "core"

    def refill_if_due(self, now: float) -> None:
        """A new window starts once `reset_at` has passed."""
        if now >= self.reset_at:
            self.remaining = self.limit
            self.reset_at = now + WINDOW_SECONDS

    def headers(self) -> dict[str, str]:
        """GitHub's rate-limit response headers for this bucket."""
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-used": str(self.limit - self.remaining),
            "x-ratelimit-reset": str(int(self.reset_at)),
            "x-ratelimit-resource": self.resource,
        }


class RateLimits:
    """Budgets keyed by installation id ("app" for JWT calls, None for anonymous ones).

    `exhausted_status` is what an exhausted budget answers: 403, or 429 (GitHub: "typically a
    403 or 429 response").
    """

    def __init__(self, limit: int, resource: str = "core") -> None:
        self.limit = limit
        self.resource = resource
        self.exhausted_status = 403
        self._budgets: dict[Hashable, Budget] = {}
        self._lock = threading.Lock()

    def _budget(self, key: Hashable, now: float) -> Budget:
        budget = self._budgets.get(key)
        if budget is None:
            limit = ANONYMOUS_LIMIT if key is None else self.limit
            budget = Budget(limit, limit, now + WINDOW_SECONDS, self.resource)
            self._budgets[key] = budget
        budget.refill_if_due(now)
        return budget

    def consume(self, key: Hashable) -> tuple[bool, Budget]:
        """Spend one request; False (and nothing spent) when the budget is exhausted."""
        with self._lock:
            budget = self._budget(key, time.time())
            allowed = budget.remaining > 0
            if allowed:
                budget.remaining -= 1
            return allowed, Budget(budget.limit, budget.remaining, budget.reset_at, self.resource)

    def peek(self, key: Hashable) -> Budget:
        """The bucket's state without spending anything."""
        with self._lock:
            budget = self._budget(key, time.time())
            return Budget(budget.limit, budget.remaining, budget.reset_at, self.resource)

    def set(
        self,
        keys: list[Hashable],
        *,
        remaining: int,
        reset_at: float | None = None,
        limit: int | None = None,
    ) -> None:
        """Script the budgets of these keys (reset_at: epoch seconds; default in an hour)."""
        now = time.time()
        with self._lock:
            for key in keys:
                budget = self._budget(key, now)
                budget.limit = limit if limit is not None else budget.limit
                budget.remaining = remaining
                budget.reset_at = reset_at if reset_at is not None else now + WINDOW_SECONDS
