"""Shared fixtures: a fresh fake GitHub per test, and tap configs pointing at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from tests.fake_github import FakeGitHub


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        yield fake


@pytest.fixture
def gh(github: FakeGitHub) -> FakeGitHub:
    """The fake GitHub, as the fake's own tests call it."""
    return github


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A plain HTTP client, for talking to the fake without the tap."""
    with requests.Session() as session:
        yield session


ConfigFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def app_config(github: FakeGitHub) -> ConfigFactory:
    """Config for GitHub App mode against the fake server; keyword arguments override."""

    def build(**overrides: Any) -> dict[str, Any]:
        config = {
            "organizations": [org.login for org in github.orgs.values()],
            "app_id": github.app_id,
            "private_key": github.private_key_pem,
            "api_url": github.url,
        }
        config.update(overrides)
        return config

    return build
