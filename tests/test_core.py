"""The SDK's standard tap tests, run against the fake GitHub (a real local HTTP server)."""

from __future__ import annotations

import pytest
from singer_sdk.testing import get_tap_test_class

from tap_github_pat_grants.tap import STREAM_TYPES, TapGitHubPatGrants
from tests.fake_github import GOVERNANCE_PERMISSIONS, FakeGitHub, generate_org
from tests.helpers import catalog

# The standard suite reads its config when the class is built, so the server starts with
# the module and stops when the module's tests are done. It selects every stream, those not
# selected by default too (given a catalog that selects them, as Meltano's `select` would):
# the App has their permissions here.
_github = FakeGitHub().start()
for _org in (
    generate_org("acme", 140, n_requests=6, seed=21, subset_fraction=0.2),
    generate_org("globex", 35, n_requests=3, seed=22, subset_fraction=0.2),
):
    _github.add_org(_org, permissions={**_org.permissions, **GOVERNANCE_PERMISSIONS})

SAMPLE_CONFIG = {
    "organizations": ["acme", "globex"],
    "app_id": _github.app_id,
    "private_key": _github.private_key_pem,
    "api_url": _github.url,
}

# GitHub documents properties an answer leaves out when they have no value (an audit event
# carries only its own fields, a member no `email`): the SDK's check warns of each; shown, not
# an error.
pytestmark = pytest.mark.filterwarnings(
    "default:Fields in transformed catalog but not in records:UserWarning"
)

TestTapGitHubPatGrants = get_tap_test_class(
    tap_class=TapGitHubPatGrants,
    config=SAMPLE_CONFIG,
    parse_env_config=False,
    catalog=catalog(*(stream.name for stream in STREAM_TYPES)),
)


def teardown_module() -> None:
    _github.stop()
