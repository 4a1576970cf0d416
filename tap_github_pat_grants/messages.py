"""One-line fatal errors for GitHub's refusals: what failed, for which org, what to do.

Every line ends with GitHub's `X-GitHub-Request-Id` when there is one, and never contains a
URL query, a header value, a key, a JWT or a token.
"""

from __future__ import annotations

import typing as t

import msgspec
import requests

from tap_github_pat_grants.http_policy import reset_time_text

if t.TYPE_CHECKING:
    from tap_github_pat_grants.tap import TapGitHubPatGrants


def request_id(response: requests.Response | None) -> str:
    """` (X-GitHub-Request-Id: …)` for the end of a line."""
    if response is None:
        return ""
    return f" (X-GitHub-Request-Id: {response.headers.get('X-GitHub-Request-Id', 'none')})"


def fatal_line(org: str, response: requests.Response, message: str, permission: str) -> str:
    """The line for a 4xx that retrying cannot fix."""
    status = response.status_code
    lowered = message.lower()
    if status == 403 and "personal access token" in lowered:  # noqa: PLR2004
        what = (
            "this endpoint needs a GitHub App installation token, not a personal access token "
            f"(403 {message}); configure app_id + private_key of a GitHub App installed on "
            "the org, or an auth_token minted for that installation"
        )
    elif status == 403 and "integration" in lowered:  # noqa: PLR2004
        what = (
            f"the GitHub App lacks the organization permission '{permission}' (403 {message}); "
            "grant it under the App's Permissions > Organization permissions, then approve "
            "the new permission in the org's installation settings"
        )
    elif status == 404:  # noqa: PLR2004
        what = (
            "not found (404): the organization does not exist, or the token's App "
            "installation is not on it; check organizations and where the App is installed"
        )
    elif status == 422:  # noqa: PLR2004
        detail = _validation_detail(response, message)
        what = f"GitHub rejected a filter (422 {detail}); fix that setting"
    else:
        what = f"GitHub answered {status}: {message or response.reason}"
    return f"org {org}: {what}{request_id(response)}"


def _validation_detail(response: requests.Response, message: str) -> str:
    """`field=value (code)` for each error GitHub lists in a 422 body."""
    try:
        body = msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        return message
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not errors:
        return message
    parts = []
    for error in errors:
        if isinstance(error, dict):
            field = error.get("field", "?")
            value = error.get("value")
            code = error.get("code") or error.get("message", "invalid")
            parts.append(f"{field}={value!r} {code}" if value is not None else f"{field} {code}")
    return f"{message}: {', '.join(parts)}"


def gave_up_line(org: str, error: BaseException, tries: int) -> str:
    """The line after the last retry of a transient fault failed too."""
    response = getattr(error, "response", None)
    if isinstance(response, requests.Response):
        what = f"GitHub kept answering {response.status_code}"
    else:
        what = f"GitHub could not be reached ({type(error).__name__})"
    return (
        f"org {org}: {what} after {tries} tries; the previous state is still valid, "
        f"rerun later{request_id(response if isinstance(response, requests.Response) else None)}"
    )


def rate_limit_too_long_line(
    org: str,
    response: requests.Response | None,
    tap: TapGitHubPatGrants,
    wait: float | None = None,
) -> str:
    """The line when the rate limit resets later than `max_rate_limit_wait_seconds`."""
    resets = reset_time_text(response.headers) if response is not None else None
    if resets is None or resets == "an unknown time":
        resets = f"in {wait or 0:.0f} s"
    else:
        resets = f"at {resets}"
    return (
        f"org {org}: the installation's GitHub rate limit resets {resets}, later than "
        f"max_rate_limit_wait_seconds={tap.settings.max_rate_limit_wait_seconds}; rerun after "
        f"that or raise the setting{request_id(response)}"
    )
