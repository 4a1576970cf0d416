"""What the tap relies on in singer-sdk (see `tap_github_pat_grants/sdk_overrides.py`).

Each test pins one behaviour of the SDK itself, on a minimal tap of the SDK's own classes, so an
upgrade that changes it fails here, with the reason, before it silently changes the tap.
"""

from __future__ import annotations

import io
import json
import logging
from contextlib import redirect_stdout

import pytest
from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.metrics import get_metrics_logger

from tap_github_pat_grants.tap import STREAM_TYPES, TapGitHubPatGrants

SCHEMA = th.PropertiesList(
    th.Property("id", th.IntegerType), th.Property("used", th.StringType)
).to_dict()


class Parents(Stream):
    name = "parents"
    schema = SCHEMA
    primary_keys = ("id",)
    replication_key = None

    def get_records(self, context):
        yield {"id": 1, "used": None}
        yield {"id": 2, "used": None}

    def get_child_context(self, record, context):
        return {"parent": record["id"]}


class Children(Stream):
    name = "children"
    schema = SCHEMA
    primary_keys = ("id",)
    parent_stream_type = Parents

    def get_records(self, context):
        yield {"id": context["parent"] * 10, "used": None}


class Used(Stream):
    name = "used"
    schema = SCHEMA
    primary_keys = ("id",)
    replication_key = "used"
    is_sorted = False

    def get_records(self, context):
        yield {"id": 1, "used": None}
        yield {"id": 2, "used": "2024-01-01T00:00:00.000Z"}


class MiniTap(Tap):
    name = "mini-tap"
    config_jsonschema = th.PropertiesList(
        th.Property("secret_number", th.IntegerType, secret=True),
        th.Property("emit_activate_version_messages", th.BooleanType),
    ).to_dict()

    def discover_streams(self):
        return [Parents(self), Children(self), Used(self)]


def _messages(tap: Tap) -> list[dict]:
    out = io.StringIO()
    with redirect_stdout(out):
        tap.sync_all()
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_full_table_streams_get_activate_version_before_their_records():
    # Why client.py turns `emit_activate_version_messages` off and writes it itself, after.
    messages = _messages(MiniTap(config={"emit_activate_version_messages": True}))
    kinds = [(m["type"], m.get("stream")) for m in messages]
    assert kinds.index(("ACTIVATE_VERSION", "parents")) < kinds.index(("RECORD", "parents"))


def test_records_carry_stream_version_and_activate_version_writes_it():
    tap = MiniTap(config={})
    stream = tap.streams["parents"]
    stream._stream_version = 7
    messages = _messages(tap)
    assert {m["version"] for m in messages if m.get("stream") == "parents" and "record" in m} == {7}
    out = io.StringIO()
    with redirect_stdout(out):
        stream._write_activate_version_message(7)
    assert json.loads(out.getvalue()) == {
        "type": "ACTIVATE_VERSION",
        "stream": "parents",
        "version": 7,
    }


def test_child_streams_get_schema_once_per_parent_record():
    # Why streams.py sends a child's SCHEMA only once per run.
    messages = _messages(MiniTap(config={}))
    schemas = [m for m in messages if m["type"] == "SCHEMA" and m["stream"] == "children"]
    assert len(schemas) == 2  # one per parent record


def test_a_null_replication_value_is_warned_about_per_record(caplog):
    # Why streams.py skips `_increment_stream_state` for never-used tokens.
    sdk = logging.getLogger("singer_sdk")
    installed, sdk.filters = sdk.filters, []  # the tap's filter, if an earlier test added it
    try:
        with caplog.at_level(logging.WARNING):
            _messages(MiniTap(config={}))
    finally:
        sdk.filters = installed
    assert "New replication value is null" in caplog.text
    assert "Stream is assumed to be unsorted" in caplog.text  # still said: filtered


def test_the_sdks_config_errors_print_the_offending_value():
    # Why tap.py replaces `_validate_config`: the value may be a secret.
    with pytest.raises(ConfigValidationError) as caught:
        MiniTap(config={"secret_number": "hunter2-secret"})
    assert "hunter2-secret" in " ".join([str(caught.value), *caught.value.errors])


