"""The ids a whole list's read emitted, kept compact in memory and in STATE."""

from __future__ import annotations

import base64
import binascii
import heapq
import itertools
import operator
import sys
import typing as t
import zlib
from array import array
from bisect import bisect_left

_PACKED = "I"  # unsigned, 4 bytes: GitHub's ids are positive and (today) below 2**32
_LARGEST = 2 ** (8 * array(_PACKED).itemsize) - 1
_RUN = 4096  # ids sorted at a time while filling
_SLICE = 8192  # ids encoded at a time into STATE
# The text form: "z1", then chunks (a sorted run's ids, 8,192 at a time); a chunk is the base64 of
# the zlib-compressed byte planes (every gap's lowest byte, then every gap's second byte, ...)
# of the little-endian uint32 gaps between the run's ids (the first from 0). Ids of one org's
# list are close together, so the gaps are small and their high planes mostly zero: 1,000 ids
# of one org make ~1 KiB of text, 8,000 ids spread over a billion ~26 KiB, 100,000 ~250 KiB.
# A run's chunk is made once (runs change only when merged), so STATE written every few
# requests costs little more than the ids added since the last.
_FORMAT = "z1"
_WIDTH = 4
_MAX_TEXT_BYTES = 64 * 2**20  # decompressed: 16 million ids


class SeenIds:
    """The ids a list's read emitted, kept compact for its verification pass and for STATE.

    A Python set of 100,000 ids costs ~7 MiB (int objects and hash slots); here ids cost 4
    bytes each, in sorted runs looked up by bisection. Runs are merged pairwise as they fill
    (two of one size make one of twice the size), so 100,000 ids make at most 6 runs and no
    merge holds more than ~0.6 MiB. An id that does not fit is kept in a set: correct, larger.
    Lookups see the sorted runs (what an earlier run of the read emitted, and each full run of
    this one) and, once `seal`ed, everything.
    """

    def __init__(self) -> None:
        """Empty; `add` during the first pass, `seal`, then look up and `add` what was missed."""
        self._filling = array(_PACKED)  # the current run of ids, unsorted
        self._runs: list[array[int]] = []  # sorted runs, each at most half the one before
        self._chunks: list[list[str] | None] = []  # each run's text form, once made
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
            self._chunks.pop()
            run = array(_PACKED, heapq.merge(self._runs.pop(), run))
        self._runs.append(run)
        self._chunks.append(None)

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

    def dump(self) -> tuple[list[str], list[t.Any]]:
        """The packed ids' text form (its format, then chunks), and the ids that do not pack.

        A run's chunks are made once and shared by every later STATE: a checkpoint of 100,000
        ids makes no new large string.
        """
        for index, run in enumerate(self._runs):
            if self._chunks[index] is None:
                # In slices: encoding a whole 65,536-id run at once costs ~1 MiB of peak memory.
                slices = (run[start : start + _SLICE] for start in range(0, len(run), _SLICE))
                self._chunks[index] = list(map(_chunk, slices))
        packable = (t.cast("int", row_id) for row_id in self._others if _packs(row_id))
        rest = array(_PACKED, sorted(itertools.chain(self._filling, packable)))
        chunks = [chunk for run in self._chunks for chunk in run or ()]
        if rest:
            chunks.append(_chunk(rest))
        others = [row_id for row_id in self._others if not _packs(row_id)]
        return [_FORMAT, *chunks], others

    @classmethod
    def load(
        cls, parts: list[str], others: t.Iterable[t.Any] = (), *, sealed: bool = False
    ) -> SeenIds:
        """The ids `dump` wrote; ValueError when `parts` are not its form."""
        if not isinstance(parts, list) or parts[:1] != [_FORMAT]:
            msg = "not a packed id list"
            raise ValueError(msg)
        seen = cls()
        for chunk in parts[1:]:
            if not isinstance(chunk, str):
                msg = "not a packed id list"
                raise ValueError(msg)  # noqa: TRY004 (a mark that cannot be read: one kind of error)
            seen._runs.append(_run(chunk))
            seen._chunks.append([chunk])
        seen._others.update(others)
        seen._sealed = sealed
        return seen


def _chunk(run: array[int]) -> str:
    """One sorted run's text form."""
    gaps = array(_PACKED, run[:1])
    gaps.extend(map(operator.sub, itertools.islice(run, 1, None), run))
    if sys.byteorder == "big":
        gaps.byteswap()
    raw = gaps.tobytes()
    planes = b"".join(raw[plane::_WIDTH] for plane in range(_WIDTH))
    return base64.b64encode(zlib.compress(planes)).decode("ascii")


def _run(chunk: str) -> array[int]:
    """The sorted run a chunk holds; ValueError when it holds none."""
    try:
        unzip = zlib.decompressobj()
        planes = unzip.decompress(base64.b64decode(chunk, validate=True), _MAX_TEXT_BYTES)
        gaps = array(_PACKED)
        gaps.frombytes(_interleaved(planes))
        if sys.byteorder == "big":
            gaps.byteswap()
        ids = array(_PACKED, itertools.accumulate(gaps))
    except (binascii.Error, zlib.error, OverflowError) as broken:
        msg = f"a broken packed id list ({broken})"
        raise ValueError(msg) from None
    if unzip.unconsumed_tail or not ids:
        msg = "a packed id list longer than any list the tap reads, or empty"
        raise ValueError(msg)
    return ids


def _interleaved(planes: bytes) -> bytes:
    """The gaps' bytes from their byte planes; ValueError if they cannot be planes of gaps."""
    count, rest = divmod(len(planes), _WIDTH)
    if rest or array(_PACKED).itemsize != _WIDTH:
        msg = "a packed id list of a size no list of ids has"
        raise ValueError(msg)
    raw = bytearray(len(planes))
    for plane in range(_WIDTH):
        raw[plane::_WIDTH] = planes[plane * count : (plane + 1) * count]
    return bytes(raw)


def _packs(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _LARGEST
