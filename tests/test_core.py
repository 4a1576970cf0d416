"""The SDK's standard tap tests, run against the fake GitHub (a real local HTTP server)."""

from __future__ import annotations

from singer_sdk.testing import get_tap_test_class

from tap_github_pat_grants.tap import TapGitHubPatGrants
from tests.fake_github import FakeGitHub, generate_org

# The standard suite reads its config when the class is built, so the server starts with
# the module and stops when the module's tests are done.
_github = FakeGitHub().start()
_github.add_org(generate_org("acme", 140, n_requests=6, seed=21, subset_fraction=0.2))
_github.add_org(generate_org("globex", 35, n_requests=3, seed=22, subset_fraction=0.2))

SAMPLE_CONFIG = {
    "organizations": ["acme", "globex"],
    "app_id": _github.app_id,
    "private_key": _github.private_key_pem,
    "api_url": _github.url,
}

TestTapGitHubPatGrants = get_tap_test_class(
    tap_class=TapGitHubPatGrants,
    config=SAMPLE_CONFIG,
    parse_env_config=False,
)


def teardown_module() -> None:
    _github.stop()
