"""Progress of long syncs: pages done of GitHub's announced total, and a summary per org."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    import requests

PROGRESS_EVERY_SECONDS = 10.0


def announced_pages(response: requests.Response) -> int | None:
    """The page count GitHub announces in `Link: rel="last"` (None on the last page)."""
    last = response.links.get("last", {}).get("url")
    if not last:
        return None
    pages = parse_qs(urlsplit(last).query).get("page")
    return int(pages[0]) if pages and pages[0].isdigit() else None


class OrgProgress:
    """Counts one org's pages, records and seconds; logs every few seconds and at the end."""

    def __init__(self, stream: str, logger: logging.Logger, *, quiet: bool = False) -> None:
        """Start idle; a quiet one logs at DEBUG (child streams run once per parent row)."""
        self._stream = stream
        self._level = logging.DEBUG if quiet else logging.INFO
        self._logger = logger
        self.org = ""
        self.pages = 0
        self.records = 0
        self._total_pages: int | None = None
        self._started = 0.0
        self._last_log = 0.0

    def start(self, org: str) -> None:
        """A new org's partition begins."""
        self.org = org
        self.pages = 0
        self.records = 0
        self._total_pages = None
        self._started = self._last_log = time.monotonic()

    def page_done(self, response: requests.Response) -> None:
        """One page arrived; log progress when it has been a while."""
        self.pages += 1
        total = announced_pages(response)
        if total is not None:
            self._total_pages = max(total, self._total_pages or 0)
        now = time.monotonic()
        if now - self._last_log >= PROGRESS_EVERY_SECONDS:
            self._last_log = now
            self._logger.log(
                self._level,
                "%s org %s: page %d of %s, %d records so far",
                self._stream,
                self.org,
                self.pages,
                self._total_pages or "?",
                self.records,
            )

    def finish(self) -> None:
        """The org's partition is complete: one summary line."""
        self._logger.log(
            self._level,
            "%s org %s: done, %d records, %d requests, %.1f s",
            self._stream,
            self.org,
            self.records,
            self.pages,
            time.monotonic() - self._started,
        )
