"""The typed view of the settings, built from a config that already passed the config schema.

The schema (`settings.py`) checks types and ranges; here are the rules it cannot say: the
credential modes, the PEM key, logins, dates, GitHub's filter forms and stream names. Each
failure is one line naming the setting; a secret is never echoed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tap_github_pat_grants import __version__
from tap_github_pat_grants.errors import ConfigError
from tap_github_pat_grants.instants import parse_setting_instant, query_form
from tap_github_pat_grants.settings import DISCOVER, default

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence

    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

# Organization logins: alphanumerics and single hyphens, at most 39 characters.
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
# `permission` filter values are written like `contents_read` or `administration_write`.
_PERMISSION = re.compile(r"^[a-z][a-z0-9_]*_(read|write|admin)$")
EVERY_STREAM = "*"  # in `skip_streams_without_permission`
# The two switches that came before `skip_streams_without_permission`, and what each names.
_OLD_SKIP_SWITCHES = {
    "skip_grants_without_permission": "pat_grants",
    "skip_requests_without_permission": "pat_requests",
}


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
    exclude_organizations: tuple[str, ...]
    credentials: AppCredentials | TokenCredentials
    api_url: str
    user_agent: str
    start_date: datetime | None
    # GitHub's own filters of the grant and request lists (`owner[]=a`, `permission=...`).
    list_filters: tuple[tuple[str, str], ...]
    lookback: timedelta
    audit_log_lookback_seconds: int
    request_timeout_seconds: int
    max_rate_limit_wait_seconds: int
    rate_limit_buffer: int
    skip_without_permission: frozenset[str]  # stream names, or "*"
    continue_on_org_error: bool
    emit_activate_version_messages: bool
    skip_invalid_records: bool
    log_metrics: bool

    def skips_without_permission(self, stream: str) -> bool:
        """Whether `stream` is skipped, not fatal, where its permission is missing."""
        return bool({stream, EVERY_STREAM} & self.skip_without_permission)


def parse_settings(config: Mapping[str, Any], skippable: Collection[str]) -> Settings:
    """Typed settings from a schema-valid config, or `ConfigError` on the first broken rule.

    `skippable` names the streams that need a permission (what
    `skip_streams_without_permission` may name).
    """

    def get(name: str) -> Any:
        value = config.get(name)
        return default(name) if value is None else value

    return Settings(
        organizations=_organizations(config["organizations"]),
        exclude_organizations=_organizations(get("exclude_organizations") or [], "exclude"),
        credentials=_credentials(config),
        api_url=_api_url(get("api_url")),
        user_agent=get("user_agent") or f"tap-github-pat-grants/{__version__}",
        start_date=_instant("start_date", config.get("start_date")),
        list_filters=_list_filters(config),
        lookback=timedelta(seconds=get("lookback_seconds")),
        audit_log_lookback_seconds=get("audit_log_lookback_seconds"),
        request_timeout_seconds=get("request_timeout_seconds"),
        max_rate_limit_wait_seconds=get("max_rate_limit_wait_seconds"),
        rate_limit_buffer=get("rate_limit_buffer"),
        skip_without_permission=_streams_to_skip(config, skippable),
        continue_on_org_error=get("continue_on_org_error"),
        emit_activate_version_messages=get("emit_activate_version_messages"),
        skip_invalid_records=get("skip_invalid_records"),
        log_metrics=get("log_metrics"),
    )


def _organizations(value: Sequence[str], kind: str = "organizations") -> tuple[str, ...]:
    name = "organizations" if kind == "organizations" else "exclude_organizations"
    logins: list[str] = []
    for login in value:
        if login.strip() == DISCOVER and kind == "organizations":
            logins.append(DISCOVER)
            continue
        if not _LOGIN.match(login.strip()):
            discover = '; or "*" for every org the App is on' if kind == "organizations" else ""
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


def _streams_to_skip(config: Mapping[str, Any], skippable: Collection[str]) -> frozenset[str]:
    named = {str(name).strip() for name in config.get("skip_streams_without_permission") or []}
    unknown = sorted(named - {*skippable, EVERY_STREAM})
    if unknown:
        msg = (
            f"skip_streams_without_permission: {', '.join(unknown)} is not a stream that needs "
            f'a permission; name one of {", ".join(sorted(skippable))}, or "*"'
        )
        raise ConfigError(msg)
    named.update(stream for switch, stream in _OLD_SKIP_SWITCHES.items() if config.get(switch))
    return frozenset(named)


def _credentials(config: Mapping[str, Any]) -> AppCredentials | TokenCredentials:
    app_id, private_key = config.get("app_id"), config.get("private_key")
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
    problem = _missing_app_credential(app_id, private_key)
    if problem:
        raise ConfigError(problem)
    pem, signing_key = _private_key(str(private_key))
    return AppCredentials(app_id=str(app_id).strip(), private_key=pem, signing_key=signing_key)


def _missing_app_credential(app_id: object, private_key: object) -> str | None:
    if app_id in (None, "") and not private_key:
        return (
            "app_id: no credentials; set app_id + private_key (a GitHub App) "
            "or auth_token (a ready installation access token)"
        )
    if app_id in (None, ""):
        return "app_id: private_key is set but app_id is not; set the App's App ID or Client ID"
    if not private_key:
        return "private_key: app_id is set but private_key is not; set the App's .pem private key"
    return None


def _private_key(value: str) -> tuple[str, PrivateKeyTypes]:
    r"""The PEM text, with literal `\\n` escapes (common in env vars) turned into newlines."""
    from cryptography.hazmat.primitives.serialization import (  # noqa: PLC0415 (App mode only)
        load_pem_private_key,
    )

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


def _list_filters(config: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """GitHub's own query parameters, in the form GitHub documents (`owner[]=a`)."""
    pairs: list[tuple[str, str]] = [("owner[]", owner) for owner in _strings(config, "owner")]
    if config.get("repository"):
        pairs.append(("repository", str(config["repository"])))
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
    for token_id in _strings(config, "token_id"):
        if not token_id.isdigit():
            msg = f"token_id: {token_id!r} is not a token id; token ids are whole numbers"
            raise ConfigError(msg)
        pairs.append(("token_id[]", token_id))
    return tuple(pairs)


def _strings(config: Mapping[str, Any], name: str) -> list[str]:
    """A list setting's items as trimmed strings (the schema bounds how many)."""
    return [str(item).strip() for item in config.get(name) or [] if str(item).strip()]
