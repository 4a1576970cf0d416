"""When a table may be versioned: ACTIVATE_VERSION after a complete whole-table read, never before.

A loader that honours ACTIVATE_VERSION (target-postgres) drops, or marks deleted, every row of
the stream that the versioned read did not send. So a version goes only with a read of every
row GitHub lists in every organization (`emit_activate_version_messages`, on by default), on
each of its records, and ACTIVATE_VERSION goes out once, after the stream's last organization,
and only if every org's read of it completed in full: a failed or skipped org keeps the table
unversioned. A stream's children share its version.

A whole-table read may take more than one run: an org's full read that stopped is continued
by the next run (`full_read.py`), with the version its first run chose, which its partition's
`full_read` mark carries. An org whose part is done keeps a `complete` mark until every other
org's part is done too; the run that completes the last part versions the table, once, and
clears the marks. A run where some org reads incrementally without such a mark cannot complete
that read: it versions nothing, and the `complete` marks go.

The SDK has its own way, off here (`emit_activate_version_messages` of the streams): it writes
ACTIVATE_VERSION *before* a FULL_TABLE read's records, and target-postgres applies it at once,
so every row would look deleted until the read ends, and stay so if the read failed.
"""

from __future__ import annotations

import typing as t

from singer_sdk.mapper import RemoveRecordTransform
from singer_sdk.singerlib import ActivateVersionMessage

from tap_github_pat_grants.read_progress import FULL_READ, read_mark

if t.TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from singer_sdk.helpers.types import Context
    from singer_sdk.mapper import StreamMap
    from singer_sdk.streams import Stream

    from tap_github_pat_grants.endpoints import Endpoint
    from tap_github_pat_grants.read_counts import ReadKind
    from tap_github_pat_grants.run import Run


class Versioned(t.Protocol):
    """A top-level stream as versioning sees it (`client.GitHubOrgStream`)."""

    name: str
    table_version: int | None
    version_decided: bool

    @property
    def selected(self) -> bool:
        """Selected in the catalog."""

    @property
    def child_streams(self) -> Sequence[Stream]:
        """Its child streams."""

    @property
    def partitions(self) -> list[dict[str, t.Any]] | None:
        """One per organization."""

    @property
    def stream_maps(self) -> list[StreamMap]:
        """The SDK's stream maps (aliases, removed streams)."""

    @property
    def family(self) -> tuple[str, ...]:
        """Its name and its children's."""

    @property
    def endpoint(self) -> Endpoint:
        """How its endpoint is read."""

    def read_kind(self, context: dict[str, t.Any]) -> ReadKind:
        """How this run reads one organization."""

    def get_context_state(self, context: Context | None) -> dict[str, t.Any]:
        """One organization's state."""

    @property
    def stream_state(self) -> dict[str, t.Any]:
        """The stream's state, every organization's partition in it."""

    def _write_schema_message(self) -> None:
        """The SDK's SCHEMA of this stream, through its stream maps."""


def decide(stream: Versioned, run: Run) -> None:
    """Before the first record: a whole-table read carries a version, as do its children.

    Every org reads the whole list, or did in an earlier run of the same whole read (its
    `complete` mark), and every mark names one version: the whole read's, carried on.
    """
    partitions = stream.partitions or []
    marks = [read_mark(stream.get_context_state(partition)) for partition in partitions]
    whole = all(
        (mark is not None and mark.complete) or stream.read_kind(partition) == "full"
        for partition, mark in zip(partitions, marks, strict=True)
    )
    carried = {mark.version for mark in marks if mark is not None}
    versions = {version for version in carried if version is not None}
    whole = whole and len(carried) == len(versions) <= 1
    # GitHub's filters (`owner`, `permission`, ...) read a part of the list: never the whole.
    filtered = stream.endpoint.takes_list_filters and bool(run.settings.list_filters)
    whole = whole and not filtered and run.settings.emit_activate_version_messages
    version = (max(versions, default=run.started_at_ms // 1000)) if whole else None
    for member in _members(stream):
        member.table_version = version
        member.version_decided = True
    if version is None:  # a whole read with `complete` parts cannot complete now
        _clear_complete_marks(stream)


def activate(stream: Versioned, run: Run) -> None:
    """After the last organization of a complete whole-table read: ACTIVATE_VERSION, once.

    Every org's part is complete (this run's or an earlier one's) and no org failed, was
    skipped or skipped the stream in this run. Then the marks that waited for it go.
    """
    version = stream.table_version
    for partition in stream.partitions or []:
        org = run.ledger.org(str(partition["org"]))
        mark = read_mark(stream.get_context_state(partition))
        if org.status != "complete" or org.stream(stream.name).read == "skipped":
            return
        if version is None or mark is None or not mark.complete or mark.version != version:
            return
    for member in _members(stream):
        if member.selected and member.table_version is not None:
            if member is not stream:
                # A child with no parent to read this run never sent SCHEMA, and the rows it
                # holds from earlier runs must go: SCHEMA first (the writer drops a repeat).
                member._write_schema_message()  # noqa: SLF001 (private hook 3 of 3)
            for message in activate_version_messages(member.stream_maps, member.table_version):
                run.write_message(message)
    _clear_complete_marks(stream)
    run.write_state()


def _clear_complete_marks(stream: Versioned) -> None:
    """The `complete` marks of every org the stream's state holds (this run's or not)."""
    for partition in stream.stream_state.get("partitions", []):
        mark = read_mark(partition)
        if mark is not None and mark.complete:
            del partition[FULL_READ]


def activate_version_messages(
    stream_maps: Sequence[StreamMap], version: int
) -> Iterator[ActivateVersionMessage]:
    """ACTIVATE_VERSION through each stream map (its alias), as the SDK writes it."""
    for stream_map in stream_maps:
        if not isinstance(stream_map, RemoveRecordTransform):
            yield ActivateVersionMessage(stream=stream_map.stream_alias, version=version)


def _members(stream: Versioned) -> list[Versioned]:
    """The stream and its children (the tap's list streams all are `Versioned`)."""
    return [stream, *t.cast("list[Versioned]", stream.child_streams)]