def test_streams_are_synced_in_name_order():
    # Why `sync_runs` is named to sort after every `pat_*` stream.
    tap = TapGitHubPatGrants(
        config={"organizations": ["x"], "auth_token": "x"}, validate_config=False
    )
    assert list(tap.streams) == sorted(stream.name for stream in tap.streams.values())
    assert list(tap.streams)[-1] == "sync_runs"
    assert len(tap.streams) == len(STREAM_TYPES)


def test_finalizing_a_partitions_markers_writes_state():
    # Why client.py can write STATE as each organization finishes, without `_finalize_state`.
    tap = MiniTap(config={})
    stream = tap.streams["used"]
    state = stream.get_context_state(None)
    state["progress_markers"] = {"replication_key": "used", "replication_key_value": "2024"}
    out = io.StringIO()
    with redirect_stdout(out):
        stream.finalize_state_progress_markers(state)
    assert json.loads(out.getvalue().splitlines()[-1])["type"] == "STATE"
    assert state.get("replication_key_value") == "2024"
    assert "progress_markers" not in state


def test_metrics_have_their_own_logger():
    # `log_metrics` works by that logger's level.
    assert get_metrics_logger().name == "singer_sdk.metrics"


# What resumable full reads (issue 22, `full_read.py`) rely on.


class Watched(Parents):
    """Parents that note, each time the SDK asks for the next one, what it has written so far."""

    name = "watched"
    seen: list[int] = []

    def get_records(self, context):
        for record in super().get_records(context):
            yield record
            Watched.seen.append(len(self._tap.written))  # the SDK is back for the next row


class WatchedChildren(Children):
    name = "watched_children"
    parent_stream_type = Watched


class WatchingTap(MiniTap):
    name = "watching-tap"

    def discover_streams(self):
        return [Watched(self), WatchedChildren(self)]

    def write_message(self, message):
        self.written.append(message.to_dict()["type"] + ":" + message.to_dict().get("stream", ""))
        super().write_message(message)


def test_a_parent_rows_record_and_its_childrens_are_written_before_the_next_row_is_asked_for():
    # Why an id joins a full read's `done` ids once `yield row` returns: its record and its
    # children's records are written by then (children first, then the parent's record).
    tap = WatchingTap(config={})
    tap.written = []
    Watched.seen = []
    _messages(tap)
    first_return = tap.written[: Watched.seen[0]]
    assert first_return[-2:] == ["RECORD:watched_children", "RECORD:watched"]


def test_only_the_sdks_own_progress_markers_are_wiped_when_a_sync_starts():
    # Why a full read's mark lives beside them in the partition's state, under its own key.
    state = {
        "bookmarks": {
            "used": {
                "progress_markers": {"Note": "x"},
                "full_read": {"page": 3},
                "partitions": [{"context": {}, "progress_markers": {}, "full_read": {"page": 4}}],
            }
        }
    }
    tap = MiniTap(config={}, state=state)
    _messages(tap)
    kept = tap.state["bookmarks"]["used"]
    assert kept["full_read"] == {"page": 3}
    assert kept["partitions"][0]["full_read"] == {"page": 4}


def test_a_seeded_progress_marker_keeps_the_latest_value_and_is_promoted():
    # Why a resumed full read puts its bookmark so far back where the SDK keeps one.
    tap = MiniTap(config={})
    stream = tap.streams["used"]
    state = stream.get_context_state(None)
    state["progress_markers"] = {
        "Note": "ours",
        "replication_key": "used",
        "replication_key_value": "2025-01-01T00:00:00.000Z",
    }
    for record in stream.get_records(None):
        stream._increment_stream_state(record, context=None)
    assert state["progress_markers"]["Note"] == "ours"
    with redirect_stdout(io.StringIO()):
        stream.finalize_state_progress_markers(state)
    assert state["replication_key_value"] == "2025-01-01T00:00:00.000Z"
