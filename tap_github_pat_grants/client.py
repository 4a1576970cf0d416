"""The base stream: one GitHub list endpoint, read per organization, with `Link` paging.

It owns the URL, headers, credentials, paging and decoding; every request goes through the
run's one HTTP policy (`github_http.py`). One organization's read is `org_read.py`, the table
version `versioning.py`; the streams themselves (`streams.py`) only declare. A stream gets what
it needs from the `Run` it is made with, never from the tap.
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

from tap_github_pat_grants import org_read
from tap_github_pat_grants.error_lines import list_refusal
from tap_github_pat_grants.errors import InvalidRecordError, TapError
from tap_github_pat_grants.github_http import GITHUB_HEADERS, ResponseHandlers
from tap_github_pat_grants.page_guard import announced_pages
from tap_github_pat_grants.paging import PER_PAGE, GitHubLinkPaginator, ListRead, accept_page
from tap_github_pat_grants.record_messages import deselected_paths, record_messages
from tap_github_pat_grants.record_shapes import InvalidRecords, RecordShape, normalise_timestamps
from tap_github_pat_grants.sdk_overrides import drop_misleading_lines

if t.TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterable, Iterator

    import requests
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context
    from singer_sdk.singerlib import RecordMessage

    from tap_github_pat_grants.auth import OrgAuth
    from tap_github_pat_grants.incremental import GrantSlices
    from tap_github_pat_grants.org_checks import Permission
    from tap_github_pat_grants.page_guard import PageGuard
    from tap_github_pat_grants.read_counts import ReadKind, StreamRead
    from tap_github_pat_grants.run import Run


class GitHubOrgStream(RESTStream[ParseResult]):
    """A stream of one GitHub list endpoint, partitioned (and bookmarked) per organization."""

    # The org permission this endpoint needs.
    permission: Permission | None = None
    # Timestamp fields rewritten to one UTC form (the same instants).
    timestamp_fields: tuple[str, ...] = ()
    # A parent's id under this name in its children's context (None: no children).
    child_context_key: str | None = None
    # The second pass of a whole list reads it this way round (`org_read.read_whole_list`).
    verification_params: tuple[tuple[str, str], ...] = ()
    # Properties the tap adds to GitHub's record (not checked against GitHub's shape).
    added_properties: tuple[str, ...] = ("org",)
    # GitHub's owner/repository/permission/... filters (the user's settings) apply to this list.
    takes_list_filters = False
    # How an incremental run reads it (None: whole, every run).
    incremental_read: type[GrantSlices] | None = None
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
        self._invalid = InvalidRecords(self.name, self.logger)
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
        filters = self.run.settings.list_filters if self.takes_list_filters else ()
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
        org = self._read.org

        def send(*args: t.Any, **kwargs: t.Any) -> requests.Response:
            return self.run.http.send(lambda: func(*args, **kwargs), org=org, budget_key=org)

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
        read = self._read
        page = self.run.http.check(response, org=read.org, budget_key=read.org, handlers=handlers)
        ids = [row.get("id") for row in page]
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
            self.permission.name if self.permission else "",
            child=self.parent_stream_type is not None,
            unauthorized_advice=self.authenticator.unauthorized_advice,
        )

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        if self.parent_stream_type is not None:
            return org_read.read_children(self, context or {}, self.run)
        return org_read.read_org(self, context or {}, self.run)

    def begin_list(self, org: str, counts: StreamRead) -> None:
        """This stream now reads a list of `org`, counted in `counts`."""
        self._read = ListRead(org, counts)

    def list_rows(
        self,
        context: Context,
        params: tuple[tuple[str, str], ...] = (),
        *,
        witness_follows: bool = False,
    ) -> Iterator[dict[str, t.Any]]:
        """One read of the list, `params` added to its first request (then it may be read again)."""
        self._read.params, self._read.witness_follows = params, witness_follows
        yield from self.request_records(context)
        self._read.finished()

    @property
    def list_guard(self) -> PageGuard:
        """What the latest read of a list accepted, and what GitHub said of its length."""
        return self._read.guard

    @cached_property
    def incremental(self) -> GrantSlices | None:
        """How this stream reads an org incrementally (None: always whole)."""
        if self.incremental_read is None:
            return None
        return self.incremental_read(self.run.settings, self.run.started_at_ms)

    def read_kind(self, context: Context) -> ReadKind:
        """How this run reads one organization: "full" or "incremental"."""
        return self.incremental.read_kind(self, context) if self.incremental else "full"

    @property
    def family(self) -> tuple[str, ...]:
        """This stream's name and its children's (skipped and versioned together)."""
        return (self.name, *(child.name for child in self.child_streams))

    def reads_this_run(self) -> bool:  # noqa: D102 (the `Reader` protocol's)
        return self.selected or self.has_selected_descendents

    @property
    def emit_activate_version_messages(self) -> bool:
        """The SDK's own ACTIVATE_VERSION, *before* a read: never (`versioning.py` says why).

        The user setting of this name decides whether `versioning.py` writes it, after a read.
        """
        return False

    # Records.

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        # Properties GitHub added after our schema were already dropped by the page decoder.
        broken = normalise_timestamps(row, self.timestamp_fields)
        if broken is not None:  # ISO 8601 in form, but no such instant (month 13)
            self._on_invalid(row, InvalidRecordError(-1, broken, "not an existing instant"))
            return None
        row["org"] = self._read.org
        self._read.counts.records += 1
        return row

    @override
    def get_child_context(
        self, record: dict[str, t.Any], context: Context | None
    ) -> Context | None:
        # `all` would list every repository of the org; `none` lists none.
        if self.child_context_key is None or record.get("repository_selection") != "subset":
            return None
        return {"org": record["org"], self.child_context_key: record["id"]}

    @override
    def generate_child_contexts(
        self, record: dict[str, t.Any], context: Context | None
    ) -> Iterable[Context | None]:
        # The SDK would pass a None context on and log a warning for every such record.
        child = self.get_child_context(record, context)
        if child is not None:
            yield child

    @override
    def _generate_record_messages(
        self, record: dict[str, t.Any]
    ) -> Generator[RecordMessage, None, None]:
        # Private hook 1 of 3 (sdk_overrides.py): the record path of `record_messages.py`.
        yield from record_messages(record, self.stream_maps, self._deselected, self.table_version)

    @cached_property
    def _shape(self) -> RecordShape:  # made only for the streams a run reads
        return RecordShape(self.schema, self.name, self.added_properties)

    @cached_property
    def _deselected(self) -> list[tuple[str, ...]]:
        return deselected_paths(self.mask)
