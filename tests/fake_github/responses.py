"""What the server answers: response values, GitHub's error bodies and request ids."""

from __future__ import annotations

import itertools
import json
import random
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

DOCS = "https://docs.github.com/rest"
_request_numbers = itertools.count(0x3C4D5E)
_request_id_random = random.Random()


@dataclass
class Response:
    """Status, JSON body bytes and the endpoint's own headers (common ones are added later)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    label: str | None = None  # the hostile behaviour that made it (`hostile.py`), for the log


def json_response(status: int, payload: object, headers: dict[str, str] | None = None) -> Response:
    """A JSON response."""
    return Response(status, json.dumps(payload).encode(), dict(headers or {}))


def error(status: int, message: str, documentation_url: str = DOCS) -> Response:
    """GitHub's Basic Error body: message, documentation_url and the status as a string."""
    payload = {"message": message, "documentation_url": documentation_url, "status": str(status)}
    return json_response(status, payload)


def not_found(documentation_url: str = DOCS) -> Response:
    """GitHub's 404."""
    return error(404, "Not Found", documentation_url)


def validation_failed(errors: list[dict[str, Any]], documentation_url: str) -> Response:
    """GitHub's 422 Validation Failed body."""
    payload = {
        "message": "Validation Failed",
        "errors": errors,
        "documentation_url": documentation_url,
        "status": "422",
    }
    return json_response(422, payload)


def default_fault_body(status: int) -> dict[str, Any]:
    """A GitHub-looking error body for a scripted status without a body."""
    try:
        message = HTTPStatus(status).phrase
    except ValueError:
        message = "Error"
    return {"message": message, "documentation_url": DOCS, "status": str(status)}


def new_request_id() -> str:
    """A unique id shaped like GitHub's `X-GitHub-Request-Id` (C0DE:1A2B:3C4D5E:6F7A8B:65A1B2C3)."""
    number = next(_request_numbers)
    first, second, fourth = (_request_id_random.getrandbits(bits) for bits in (16, 16, 24))
    return f"{first:04X}:{second:04X}:{number:06X}:{fourth:06X}:{int(time.time()):08X}"
