"""The one-line texts of the tap's errors: what failed, for which org, what to do.

Every line ends with GitHub's `X-GitHub-Request-Id` when there was a response, and never
contains a URL query, a header value, a key, a JWT or a token.
"""

from __future__ import annotations

import re
import typing as t
from http import HTTPStatus
from urllib.parse import urlsplit

import msgspec

from tap_github_pat_grants.errors import (
    GitHubFatalError,
    MissingPermissionError,
    ParentGoneError,
    StreamAbsentError,
    TapError,
    TransientFaultError,
)

if t.TYPE_CHECKING:
    import requests

    from tap_github_pat_grants.endpoints import Endpoint
    from tap_github_pat_grants.errors import InvalidRecordError, RedirectRefusedError


# Secrets a proxy page might echo back (an Authorization header, a token, a JWT).
_SECRET_SHAPES = re.compile(
    r"(?i)bearer\s+\S+|gh[pousr]_\w+|github_pat_\w+|eyJ[\w-]+\.[\w-]+\.[\w-]+"
)
EXCERPT_CHARACTERS = 80


def request_id(response: requests.Response | None) -> str:
    """` (X-GitHub-Request-Id: …)` for the end of a line ('' without a response)."""
    if response is None:
        return ""
    return f" (X-GitHub-Request-Id: {response.headers.get('X-GitHub-Request-Id', 'none')})"


def error_message(response: requests.Response) -> str:
    """GitHub's error `message` from a JSON body, '' when there is none."""
    try:
        body = msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        return ""
    return str(body.get("message", "")) if isinstance(body, dict) else ""


def refusal_line(org: str, response: requests.Response, message: str, permission: str) -> str:
    """The line for a 4xx of a list endpoint that retrying cannot fix."""
    status = response.status_code
    lowered = message.lower()
    if status == HTTPStatus.FORBIDDEN and "personal access token" in lowered:
        what = (
            "this endpoint needs a GitHub App installation token, not a personal access token "
            f"(403 {message}); configure app_id + private_key of a GitHub App installed on "
            "the org, or an auth_token minted for that installation"
        )
    elif status == HTTPStatus.FORBIDDEN and "integration" in lowered:
        what = f"{_lacks(permission)} (403 {message}); {_GRANT_IT}"
    elif status == HTTPStatus.NOT_FOUND:
        what = (
            "not found (404): the organization does not exist, or the token's App "
            "installation is not on it; check organizations and where the App is installed"
        )
    elif status == HTTPStatus.UNPROCESSABLE_ENTITY:
        detail = _validation_detail(response, message)
        what = f"GitHub rejected a filter (422 {detail}); fix that setting"
    else:
        what = f"GitHub answered {status}: {message or response.reason}"
    return f"org {org}: {what}{request_id(response)}"


def list_refusal(  # noqa: PLR0913 (what the line says)
    org: str,
    response: requests.Response,
    message: str,
    endpoint: Endpoint,
    *,
    child: bool,
    unauthorized_advice: str,
) -> TapError:
    """The error for a list's answer that retrying cannot fix."""
    status = response.status_code
    if status == HTTPStatus.UNAUTHORIZED:
        return GitHubFatalError(unauthorized_line(org, unauthorized_advice, response))
    if status == HTTPStatus.NOT_FOUND and endpoint.absent_when_not_found:
        why = f"not found (404): {endpoint.absent_when_not_found}"
        return StreamAbsentError(f"org {org}: {why}{request_id(response)}")
    permission = endpoint.permission.name if endpoint.permission else ""
    line = refusal_line(org, response, message, permission)
    if status == HTTPStatus.NOT_FOUND and child:
        return ParentGoneError(line)  # the grant or request went between its page and its list
    if status == HTTPStatus.FORBIDDEN and "integration" in message.lower():
        return MissingPermissionError(line)
    return GitHubFatalError(line)


_GRANT_IT = (
    "grant it under the App's Permissions > Organization permissions, then approve the new "
    "permission in the org's installation settings"
)


def _lacks(permission: str) -> str:
    return f"the GitHub App lacks the organization permission '{permission}'"


def missing_permission_line(org: str, permission: str) -> str:
    """The line when the App's installation lacks a permission a selected stream needs."""
    return f"org {org}: {_lacks(permission)}; {_GRANT_IT}"


def suspended_line(org: str, since: str) -> str:
    """The line when the App's installation on an org is suspended."""
    return (
        f"org {org}: the GitHub App's installation is suspended (since {since}); an owner of "
        "the organization can unsuspend it in the org's installed GitHub Apps settings"
    )


def app_refusal_line(org: str, response: requests.Response, path: str) -> str:
    """The line for a refused App call (installation lookup, token mint)."""
    status = response.status_code
    if status == HTTPStatus.UNAUTHORIZED:
        what = (
            "GitHub rejected the App's JWT (401): app_id (App ID or Client ID) or "
            "private_key is wrong, or the key was revoked; copy both from the App's settings"
        )
    elif status == HTTPStatus.NOT_FOUND and path.endswith("/access_tokens"):
        what = (
            "the GitHub App's installation is gone (404 on its token request): it was "
            "uninstalled from the organization; install the App again or stop reading the org"
        )
    elif status == HTTPStatus.NOT_FOUND and path.startswith("/orgs/"):
        what = (
            f"the GitHub App is not installed on organization {org!r} (or it does not exist, "
            "404); install the App there or remove the org from organizations"
        )
    else:
        message = error_message(response) or response.reason
        what = f"GitHub answered {status} to the App's {path.rsplit('/', 1)[-1]} request: {message}"
    return f"org {org}: {what}{request_id(response)}"


