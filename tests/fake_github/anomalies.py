"""What a misbehaving GitHub (or a proxy in front of it) answers instead: pure rewrites.

Each function takes the request and a way to serve any request normally (`serve`), and
returns the answer to send instead. `hostile.py` decides when each one fires.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from tests.fake_github.responses import Response, json_response

if TYPE_CHECKING:
    from tests.fake_github.routes import Request

Serve = Callable[["Request"], Response]

_LINK = re.compile(r'<([^>]*)>;\s*rel="([^"]+)"')
_PAGE = re.compile(r"([?&])page=\d+")

# Paths under this prefix are served as the path without it: a same-origin redirect target.
MOVED_PREFIX = "/moved"

CAPTIVE_PORTAL_HTML = (
    "<!DOCTYPE html><html><head><title>Network login required</title></head><body>"
    "<h1>Sign in to continue</h1><p>Your session with the corporate proxy has expired. "
    '<a href="https://proxy.example.invalid/login">Sign in</a></p></body></html>'
)


def page_of(request: Request) -> int:
    """The page a list request asked for (1 when absent)."""
    text = (request.query.get("page") or ["1"])[-1]
    return int(text) if text.isdigit() and int(text) > 0 else 1


def with_page(request: Request, number: int) -> Request:
    """The same request for another page."""
    query = {**request.query, "page": [str(number)]}
    return replace(request, query=query, raw_query=urlencode(query, doseq=True))


def unmoved(request: Request) -> Request:
    """A request under `MOVED_PREFIX` as the path it stands for."""
    if request.path.startswith(f"{MOVED_PREFIX}/"):
        return replace(request, path=request.path[len(MOVED_PREFIX) :])
    return request


def links(response: Response) -> dict[str, str]:
    """The `Link` header as {rel: url}."""
    return {rel: url for url, rel in _LINK.findall(response.headers.get("Link", ""))}


def with_links(response: Response, rels: dict[str, str]) -> Response:
    """The response with its `Link` header replaced (removed when `rels` is empty)."""
    headers = {k: v for k, v in response.headers.items() if k.lower() != "link"}
    if rels:
        headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in rels.items())
    return replace(response, headers=headers)


def _set_page(url: str, number: int) -> str:
    return _PAGE.sub(lambda m: f"{m.group(1)}page={number}", url)


# Paging anomalies (on a list page that GitHub answered normally).


def next_leads_back(request: Request, serve: Serve, to_page: int) -> Response:
    """This page's `next` link points to an earlier page (a loop)."""
    response = serve(request)
    rels = links(response)
    if "next" in rels:
        rels["next"] = _set_page(rels["next"], to_page)
    return with_links(response, rels)


def repeats_previous_page(request: Request, serve: Serve) -> Response:
    """This page holds the previous page's rows; its `Link` header is this page's."""
    response = serve(request)
    previous = serve(with_page(request, max(1, page_of(request) - 1)))
    return replace(response, body=previous.body)


def announces_last(request: Request, serve: Serve, last_page: int) -> Response:
    """`rel="last"` announces `last_page` pages, however many there are."""
    response = serve(request)
    rels = links(response)
    if "last" in rels:
        rels["last"] = _set_page(rels["last"], last_page)
    return with_links(response, rels)


def short_page(request: Request, serve: Serve, rows: int) -> Response:
    """Only the first `rows` rows of this page, while `Link` still promises the next."""
    response = serve(request)
    kept = json.loads(response.body)[:rows]
    return replace(response, body=json.dumps(kept).encode())


def ends_here(request: Request, serve: Serve) -> Response:
    """This page says nothing follows (no `next`, no `last`), before the announced end."""
    response = serve(request)
    rels = {rel: url for rel, url in links(response).items() if rel not in {"next", "last"}}
    return with_links(response, rels)


# Redirects and bodies that are not GitHub's.


def redirect(request: Request, base_url: str, location: str, status: int) -> Response:
    """A redirect to `location` (a path on this server, or a full URL), query kept."""
    target = location if "://" in location else f"{base_url}{location}"
    if request.raw_query:
        target = f"{target}?{request.raw_query}"
    return Response(status, b"", {"Location": target})


def toggled_location(request: Request) -> str:
    """For a redirect loop: a path goes under `MOVED_PREFIX`, and back out of it."""
    moved = unmoved(request).path
    return moved if moved != request.path else f"{MOVED_PREFIX}{request.path}"


def html_page(status: int = 200) -> Response:
    """What a proxy or captive portal answers: an HTML page."""
    return Response(status, CAPTIVE_PORTAL_HTML.encode(), {"Content-Type": "text/html"})


def wrong_shape(payload: object) -> Response:
    """JSON, but not what this endpoint returns (an object where a list belongs)."""
    return json_response(200, payload)


# Broken records: raw overrides of the JSON served for one record.

Override = tuple[dict[str, Any], tuple[str, ...]]  # fields to set, fields to remove


def break_records(response: Response, overrides: dict[int, Override]) -> Response:
    """The page with each listed record's JSON overridden (matched by its real id)."""
    if response.status != 200 or not response.body.startswith(b"["):
        return response
    rows = json.loads(response.body)
    for row in rows:
        change = overrides.get(row.get("id")) if isinstance(row, dict) else None
        if change is not None:
            fields, removed = change
            row.update(fields)
            for name in removed:
                row.pop(name, None)
    return replace(response, body=json.dumps(rows).encode())
