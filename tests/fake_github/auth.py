"""Who is calling: App JWT verification (like GitHub) and installation tokens that expire."""

from __future__ import annotations

import secrets
import string
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import jwt

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

AuthKind = Literal["jwt", "installation", "user_token", "none", "invalid"]

CLOCK_SKEW_SECONDS = 60  # GitHub's docs: set `iat` 60 s in the past against clock drift
MAX_JWT_SECONDS = 600  # GitHub's docs: `exp` no more than 10 minutes into the future
JWT_UNDECODABLE = "A JSON web token could not be decoded"
JWT_EXPIRED = (
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at "
    "which the assertion expires"
)
JWT_TOO_LONG = "'Expiration time' claim ('exp') is too far in the future"
JWT_IAT_FUTURE = (
    "'Issued at' claim ('iat') must be an Integer representing the time that the assertion "
    "was issued"
)
BAD_CREDENTIALS = "Bad credentials"
_USER_TOKEN_PREFIXES = ("ghp_", "github_pat_", "gho_", "ghu_")
_TOKEN_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Credential:
    """The caller as GitHub sees it; `error` says why an `invalid` credential was refused."""

    kind: AuthKind
    installation_id: int | None = None
    error: str | None = None
    looks_like_jwt: bool = False
    # What an installation token may do: narrowed when minted with a `permissions` body.
    permissions: dict[str, str] | None = None


def _looks_like_jwt(value: str) -> bool:
    return value.startswith("eyJ") and value.count(".") == 2  # header.payload.signature


class AppKeys:
    """The App's identity and how its JWTs are checked."""

    def __init__(self, app_id: str, client_id: str, public_key: RSAPublicKey) -> None:
        self.app_id = app_id
        self.client_id = client_id
        self.public_key = public_key

    def jwt_error(self, token: str, now: float) -> str | None:
        """Why GitHub would refuse this App JWT, or None when it is good."""
        try:
            claims = jwt.decode(
                token,
                self.public_key,
                algorithms=["RS256"],
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "require": ["exp", "iat", "iss"],
                },
            )
        except jwt.PyJWTError:
            return JWT_UNDECODABLE
        issued, expires = claims["iat"], claims["exp"]
        if not isinstance(issued, int | float) or not isinstance(expires, int | float):
            return JWT_UNDECODABLE
        refusals = (
            (str(claims["iss"]) not in {self.app_id, self.client_id}, JWT_UNDECODABLE),
            (expires <= now, JWT_EXPIRED),
            (issued > now + CLOCK_SKEW_SECONDS, JWT_IAT_FUTURE),
            (expires - issued > MAX_JWT_SECONDS + CLOCK_SKEW_SECONDS, JWT_TOO_LONG),
        )
        return next((message for refused, message in refusals if refused), None)


class InstallationTokens:
    """Issued `ghs_` tokens: which installation each is for and when it really expires."""

    def __init__(self) -> None:
        self._tokens: dict[str, tuple[int, float]] = {}
        self._permissions: dict[str, dict[str, str]] = {}
        self._issued: list[str] = []
        self._lock = threading.Lock()

    def mint(
        self,
        installation_id: int,
        ttl_seconds: float,
        now: float,
        permissions: dict[str, str] | None = None,
    ) -> tuple[str, float]:
        """A new token and its expiry (epoch seconds); `permissions` narrows what it may do."""
        token = "ghs_" + "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(36))
        expires_at = now + ttl_seconds
        with self._lock:
            self._tokens[token] = (installation_id, expires_at)
            if permissions is not None:
                self._permissions[token] = dict(permissions)
            self._issued.append(token)
        return token, expires_at

    def permissions_for(self, token: str) -> dict[str, str] | None:
        """The narrowed permissions of a token (None: all of its installation's)."""
        with self._lock:
            return self._permissions.get(token)

    def revoke_installation(self, installation_id: int) -> None:
        """Every token of one installation stops working (401), e.g. once it is uninstalled."""
        with self._lock:
            for token, (owner, _) in list(self._tokens.items()):
                if owner == installation_id:
                    del self._tokens[token]

    def installation_for(self, token: str, now: float) -> int | None:
        """The installation a live token belongs to; None when unknown, revoked or expired."""
        with self._lock:
            found = self._tokens.get(token)
        if found is None or now >= found[1]:
            return None
        return found[0]

    def issued(self) -> list[str]:
        """Every token minted so far (tests check that none of them leaks into output)."""
        with self._lock:
            return list(self._issued)

    def revoke_all(self) -> None:
        """Every token issued so far stops working (401)."""
        with self._lock:
            self._tokens.clear()


def authenticate(
    header: str | None, keys: AppKeys, tokens: InstallationTokens, now: float
) -> Credential:
    """Classify the `Authorization` header (`Bearer x` or `token x`) and check it."""
    scheme, _, value = (header or "").strip().partition(" ")
    value = value.strip()
    if not header or scheme.lower() not in {"bearer", "token"} or not value:
        return Credential("none") if not header else Credential("invalid", error=BAD_CREDENTIALS)
    if _looks_like_jwt(value):
        error = keys.jwt_error(value, now)
        if error:
            return Credential("invalid", error=error, looks_like_jwt=True)
        return Credential("jwt", looks_like_jwt=True)
    if value.startswith(_USER_TOKEN_PREFIXES):
        return Credential("user_token")
    installation_id = tokens.installation_for(value, now)
    if installation_id is None:
        return Credential("invalid", error=BAD_CREDENTIALS)
    narrowed = tokens.permissions_for(value)
    return Credential("installation", installation_id=installation_id, permissions=narrowed)
