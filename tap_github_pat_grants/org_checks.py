"""Before any list request: every organization checked, and the one failure policy.

The SDK syncs stream by stream, so a check per stream would find a permission missing in the
last org only after reading every other org's grants. So the run checks every org once, up
front, for every selected stream: the App installed there (a 404 stops the run there and then),
not suspended (skipped whole), holding each permission a selected stream needs (fatal, or the
stream skipped if the user chose so). Installations come from discovery or one lookup per org,
which the reads would make anyway. With a ready token only GitHub's answer can tell: a 403
during the read is handled by the same `skip_streams`.
"""

from __future__ import annotations

import logging
import typing as t
from contextlib import contextmanager

from tap_github_pat_grants.error_lines import missing_permission_line, suspended_line
from tap_github_pat_grants.errors import MissingPermissionError, TapError

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from tap_github_pat_grants.config import Settings
    from tap_github_pat_grants.endpoints import Permission
    from tap_github_pat_grants.github_app import GitHubApp
    from tap_github_pat_grants.run_ledger import RunLedger

logger = logging.getLogger("tap-github-pat-grants")


class Checked(t.Protocol):
    """What the check needs of a selected stream."""

    @property
    def name(self) -> str:
        """The stream's name."""

    @property
    def permission(self) -> Permission | None:
        """The org permission it needs (None: none)."""

    @property
    def family(self) -> tuple[str, ...]:
        """Its name and its children's, skipped together."""

    @property
    def in_connection_test(self) -> bool:
        """Read for the SDK's connection test (`--test`), which selects every stream."""


@contextmanager
def recorded_failure(org: str, ledger: RunLedger, settings: Settings) -> Iterator[None]:
    """The one place `continue_on_org_error` decides: stop the run, or record the org and go on."""
    try:
        yield
    except TapError as error:
        if not settings.continue_on_org_error:
            raise
        ledger.fail(org, str(error))


def check_organizations(
    orgs: list[str],
    streams: t.Sequence[Checked],
    app: GitHubApp | None,
    ledger: RunLedger,
    settings: Settings,
) -> None:
    """Check every org before any list request (see the module docstring)."""
    if app is None:
        return  # a ready token: only GitHub's answers can tell
    for org in orgs:
        with recorded_failure(org, ledger, settings):
            _check(org, streams, app, ledger, settings)


def _check(
    org: str, streams: t.Sequence[Checked], app: GitHubApp, ledger: RunLedger, settings: Settings
) -> None:
    installation = app.installation(org)  # 404: the App is not installed there
    ledger.org(org).installation_id = installation.id
    if installation.suspended_at:
        ledger.skip_org(org, suspended_line(org, installation.suspended_at), suspended=True)
        return
    for stream in streams:
        permission = stream.permission
        if permission is None or installation.permissions.get(permission.key) in {"read", "write"}:
            continue
        line = missing_permission_line(org, permission.name)
        skip_without_permission(org, stream, line, ledger, settings)


def skip_without_permission(
    org: str, stream: Checked, line: str, ledger: RunLedger, settings: Settings
) -> None:
    """A permission is missing: skip the stream if the user chose so, or in a connection test.

    A connection test selects every stream, those the App was never meant to read too.
    Otherwise the run stops (`MissingPermissionError`).
    """
    if settings.skips_without_permission(stream.name):
        skip_streams(org, stream.family, line, ledger, "skip_streams_without_permission")
    elif stream.in_connection_test:
        skip_streams(org, stream.family, line, ledger, "a connection test skips it")
    else:
        raise MissingPermissionError(line)


def skip_streams(org: str, family: tuple[str, ...], line: str, ledger: RunLedger, why: str) -> None:
    """A stream (with its children) is not read in this org: one warning, its row says why."""
    ledger.skip_streams(org, family, line)
    logger.warning("%s; skipped %s (%s)", line, ", ".join(family), why)
