"""`list_organizations()`: the tap's own answer to "which organizations does a run load"."""

from __future__ import annotations

import json

import pytest
import requests

from tests.dagster.conftest import ORGS

pytestmark = pytest.mark.dagster


def test_listed_organizations_in_order_lower_case(pipeline_env, monkeypatch, github):
    from pat_grants_dagster import list_organizations

    monkeypatch.setenv("TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS", json.dumps(["ORG-C", "org-a"]))
    github.reset_log()
    assert list_organizations() == ["org-c", "org-a"]
    assert github.requests_log == []  # listed logins cost no request


def test_discovered_organizations_less_excluded(pipeline_env, monkeypatch, github):
    from pat_grants_dagster import list_organizations

    probe = requests.get(f"{github.url}/app/installations", timeout=10)
    if probe.status_code == 404:
        pytest.skip("this fake GitHub does not serve GET /app/installations yet (branch orgs)")
    monkeypatch.setenv("TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS", json.dumps(["*"]))
    monkeypatch.setenv("TAP_GITHUB_PAT_GRANTS_EXCLUDE_ORGANIZATIONS", json.dumps(["org-b"]))
    assert list_organizations() == sorted(set(ORGS) - {"org-b"})
