"""The base stream: one GitHub list endpoint, read per organization, with `Link` paging.

It owns the URL, headers, credentials, paging and record clean-up; every request goes through
the tap's one HTTP policy (`github_http.py`); what a run read is counted in `run_record.py`;
and a whole-table read is versioned (ACTIVATE_VERSION) here, after its last organization.
The streams themselves (`streams.py`) only declare.
"""

from __future__ import annotations

import copy
import typing as t
from http import HTTPStatus
from logging import DEBUG, WARNING
from urllib.parse import ParseResult, urlsplit

from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.pagination import HeaderLinkPaginator
from singer_sdk.streams import RESTStream
from singer_sdk.streams.rest import HTTPRequest, PageContext
from typing_extensions import override

from tap_github_pat_grants.errors import (
    GitHubFatalError,
    IncompleteReadError,
    InvalidRecordError,
    MissingPermissionError,
    ParentGoneError,
    TapError,
    invalid_record_line,
    missing_permission_line,
    paging_loop_line,
    refusal_line,
    request_id,
    suspended_line,
    unauthorized_line,
)
from tap_github_pat_grants.github_http import Expected
from tap_github_pat_grants.instants import to_utc_z
from tap_github_pat_grants.paging import (
    IncompleteListError,
    PageGuard,
    PagingLoopError,
    SeenIds,
)
from tap_github_pat_grants.record_shapes import RecordShape
from tap_github_pat_grants.run_record import StreamRead, Timer
from tap_github_pat_grants.sdk_overrides import (
    drop_misleading_lines,
    fast_record_messages,
    has_deselected_properties,
)

if t.TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterable

    import requests
    from singer_sdk.helpers.types import Context
    from singer_sdk.singerlib import RecordMessage

    from tap_github_pat_grants.auth import OrgAuth
    from tap_github_pat_grants.tap import TapGitHubPatGrants

PER_PAGE = 100  # GitHub's maximum for these endpoints


class GitHubLinkPaginator(HeaderLinkPaginator):
    """Follows `Link: rel="next"`: forward only, and only to the configured API host."""

    def __init__(self, api_url: str, org: str, guard: PageGuard) -> None:
        """Remember which origin may receive our token, and what this read has accepted."""
        super().__init__()
        self._origin = urlsplit(api_url)[:2]
        self._org = org
        self.guard = guard

    @override
    def get_next_url(self, response: requests.Response) -> str | None:
        url = super().get_next_url(response)
        if url and urlsplit(url)[:2] != self._origin:
            msg = (
                f"org {self._org}: GitHub's next-page link points outside api_url; set "
                f"api_url to the host GitHub's Link headers use{request_id(response)}"
            )
            raise GitHubFatalError(msg)
        if url:
            try:
                self.guard.check_next(url)
            except PagingLoopError as loop:
                raise GitHubFatalError(paging_loop_line(self._org, str(loop), response)) from None
        return url


