"""The base stream: GitHub's headers, timeouts, `Link` paging, response checks, records.

Retries and rate-limit waits are in `retries.py`; the pure decisions in `http_policy.py`.
"""

from __future__ import annotations

import os
import typing as t
from urllib.parse import ParseResult, urlsplit

import msgspec
import requests
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.pagination import HeaderLinkPaginator
from singer_sdk.streams.rest import HTTPRequest, PageContext
from typing_extensions import override

from tap_github_pat_grants.errors import GitHubFatalError
from tap_github_pat_grants.http_policy import Action, Decision, classify
from tap_github_pat_grants.incremental import to_utc_z
from tap_github_pat_grants.messages import fatal_line, rate_limit_too_long_line
from tap_github_pat_grants.progress import OrgProgress
from tap_github_pat_grants.record_path import fast_record_messages, has_deselected_properties
from tap_github_pat_grants.retries import RateLimitedError, RetryingStream
from tap_github_pat_grants.run_record import StreamRead

if t.TYPE_CHECKING:
    from collections.abc import Generator, Iterable

    from singer_sdk.helpers.types import Context
    from singer_sdk.singerlib import RecordMessage

    from tap_github_pat_grants.auth import OrgAuth
    from tap_github_pat_grants.tap import TapGitHubPatGrants

PER_PAGE = 100  # GitHub's maximum for these endpoints


class MissingPermissionError(GitHubFatalError):
    """403 "Resource not accessible by integration": the App lacks an org permission."""


class GitHubLinkPaginator(HeaderLinkPaginator):
    """Follows `Link: rel="next"`, but only to the configured API host (tokens go there)."""

    def __init__(self, api_url: str) -> None:
        """Remember which origin may receive our token."""
        super().__init__()
        self._origin = urlsplit(api_url)[:2]

    @override
    def get_next_url(self, response: requests.Response) -> str | None:
        url = super().get_next_url(response)
        if url and urlsplit(url)[:2] != self._origin:
            msg = (
                "GitHub's next-page link points outside api_url; set api_url to the host "
                "GitHub's Link headers use"
            )
            raise GitHubFatalError(msg)
        return url


