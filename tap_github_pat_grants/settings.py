"""Typed settings, built from a config that already passed the config schema (`tap.py`).

The schema checks types and ranges; here are the rules it cannot say: the credential modes,
the PEM key, logins, dates and GitHub's filter forms. Each failure is one line naming the
setting; a secret is never echoed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes  # noqa: TC002
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from tap_github_pat_grants import __version__
from tap_github_pat_grants.errors import ConfigError
from tap_github_pat_grants.instants import parse_setting_instant, query_form

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_LOOKBACK_SECONDS = 3600
DEFAULT_REQUEST_TIMEOUT_SECONDS = 30
DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS = 900
DEFAULT_RATE_LIMIT_BUFFER = 50

# GitHub documents these limits on the list endpoints' `owner[]` and `token_id[]` filters.
MAX_OWNERS = 10
MAX_TOKEN_IDS = 50

DISCOVER = "*"  # in `organizations`: every organization the App is installed on

# Organization logins: alphanumerics and single hyphens, at most 39 characters.
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
# `permission` filter values are written like `contents_read` or `administration_write`.
_PERMISSION = re.compile(r"^[a-z][a-z0-9_]*_(read|write|admin)$")


@dataclass(frozen=True)
class AppCredentials:
    """A GitHub App: its App ID or Client ID (the JWT `iss`) and its private key."""

    app_id: str
    private_key: str
    # The key as parsed when the settings were checked (parsing an RSA key costs ~50 ms).
    signing_key: PrivateKeyTypes = field(compare=False)

    def __repr__(self) -> str:
        """Never show the key, even in a debugger or a log of the settings object."""
        return f"AppCredentials(app_id={self.app_id!r}, private_key=<redacted>)"


@dataclass(frozen=True)
class TokenCredentials:
    """A ready installation access token, minted elsewhere."""

    token: str

    def __repr__(self) -> str:
        """Never show the token."""
        return "TokenCredentials(token=<redacted>)"


@dataclass(frozen=True)
class Settings:
    """Everything the tap reads from its config, checked and normalised."""

    organizations: tuple[str, ...]
    credentials: AppCredentials | TokenCredentials
    api_url: str
    user_agent: str
    start_date: datetime | None
    grant_filters: tuple[tuple[str, str], ...]
    lookback: timedelta
    request_timeout_seconds: int
    max_rate_limit_wait_seconds: int
    rate_limit_buffer: int
    skip_requests_without_permission: bool
    skip_grants_without_permission: bool
    exclude_organizations: tuple[str, ...]
    continue_on_org_error: bool
    emit_activate_version_messages: bool
    log_metrics: bool
    skip_invalid_records: bool


def parse_settings(config: Mapping[str, Any]) -> Settings:
    """Typed settings from a schema-valid config, or `ConfigError` on the first broken rule."""
    return Settings(
        organizations=_organizations(config["organizations"]),
        credentials=_credentials(config),
        api_url=_api_url(config.get("api_url") or DEFAULT_API_URL),
        user_agent=config.get("user_agent") or f"tap-github-pat-grants/{__version__}",
        start_date=_instant("start_date", config.get("start_date")),
        grant_filters=_grant_filters(config),
        lookback=timedelta(seconds=config.get("lookback_seconds", DEFAULT_LOOKBACK_SECONDS)),
        request_timeout_seconds=config.get(
            "request_timeout_seconds", DEFAULT_REQUEST_TIMEOUT_SECONDS
        ),
        max_rate_limit_wait_seconds=config.get(
            "max_rate_limit_wait_seconds", DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS
        ),
        rate_limit_buffer=config.get("rate_limit_buffer", DEFAULT_RATE_LIMIT_BUFFER),
        skip_requests_without_permission=config.get("skip_requests_without_permission", False),
        skip_grants_without_permission=config.get("skip_grants_without_permission", False),
        exclude_organizations=_organizations(
            config.get("exclude_organizations") or [], "exclude_organizations"
        ),
        continue_on_org_error=config.get("continue_on_org_error", False),
        emit_activate_version_messages=config.get("emit_activate_version_messages", True),
        log_metrics=config.get("log_metrics", False),
        skip_invalid_records=config.get("skip_invalid_records", False),
    )


def _organizations(value: Sequence[str], name: str = "organizations") -> tuple[str, ...]:
    logins: list[str] = []
    for login in value:
        if login.strip() == DISCOVER and name == "organizations":
            logins.append(DISCOVER)
            continue
        if not _LOGIN.match(login.strip()):
            discover = '; or "*" for every org the App is on' if name == "organizations" else ""
            msg = (
                f"{name}: {login!r} is not a GitHub organization login (letters, digits and "
                f"single hyphens, at most 39 characters{discover})"
            )
            raise ConfigError(msg)
        # GitHub matches logins case-insensitively: one partition (and bookmark) per org.
        normalised = login.strip().lower()
        if normalised not in logins:
            logins.append(normalised)
    return tuple(logins)


def _credentials(config: Mapping[str, Any]) -> AppCredentials | TokenCredentials:
    app_id = config.get("app_id")
    private_key = config.get("private_key")
    auth_token = config.get("auth_token")
    app_mode = app_id not in (None, "") or bool(private_key)
    if app_mode and auth_token:
        msg = (
            "auth_token: set either auth_token or app_id + private_key, not both "
            "(remove one of the two credential modes)"
        )
        raise ConfigError(msg)
    if auth_token:
        if not auth_token.strip():
            msg = "auth_token: must be a non-empty installation access token string"
            raise ConfigError(msg)
        return TokenCredentials(token=auth_token.strip())
    if not app_mode:
        msg = (
            "app_id: no credentials; set app_id + private_key (a GitHub App) "
            "or auth_token (a ready installation access token)"
        )
        raise ConfigError(msg)
    if app_id in (None, ""):
        msg = "app_id: private_key is set but app_id is not; set the App's App ID or Client ID"
        raise ConfigError(msg)
    if not private_key:
        msg = "private_key: app_id is set but private_key is not; set the App's .pem private key"
        raise ConfigError(msg)
    pem, signing_key = _private_key(private_key)
    return AppCredentials(app_id=str(app_id).strip(), private_key=pem, signing_key=signing_key)


def _private_key(value: str) -> tuple[str, PrivateKeyTypes]:
    r"""The PEM text, with literal `\\n` escapes (common in env vars) turned into newlines."""
    unreadable = (
        "private_key: could not be read as a PEM private key; paste the whole .pem file "
        "the GitHub App settings page gave you, with real newlines or \\n escapes"
    )
    pem = value.replace("\\n", "\n").strip()
    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):  # the exception text may quote the key: never chain it
        raise ConfigError(unreadable) from None
    return pem, key


def _api_url(value: object) -> str:
    url = str(value).strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        msg = (
            f"api_url: {url!r} is not an API base URL; use https://api.github.com, "
            "https://HOST/api/v3 (GitHub Enterprise Server) or https://api.SUBDOMAIN.ghe.com"
        )
        raise ConfigError(msg)
    return url


def _instant(name: str, value: object) -> datetime | None:
    """A date or date-time setting as an aware UTC datetime (a bare date is midnight UTC)."""
    if value in (None, ""):
        return None
    parsed = parse_setting_instant(str(value).strip())
    if parsed is None:
        msg = f"{name}: {value!r} is not a date; write it like 2024-01-31 or 2024-01-31T00:00:00Z"
        raise ConfigError(msg)
    return parsed


def _grant_filters(config: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """GitHub's own query parameters, in the form GitHub documents (`owner[]=a`)."""
    pairs: list[tuple[str, str]] = []
    owners = _string_list(config, "owner")
    pairs.extend(("owner[]", owner) for owner in owners)
    repository = config.get("repository")
    if repository:
        pairs.append(("repository", str(repository)))
    permission = config.get("permission")
    if permission:
        if not _PERMISSION.match(str(permission)):
            msg = (
                f"permission: {permission!r} is not a permission filter; write it like "
                "contents_read, administration_write or members_read"
            )
            raise ConfigError(msg)
        pairs.append(("permission", str(permission)))
    last_used_before = _instant("last_used_before", config.get("last_used_before"))
    if last_used_before is not None:
        pairs.append(("last_used_before", query_form(last_used_before)))
    token_ids = _string_list(config, "token_id")
    for token_id in token_ids:
        if not token_id.isdigit():
            msg = f"token_id: {token_id!r} is not a token id; token ids are whole numbers"
            raise ConfigError(msg)
    pairs.extend(("token_id[]", token_id) for token_id in token_ids)
    return tuple(pairs)


def _string_list(config: Mapping[str, Any], name: str) -> list[str]:
    """A list setting's items as trimmed strings (the schema bounds how many)."""
    return [str(item).strip() for item in config.get(name) or [] if str(item).strip()]
