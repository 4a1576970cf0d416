"""FakeGitHub: the fake server's lifecycle (key, port, thread) and test conveniences."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fake_github.auth import AppKeys
from tests.fake_github.background import Background
from tests.fake_github.server import Server
from tests.fake_github.world import World

if TYPE_CHECKING:
    from typing_extensions import Self


class FakeGitHub(World, Background):
    """A GitHub API on 127.0.0.1 (OS-chosen port) for tests, the demo and the benchmark.

    `with FakeGitHub() as gh:` starts it in a background thread and stops it on exit.
    """

    def __init__(
        self,
        token_ttl_seconds: float = 3600,
        latency_seconds: float = 0.0,
        *,
        rate_limit: int = 5000,
        app_id: str = "12345",
        client_id: str = "Iv1.abc123def4567890",
        port: int = 0,
    ) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,  # GitHub's downloads: PKCS#1
            serialization.NoEncryption(),
        ).decode()
        super().__init__(
            AppKeys(app_id, client_id, key.public_key()),
            token_ttl_seconds=token_ttl_seconds,
            latency_seconds=latency_seconds,
            rate_limit=rate_limit,
        )
        self._port = port
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The API base URL, e.g. `http://127.0.0.1:54321` (the tap's `api_url`)."""
        if not self.base_url:
            msg = "FakeGitHub is not running; use `with FakeGitHub() as gh:`"
            raise RuntimeError(msg)
        return self.base_url

    def start(self) -> Self:
        """Bind the port and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._server = Server(("127.0.0.1", self._port), self)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-github",
            daemon=True,
        )
        self._thread.start()
        for org in list(self.orgs.values()):
            self.warm(org)
        return self

    def stop(self) -> None:
        """Stop serving, end open connections and release the port."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None
        self.base_url = ""

    def make_jwt(
        self,
        *,
        issued_at: float | None = None,
        expires_at: float | None = None,
        issuer: str | None = None,
        private_key_pem: str | None = None,
    ) -> str:
        """An App JWT like a good client makes (iat 60 s ago, 10 minutes long); override to break it."""
        issued = int(time.time()) - 60 if issued_at is None else int(issued_at)
        expires = issued + 600 if expires_at is None else int(expires_at)
        claims = {"iat": issued, "exp": expires, "iss": issuer or self.app_id}
        return jwt.encode(claims, private_key_pem or self.private_key_pem, algorithm="RS256")
