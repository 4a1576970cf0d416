"""The `sync_runs` columns each stream has: how it was read in an org, and what that cost.

Made from the list of streams, so a new stream gets its columns with no schema edit, named by
the stream without `pat_` (`pat_grants` -> `grants_read`): `_read`, `_read_started_at`,
`_records`, `_requests`, `_verification_added` for a whole list, and `_pages_announced`,
`_pages_read`, `_pages_grown`, `_pages_shrunk`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tap_github_pat_grants.read_counts import StreamRead

_INTEGER = ["integer", "null"]


@dataclass(frozen=True)
class LedgerColumns:
    """One stream's columns: its name, their prefix, and whether it can be read as a whole list."""

    stream: str  # e.g. pat_grants
    prefix: str  # e.g. grants
    whole_list: bool  # a top-level list read whole, its verification pass counted

    def schema(self) -> dict[str, dict[str, Any]]:
        """The columns' JSON Schema properties."""
        s, p = f"`{self.stream}`", self.prefix
        columns = _read_columns(s, p)
        columns.update(
            {
                f"{p}_records": _integer(f"{s} records emitted for this organization."),
                f"{p}_requests": _integer(f"Requests made to GitHub for {s} in this organization."),
            }
        )
        if self.whole_list:
            columns[f"{p}_verification_added"] = _integer(
                f"{s} rows a full read's verification pass found that its first pass missed "
                "(GitHub's list shifted while it was paged)."
            )
        columns.update(
            {
                f"{p}_pages_announced": _integer(
                    f'Pages GitHub announced (`Link: rel="last"`) on the first page of each {s} '
                    "list this run read to its end here, summed (a list of one page: 1)."
                ),
                f"{p}_pages_read": _integer(
                    f"Pages those {s} lists held when read to their end, summed. Against "
                    f"`{p}_pages_announced`: how far the lists moved while they were read."
                ),
                f"{p}_pages_grown": _integer(
                    f"Pages {s} lists held beyond what their first page announced, summed: "
                    "rows GitHub added while the run read them."
                ),
                f"{p}_pages_shrunk": _integer(
                    f"Pages {s} lists held short of what their first page announced, summed: "
                    "rows GitHub removed while the run read them."
                ),
            }
        )
        return columns

    def values(self, counts: StreamRead) -> dict[str, Any]:
        """The columns' values for one org, from what the stream's read counted there."""
        read = counts.read if counts.read != "skipped" else None
        values: dict[str, Any] = {
            f"{self.prefix}_read": "full (resumed)" if read and counts.resumed else read,
            f"{self.prefix}_read_started_at": counts.read_started_at if read else None,
            f"{self.prefix}_records": counts.records if read else None,
            f"{self.prefix}_requests": counts.requests if read else None,
        }
        if self.whole_list:
            added = counts.verification_added if counts.read else None
            values[f"{self.prefix}_verification_added"] = added
        for moved in ("pages_announced", "pages_read", "pages_grown", "pages_shrunk"):
            values[f"{self.prefix}_{moved}"] = getattr(counts, moved) if read else None
        return values


def _read_columns(s: str, p: str) -> dict[str, dict[str, Any]]:
    """How the stream was read, and when a full read of it began."""
    return {
        f"{p}_read": {
            "type": ["string", "null"],
            "description": f"How {s} was read here: `full` (every row GitHub lists), "
            "`full (resumed)` (the rest of a full read an earlier run began and stopped), "
            "or `incremental`; null when not selected or skipped (`skipped_streams` says why).",
        },
        f"{p}_read_started_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": f"For a full read of {s}: when the run that began it started (this "
            "run's `run_started_at`, or an earlier run's for `full (resumed)`). A complete "
            "full read holds every row extracted since then.",
        },
    }


def _integer(description: str) -> dict[str, Any]:
    return {"type": _INTEGER, "description": description}
