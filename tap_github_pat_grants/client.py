"""The base stream: one GitHub list endpoint, with `Link` paging.

It owns the URL, headers, partitions, credentials, paging and decoding; every request goes
through the run's one HTTP policy (`github_http.py`). What one organization's read needs of a
stream, and its records, are `org_stream.py`'s; the read itself `org_read.py`'s. A stream gets
what it needs from the `Run` it is made with, never from the tap.
"""

from __future__ import annotations

import typing as t
from functools import cached_property
from logging import DEBUG, WARNING
from urllib.parse import ParseResult
from weakref import WeakKeyDictionary

from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.streams import RESTStream
from singer_sdk.streams.rest import HTTPRequest, PageContext
from typing_extensions import override

from tap_github_pat_grants.error_lines import list_refusal
from tap_github_pat_grants.github_http import GITHUB_HEADERS, ResponseHandlers
from tap_github_pat_grants.page_guard import announced_pages
from tap_github_pat_grants.paging import PER_PAGE, GitHubLinkPaginator, ListRead, accept_page
from tap_github_pat_grants.record_shapes import InvalidRecords, RecordShape
from tap_github_pat_grants.sdk_overrides import drop_misleading_lines

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    import requests
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from tap_github_pat_grants.auth import OrgAuth
    from tap_github_pat_grants.endpoints import Endpoint
    from tap_github_pat_grants.errors import InvalidRecordError, TapError
    from tap_github_pat_grants.run import Run


class GitHubListStream(RESTStream[ParseResult]):
    """A stream of one GitHub list endpoint: what to request, and how its answers are read."""

    # How its endpoint is read: every list stream declares one (`endpoints.py`).
    endpoint: t.ClassVar[Endpoint]
    # msgspec decodes GitHub's JSON into exactly the schema's types and `post_process` keeps
    # only declared properties, so the SDK's per-record type walk has nothing left to do.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap: Tap, run: Run) -> None:
        """A stream of `tap`'s catalog, reading through `run`; nothing read yet."""
        super().__init__(tap=tap)
        self.run = run
        self.table_version: int | None = None  # `versioning.py` decides, before any record
        self.version_decided = False
        self._read = ListRead()
        self._pages: WeakKeyDictionary[requests.Response, list[t.Any]] = WeakKeyDictionary()
        self._invalid = InvalidRecords(self.name, self.endpoint.id_field, self.logger)
        drop_misleading_lines(self.logger)
        if self.parent_stream_type is not None and self.logger.getEffectiveLevel() > DEBUG:
            # The SDK logs "Beginning sync" for each parent row; the parent sums children up.
            self.logger.setLevel(WARNING)

    @property
    def url_base(self) -> str:
        """`api_url`: api.github.com, a GHES `/api/v3` base or a GHE.com host."""
        return self.run.settings.api_url

    @property
    def partitions(self) -> list[dict[str, t.Any]] | None:
        """One partition per organization, so each has its own bookmark."""
        if self.parent_stream_type is not None:
            return None
        return [{"org": target.org} for target in self.run.organizations]

    @property
    def http_headers(self) -> dict[str, str]:
        """GitHub's recommended media type and a pinned API version."""
        return dict(GITHUB_HEADERS)

    @property
    def user_agent(self) -> str:
        """`user_agent`, by default `tap-github-pat-grants/<version>`."""
        return self.run.settings.user_agent

    @property
    def timeout(self) -> int:
        """`request_timeout_seconds`: connect and read timeout of one request."""
        return self.run.settings.request_timeout_seconds

    @property
    def requests_session(self) -> requests.Session:
        """The run's one session (its proxy environment read once)."""
        return self.run.http.session

    @property
    def authenticator(self) -> OrgAuth:
        """The current organization's credentials, built once per run (not per request)."""
        return self.run.credentials.for_org(self._read.org)

    @override
    def get_new_paginator(self) -> GitHubLinkPaginator:
        guard = self._read.new_guard()  # one per read of one list
        return GitHubLinkPaginator(self.run.http.session.origin, self._read.org, guard)

    @override
    def get_url_params(
        self, context: Context | None, next_page_token: ParseResult | None
    ) -> dict[str, t.Any]:
        params: dict[str, t.Any] = {"per_page": PER_PAGE}
        filters = self.run.settings.list_filters if self.endpoint.takes_list_filters else ()
        for key, value in (*filters, *self._read.params):
            params.setdefault(key, []).append(value)
        return params

    @override
    def get_http_request(self, *, page: PageContext[ParseResult]) -> HTTPRequest:
        if page.next_page_token:
            # GitHub's next URL already carries every query parameter; the SDK would append
            # the first page's parameters again, so follow the URL exactly as given.
            return HTTPRequest(url=page.next_page_token.geturl(), headers=self.http_headers)
        return super().get_http_request(page=page)

    @override
    def request_decorator(
        self, func: Callable[..., requests.Response]
    ) -> Callable[..., requests.Response]:
        org, budget = self._read.org, self._budget_key

        def send(*args: t.Any, **kwargs: t.Any) -> requests.Response:
            return self.run.http.send(lambda: func(*args, **kwargs), org=org, budget_key=budget)

        return send

    @override
    def validate_response(self, response: requests.Response) -> None:
        # Decoded here, inside the retry loop, so a cut or foreign body is resent; the page
        # is kept for `parse_response` under its own response.
        handlers = ResponseHandlers(
            refuse=self._refusal,
            renew_token=self.authenticator.refresh_after_unauthorized,
            decode=lambda body: self._shape.decode_page(body, self._on_invalid),
            shape=list,
        )
        read, id_field = self._read, self.endpoint.id_field
        budget = self._budget_key
        page = self.run.http.check(response, org=read.org, budget_key=budget, handlers=handlers)
        ids = [row.get(id_field) for row in page]
        accept_page(read.guard, response, self._shape.rows_sent, ids, read.org)
        self._pages[response] = page
        self.authenticator.note_success()
        self.run.ledger.page_done(read.org, read.counts, announced_pages(response.links))

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        page = self._pages.pop(response)
        response.close()  # decoded: its body need not live on while the next page is fetched
        return page

    def _on_invalid(self, row: object, invalid: InvalidRecordError) -> None:
        """A record breaks GitHub's shape: stop with one line, or skip it if the user chose."""
        skip = self.run.settings.skip_invalid_records
        if self._invalid.handle(self._read.org, row, invalid, skip=skip):
            self._read.counts.invalid_skipped += 1

    def _refusal(self, response: requests.Response, message: str) -> TapError:
        """The error for an answer that retrying cannot fix."""
        return list_refusal(
            self._read.org,
            response,
            message,
            self.endpoint,
            child=self.parent_stream_type is not None,
            unauthorized_advice=self.authenticator.unauthorized_advice,
        )

    @property
    def _budget_key(self) -> str:
        """Whose rate-limit budget a request spends: the org's installation, per resource."""
        resource = self.endpoint.rate_limit_resource
        return self._read.org if resource == "core" else f"{self._read.org}:{resource}"

    @cached_property
    def _shape(self) -> RecordShape:  # made only for the streams a run reads
        endpoint = self.endpoint
        return RecordShape(
            self.schema, self.name, endpoint.added_properties, endpoint.whole_record_as
        )
