"""Which organizations a Dagster run loads: the tap's own answer, one step per organization.

The tap's settings come from the same `TAP_GITHUB_PAT_GRANTS_*` environment variables that the
`meltano run` of each organization reads, so the orchestrator and the tap never disagree:
`TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS='["acme", "globex"]'` loads those two, and `'["*"]'`
asks the tap's discovery (`GET /app/installations`, the App's JWT) for every organization the
App is installed on, less `TAP_GITHUB_PAT_GRANTS_EXCLUDE_ORGANIZATIONS`. Logins are lower-case,
as in the tap's bookmarks and `sync_runs` rows.
"""

from __future__ import annotations

import re

# GitHub logins are letters, digits and single hyphens; Dagster mapping keys allow no hyphen.
_MAPPING_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def list_organizations() -> list[str]:
    """The organizations to load, listed ones first, then discovered ones by login."""
    # Imported here: the steps that only run Meltano need not import the SDK.
    from tap_github_pat_grants.tap import TapGitHubPatGrants  # noqa: PLC0415

    tap = TapGitHubPatGrants(parse_env_config=True)
    return [target.org for target in tap.organizations]


def mapping_key(org: str) -> str:
    """The org's step key suffix, e.g. `load_organization[my_org]` for `my-org`.

    GitHub logins cannot contain `_`, so replacing `-` by `_` keeps keys one-to-one.
    """
    return _MAPPING_KEY_UNSAFE.sub("_", org)
