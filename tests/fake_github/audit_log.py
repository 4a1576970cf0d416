"""An organization's audit log: events as GitHub serves them, in `@timestamp` order, and cursors.

An event is GitHub's JSON object: `@timestamp` and `created_at` in epoch milliseconds (GitHub's
docs: "Timestamp shows the time since Epoch with milliseconds"), `_document_id` unique. Events
may be added at any time with any `@timestamp`: GitHub backfills, so an event can appear
*before* events a client has already paged past (`AuditLog.add`, or the `late_event` change in
`mutations.py`).

A cursor is GitHub's: base64 of `<@timestamp as a float>|<_document_id>`, e.g.
`MS42MTUzMzYzNzg4MzNlKzEyfFlBdkVhclBZR21reGtQMG5uRng4bVE=` is
`1.615336378833e+12|YAvEarPYGmkxkP0nnFx8mQ` (a `Link` header quoted in google/go-github#1848).
A cursor marks a place between events, not an offset: an event added before that place is
never seen by a client that pages on from it.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from tests.fake_github.versioned_cache import VersionedCache

Json = dict[str, Any]
Key = tuple[int, str]  # (@timestamp, _document_id): GitHub's order, and a cursor's place

GIT_ACTIONS = "git."  # Git events are served only with `include=git` or `include=all`


def key_of(event: Json) -> Key:
    """Where an event sorts: `@timestamp`, then `_document_id`."""
    return int(event["@timestamp"]), str(event["_document_id"])


def document_id(seed: str) -> str:
    """A `_document_id` like GitHub's (22 characters of URL-safe base64), stable for a seed."""
    digest = hashlib.sha256(seed.encode()).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def encode_cursor(key: Key) -> str:
    """GitHub's cursor for the place of the event with this key."""
    timestamp, doc_id = key
    return base64.b64encode(f"{float(timestamp):.12e}|{doc_id}".encode()).decode()


def decode_cursor(text: str) -> Key:
    """The place a cursor marks.

    Raises:
        ValueError: when the text is not one of GitHub's cursors.
    """
    try:
        decoded = base64.b64decode(text.encode(), validate=True).decode()
        timestamp, doc_id = decoded.split("|", 1)
        return int(float(timestamp)), doc_id
    except (binascii.Error, UnicodeDecodeError, ValueError) as bad:
        msg = f"not an audit-log cursor: {text!r}"
        raise ValueError(msg) from bad


def audit_event(
    action: str,
    timestamp_ms: int,
    *,
    org: str,
    org_id: int,
    actor: Json | None,
    user: Json | None = None,
    doc_id: str | None = None,
    **fields: Any,
) -> Json:
    """One event in GitHub's shape; `actor`/`user` are Simple Users (None: GitHub itself).

    The common fields come first, in the order of GitHub's example; `fields` follow as given.
    """
    event: Json = {
        "@timestamp": timestamp_ms,
        "_document_id": doc_id or document_id(f"{org_id}:{action}:{timestamp_ms}:{fields}"),
        "action": action,
    }
    if actor is not None:
        event.update(actor=actor["login"], actor_id=actor["id"])
    event["created_at"] = timestamp_ms
    event.update(org=org, org_id=org_id)
    if user is not None:
        event.update(user=user["login"], user_id=user["id"])
    event.update(fields)
    return event


class AuditLog(VersionedCache):
    """The events, kept sorted on demand; anything derived is cached until the log changes."""

    def __init__(self, events: Iterable[Json] = ()) -> None:
        super().__init__()
        self._events: list[Json] = []
        self._ids: set[str] = set()
        self.extend(events)

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Any:
        return iter(self.sorted())

    def add(self, event: Json) -> Json:
        """Add one event (a late one when its `@timestamp` is older than events served)."""
        self.extend([event])
        return event

    def extend(self, events: Iterable[Json]) -> None:
        """Add events; `_document_id`s must be new."""
        with self._lock:
            for event in events:
                doc_id = str(event["_document_id"])
                if doc_id in self._ids:
                    msg = f"duplicate _document_id {doc_id}"
                    raise ValueError(msg)
                self._ids.add(doc_id)
                self._events.append(event)
            self._changed()

    def remove(self, doc_id: str) -> Json:
        """Take one event out (GitHub never does; for tests of a key that disappears)."""
        with self._lock:
            found = next(e for e in self._events if e["_document_id"] == doc_id)
            self._events.remove(found)
            self._ids.discard(doc_id)
            self._changed()
        return found

    def sorted(self) -> list[Json]:
        """Every event, oldest first (`@timestamp`, then `_document_id`)."""
        return self.cached("sorted", lambda: sorted(self._events, key=key_of))

    def matching(
        self, test: Hashable, keep: Callable[[Json], bool]
    ) -> tuple[list[Json], list[Key]]:
        """The events `keep` accepts, oldest first, and their keys (for bisecting); `test`
        names the filter for the cache."""

        def compute() -> tuple[list[Json], list[Key]]:
            chosen = [event for event in self.sorted() if keep(event)]
            return chosen, [key_of(event) for event in chosen]

        return self.cached(("matching", test), compute)


def window(keys: list[Key], low_ms: int | None, high_ms: int | None) -> tuple[int, int]:
    """Index range of the keys with `low_ms <= @timestamp < high_ms` (None: unbounded)."""
    start = 0 if low_ms is None else bisect.bisect_left(keys, (low_ms, ""))
    end = len(keys) if high_ms is None else bisect.bisect_left(keys, (high_ms, ""))
    return start, max(start, end)
