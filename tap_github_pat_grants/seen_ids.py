"""The ids a whole list's first pass emitted, kept compact for its verification pass."""

from __future__ import annotations

import heapq
import typing as t
from array import array
from bisect import bisect_left

_PACKED = "I"  # unsigned, 4 bytes: GitHub's ids are positive and (today) below 2**32
_LARGEST = 2 ** (8 * array(_PACKED).itemsize) - 1
_RUN = 4096  # ids sorted at a time while filling


class SeenIds:
    """The ids a list's first pass emitted, kept compact for its verification pass.

    A Python set of 100,000 ids costs ~7 MiB (int objects and hash slots); here ids cost 4
    bytes each, in sorted runs looked up by bisection. Runs are merged pairwise as they fill
    (two of one size make one of twice the size), so 100,000 ids make at most 6 runs and no
    merge holds more than ~0.6 MiB. An id that does not fit is kept in a set: correct, larger.
    """

    def __init__(self) -> None:
        """Empty; `add` during the first pass, `seal`, then look up and `add` what was missed."""
        self._filling = array(_PACKED)  # the current run of ids, unsorted
        self._runs: list[array[int]] = []  # sorted runs, each at most half the one before
        self._sealed = False
        self._others: set[object] = set()  # added after sealing, or not packable

    def add(self, row_id: object) -> None:
        """Remember one id."""
        if not self._sealed and _packs(row_id):
            self._filling.append(t.cast("int", row_id))
            if len(self._filling) == _RUN:
                self._keep(self._filling)
                self._filling = array(_PACKED)
        else:
            self._others.add(row_id)

    def seal(self) -> None:
        """The first pass is over: every run sorted, for lookups."""
        if self._filling:
            self._keep(self._filling)
        self._filling = array(_PACKED)
        self._sealed = True

    def _keep(self, ids: array[int]) -> None:
        # Sorted a run at a time, so no moment holds every id as a Python int.
        run = array(_PACKED, sorted(ids))
        while self._runs and len(self._runs[-1]) <= len(run):
            run = array(_PACKED, heapq.merge(self._runs.pop(), run))
        self._runs.append(run)

    def __contains__(self, row_id: object) -> bool:
        """Whether this id was added (lookups of packed ids need `seal` first)."""
        if row_id in self._others:
            return True
        if not _packs(row_id):
            return False
        for run in self._runs:
            place = bisect_left(run, t.cast("int", row_id))
            if place < len(run) and run[place] == row_id:
                return True
        return False


def _packs(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _LARGEST
