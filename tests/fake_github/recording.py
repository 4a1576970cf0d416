"""A second local HTTP server that records every request it gets: where an off-origin redirect
would lead. It answers `200 []` like an empty GitHub list, so a client that followed the
redirect would see a list that ended early; tests check that nothing ever arrives here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tests.fake_github.background import Background

if TYPE_CHECKING:
    from typing_extensions import Self


@dataclass(frozen=True)
class RecordedRequest:
    """One request as it arrived, headers included (so a test can tell if a token came)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]


class RecordingServer(Background):
    """`with RecordingServer() as other:` serves on 127.0.0.1 (another port) until the block ends."""

    def __init__(self) -> None:
        self.received: list[RecordedRequest] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> Self:
        """Bind an OS-chosen port and serve in a daemon thread."""
        received = self.received

        class Recorder(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                split = urlsplit(self.path)
                headers = {name.lower(): value for name, value in self.headers.items()}
                received.append(RecordedRequest(self.command, split.path, split.query, headers))
                body = b"[]"
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET  # noqa: N815 (http.server's naming)

            def log_message(self, fmt: str, *args: Any) -> None:
                """Stay quiet: tests read `received`."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None
