"""The world's data: organizations with their PAT grants and PAT requests, and cached JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from tests.fake_github.governance import Governance
from tests.fake_github.versioned_cache import VersionedCache

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

Json = dict[str, Any]

DEFAULT_INSTALLATION_PERMISSIONS = {
    "organization_personal_access_tokens": "read",
    "organization_personal_access_token_requests": "read",
}


class _Tracked:
    """Any public attribute assignment tells the owning collection that its caches are stale."""

    def __setattr__(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)
        if not name.startswith("_"):
            self.touch()

    def touch(self) -> None:
        """Drop cached JSON/filters; call after mutating a nested dict or list in place."""
        collection = self.__dict__.get("_collection")
        if collection is not None:
            collection.touch()


@dataclass(eq=False, kw_only=True)
class PatRecord(_Tracked):
    """Fields shared by an approved grant and a pending request, in GitHub's words."""

    id: int
    owner: Json
    repository_selection: str
    permissions: dict[str, dict[str, str]]
    token_id: int
    token_name: str
    token_expired: bool = False
    token_expires_at: str | None = None
    token_last_used_at: str | None = None
    repositories: list[Json] = field(default_factory=list)

    collection_path = "personal-access-tokens"

    @property
    def sorted_at(self) -> str:
        """The timestamp GitHub sorts this record by (`sort=created_at`)."""
        raise NotImplementedError

    def repositories_url(self, base_url: str, org_id: int) -> str:
        """Where GitHub says to list this record's repositories (numeric organization id)."""
        return f"{base_url}/organizations/{org_id}/{self.collection_path}/{self.id}/repositories"

    def _token_fields(self) -> Json:
        return {
            "token_id": self.token_id,
            "token_name": self.token_name,
            "token_expired": self.token_expired,
            "token_expires_at": self.token_expires_at,
            "token_last_used_at": self.token_last_used_at,
        }

    def document(self, base_url: str, org_id: int) -> Json:
        """The JSON object GitHub returns for this record."""
        raise NotImplementedError


@dataclass(eq=False, kw_only=True)
class Grant(PatRecord):
    """An approved fine-grained PAT with access to the organization."""

    access_granted_at: str

    @property
    def sorted_at(self) -> str:
        """Grants are sorted by the time access was granted."""
        return self.access_granted_at

    def document(self, base_url: str, org_id: int) -> Json:
        """The JSON object GitHub returns for this grant, keys in GitHub's order."""
        return {
            "id": self.id,
            "owner": self.owner,
            "repository_selection": self.repository_selection,
            "repositories_url": self.repositories_url(base_url, org_id),
            "permissions": self.permissions,
            "access_granted_at": self.access_granted_at,
            **self._token_fields(),
        }


@dataclass(eq=False, kw_only=True)
class PatRequest(PatRecord):
    """A pending request from an organization member to let a fine-grained PAT in."""

    created_at: str
    reason: str | None = None

    collection_path = "personal-access-token-requests"

    @property
    def sorted_at(self) -> str:
        """Requests are sorted by creation time."""
        return self.created_at

    def document(self, base_url: str, org_id: int) -> Json:
        """The JSON object GitHub returns for this request, keys in GitHub's order."""
        return {
            "id": self.id,
            "reason": self.reason,
            "owner": self.owner,
            "repository_selection": self.repository_selection,
            "repositories_url": self.repositories_url(base_url, org_id),
            "permissions": self.permissions,
            "created_at": self.created_at,
            **self._token_fields(),
        }


R = TypeVar("R", bound=PatRecord)


class RecordList(VersionedCache, Generic[R]):
    """An organization's grants or requests, with caches dropped whenever anything changes."""

    def __init__(self, records: Iterable[R] = ()) -> None:
        super().__init__()
        self._records: list[R] = []
        self.extend(records)

    def __iter__(self) -> Iterator[R]:
        return iter(list(self._records))

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, index: int) -> R:
        return self._records[index]

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._index()

    def get(self, record_id: int) -> R | None:
        """The record with that id, or None."""
        return self._index().get(record_id)

    def append(self, record: R) -> None:
        """Add one record (its id must be new in this list)."""
        self.extend([record])

    def extend(self, records: Iterable[R]) -> None:
        """Add records (ids must be new in this list)."""
        added = list(records)
        known = set(self._index())
        for record in added:
            if record.id in known:
                msg = f"duplicate id {record.id}"
                raise ValueError(msg)
            known.add(record.id)
            object.__setattr__(record, "_collection", self)
        self._records.extend(added)
        self.touch()

    def remove(self, record: R | int) -> R:
        """Remove a record (or the record with that id), e.g. to revoke a grant."""
        record_id = record if isinstance(record, int) else record.id
        found = self._index().get(record_id)
        if found is None:
            raise KeyError(record_id)
        self._records.remove(found)
        object.__setattr__(found, "_collection", None)
        self.touch()
        return found

    def touch(self) -> None:
        """Invalidate every cache (encoded JSON, filtered lists, index)."""
        with self._lock:
            self._changed()

    def _index(self) -> dict[int, R]:
        return self.cached("index", lambda: {record.id: record for record in self._records})

    def encode_each(self, records: Iterable[R], base_url: str, org_id: int) -> list[bytes]:
        """Each record's JSON, encoded once per version of this list."""
        encodings: dict[int, bytes] = self.cached(("json", base_url, org_id), dict)
        owners: dict[int, str] = self.cached(("owners", base_url, org_id), dict)
        parts = []
        for record in records:
            encoded = encodings.get(record.id)
            if encoded is None:
                encoded = _encode(record.document(base_url, org_id), owners)
                encodings[record.id] = encoded
            parts.append(encoded)
        return parts

    def encoded(self, records: Iterable[R], base_url: str, org_id: int) -> bytes:
        """A JSON array of these records (a page body)."""
        return b"[" + b",".join(self.encode_each(records, base_url, org_id)) + b"]"


_OWNER_SLOT = "\x00owner\x00"
_OWNER_SLOT_JSON = json.dumps(_OWNER_SLOT)


def _encode(document: Json, owners: dict[int, str]) -> bytes:
    # Owners are shared between many records; their ~1 KB of JSON is encoded once each.
    owner = document["owner"]
    owner_json = owners.get(id(owner))
    if owner_json is None:
        owner_json = owners[id(owner)] = json.dumps(owner)
    document["owner"] = _OWNER_SLOT
    return json.dumps(document).replace(_OWNER_SLOT_JSON, owner_json, 1).encode()


@dataclass(eq=False)
class Org(_Tracked):
    """An organization, whether the App is installed on it, and its PAT data."""

    login: str
    id: int
    installation_id: int
    installed: bool = True
    permissions: dict[str, str] = field(
        default_factory=lambda: dict(DEFAULT_INSTALLATION_PERMISSIONS)
    )
    grants: RecordList[Grant] = field(default_factory=RecordList)
    requests: RecordList[PatRequest] = field(default_factory=RecordList)
    governance: Governance = field(default_factory=Governance)  # members, SSO, audit log

    def __setattr__(self, name: str, value: object) -> None:
        if name in {"grants", "requests"} and not isinstance(value, RecordList):
            value = RecordList(cast("Iterable[Any]", value))
        super().__setattr__(name, value)
