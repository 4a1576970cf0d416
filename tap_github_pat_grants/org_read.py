"""One organization's read of one stream (and its children), in one place.

Every org is checked before the first list request (`org_checks.py`); then, per org: nothing
if the org or the stream was skipped; the read (the whole list, verified, or the stream's
incremental slices); a permission GitHub refuses mid-read handled like a missing one; the
one failure policy (`continue_on_org_error`); the counts and the summary line; and STATE as the
org finishes, so a run that fails in a later org keeps the earlier ones. A failed org moves no
bookmark. A full read also writes STATE while it reads, and when it stops, so a rerun
continues it where it stopped (`full_read.py`). The stream's table version is decided before
its first record and written after its last organization (`versioning.py`).
"""

from __future__ import annotations

import copy
import typing as t
from contextlib import contextmanager

from singer_sdk.singerlib.catalog import REPLICATION_INCREMENTAL

from tap_github_pat_grants import full_read, versioning
from tap_github_pat_grants.errors import (
    CutListError,
    MissingPermissionError,
    ParentGoneError,
    StreamAbsentError,
    TapError,
)
from tap_github_pat_grants.incremental import SlicedStream
from tap_github_pat_grants.org_checks import (
    Checked,
    recorded_failure,
    skip_streams,
    skip_without_permission,
)
from tap_github_pat_grants.paging import confirm_end
from tap_github_pat_grants.read_counts import Timer
from tap_github_pat_grants.read_progress import ListProgress

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from singer_sdk.helpers.types import Context

    from tap_github_pat_grants.endpoints import Endpoint, ListQuery
    from tap_github_pat_grants.full_read import FullRead
    from tap_github_pat_grants.incremental import IncrementalRead
    from tap_github_pat_grants.page_guard import PageGuard
    from tap_github_pat_grants.read_counts import ReadKind, StreamRead
    from tap_github_pat_grants.run import Run

Row = dict[str, t.Any]


class ListStream(versioning.Versioned, SlicedStream, Checked, t.Protocol):
    """What a read needs of its stream (`client.GitHubOrgStream`)."""

    @property
    def endpoint(self) -> Endpoint:
        """How its endpoint is read."""

    @property
    def list_guard(self) -> PageGuard:
        """What the latest read of a list accepted, and what GitHub said of its length."""

    def list_rows(
        self,
        context: Context,
        query: ListQuery = ...,
        params: tuple[tuple[str, str], ...] = (),
        *,
        witness_follows: bool = False,
    ) -> Iterable[Row]:
        """One read of a list, `params` added to its query (then it may be read again)."""

    @property
    def incremental(self) -> IncrementalRead | None:
        """How the stream reads an org incrementally (None: always whole)."""

    def read_kind(self, context: Context) -> ReadKind:
        """How this run reads one organization."""

    def begin_list(self, org: str, counts: StreamRead) -> None:
        """The stream now reads a list of `org`, counted in `counts`."""

    def finalize_state_progress_markers(self, state: dict[str, t.Any] | None = None) -> t.Any:
        """Promote the partition's bookmark and write STATE."""


def read_org(stream: ListStream, partition: Context, run: Run) -> Iterator[Row]:
    """Every record of one org for a top-level stream, under the run's failure policy."""
    org = str(partition["org"])
    _ = run.checked_organizations  # every org is checked before the first list request
    if not stream.version_decided:
        versioning.decide(stream, run)
    state = stream.get_context_state(partition)
    before = copy.deepcopy(state)
    org_run = run.ledger.org(org)
    with recorded_failure(org, run.ledger, run.settings):
        if org_run.reading and stream.name not in org_run.skipped_streams:
            yield from _read(stream, partition, run, before)
    run.full_reads.pop(org, None)
    if org_run.status == "failed":  # a failed read moves no bookmark (a full read's progress
        full_read.keep_progress(state, before)  # is kept: the next run continues it)
    if partition == (stream.partitions or [{}])[-1]:
        versioning.activate(stream, run)


def _read(stream: ListStream, partition: Context, run: Run, before: Row) -> Iterator[Row]:
    """One org's read of this stream and its children, counted; then STATE."""
    ledger, org = run.ledger, str(partition["org"])
    org_run = ledger.org(org)
    counts, whole = _begin(stream, partition, run, before)
    try:
        with Timer(counts), _stop_keeps_progress(whole):
            for record in _rows(stream, partition, counts, whole):
                yield record
                if not org_run.reading:
                    return  # a child's read failed: this org stops here
    except MissingPermissionError as missing:  # GitHub's 403 (auth_token: not known before)
        skip_without_permission(org, stream, str(missing), ledger, run.settings)
        return
    except StreamAbsentError as absent:  # e.g. no SAML single sign-on: nothing to read here
        skip_streams(org, stream.family, str(absent), ledger, "nothing to read there")
        return
    org_run.permissions = org_run.permissions or run.credentials.for_org(org).permissions
    ledger.finish(org, stream.name, tuple(child.name for child in stream.child_streams))
    if whole is not None:
        whole.finish()
    # The SDK writes STATE every 10,000 records or at the end of the stream; write it as
    # each org finishes, so a run that fails in a later org keeps the earlier ones.
    stream.finalize_state_progress_markers(stream.get_context_state(partition))


