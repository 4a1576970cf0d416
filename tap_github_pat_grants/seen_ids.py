"""The ids a whole list's first pass emitted, kept compact for its verification pass."""

from __future__ import annotations

import heapq
import typing as t
from array import array
from bisect import bisect_left

_INT64 = 2**63 - 1
_RUN = 4096  # ids sorted at a time while filling


class SeenIds:
    """The ids a list's first pass emitted, kept compact for its verification pass.

    A Python set of 100,000 ids costs ~7 MiB (int objects and hash slots); ids packed in an
    array cost 8 bytes each and are looked up by bisection once the first pass is sealed.
    """

    def __init__(self) -> None:
        """Empty; `add` during the first pass, `seal`, then look up and `add` what was missed."""
        self._filling = array("q")  # the current run of ids, unsorted
        self._runs: list[array[int]] = []  # full runs, each sorted
        self._packed = array("q")  # every run merged, once sealed
        self._sealed = False
        self._others: set[object] = set()  # added after sealing, or not a 64-bit integer

    def add(self, row_id: object) -> None:
        """Remember one id."""
        if not self._sealed and _is_int64(row_id):
            self._filling.append(t.cast("int", row_id))
            if len(self._filling) == _RUN:
                self._runs.append(array("q", sorted(self._filling)))
                self._filling = array("q")
        else:
            self._others.add(row_id)

    def seal(self) -> None:
        """The first pass is over: sort for lookups."""
        # Sorted in runs and merged, so no moment holds every id as a Python int.
        self._runs.append(array("q", sorted(self._filling)))
        self._packed = array("q", heapq.merge(*self._runs))
        self._runs, self._filling = [], array("q")
        self._sealed = True

    def __contains__(self, row_id: object) -> bool:
        """Whether this id was added (lookups of packed ids need `seal` first)."""
        if row_id in self._others:
            return True
        if not _is_int64(row_id):
            return False
        place = bisect_left(self._packed, t.cast("int", row_id))
        return place < len(self._packed) and self._packed[place] == row_id


def _is_int64(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -_INT64 <= value <= _INT64
