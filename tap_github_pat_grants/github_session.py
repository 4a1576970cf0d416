"""The HTTP session every request goes out on: redirects only within `api_url`, bounded bodies.

requests follows redirects anywhere (dropping `Authorization` on a host change, but a 301 to
another host still ends a read with that host's answer); reads a body of any size into memory;
and its timeout bounds each socket read, not a body that trickles in for ever. The proxy and
CA-bundle environment is read once here, not on every request (~1 ms each).
"""

from __future__ import annotations

import http.client
import io
import os
import time
import typing as t
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from tap_github_pat_grants.errors import RedirectRefusedError, TransientFaultError

# A page of 100 of the largest items (repositories, ~6 KB each) is under 1 MiB; a body far
# beyond that is not a page of GitHub's, and is cut off instead of read into memory.
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_REDIRECTS = 3  # GHES host and path moves take one or two
_READ_CHUNK = 64 * 1024


class GitHubSession(requests.Session):
    """A session that only follows redirects within `api_url`, and reads bodies with bounds."""

    def __init__(self, api_url: str, timeout_seconds: int) -> None:
        """Bind to the `api_url` origin; bodies must arrive within `timeout_seconds`."""
        super().__init__()
        self.origin = urlsplit(api_url)[:2]
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
            if parts[:2] != self.origin:
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
            raise TransientFaultError(endless, url=request.url) from None
        if isinstance(response.raw, io.BytesIO):
            return response  # the last hop of a redirect, read when it arrived
        body = self._read_body(response)
        # The body is read; `raw` (requests' public file-like body) now serves it from memory,
        # so `response.content` and `.json()` work as for any response.
        response.raw.release_conn()
        response.raw = io.BytesIO(body)
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
                _check_bounds(response, size, deadline, self._body_seconds)
        except urllib3.exceptions.HTTPError as cut:
            reason = f"a body cut off after {size:,} bytes ({type(cut).__name__})"
            raise TransientFaultError(reason, response) from None
        return b"".join(chunks)


def body_of(response: requests.Response) -> bytes:
    """The body `GitHubSession` read, without the copy `response.content` would make."""
    raw = response.raw
    return raw.getvalue() if isinstance(raw, io.BytesIO) else response.content


def _check_bounds(response: requests.Response, size: int, deadline: float, seconds: float) -> None:
    """Cut a body off (and close its connection) once it is too big or too slow."""
    if size > MAX_BODY_BYTES:
        reason = f"a body of more than {MAX_BODY_BYTES:,} bytes (cut off)"
    elif time.monotonic() > deadline:
        reason = (
            f"a body trickling in for over {seconds:.0f} s "
            f"(request_timeout_seconds; {size:,} bytes so far)"
        )
    else:
        return
    response.close()
    raise TransientFaultError(reason, response)


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