def _begin(
    stream: ListStream, partition: Context, run: Run, before: Row
) -> tuple[StreamRead, FullRead | None]:
    """The org's read begins: counted (its children too), a full read resumed if STATE says."""
    org, read = str(partition["org"]), stream.read_kind(partition)
    whole = None
    if read == "full":
        incremental = stream.replication_method == REPLICATION_INCREMENTAL
        whole = run.full_reads[org] = full_read.begin(
            stream.get_context_state(partition),
            before,
            names=(stream.name, org),
            started=(run.ledger.run_started_at, stream.table_version),
            bookmark_key=stream.replication_key if incremental else None,
            write_state=run.write_state,
            requests_sent=lambda: run.http.requests_sent,
        )
    children = [child.name for child in stream.child_streams if child.selected]
    counts = run.ledger.begin(org, stream.name, read)
    for each in (counts, *(run.ledger.begin(org, child, read) for child in children)):
        if whole is not None:  # a child reads its parents' rows as they are read
            each.part_of(whole.mark.started_at, resumed=whole.resumed)
    stream.begin_list(org, counts)
    return counts, whole


@contextmanager
def _stop_keeps_progress(whole: FullRead | None) -> Iterator[None]:
    """An error that stops a full read (not a skip) leaves its progress in STATE, and says so."""
    try:
        yield
    except (MissingPermissionError, StreamAbsentError):
        raise
    except CutListError:
        if whole is not None:
            whole.start_over()  # its first pass was cut: continuing it would end the same way
        raise
    except TapError as error:
        if whole is None:
            raise
        raise whole.stopped(error) from None


def read_children(stream: ListStream, partition: Context, run: Run) -> Iterator[Row]:
    """One parent row's list (e.g. a grant's repositories), within its org's read."""
    org = str(partition["org"])
    org_run = run.ledger.org(org)
    if not org_run.reading:
        return
    counts = org_run.stream(stream.name)
    counts.parents += 1
    stream.begin_list(org, counts)
    with recorded_failure(org, run.ledger, run.settings):
        try:
            with Timer(counts):
                yield from _rows(stream, partition, counts, None)
        except ParentGoneError:
            # The grant was revoked (the request reviewed) between the page that listed it
            # and its own list: it has no repositories any more, which is no fault of the run.
            counts.parents_gone += 1
        except TapError as error:  # the parent's full read keeps its progress
            whole = run.full_reads.get(org)
            if whole is None:
                raise
            raise whole.stopped(error) from None


def _rows(
    stream: ListStream, partition: Context, counts: StreamRead, whole: FullRead | None
) -> Iterator[Row]:
    """The partition's rows: the whole list, verified, or the stream's incremental slices."""
    sliced = stream.incremental
    if sliced is not None:
        sliced.before_read(stream, partition)
    if counts.read == "full":
        for index, query in enumerate(stream.endpoint.queries):
            progress = whole.list_progress(index) if whole is not None else ListProgress()
            if progress is not None:  # None: an earlier run of this read read that list
                yield from read_whole_list(stream, partition, counts, query, progress)
    elif sliced is not None:
        yield from sliced.read(stream, partition)
    else:
        for query in stream.endpoint.queries:
            yield from stream.list_rows(partition, query)
    if sliced is not None:
        sliced.after_read(stream, partition)


def read_whole_list(
    stream: ListStream,
    context: Context,
    counts: StreamRead,
    query: ListQuery,
    progress: ListProgress,
) -> Iterator[Row]:
    """Every row of one list, read so that no row live throughout the read is missed.

    GitHub pages these lists by offset: a row removed from a page already read moves every
    later row up one place, and the row that crosses into that page is never served. So a
    list that took more than one page is read once more, in the other direction where the
    endpoint can sort (`verification_params`), and the rows the first pass missed are
    emitted (with their children; rows already seen cost nothing more). That is enough: a
    live row is missed only if it is skipped in both passes, in the first only when a row
    before it disappears just as the cursor passes it, in the second only when one on its
    other side does. A list of one page is one answer: it has nothing to verify. The second
    pass also witnesses a list that ended short of GitHub's announcement with a full (or
    empty) page: read again, a list that shrank is no longer; a cut one is (`confirm_end`).

    A read continued from an earlier run's STATE (`progress`) starts at the page it stopped
    in, in the pass it stopped in, and emits no row that run emitted: a stop is a cursor that
    paused there, and changes meanwhile are caught by the second pass as above.
    """
    if progress.first_pass:
        yield from _first_pass(stream, context, query, progress)
        if stream.list_guard.one_page:
            return
        progress.second_pass(stream.list_guard.unconfirmed_end)
    done, id_field = progress.done, stream.endpoint.id_field
    params = (*stream.endpoint.verification_params, *progress.page_params())
    for row in stream.list_rows(context, query, params):
        if row.get(id_field) not in done:
            yield row
            progress.emitted(row.get(id_field))
            counts.verification_added += 1
        progress.at(stream.list_guard)
    confirm_end(progress.end, stream.list_guard, str(context["org"]))
    counts.verified = True


def _first_pass(
    stream: ListStream, context: Context, query: ListQuery, progress: ListProgress
) -> Iterator[Row]:
    """The list in its own order; a continued read skips the rows an earlier run emitted."""
    done, id_field = progress.done, stream.endpoint.id_field
    for row in stream.list_rows(context, query, progress.page_params(), witness_follows=True):
        if not (progress.resumed and row.get(id_field) in done):
            yield row
            progress.emitted(row.get(id_field))  # with its children, once it is back here
        progress.at(stream.list_guard)
