"""Where the tap departs from singer-sdk's defaults: the list, and the public levers it uses.

Public levers wherever the SDK has one: `request_decorator`, `validate_response`, `get_records`,
`post_process`, `get_child_context`, `get_replication_key_signpost`, `state_manager`,
`finalize_state_progress_markers`, `stream_maps`, `mask`, `capabilities`,
`message_writer_class`, `write_message` and logging. Three private hooks remain, each because
no public lever exists; `tests/test_sdk_contract.py` pins the SDK behaviour each one relies on:

1. `Stream._generate_record_messages` (client.py, `record_messages.py`): the record path.
   The SDK walks the selection mask for every record and stamps records with its private
   `_stream_version`, set only for FULL_TABLE streams, just before it writes ACTIVATE_VERSION
   *ahead of* the records. The tap's path pops deselected properties only when something is
   deselected and stamps the version `versioning.py` chose. Measured by `python -m benchmark`
   (`benchmark/README.md`, "the record path"): CPU seconds per 100,000 grants with and without it.
2. `Tap._validate_config` (tap.py): the SDK's messages print the offending value, which may be
   a secret; the tap's name the setting and the rule.
3. `Stream._write_schema_message` (versioning.py): a child stream with no parent to read in a
   run never sent SCHEMA, and a loader cannot version a stream it was not told about; the SDK
   has no public way to send a stream's SCHEMA (through its stream maps).

Not hooks, but worth knowing: the SDK re-sends a child's SCHEMA once per parent record
(hundreds of identical messages; target-duckdb flushes on each), so the writer below drops a
SCHEMA identical to the one last sent for that stream; a never-used token has no
`token_last_used_at`, and the SDK warns once per such grant though it cannot move a bookmark,
so that line is filtered, like the other misleading lines below.
"""

from __future__ import annotations

import logging
import sys
import typing as t

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.metrics import get_metrics_logger

if t.TYPE_CHECKING:
    from singer_sdk.singerlib.messages import Message

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
    # Once per never-used token (thousands per run): such a grant cannot move a bookmark.
    "New replication value is null",
)


class BufferedMsgSpecWriter(MsgSpecWriter):
    """The SDK's msgspec writer, flushing stdout only after STATE instead of every message.

    Loaders act on STATE, so it must reach them promptly; records may wait in the buffer
    (they are written before the STATE that covers them, and flushed with it or at exit).
    A SCHEMA identical to the one last sent for its stream is not sent again.
    """

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """No SCHEMA sent yet."""
        super().__init__(*args, **kwargs)
        self._schemas: dict[str, bytes] = {}

    def write_message(self, message: Message) -> None:
        """Write one message; flush when it is a STATE."""
        line = self.format_message(message)
        if message.type == "SCHEMA":
            stream, schema = str(message.to_dict()["stream"]), bytes(line)
            if self._schemas.get(stream) == schema:
                return
            self._schemas[stream] = schema
        sys.stdout.buffer.write(line)
        if message.type == "STATE":
            sys.stdout.flush()


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