class GitHubOrgStream(RetryingStream):
    """A stream of one GitHub list endpoint, partitioned (and bookmarked) per organization."""

    _tap: TapGitHubPatGrants
    # Named in the one-line error when the App lacks the permission this endpoint needs.
    permission_name = "Personal access tokens: read"
    # Timestamp fields rewritten to one UTC form (the same instants).
    timestamp_fields: tuple[str, ...] = ()
    # Child streams run once per parent record: no per-context progress lines at INFO.
    quiet_progress = False
    # msgspec decodes GitHub's JSON into exactly the schema's types and `post_process` keeps
    # only declared properties, so the SDK's per-record type walk has nothing left to do.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Set up per-run counters; the org being read is set when a partition starts."""
        super().__init__(*args, **kwargs)
        self._org = ""
        self._payload: object = None
        self._secondary_limits_seen = 0
        self.progress = OrgProgress(self.name, self.logger, quiet=self.quiet_progress)
        self._declared: frozenset[str] | None = None
        self._pop_deselected: bool | None = None
        self._version_decided = False
        self._counts = StreamRead()

    @property
    def url_base(self) -> str:
        """`api_url`: api.github.com, a GHES `/api/v3` base or a GHE.com host."""
        return self._tap.settings.api_url

    @property
    def partitions(self) -> list[dict[str, t.Any]] | None:
        """One partition per configured organization, so each has its own bookmark."""
        if self.parent_stream_type is not None:
            return None
        return [{"org": org} for org in self._tap.settings.organizations]

    @property
    def http_headers(self) -> dict[str, str]:
        """GitHub's recommended media type and a pinned API version."""
        return {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}

    @property
    def user_agent(self) -> str:
        """`user_agent`, by default `tap-github-pat-grants/<version>`."""
        return self._tap.settings.user_agent

    @property
    def timeout(self) -> int:
        """`request_timeout_seconds`: connect and read timeout of one request."""
        return self._tap.settings.request_timeout_seconds

    @property
    def requests_session(self) -> requests.Session:
        """The SDK's session, with proxy and CA-bundle variables read once, not per request.

        requests re-reads the proxy environment on every `send` (~1 ms, a tenth of a long
        sync's time); the values cannot change during a run.
        """
        session = super().requests_session
        if session.trust_env:
            session.proxies.update(requests.utils.get_environ_proxies(self.url_base))
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            if bundle:
                session.verify = bundle
            session.trust_env = False
        return session

    @property
    def authenticator(self) -> OrgAuth:
        """The current organization's credentials, built once per tap (not per request)."""
        return self._tap.credentials.for_org(self._org)

    @override
    def get_new_paginator(self) -> GitHubLinkPaginator:
        return GitHubLinkPaginator(self.url_base)

    def query_params(self, context: Context) -> list[tuple[str, str]]:  # noqa: ARG002
        """First-page query parameters besides `per_page` (filters, sort)."""
        return []

    @override
    def get_url_params(
        self, context: Context | None, next_page_token: ParseResult | None
    ) -> dict[str, t.Any]:
        params: dict[str, t.Any] = {"per_page": PER_PAGE}
        for key, value in self.query_params(context or {}):
            params.setdefault(key, []).append(value)
        return params

    @override
    def get_http_request(self, *, page: PageContext[ParseResult]) -> HTTPRequest:
        self._respect_rate_budget()
        if page.next_page_token:
            # GitHub's next URL already carries every query parameter; the SDK would append
            # the first page's parameters again, so follow the URL exactly as given.
            return HTTPRequest(url=page.next_page_token.geturl(), headers=self.http_headers)
        return super().get_http_request(page=page)

    @property
    def emit_activate_version_messages(self) -> bool:
        """Never the SDK's way: it writes ACTIVATE_VERSION *before* a full read's records.

        target-postgres applies it at once, so every row looks deleted until the read ends,
        and stays so if the read fails half-way. `activate_table_version` writes it after the
        last organization instead, and only for a read that completed.
        """
        return False

    def reads_whole_table(self) -> bool:
        """True when this run reads every row GitHub lists, in every organization."""
        return False

    def read_kind(self, context: Context) -> str:  # noqa: ARG002
        """How this run reads one organization: "full" or "incremental"."""
        return "full" if self.reads_whole_table() else "incremental"

    def decide_table_version(self) -> None:
        """Before the first record: a whole-table read carries a version, as do its children."""
        self._version_decided = True
        versioning = bool(self.config.get("emit_activate_version_messages", True))
        version = (
            self._tap.initialized_at // 1000 if versioning and self.reads_whole_table() else None
        )
        self._stream_version = version
        for child in self.child_streams:
            child._stream_version = version  # noqa: SLF001 (the SDK's field records carry)

    def activate_table_version(self) -> None:
        """After the last organization of a complete whole-table read: ACTIVATE_VERSION, once.

        Loaders that honour it then drop (or mark deleted) the rows this read did not send.
        """
        for stream in (self, *self.child_streams):
            if stream.selected and stream._stream_version is not None:  # noqa: SLF001
                stream._write_activate_version_message(stream._stream_version)  # noqa: SLF001

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        partition = context or {}
        self._org = str(partition["org"])
        ledger = self._tap.run_ledger
        if self.parent_stream_type is None:
            if not self._version_decided:
                self.decide_table_version()
            read = self.read_kind(partition)
            self._counts = ledger.begin(self._org, self.name, read)
            for child in self.child_streams:
                if child.selected:  # a child reads its parents' rows the way they were read
                    ledger.begin(self._org, child.name, read)
        else:
            self._counts = ledger.org(self._org).stream(self.name)
        self.progress.start(self._org)
        yield from self.read_partition(partition)
        self.progress.finish()
        if self.parent_stream_type is None:
            ledger.end(self._org)
            if partition == (self.partitions or [{}])[-1]:
                self.activate_table_version()

    @override
    def _finalize_state(self, state: dict[str, t.Any] | None = None) -> None:
        super()._finalize_state(state)
        # The SDK writes STATE only every 10,000 records or at the end of the stream; write it
        # as each org finishes, so a run that fails in a later org keeps the earlier ones.
        if self.parent_stream_type is None:
            self._write_state_message()

    def read_partition(self, context: Context) -> Iterable[dict[str, t.Any]]:
        """Every record of one partition (one org, or one parent record for children)."""
        yield from self.request_records(context)

    @override
    def validate_response(self, response: requests.Response) -> None:
        self._tap.rate_budget.observe(self._org, response.headers)
        message = ""
        if response.status_code >= 400:  # noqa: PLR2004
            message = _error_message(response)
        decision = classify(
            response.status_code,
            response.headers,
            message,
            now=self._tap.clock(),
            secondary_limits_seen=self._secondary_limits_seen,
        )
        if decision.action is Action.OK:
            self._accept(response)
        else:
            self._refuse(decision, response, message)

    def _accept(self, response: requests.Response) -> None:
        """Decode a 2xx body here, inside the retry loop: a truncated body is retried."""
        try:
            self._payload = msgspec.json.decode(response.content)
        except msgspec.DecodeError:
            msg = "GitHub sent an incomplete JSON body"
            raise RetriableAPIError(msg, response) from None
        self.authenticator.note_success()
        self.progress.page_done(response)
        self._counts.requests += 1

    def _refuse(self, decision: Decision, response: requests.Response, message: str) -> None:
        """Raise what the SDK's retry loop should do with a refusal: resend, wait, or stop."""
        if decision.action is Action.RETRY:
            raise RetriableAPIError(decision.reason, response)
        if decision.action is Action.WAIT:
            if "secondary" in decision.reason:
                self._secondary_limits_seen += 1
            if decision.wait_seconds > self._tap.settings.max_rate_limit_wait_seconds:
                raise GitHubFatalError(rate_limit_too_long_line(self._org, response, self._tap))
            raise RateLimitedError(decision.reason, response, decision.wait_seconds)
        if decision.action is Action.REFRESH_TOKEN:
            if self.authenticator.refresh_after_unauthorized():
                reason = "installation token rejected (401), minted a new one"
                raise RateLimitedError(reason, response, 0)
            line = f"org {self._org}: GitHub answered 401 Bad credentials: "
            raise GitHubFatalError(line + self.authenticator.unauthorized_advice + _rid(response))
        line = fatal_line(self._org, response, message, self.permission_name)
        if response.status_code == 403 and "integration" in message.lower():  # noqa: PLR2004
            raise MissingPermissionError(line)
        raise GitHubFatalError(line)

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        payload, self._payload = self._payload, None
        if not isinstance(payload, list):
            msg = (
                f"org {self._org}: GitHub sent a {type(payload).__name__} where a list was expected"
            )
            raise GitHubFatalError(msg + _rid(response))
        return payload

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        row["org"] = self._org
        self.progress.records += 1
        self._counts.records += 1
        if self._declared is None:
            self._declared = frozenset(self.effective_schema["properties"])
        for undeclared in row.keys() - self._declared:
            del row[undeclared]  # a property GitHub added after our schema: not sent undeclared
        for field in self.timestamp_fields:
            value = row.get(field)
            if value is not None:
                row[field] = to_utc_z(value)
        return row

    @override
    def _generate_record_messages(
        self, record: dict[str, t.Any]
    ) -> Generator[RecordMessage, None, None]:
        # The SDK walks the selection mask for every record even when nothing is deselected
        # (~10% of a sync); take its full path only when the catalog deselects a property.
        if self._pop_deselected is None:
            self._pop_deselected = has_deselected_properties(self)
        if self._pop_deselected:
            yield from super()._generate_record_messages(record)
        else:
            yield from fast_record_messages(self, record)


def _error_message(response: requests.Response) -> str:
    try:
        body = msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        return ""
    return str(body.get("message", "")) if isinstance(body, dict) else ""


def _rid(response: requests.Response) -> str:
    return f" (X-GitHub-Request-Id: {response.headers.get('X-GitHub-Request-Id', 'none')})"
