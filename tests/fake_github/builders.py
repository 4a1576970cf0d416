"""Builders for hand-written test data: grants, requests and keys GitHub never saw."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fake_github.records import Grant, PatRequest
from tests.fake_github.shapes import user


def _token_fields(record_id: int, owner_login: str) -> dict[str, Any]:
    return {
        "id": record_id,
        "owner": user(owner_login, 5_000_000 + sum(map(ord, owner_login.lower()))),
        "repository_selection": "all",
        "permissions": {"repository": {"metadata": "read"}},
        "token_id": record_id + 1000,
        "token_name": f"token-{record_id}",
    }


def make_grant(grant_id: int, owner_login: str, **fields: Any) -> Grant:
    """A grant with GitHub-valid defaults (token_id = id + 1000, granted 2024-01-01); override any field."""
    defaults = {"access_granted_at": f"2024-01-01T00:00:{grant_id % 60:02d}Z"}
    return Grant(**{**_token_fields(grant_id, owner_login), **defaults, **fields})


def make_request(request_id: int, owner_login: str, **fields: Any) -> PatRequest:
    """A pending PAT request with GitHub-valid defaults; override any field."""
    defaults = {"created_at": f"2024-02-01T00:00:{request_id % 60:02d}Z", "reason": "Automation"}
    return PatRequest(**{**_token_fields(request_id, owner_login), **defaults, **fields})


def other_private_key_pem() -> str:
    """A fresh RSA key the fake GitHub does not know (JWTs signed with it must get 401)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return pem.decode()
