"""When a table may be versioned: ACTIVATE_VERSION after a complete whole-table read, never before.

A loader that honours ACTIVATE_VERSION (target-postgres) drops, or marks deleted, every row of
the stream that the versioned read did not send. So a version goes only with a read of every
row GitHub lists in every organization (`emit_activate_version_messages`, on by default), on
each of its records, and ACTIVATE_VERSION goes out once, after the stream's last organization,
and only if every org's read of it completed in full: a failed or skipped org keeps the table
unversioned. A stream's children share its version.

The SDK has its own way, off here (`emit_activate_version_messages` of the streams): it writes
ACTIVATE_VERSION *before* a FULL_TABLE read's records, and target-postgres applies it at once,
so every row would look deleted until the read ends, and stay so if the read failed.
"""

from __future__ import annotations

import typing as t

from singer_sdk.mapper import RemoveRecordTransform
from singer_sdk.singerlib import ActivateVersionMessage

if t.TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

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

    def _write_schema_message(self) -> None:
        """The SDK's SCHEMA of this stream, through its stream maps."""


def decide(stream: Versioned, run: Run) -> None:
    """Before the first record: a whole-table read carries a version, as do its children."""
    partitions = stream.partitions or []
    whole = all(stream.read_kind(partition) == "full" for partition in partitions)
    # GitHub's filters (`owner`, `permission`, ...) read a part of the list: never the whole.
    filtered = stream.endpoint.takes_list_filters and bool(run.settings.list_filters)
    whole = whole and not filtered and run.settings.emit_activate_version_messages
    version = run.started_at_ms // 1000 if whole else None
    for member in _members(stream):
        member.table_version = version
        member.version_decided = True


def activate(stream: Versioned, run: Run) -> None:
    """After the last organization of a complete whole-table read: ACTIVATE_VERSION, once."""
    orgs = [run.ledger.org(str(partition["org"])) for partition in stream.partitions or []]
    if any(org.status != "complete" or org.stream(stream.name).read != "full" for org in orgs):
        return
    for member in _members(stream):
        version = member.table_version
        if member.selected and version is not None:
            if member is not stream:
                # A child with no parent to read this run never sent SCHEMA, and the rows it
                # holds from earlier runs must go: SCHEMA first (the writer drops a repeat).
                member._write_schema_message()  # noqa: SLF001 (private hook 3 of 3)
            for message in activate_version_messages(member.stream_maps, version):
                run.write_message(message)


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
