"""A list stream read per organization: what `org_read.py` reads it through, and its records.

Its records: the tap's properties added, child contexts, the record path. The streams
(`streams.py`) derive from it and only declare.
"""

from __future__ import annotations

import typing as t
from functools import cached_property

from typing_extensions import override

from tap_github_pat_grants import org_read
from tap_github_pat_grants.client import GitHubListStream
from tap_github_pat_grants.endpoints import ListQuery
from tap_github_pat_grants.errors import InvalidRecordError
from tap_github_pat_grants.paging import ListRead
from tap_github_pat_grants.read_progress import read_mark
from tap_github_pat_grants.record_messages import deselected_paths, record_messages
from tap_github_pat_grants.record_shapes import finish_row

if t.TYPE_CHECKING:
    from collections.abc import Generator, Iterable, Iterator

    from singer_sdk.helpers.types import Context
    from singer_sdk.singerlib import RecordMessage

    from tap_github_pat_grants.endpoints import Permission
    from tap_github_pat_grants.incremental import IncrementalRead
    from tap_github_pat_grants.page_guard import PageGuard
    from tap_github_pat_grants.read_counts import ReadKind, StreamRead


class GitHubOrgStream(GitHubListStream):
    """A stream of one GitHub list endpoint, partitioned (and bookmarked) per organization."""

    # How an incremental run reads it (None: whole, every run).
    incremental_read: t.ClassVar[type[IncrementalRead] | None] = None

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
        query: ListQuery = ListQuery(),  # noqa: B008 (frozen)
        params: tuple[tuple[str, str], ...] = (),
        *,
        witness_follows: bool = False,
    ) -> Iterator[dict[str, t.Any]]:
        """One read of a list, `params` added to its query (then it may be read again)."""
        self._read.params, self._read.adds = (*query.params, *params), query.adds
        self._read.witness_follows = witness_follows
        self._read.start_page = next((int(v) for k, v in params if k == "page"), 1)
        yield from self.request_records(context)
        self._read.finished()

    @property
    def list_guard(self) -> PageGuard:
        """What the latest read of a list accepted, and what GitHub said of its length."""
        return self._read.guard

    @cached_property
    def incremental(self) -> IncrementalRead | None:
        """How this stream reads an org incrementally (None: always whole)."""
        if self.incremental_read is None:
            return None
        return self.incremental_read(self.run.settings, self.run.started_at_ms)

    def read_kind(self, context: Context) -> ReadKind:
        """How this run reads one organization: "full" or "incremental".

        A full read an earlier run began and did not finish is continued, whatever else.
        """
        mark = read_mark(self.get_context_state(context))
        if self.incremental is None or (mark is not None and not mark.complete):
            return "full"
        return self.incremental.read_kind(self, context)

    @property
    def permission(self) -> Permission | None:
        """The org permission its endpoint needs."""
        return self.endpoint.permission

    @property
    def family(self) -> tuple[str, ...]:
        """This stream's name and its children's (skipped and versioned together)."""
        return (self.name, *(child.name for child in self.child_streams))

    @property
    def in_connection_test(self) -> bool:
        """Read for the SDK's connection test (`--test`): one record per stream."""
        return self.ABORT_AT_RECORD_COUNT is not None

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
        broken = finish_row(row, self.endpoint, self._read.org, self._read.adds)
        if broken is not None:  # ISO 8601 in form, but no such instant (month 13)
            self._on_invalid(row, InvalidRecordError(-1, broken, "not an existing instant"))
            return None
        self._read.counts.records += 1
        return row

    @override
    def get_child_context(
        self, record: dict[str, t.Any], context: Context | None
    ) -> Context | None:
        # `all` would list every repository of the org; `none` lists none.
        key = self.endpoint.child_context_key
        if key is None or record.get("repository_selection") != "subset":
            return None
        return {"org": record["org"], key: record[self.endpoint.id_field]}

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
    def _deselected(self) -> list[tuple[str, ...]]:
        return deselected_paths(self.mask)
