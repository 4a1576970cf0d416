"""The HTTP layer: a threaded HTTP/1.1 keep-alive server applying rate limits and faults."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
import traceback
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fake_github.auth import authenticate
from tests.fake_github.faults import PRIMARY_RATE_LIMIT_MESSAGE, RATE_LIMIT_DOCS, Fault
from tests.fake_github.ratelimit import Budget
from tests.fake_github.responses import (
    Response,
    default_fault_body,
    error,
    json_response,
    new_request_id,
)
from tests.fake_github.routes import Request, route
from tests.fake_github.streamed import Streamed
from tests.fake_github.world import LoggedRequest, World

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tests.fake_github.auth import Credential

Address = tuple[str, int]


def budget_key(credential: Credential) -> object:
    """Installation calls share their installation's budget; JWT calls the App's."""
    if credential.kind == "installation":
        return credential.installation_id
    return "app" if credential.kind == "jwt" else None


class Server(ThreadingHTTPServer):
    """A ThreadingHTTPServer that can also cut its idle keep-alive connections on close."""

    daemon_threads = True

    def __init__(self, address: Address, world: World) -> None:
        self.world = world
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Remember the connection so `close_connections` can end it."""
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget the connection once its handler is done."""
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End keep-alive connections so their handler threads finish."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (timeouts, drop tests) is not a server error."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


def _merge(headers: dict[str, str], extra: dict[str, str]) -> None:
    # HTTP header names are case-insensitive: a fault's `Retry-After` replaces ours.
    for name, value in extra.items():
        for existing in [key for key in headers if key.lower() == name.lower()]:
            del headers[existing]
        headers[name] = value


def _fill(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace(f"{{{name}}}", value)
    return text


def fault_response(fault: Fault, world: World, request: Request, request_id: str) -> Response:
    """The scripted answer, with request id / installation id / timestamp filled in."""
    status = fault.status or 500
    org = world.find_org(world.org_in_path(request.path) or "")
    installation_id = request.credential.installation_id or (org.installation_id if org else 0)
    values = {
        "request_id": request_id,
        "installation_id": str(installation_id),
        "timestamp": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }
    body = default_fault_body(status) if fault.body is None else fault.body
    if isinstance(body, str):
        response = Response(status, _fill(body, values).encode())
    else:
        filled = {k: _fill(v, values) if isinstance(v, str) else v for k, v in body.items()}
        response = json_response(status, filled)
    response.headers.update(fault.headers)
    if fault.reset_in_seconds is not None:
        limits = world.limits_for(request.path)
        reset = Budget(limits.limit, 0, time.time() + fault.reset_in_seconds, limits.resource)
        _merge(response.headers, reset.headers())
    return response


class Handler(BaseHTTPRequestHandler):
    """Reads a request, decides the answer (fault, rate limit or endpoint), logs and writes it."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: Server

    def do_GET(self) -> None:
        """Serve a GET."""
        self._serve()

    def do_POST(self) -> None:
        """Serve a POST."""
        self._serve()

    def do_PUT(self) -> None:
        """Serve a PUT (GitHub answers 404 on these paths)."""
        self._serve()

    def do_PATCH(self) -> None:
        """Serve a PATCH (GitHub answers 404 on these paths)."""
        self._serve()

    def do_DELETE(self) -> None:
        """Serve a DELETE (GitHub answers 404 on these paths)."""
        self._serve()

    def log_message(self, fmt: str, *args: Any) -> None:
        """Stay quiet: tests read `requests_log` instead."""

    def _serve(self) -> None:
        world = self.server.world
        arrived = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        credential = authenticate(
            self.headers.get("Authorization"), world.app_keys, world.tokens, world.clock()
        )
        query = parse_qs(split.query, keep_blank_values=True)
        request = Request(self.command, unquote(split.path), split.query, query, credential, body)
        request_id = new_request_id()
        fault = world.faults.due(request.path)
        response, budget = self._decide(world, request, request_id, fault)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-GitHub-Request-Id": request_id,
            "X-GitHub-Media-Type": "github.v3; format=json",
            "x-github-api-version-selected": "2022-11-28",
            **budget.headers(),
        }
        _merge(headers, response.headers)
        action = fault.action if fault is not None else response.label
        status = 0 if action == "drop" else response.status
        entry = LoggedRequest(
            self.command,
            request.path,
            query,
            credential.kind,
            status,
            arrived,
            world.org_in_path(request.path),
            request_id,
            action,
            _logged_headers(self.headers.items()),
        )
        world.log(entry)  # before any sleep, so a client that timed out still finds it
        if world.latency_seconds > 0:
            world.sleep(world.latency_seconds)
        if fault is not None and action == "delay":
            time.sleep(fault.delay_seconds)
        if action == "drop":
            self.close_connection = True
            return
        if isinstance(response, Streamed):  # hostile.py: slow, huge or endless answers
            self.close_connection = True
            response.stream(self.wfile, self._head(response.status, headers))
            return
        self._write(response.status, headers, response.body, truncate=action == "truncate")

    def _decide(
        self, world: World, request: Request, request_id: str, fault: Fault | None
    ) -> tuple[Response, Budget]:
        key = budget_key(request.credential)
        limits = world.limits_for(request.path)  # the audit log has a budget of its own
        if fault is not None and fault.action == "respond":
            return fault_response(fault, world, request, request_id), limits.peek(key)
        if key is None:
            allowed, budget = True, limits.peek(key)
        else:
            allowed, budget = limits.consume(key)
        if not allowed:
            message = PRIMARY_RATE_LIMIT_MESSAGE.format(installation_id=key)
            docs = f"{RATE_LIMIT_DOCS}#about-the-primary-rate-limit"
            return error(limits.exhausted_status, message, docs), budget
        try:
            return world.hostile.answer(world, request, lambda r: route(world, r)), budget
        except Exception:  # a bug in the fake must reach the test, not hang it
            world.server_errors.append(traceback.format_exc())
            traceback.print_exc()
            return error(500, "Server Error"), budget

    def _head(self, status: int, headers: dict[str, str]) -> list[str]:
        """The status line and headers, without Content-Length."""
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
        lines = [f"HTTP/1.1 {status} {reason}", f"Date: {formatdate(usegmt=True)}"]
        lines.append("Server: github.com")
        return lines + [f"{name}: {value}" for name, value in headers.items()]

    def _write(self, status: int, headers: dict[str, str], body: bytes, *, truncate: bool) -> None:
        lines = self._head(status, headers)
        lines.append(f"Content-Length: {len(body)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        # One write for head and body: two small writes on a keep-alive socket can stall.
        self.wfile.write(head + (body[: len(body) // 2] if truncate else body))
        if truncate:
            self.close_connection = True


def _logged_headers(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Request headers as sent, but `Authorization` only as its scheme (never the secret)."""
    logged = {}
    for name, value in items:
        logged[name.lower()] = value.split(" ", 1)[0] if name.lower() == "authorization" else value
    return logged