def unauthorized_line(org: str, advice: str, response: requests.Response) -> str:
    """The line when GitHub keeps answering 401 to installation-token requests."""
    return f"org {org}: GitHub answered 401 Bad credentials: {advice}{request_id(response)}"


def gave_up_line(org: str, last: TransientFaultError | OSError, tries: int) -> str:
    """The line after the last retry of a transient fault failed too: what kept arriving."""
    response = last.response if isinstance(last, TransientFaultError) else None
    if response is not None and response.status_code >= HTTPStatus.MULTIPLE_CHOICES:
        what = f"GitHub kept answering {response.status_code}"
    elif isinstance(last, TransientFaultError):
        what = f"GitHub kept sending {last}"  # a 2xx that was not a usable answer
    else:
        what = f"GitHub could not be reached ({type(last).__name__}); check api_url and the network"
    return (
        f"org {org}: {_path_of(last)}{what} after {tries} tries; the previous state is still "
        f"valid, rerun later{request_id(response)}"
    )


def _path_of(fault: TransientFaultError | OSError) -> str:
    """`/orgs/acme/personal-access-tokens: ` for the start of a line: where it happened."""
    if isinstance(fault, TransientFaultError):
        url = fault.url or ""
    else:
        request = getattr(fault, "request", None)  # requests' exceptions carry the request
        url = getattr(request, "url", None) or ""
    path = urlsplit(str(url)).path
    return f"{path}: " if path else ""


def incomplete_line(org: str, short: TransientFaultError) -> str:
    """The line when a list stayed short of what GitHub's `Link` header promised."""
    where = urlsplit(short.response.url).path if short.response is not None else "a list"
    return (
        f"org {org}: {where}: {short}, twice; the read is incomplete, so nothing was "
        f"versioned and the previous state is still valid; rerun later"
        f"{request_id(short.response)}"
    )


def unconfirmed_end_line(
    org: str, path: str, reason: str, found: int, response: requests.Response | None
) -> str:
    """The line when a list ended short twice and, read again, was not shorter: it was cut."""
    return (
        f"org {org}: {path}: {reason}, twice, and read again it holds "
        f"{found} pages; the read is incomplete, so nothing was versioned and the previous "
        f"state is still valid; rerun later{request_id(response)}"
    )


def paging_loop_line(org: str, reason: str, response: requests.Response) -> str:
    """The line when a list cannot move forward (a loop, a repeated page)."""
    where = urlsplit(response.url).path
    return (
        f"org {org}: {where}: {reason}; stopped reading it (no further request), nothing "
        f"was versioned and the previous state is still valid{request_id(response)}"
    )


def off_origin_link_line(org: str, response: requests.Response) -> str:
    """The line when GitHub's `Link: rel="next"` points off the `api_url` origin."""
    return (
        f"org {org}: GitHub's next-page link points outside api_url; set api_url to the host "
        f"GitHub's Link headers use{request_id(response)}"
    )


def redirect_line(org: str, refused: RedirectRefusedError, api_url: str) -> str:
    """The line when a redirect pointed off the `api_url` origin (never followed)."""
    return (
        f"org {org}: GitHub answered {refused.status} redirecting to {refused.target}, "
        f"outside api_url {api_url}; not followed, so the token was not sent there; if "
        f"GitHub moved, set api_url to that host{request_id(refused.response)}"
    )


def redirect_loop_line(org: str, api_url: str, response: requests.Response | None) -> str:
    """The line when redirects went round in circles (or on for too long)."""
    return (
        f"org {org}: GitHub's answers kept redirecting (a loop, or too many hops) within "
        f"{api_url}; check api_url and any proxy in between{request_id(response)}"
    )


def invalid_record_line(
    org: str, stream: str, record_id: object, invalid: InvalidRecordError
) -> str:
    """The line for a record that breaks GitHub's documented shape.

    No request id: the record is wrong, not the answer.
    """
    which = f"record id {record_id!r}" if record_id is not None else "a record without an id"
    field = invalid.field or "the record"
    return (
        f"org {org}: {stream}: {which}: {field} is {invalid.problem}; nothing of it "
        "was written; set skip_invalid_records: true to skip such records (each is logged)"
    )


def body_description(response: requests.Response) -> str:
    """What a 2xx body was, for a line: its content type and a short, sanitized excerpt."""
    kind = response.headers.get("Content-Type", "no content type").split(";")[0].strip()
    text = response.content[: EXCERPT_CHARACTERS * 4].decode("utf-8", errors="replace")
    text = _SECRET_SHAPES.sub("<redacted>", " ".join(text.split()))
    text = "".join(char for char in text if char.isprintable())[:EXCERPT_CHARACTERS]
    return f"{response.status_code} {kind} ({text!r})"


def wait_too_long_line(
    org: str, resets: str, max_wait_seconds: int, response: requests.Response | None
) -> str:
    """The line when a rate limit resets later than `max_rate_limit_wait_seconds`."""
    return (
        f"org {org}: the installation's GitHub rate limit resets {resets}, later than "
        f"max_rate_limit_wait_seconds={max_wait_seconds}; rerun after "
        f"that or raise the setting{request_id(response)}"
    )


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


def stopped_read_line(line: str, stream: str, org: str, records: int, where: str) -> str:
    """A full read's stop: `line`, how far the read got, and that a rerun continues it."""
    return (
        f"{line}; the full read of {stream} in org {org} stopped after {records:,} records "
        f"({where}): a rerun from this run's STATE continues it"
    )
