"""Which organizations a run reads: the listed logins, and with `"*"` every one the App is on.

Discovery (`organizations: ["*"]`) is opt-in: an App shared with other owners may be installed
on organizations this warehouse should not read. It lists the App's installations (100 a page)
and keeps those on organizations; an installation on a user account or an enterprise account
grants no organization access, so it is skipped with a warning. Listed logins can be mixed with
`"*"`; `exclude_organizations` removes some. Logins are compared lower-case, so an org's
bookmark is the same whether it was listed or discovered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tap_github_pat_grants.errors import ConfigError
from tap_github_pat_grants.github_app import account_login
from tap_github_pat_grants.settings import DISCOVER

if TYPE_CHECKING:
    from tap_github_pat_grants.config import Settings
    from tap_github_pat_grants.github_app import GitHubApp
    from tap_github_pat_grants.run_ledger import OrgSource

logger = logging.getLogger("tap-github-pat-grants")


@dataclass(frozen=True)
class OrgTarget:
    """One organization to read, and how the run came to read it."""

    org: str  # login, lower-case
    source: OrgSource


def organizations_to_read(settings: Settings, app: GitHubApp | None) -> list[OrgTarget]:
    """The listed organizations in their order, then the discovered ones by login."""
    excluded = set(settings.exclude_organizations)
    listed = [org for org in settings.organizations if org != DISCOVER and org not in excluded]
    targets = {org: OrgTarget(org, "listed") for org in listed}
    if DISCOVER in settings.organizations:
        if app is None:
            msg = (
                'organizations: "*" (every organization the App is installed on) needs the '
                "App's credentials, app_id + private_key, not auth_token"
            )
            raise ConfigError(msg)
        found = sorted(_discovered(app))
        for org in found:
            if org not in excluded:
                targets.setdefault(org, OrgTarget(org, "discovered"))
        logger.info(
            "Discovery: the App is installed on %d organization(s); reading %d (%d excluded)",
            len(found),
            sum(1 for target in targets.values() if target.source == "discovered"),
            len(excluded & set(found)),
        )
    return list(targets.values())


def _discovered(app: GitHubApp) -> set[str]:
    """The logins of the organizations among the App's installations."""
    orgs = set()
    for installation in app.installations():
        kind = installation.get("target_type")
        name = account_login(installation)
        if kind == "Organization":
            orgs.add(str(name).lower())
        elif kind == "Enterprise":
            logger.warning(
                "Installation %s on enterprise %s skipped: an enterprise installation grants "
                "no organization access; install the App on the enterprise's organizations",
                installation.get("id"),
                name,
            )
        else:
            logger.warning(
                "Installation %s on %s %s skipped: not an organization",
                installation.get("id"),
                str(kind or "account").lower(),
                name,
            )
    return orgs
