"""Answers the server writes a piece at a time: a trickling body, a huge body, endless headers.

Each is a `Response` whose `stream` writes the status line, headers and body itself, so a body
bigger than any sane bound is generated chunk by chunk (never built in memory) and a slow one
really arrives slowly. Every one ends when the client hangs up (or after a bound, so a thread
of the fake never outlives its test by long); the connection is closed afterwards.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.fake_github.responses import Response

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import BinaryIO

CHUNK_BYTES = 64 * 1024
# The longest a streamed answer keeps writing to a client that neither reads nor hangs up.
MAX_STREAM_SECONDS = 30.0


@dataclass
class Streamed(Response):
    """A response written by `stream` (head lines come without Content-Length)."""

    def stream(self, wfile: BinaryIO, head: list[str]) -> None:
        """Write the whole answer, ignoring a client that hung up."""
        started = time.monotonic()
        try:
            for piece in self.pieces(head):
                wfile.write(piece)
                wfile.flush()
                if time.monotonic() - started > MAX_STREAM_SECONDS:
                    return
        except OSError:  # the client gave up: that is the point
            return

    def pieces(self, head: list[str]) -> Iterator[bytes]:
        """The bytes to write, in order."""
        raise NotImplementedError


def _head(head: list[str], extra: list[str]) -> bytes:
    return ("\r\n".join([*head, *extra]) + "\r\n\r\n").encode("latin-1")


@dataclass
class Trickle(Streamed):
    """The real body, `chunk_bytes` at a time with `interval_seconds` between chunks."""

    chunk_bytes: int = 64
    interval_seconds: float = 0.2

    def pieces(self, head: list[str]) -> Iterator[bytes]:
        """Head at once (announcing the full length), then the body slowly."""
        yield _head(head, [f"Content-Length: {len(self.body)}", "Connection: close"])
        for start in range(0, len(self.body), self.chunk_bytes):
            yield self.body[start : start + self.chunk_bytes]
            time.sleep(self.interval_seconds)


@dataclass
class Huge(Streamed):
    """A JSON array of `size_bytes` bytes, generated as it is written.

    `announce_length=False` sends no Content-Length (the body ends when the connection does),
    so only reading it shows how big it is.
    """

    size_bytes: int = 32 * 1024 * 1024
    announce_length: bool = True

    def pieces(self, head: list[str]) -> Iterator[bytes]:
        """`[0,0,...,0]`, exactly `size_bytes` long."""
        length = [f"Content-Length: {self.size_bytes}"] if self.announce_length else []
        yield _head(head, [*length, "Connection: close"])
        filler = b"0," * (CHUNK_BYTES // 2)
        left = self.size_bytes - len(b"[0]")
        yield b"["
        while left > 0:
            piece = filler[: min(left, len(filler))]
            left -= len(piece)
            yield piece
        yield b"0]"


@dataclass
class EndlessHeaders(Streamed):
    """The status line and headers, then header after header, never the blank line."""

    interval_seconds: float = 0.0

    def pieces(self, head: list[str]) -> Iterator[bytes]:
        """A header block that never ends."""
        yield ("\r\n".join(head) + "\r\n").encode("latin-1")
        number = 0
        while True:
            number += 1
            yield f"X-Padding-{number}: {'x' * 40}\r\n".encode()
            if self.interval_seconds:
                time.sleep(self.interval_seconds)