class GitHubOrgStream(RESTStream[ParseResult]):
    """A stream of one GitHub list endpoint, partitioned (and bookmarked) per organization."""

    _tap: TapGitHubPatGrants
    # The org permission this endpoint needs: GitHub's name, and as the App's settings show it.
    permission_key = "organization_personal_access_tokens"
    permission_name = "Personal access tokens: read"
    skip_setting = "skip_grants_without_permission"  # where the user chooses to skip instead
    # Timestamp fields rewritten to one UTC form (the same instants).
    timestamp_fields: tuple[str, ...] = ()
    # A parent's id under this name in its children's context (None: no children).
    child_context_key: str | None = None
    # The second pass of a whole list reads it this way round (see `read_whole_list`).
    verification_params: tuple[tuple[str, str], ...] = ()
    # Properties the tap adds to GitHub's record (not checked against GitHub's shape).
    added_properties: tuple[str, ...] = ("org",)
    # msgspec decodes GitHub's JSON into exactly the schema's types and `post_process` keeps
    # only declared properties, so the SDK's per-record type walk has nothing left to do.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Nothing read yet; the org being read is set when a partition starts."""
        super().__init__(*args, **kwargs)
        self._org = ""
        self._payload: object = None
        self._counts = StreamRead()
        self._take_sdk_record_path: bool | None = None
        self._version_decided = False
        self._shape = RecordShape(self.schema, self.name, self.added_properties)
        self._guard = PageGuard(PER_PAGE)
        self._verifying = False
        self._invalid_skipped: set[tuple[str, str, str]] = set()  # (org, id, field)
        drop_misleading_lines(self.logger)
        if self.parent_stream_type is not None and self.logger.getEffectiveLevel() > DEBUG:
            # The SDK logs "Beginning sync" for each parent row; the parent sums children up.
            self.logger.setLevel(WARNING)

    # What to request, and how.

    @property
    def url_base(self) -> str:
        """`api_url`: api.github.com, a GHES `/api/v3` base or a GHE.com host."""
        return self._tap.settings.api_url

    @property
    def partitions(self) -> list[dict[str, t.Any]] | None:
        """One partition per configured organization, so each has its own bookmark."""
        if self.parent_stream_type is not None:
            return None
        return [{"org": target.org} for target in self._tap.organizations]

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
        """The tap's one session (its proxy environment read once)."""
        return self._tap.http.session

    @property
    def authenticator(self) -> OrgAuth:
        """The current organization's credentials, built once per tap (not per request)."""
        return self._tap.credentials.for_org(self._org)

    @override
    def get_new_paginator(self) -> GitHubLinkPaginator:
        self._guard = PageGuard(PER_PAGE)  # one per read of one list
        return GitHubLinkPaginator(self.url_base, self._org, self._guard)

    def query_params(self, context: Context) -> list[tuple[str, str]]:  # noqa: ARG002
        """First-page query parameters besides `per_page` (filters, sort)."""
        return []

    @override
    def get_url_params(
        self, context: Context | None, next_page_token: ParseResult | None
    ) -> dict[str, t.Any]:
        params: dict[str, t.Any] = {"per_page": PER_PAGE}
        extra = self.verification_params if self._verifying else ()
        for key, value in (*self.query_params(context or {}), *extra):
            params.setdefault(key, []).append(value)
        return params

    @override
    def get_http_request(self, *, page: PageContext[ParseResult]) -> HTTPRequest:
        if page.next_page_token:
            # GitHub's next URL already carries every query parameter; the SDK would append
            # the first page's parameters again, so follow the URL exactly as given.
            return HTTPRequest(url=page.next_page_token.geturl(), headers=self.http_headers)
        return super().get_http_request(page=page)

    # Every request through the tap's one HTTP policy.

    @override
    def request_decorator(
        self, func: Callable[..., requests.Response]
    ) -> Callable[..., requests.Response]:
        def send(*args: t.Any, **kwargs: t.Any) -> requests.Response:
            return self._tap.http.send(
                lambda: func(*args, **kwargs), org=self._org, budget_key=self._org
            )

        return send

    @override
    def validate_response(self, response: requests.Response) -> None:
        expected = Expected(
            refuse=self._refusal,
            renew_token=self.authenticator.refresh_after_unauthorized,
            decode=self._decode_page,
            shape=list,
        )
        page = self._tap.http.check(
            response, org=self._org, budget_key=self._org, expected=expected
        )
        ids = [row.get("id") for row in page]
        try:
            self._guard.check(response.url, response.links, self._shape.rows_sent, ids)
        except IncompleteListError as short:
            raise IncompleteReadError(str(short), response) from None
        except PagingLoopError as loop:
            raise GitHubFatalError(paging_loop_line(self._org, str(loop), response)) from None
        self._guard.accept(response.url, response.links, ids)
        self._payload = page
        self.authenticator.note_success()
        self._tap.run_ledger.page_done(self._org, self.name, self._counts, response)

    def _decode_page(self, body: bytes) -> object:
        return self._shape.decode_page(body, self._on_invalid)

    def _on_invalid(self, row: object, invalid: InvalidRecordError) -> None:
        """A record breaks GitHub's shape: stop with one line, or skip it if the user chose."""
        line = self._invalid_line(row, invalid)
        if not self._tap.settings.skip_invalid_records:
            raise GitHubFatalError(line)
        # A whole list is read twice (`read_whole_list`): a record is skipped once per run.
        record_id = row.get("id") if isinstance(row, dict) else None
        skipped = (self._org, repr(record_id), invalid.field)
        if skipped in self._invalid_skipped:
            return
        self._invalid_skipped.add(skipped)
        self.logger.warning("%s; skipped (skip_invalid_records=true)", line.split("; nothing")[0])
        self._counts.invalid_skipped += 1

    def _invalid_line(self, row: object, invalid: InvalidRecordError) -> str:
        record_id = row.get("id") if isinstance(row, dict) else None
        return invalid_record_line(self._org, self.name, record_id, invalid)

    def _refusal(self, response: requests.Response, message: str) -> TapError:
        """The error for an answer that retrying cannot fix."""
        if response.status_code == HTTPStatus.UNAUTHORIZED:
            advice = self.authenticator.unauthorized_advice
            return GitHubFatalError(unauthorized_line(self._org, advice, response))
        line = refusal_line(self._org, response, message, self.permission_name)
        if response.status_code == HTTPStatus.NOT_FOUND and self.parent_stream_type is not None:
            return ParentGoneError(line)
        if response.status_code == HTTPStatus.FORBIDDEN and "integration" in message.lower():
            return MissingPermissionError(line)
        return GitHubFatalError(line)

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        page, self._payload = self._payload, None
        return page  # type: ignore[return-value]  # checked to be a list in validate_response

    # One organization's read, its counts and its state.

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        partition = context or {}
        self._org = org = str(partition["org"])
        run = self._tap.run_ledger.org(org)
        if self.parent_stream_type is not None:
            yield from self._read_children_list(partition)
            return
        self._tap.check_every_org_before_reading()
        if not self._version_decided:
            self.decide_table_version()
        state = self.get_context_state(partition)
        before = copy.deepcopy(state)
        try:
            if run.status == "complete" and self._may_read(org):
                yield from self._read_org(partition)
        except TapError as error:
            if not self._tap.settings.continue_on_org_error:
                raise
            self._tap.run_ledger.fail(org, str(error))
        if run.status == "failed":  # a failed read moves no bookmark
            state.clear()
            state.update(before)
        if partition == (self.partitions or [{}])[-1]:
            self.activate_table_version()

    def _read_org(self, partition: Context) -> Iterable[dict[str, t.Any]]:
        """One organization's read of this stream (and its children), counted; then STATE."""
        ledger = self._tap.run_ledger
        run = ledger.org(self._org)
        read = self.read_kind(partition)
        self._counts = ledger.begin(self._org, self.name, read)
        for child in self.child_streams:
            if child.selected:  # a child reads its parents' rows the way they were read
                ledger.begin(self._org, child.name, read)
        try:
            with Timer(self._counts):
                for record in self.read_partition(partition):
                    yield record
                    if run.status == "failed":
                        return  # a child's read failed: this org stops here
        except MissingPermissionError as missing:  # GitHub's 403 (auth_token: not known before)
            if not self.skips_without_permission():
                raise
            self._skip(str(missing))
            return
        run.permissions = run.permissions or self.authenticator.permissions
        ledger.finish(self._org, self.name, tuple(child.name for child in self.child_streams))
        # The SDK writes STATE every 10,000 records or at the end of the stream; write it as
        # each org finishes, so a run that fails in a later org keeps the earlier ones.
        self.finalize_state_progress_markers(self.get_context_state(partition))

    def _read_children_list(self, partition: Context) -> Iterable[dict[str, t.Any]]:
        """One parent row's list (e.g. a grant's repositories), within its org's read."""
        run = self._tap.run_ledger.org(self._org)
        if run.status != "complete":
            return
        self._counts = run.stream(self.name)
        self._counts.parents += 1
        try:
            with Timer(self._counts):
                yield from self.read_partition(partition)
        except ParentGoneError:
            # The grant was revoked (the request reviewed) between the page that listed it
            # and its own list: it has no repositories any more, which is no fault of the run.
            self._counts.parents_gone += 1
        except TapError as error:
            if not self._tap.settings.continue_on_org_error:
                raise
            self._tap.run_ledger.fail(self._org, str(error))

    def _may_read(self, org: str) -> bool:
        """Before any list request: the App is installed, not suspended, and may read this."""
        app = self._tap.credentials.app
        if app is None:
            return True  # a ready token: only GitHub's answer can tell
        installation = app.installation(org)
        run = self._tap.run_ledger.org(org)
        run.installation_id = installation.id
        if installation.suspended_at:
            line = suspended_line(org, installation.suspended_at)
            self._tap.run_ledger.skip_org(org, line, suspended=True)
            return False
        missing = self.permission_missing(org)
        if missing is None:
            return True
        if not self.skips_without_permission():
            raise MissingPermissionError(missing)
        self._skip(missing)
        return False

    def permission_missing(self, org: str) -> str | None:
        """The line when the App's installation on `org` lacks what this stream reads.

        None when it has it, when the installation is suspended (skipped whole), or with a
        ready token (only GitHub's answer can tell).
        """
        app = self._tap.credentials.app
        if app is None:
            return None
        installation = app.installation(org)
        if installation.suspended_at:
            return None
        if installation.permissions.get(self.permission_key) in {"read", "write"}:
            return None
        return missing_permission_line(org, self.permission_name)

    def _skip(self, line: str) -> None:
        names = (self.name, *(child.name for child in self.child_streams))
        self._tap.run_ledger.skip_stream(self._org, names, line)
        self._counts.read = "skipped"  # not a whole-table read: nothing gets versioned
        setting = f"{self.skip_setting}=true"
        self.logger.warning("%s; skipped %s (%s)", line, ", ".join(names), setting)

    def skips_without_permission(self) -> bool:
        """True when the user chose to skip this stream where the App lacks its permission."""
        return False

    def read_partition(self, context: Context) -> Iterable[dict[str, t.Any]]:
        """Every record of one partition (one org, or one parent record for children)."""
        if self._counts.read == "full":
            yield from self.read_whole_list(context)
        else:
            yield from self.request_records(context)

    def read_whole_list(self, context: Context) -> Iterable[dict[str, t.Any]]:
        """Every row of one list, read so that no row live throughout the read is missed.

        GitHub pages these lists by offset: a row removed from a page already read moves every
        later row up one place, and the row that crosses into that page is never served. So a
        list that took more than one page is read once more, in the other direction where the
        endpoint can sort (`verification_params`), and the rows the first pass missed are
        emitted (with their children; rows already seen cost nothing more). That is enough: a
        live row is missed only if it is skipped in both passes, in the first only when a row
        before it disappears just as the cursor passes it, in the second only when one on its
        other side does. A list of one page is one answer: it has nothing to verify.
        """
        seen = SeenIds()
        for row in self.request_records(context):
            seen.add(row.get("id"))
            yield row
        if self._guard.accepted <= 1:
            return
        seen.seal()
        self._verifying = True
        try:
            for row in self.request_records(context):
                if row.get("id") not in seen:
                    seen.add(row.get("id"))
                    self._counts.verification_added += 1
                    yield row
        finally:
            self._verifying = False
        self._counts.verified = True

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        # Properties GitHub added after our schema were already dropped by the page decoder.
        for name in self.timestamp_fields:
            value = row.get(name)
            if value is not None:
                try:
                    row[name] = to_utc_z(value)
                except ValueError:  # ISO 8601 in form, but no such instant (month 13)
                    self._on_invalid(row, InvalidRecordError(-1, name, "not an existing instant"))
                    return None
        row["org"] = self._org
        self._counts.records += 1
        return row

    # Children: `subset` grants and requests list their repositories.

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

    # Versioning: ACTIVATE_VERSION after a complete whole-table read, never before it.

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
        versioning = self._tap.settings.emit_activate_version_messages
        whole = versioning and self.reads_whole_table()
        version = self._tap.initialized_at // 1000 if whole else None
        for stream in (self, *self.child_streams):
            stream._stream_version = version  # noqa: SLF001 (the SDK's field; records carry it)

    def activate_table_version(self) -> None:
        """After the last organization of a complete whole-table read: ACTIVATE_VERSION, once.

        Loaders that honour it then drop (or mark deleted) the rows this read did not send. An
        org whose read failed or was skipped keeps the table unversioned.
        """
        ledger = self._tap.run_ledger
        orgs = [ledger.org(str(partition["org"])) for partition in self.partitions or []]
        if any(run.status != "complete" or run.stream(self.name).read != "full" for run in orgs):
            return
        for stream in (self, *self.child_streams):
            version = stream._stream_version  # noqa: SLF001
            if stream.selected and version is not None:
                # A child with no parent to read this run never sent SCHEMA; a loader cannot
                # version a stream it has not been told about, and the rows it still holds
                # from earlier runs must go: SCHEMA first (sent at most once), then the version.
                if stream is not self:
                    stream._write_schema_message()  # noqa: SLF001
                stream._write_activate_version_message(version)  # noqa: SLF001

    # The record path.

    @override
    def _generate_record_messages(
        self, record: dict[str, t.Any]
    ) -> Generator[RecordMessage, None, None]:
        # The SDK walks the selection mask for every record even when nothing is deselected;
        # take its full path only when the catalog deselects a property.
        if self._take_sdk_record_path is None:
            self._take_sdk_record_path = has_deselected_properties(self)
        if self._take_sdk_record_path:
            yield from super()._generate_record_messages(record)
        else:
            yield from fast_record_messages(self, record)
