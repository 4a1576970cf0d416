"""Where this tap departs from singer-sdk's defaults: the one list, and the small pieces it needs.

Public levers are used wherever the SDK has one (`request_decorator`, `validate_response`,
`get_records`, `post_process`, `get_child_context`, `state_manager`,
`finalize_state_progress_markers`, `message_writer_class`, logging). These private hooks and
fields are used because no public lever exists; `tests/test_sdk_contract.py` fails if an SDK
upgrade changes the behaviour each one relies on:

- `Stream._stream_version` (client.py): the version RECORD messages carry. The SDK sets it
  only for FULL_TABLE streams, just before writing ACTIVATE_VERSION *ahead of* the records;
  the tap sets it for every whole-table read and writes ACTIVATE_VERSION after the read.
- `Stream._write_activate_version_message` (client.py): writes ACTIVATE_VERSION through the
  stream maps (aliases, removed streams), as the SDK does.
- `Stream._generate_record_messages` (client.py): the fast record path below.
- `Stream._increment_stream_state` (streams.py): a never-used token has no
  `token_last_used_at`; the SDK warns once per such grant (thousands per run) though it
  cannot move a bookmark.
- `Stream._write_schema_message` (streams.py): the SDK re-sends SCHEMA once per parent record
  for child streams (hundreds of identical messages; target-duckdb flushes on each).
- `Tap._validate_config` (tap.py): the SDK's messages print the offending value, which may be
  a secret.

The fast record path: measured on a 20,000-grant sync (cProfile, singer-sdk 0.54.9), the SDK
spent ~40 % of its time conforming types that msgspec had already decoded right (turned off
with the public `TYPE_CONFORMANCE_LEVEL`), ~10 % walking the selection mask when nothing was
deselected, and flushed stdout once per message. `python -m benchmark`, 20,000 grants, with
and without the private `_generate_record_messages` hook: 9,847 against 6,793 records/s
(1.85 against 2.45 CPU s) at 0 ms; at 150 ms per response the wall time is GitHub's either way
(33.6 against 33.5 s) and the same CPU is saved.
"""

from __future__ import annotations

import logging
import sys
import typing as t
from datetime import datetime, timezone

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.metrics import get_metrics_logger
from singer_sdk.singerlib import RecordMessage

if t.TYPE_CHECKING:
    from collections.abc import Generator

    from singer_sdk.singerlib.messages import Message
    from singer_sdk.streams import Stream

MISLEADING_SDK_LINES = (
    # Once per org of an unsorted stream; but every org's bookmark is final, and in STATE,
    # when the org finishes: per org the progress IS resumable.
    "Stream is assumed to be unsorted",
    # "in incremental mode", "Starting incremental sync" on a first run or a full refresh,
    # which read every grant; the tap's own summary line says how each org was read.
    "Beginning sync of",
    "Starting incremental sync of",
    # Before every stopping error; the tap's own one line says what happened and what to do.
    "An unhandled error occurred while syncing",
)


class BufferedMsgSpecWriter(MsgSpecWriter):
    """The SDK's msgspec writer, flushing stdout only after STATE instead of every message.

    Loaders act on STATE, so it must reach them promptly; records may wait in the buffer
    (they are written before the STATE that covers them, and flushed with it or at exit).
    """

    def write_message(self, message: Message) -> None:
        """Write one message; flush when it is a STATE."""
        sys.stdout.buffer.write(self.format_message(message))
        if message.type == "STATE":
            sys.stdout.flush()


def has_deselected_properties(stream: Stream) -> bool:
    """True when the catalog deselects any property of the stream (else nothing to pop)."""
    return any(breadcrumb and selected is False for breadcrumb, selected in stream.mask.items())


def fast_record_messages(
    stream: Stream, record: dict[str, t.Any]
) -> Generator[RecordMessage, None, None]:
    """The SDK's `_generate_record_messages` when nothing is deselected and conformance is off.

    The record goes through each stream map and out as RECORD messages, as in the SDK.
    """
    extracted_at = datetime.now(timezone.utc)  # as the SDK stamps `time_extracted`
    for stream_map in stream.stream_maps:
        mapped = stream_map.transform(record)
        if mapped is not None:
            yield RecordMessage(
                stream=stream_map.stream_alias,
                record=mapped,
                version=stream._stream_version,  # noqa: SLF001 (the SDK's own field)
                time_extracted=extracted_at,
            )


class _DropMisleading(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(MISLEADING_SDK_LINES)


_DROP_MISLEADING = _DropMisleading()


def quiet_sdk_logs(*, log_metrics: bool) -> None:
    """A log a person can read: no METRIC line per request unless asked, no misleading line.

    The SDK's METRIC lines (one per request and per child partition: ~1,300 in a two-org
    run) stay available with `log_metrics: true` or at DEBUG.
    """
    metrics = get_metrics_logger()
    if not log_metrics and metrics.getEffectiveLevel() > logging.DEBUG:
        metrics.setLevel(logging.WARNING)
    drop_misleading_lines(logging.getLogger("singer_sdk"))


def drop_misleading_lines(logger: logging.Logger) -> None:
    """Keep `MISLEADING_SDK_LINES` out of this logger's output."""
    if _DROP_MISLEADING not in logger.filters:
        logger.addFilter(_DROP_MISLEADING)
