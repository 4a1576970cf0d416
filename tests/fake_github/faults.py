"""Scripted faults: GitHub's bad days (rate limits, 5xx, dropped or cut connections, stalls)."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

Action = Literal["respond", "drop", "truncate", "delay"]

SECONDARY_RATE_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {request_id} "
    "and timestamp {timestamp}."
)
PRIMARY_RATE_LIMIT_MESSAGE = "API rate limit exceeded for installation ID {installation_id}."
RATE_LIMIT_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"


@dataclass
class Fault:
    """One scripted fault; it fires on matching requests nth .. nth+times-1 (counted from 1).

    `{request_id}`, `{installation_id}` and `{timestamp}` in a string body or in the body's
    top-level string values are filled in when the fault fires.
    """

    pattern: re.Pattern[str]
    nth: int | None = None
    times: int | None = 1
    action: Action = "respond"
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | str | None = None
    delay_seconds: float = 0.0
    reset_in_seconds: float | None = None
    seen: int = 0
    fired: int = 0

    def is_due(self) -> bool:
        """True when the request just counted should get this fault."""
        if self.seen < (self.nth or 1):
            return False
        return self.times is None or self.fired < self.times

    @property
    def exhausted(self) -> bool:
        """True once the fault has fired as many times as it was scripted to."""
        return self.times is not None and self.fired >= self.times


class Faults:
    """The server's fault script; every matching request counts toward each fault's `nth`."""

    def __init__(self) -> None:
        self.scripted: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        path_pattern: str,
        *,
        nth: int | None = None,
        times: int | None = 1,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | str | None = None,
        action: Action = "respond",
        delay_seconds: float = 0,
    ) -> Fault:
        """Script a fault for paths matching the regex (`re.search`; None nth: from the next).

        `times=None` keeps firing forever. `respond` answers `status` (default 500) with `body`;
        `drop` closes the connection without answering; `truncate` sends the real headers and
        half the real body; `delay` waits `delay_seconds` and then answers normally.
        """
        fault = Fault(
            re.compile(path_pattern),
            nth=nth,
            times=times,
            action=action,
            status=status,
            headers=dict(headers or {}),
            body=body,
            delay_seconds=delay_seconds,
        )
        with self._lock:
            self.scripted.append(fault)
        return fault

    def secondary_rate_limit(
        self,
        path_pattern: str,
        nth: int | None = None,
        retry_after: int | None = None,
        status: int = 403,
        *,
        times: int | None = 1,
    ) -> Fault:
        """GitHub's secondary (abuse) rate limit answer, with `retry-after` when given."""
        body = {
            "message": SECONDARY_RATE_LIMIT_MESSAGE,
            "documentation_url": f"{RATE_LIMIT_DOCS}#about-secondary-rate-limits",
            "status": str(status),
        }
        headers = {} if retry_after is None else {"retry-after": str(retry_after)}
        return self.add(
            path_pattern, nth=nth, times=times, status=status, headers=headers, body=body
        )

    def primary_rate_limit(
        self,
        path_pattern: str,
        nth: int | None = None,
        reset_in_seconds: float = 60,
        status: int = 403,
        *,
        times: int | None = 1,
    ) -> Fault:
        """GitHub's exhausted primary rate limit: remaining 0, reset `reset_in_seconds` later."""
        body = {
            "message": PRIMARY_RATE_LIMIT_MESSAGE,
            "documentation_url": f"{RATE_LIMIT_DOCS}#about-the-primary-rate-limit",
            "status": str(status),
        }
        fault = self.add(path_pattern, nth=nth, times=times, status=status, body=body)
        fault.reset_in_seconds = reset_in_seconds
        return fault

    def server_error(
        self,
        path_pattern: str,
        nth: int | None = None,
        status: int = 502,
        *,
        times: int | None = 1,
    ) -> Fault:
        """A 5xx answer like GitHub's load balancers give."""
        body = {"message": "Server Error", "documentation_url": "https://docs.github.com/rest"}
        return self.add(path_pattern, nth=nth, times=times, status=status, body=body)

    def due(self, path: str) -> Fault | None:
        """Count this request against every matching fault; the first one due fires."""
        chosen = None
        with self._lock:
            for fault in self.scripted:
                if fault.pattern.search(path) is None:
                    continue
                fault.seen += 1
                if chosen is None and fault.is_due():
                    fault.fired += 1
                    chosen = fault
        return chosen

    def clear(self) -> None:
        """Forget every scripted fault."""
        with self._lock:
            self.scripted.clear()
