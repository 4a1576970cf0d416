"""The organizations: one dynamic partition each, equal to what the tap itself would read.

The tap's settings come from the same `TAP_GITHUB_PAT_GRANTS_*` environment variables that each
organization's `meltano run` reads, so the orchestrator and the tap never disagree:
`TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS='["acme", "globex"]'` loads those two, and `'["*"]'`
asks the tap's discovery (`GET /app/installations`, the App's JWT) for every organization the
App is installed on, less `TAP_GITHUB_PAT_GRANTS_EXCLUDE_ORGANIZATIONS`. Logins are lower-case,
as in the tap's bookmarks and `sync_runs` rows, and are the partition keys as they are.
"""

from __future__ import annotations

from dagster import DynamicPartitionsDefinition

ORGANIZATIONS_NAME = "organizations"
ORGANIZATIONS = DynamicPartitionsDefinition(name=ORGANIZATIONS_NAME)


def list_organizations() -> list[str]:
    """The organizations the tap would read now: listed ones first, then discovered ones."""
    # Imported here: a load's process runs Meltano and never needs the SDK in its own memory.
    from tap_github_pat_grants.tap import TapGitHubPatGrants  # noqa: PLC0415

    tap = TapGitHubPatGrants(parse_env_config=True)
    return [target.org for target in tap.organizations]


def partition_changes(wanted: list[str], present: list[str]) -> tuple[list[str], list[str]]:
    """(added, retired): the partitions to add, in the tap's order, and those to delete."""
    added = [org for org in dict.fromkeys(wanted) if org not in set(present)]
    retired = [org for org in present if org not in set(wanted)]
    return added, retired
