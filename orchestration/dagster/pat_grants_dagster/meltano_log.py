"""Meltano's log, one JSON object a line (`meltano --log-format=json`): which lines matter.

Meltano wraps every line a plugin writes to stderr: `name` is the plugin, `event` the plugin's
own message, `level` its level. Parsing JSON rather than the console format keeps the tap's
message intact whatever Meltano's console renderer does with colours, padding or key=value
suffixes. A line that is not JSON (a crash before logging is set up) is kept as plain text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

# The tap's lines an operator watches: its summary per org per stream ("pat_grants org acme:
# done, 300 records, 4 requests, 1.2 s (full read)"), its progress every few seconds ("org acme:
# reading; so far ..."), and its closing line ("Run done: 1 complete, 0 failed, 0 skipped; ...").
_SUMMARY = re.compile(r"^(?P<stream>\w+) org (?P<org>\S+): done, ")
_TAP_LINES = re.compile(r"^(\w+ org \S+: done, |org \S+: reading; |Run done: )")
_LOUD_LEVELS = frozenset({"warning", "error", "critical"})


@dataclass(frozen=True)
class LogLine:
    """One line of Meltano's log."""

    source: str  # the plugin's name, or "meltano" for Meltano's own lines
    level: str
    text: str

    def __str__(self) -> str:
        """`tap-github-pat-grants info: pat_grants org acme: done, ...`."""
        return f"{self.source} {self.level}: {self.text}"


def parse(raw: str) -> LogLine:
    """One line of `meltano --log-format=json` output."""
    try:
        found = json.loads(raw)
    except ValueError:
        found = None
    if not isinstance(found, dict) or "event" not in found:
        return LogLine("meltano", "info", raw.rstrip("\n"))
    return LogLine(
        source=str(found.get("name") or "meltano"),
        level=str(found.get("level") or "info").lower(),
        text=str(found["event"]),
    )


def worth_forwarding(line: LogLine, extractor: str) -> bool:
    """The tap's summary, progress and closing lines, and any warning or error."""
    if line.level in _LOUD_LEVELS:
        return True
    return line.source == extractor and _TAP_LINES.match(line.text) is not None


def summarized_stream(line: LogLine, extractor: str) -> str | None:
    """The stream a tap summary line is about (`pat_grants`), else None."""
    if line.source != extractor:
        return None
    found = _SUMMARY.match(line.text)
    return found.group("stream") if found else None
