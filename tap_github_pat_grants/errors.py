"""The tap's errors: what ends a run (a `TapError`), and the signals the HTTP policy acts on.

A `TapError` ends the run with its text as one line on stderr and a non-zero exit; the texts
are made in `error_lines.py`. The retry signals are not errors a person sees: the HTTP policy
(`github_http.py`) acts on them.
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    import requests


class TapError(Exception):
    """An error that ends the run with one line on stderr and a non-zero exit."""


class ConfigError(TapError):
    """A setting is missing, malformed or contradicts another one."""


class GitHubFatalError(TapError):
    """GitHub refused a request in a way that retrying cannot fix."""


class CutListError(GitHubFatalError):
    """A list ended short twice and was no shorter read again: cut, so its read starts over."""


class ParentGoneError(GitHubFatalError):
    """404 on a grant's (or request's) repository list: it was revoked (reviewed) meanwhile."""


class StreamAbsentError(GitHubFatalError):
    """404 on an endpoint GitHub offers only on some plans (SAML, Enterprise Cloud): skipped."""


class MissingPermissionError(GitHubFatalError):
    """403 "Resource not accessible by integration": the App lacks an org permission."""


# Retry signals, raised while checking one response and caught by the retry loop.


class TransientFaultError(Exception):
    """A fault that may pass (5xx, a dropped connection, a cut body): back off and resend."""

    def __init__(
        self, reason: str, response: requests.Response | None = None, *, url: str | None = None
    ) -> None:
        """Say what happened (and where, when no response arrived) for the lines about it."""
        super().__init__(reason)
        self.response = response
        self.url = url if url is not None else (response.url if response is not None else None)


class WaitRequestedError(TransientFaultError):
    """GitHub asked for a known wait (a rate limit) before the next request."""

    def __init__(self, reason: str, response: requests.Response, wait_seconds: float) -> None:
        """Carry the wait GitHub asked for."""
        super().__init__(reason, response)
        self.wait_seconds = wait_seconds


class TokenRenewedError(TransientFaultError):
    """A 401 made the tap mint a new installation token: resend at once with it."""


class IncompleteReadError(TransientFaultError):
    """A page or list ended short of what `Link` promised: worth one resend, not more."""


class RedirectRefusedError(Exception):
    """GitHub (or something in between) redirected a request off the `api_url` origin."""

    def __init__(self, status: int, target: str, response: requests.Response) -> None:
        """Where the redirect pointed (without its query), and the answer that said so."""
        super().__init__(f"{status} to {target}")
        self.status = status
        self.target = target
        self.response = response


class InvalidRecordError(Exception):
    """One record of a page breaks GitHub's documented shape."""

    def __init__(self, index: int, field: str, problem: str) -> None:
        """Which record (its place in the page), which field, and what is wrong."""
        super().__init__(f"{field or 'the record'}: {problem}")
        self.index = index
        self.field = field
        self.problem = problem
