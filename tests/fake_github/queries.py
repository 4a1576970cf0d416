"""The list endpoints' query parameters: validation (422), filtering, sorting, paging, Link."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fake_github.timestamps import parse_instant

if TYPE_CHECKING:
    from tests.fake_github.records import PatRecord, R, RecordList

MAX_OWNERS = 10  # GitHub's OpenAPI: owner maxItems 10
MAX_TOKEN_IDS = 50  # GitHub's OpenAPI: token_id maxItems 50
LEVELS = {"read": 1, "write": 2, "admin": 3}
_PERMISSION = re.compile(r"([a-z][a-z_]*)_(read|write|admin)")


@dataclass
class ValidationFailedError(Exception):
    """A 422: GitHub's `errors` items, one per bad parameter."""

    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Filter:
    """Everything that selects and orders records (not the page): the cache key."""

    direction: str = "desc"
    owners: frozenset[str] | None = None
    repository: str | None = None
    permission: tuple[str, int] | None = None
    last_used_before: int | None = None
    last_used_after: int | None = None
    token_ids: frozenset[int] | None = None


def _values(query: dict[str, list[str]], name: str) -> list[str]:
    # `owner[]=a&owner[]=b` is GitHub's form; `owner=a` is accepted the same way.
    return query.get(f"{name}[]", []) + query.get(name, [])


def _last(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def parse_filter(query: dict[str, list[str]], resource: str) -> Filter:
    """Validate the filter parameters like GitHub does; raise ValidationFailedError for 422."""
    errors: list[dict[str, Any]] = []

    def invalid(name: str, value: object, message: str) -> None:
        error = {"resource": resource, "field": name, "code": "invalid", "value": value}
        errors.append({**error, "message": message})

    sort = _last(query, "sort")
    if sort not in {None, "created_at"}:
        invalid("sort", sort, "sort must be one of: created_at")
    direction = _last(query, "direction") or "desc"
    if direction not in {"asc", "desc"}:
        invalid("direction", direction, "direction must be one of: asc, desc")
    owners = _values(query, "owner")
    if len(owners) > MAX_OWNERS:
        invalid("owner", owners, f"owner has more than {MAX_OWNERS} items")
    token_ids = _values(query, "token_id")
    if len(token_ids) > MAX_TOKEN_IDS:
        invalid("token_id", token_ids, f"token_id has more than {MAX_TOKEN_IDS} items")
    if not all(value.isdigit() for value in token_ids):
        invalid("token_id", token_ids, "token_id items must be integers")
    permission = _last(query, "permission")
    permission_match = _PERMISSION.fullmatch(permission) if permission else None
    if permission and permission_match is None:
        invalid("permission", permission, "permission must look like contents_read")
    instants: dict[str, int | None] = {}
    for name in ("last_used_before", "last_used_after"):
        text = _last(query, name)
        try:
            instants[name] = None if text is None else parse_instant(text)
        except ValueError:
            invalid(name, text, f"{name} must be an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SSZ)")
    if errors:
        raise ValidationFailedError(errors)
    return Filter(
        direction=direction,
        owners=frozenset(owner.lower() for owner in owners) if owners else None,
        repository=(_last(query, "repository") or "").lower() or None,
        permission=(
            (permission_match.group(1), LEVELS[permission_match.group(2)])
            if permission_match
            else None
        ),
        last_used_before=instants["last_used_before"],
        last_used_after=instants["last_used_after"],
        token_ids=frozenset(int(value) for value in token_ids) if token_ids else None,
    )


def _instant(text: str | None) -> int | None:
    return None if text is None else parse_instant(text)


def _has_permission(record: PatRecord, name: str, level: int) -> bool:
    # A grant with `contents: write` also satisfies `contents_read`.
    return any(
        LEVELS.get(levels.get(name, ""), 0) >= level for levels in record.permissions.values()
    )


def _has_repository(record: PatRecord, name: str) -> bool:
    if record.repository_selection == "all":
        return True
    return any(repo.get("name", "").lower() == name for repo in record.repositories)


def _matches(record: PatRecord, flt: Filter, last_used: int | None) -> bool:
    if flt.owners is not None and str(record.owner.get("login", "")).lower() not in flt.owners:
        return False
    if flt.token_ids is not None and record.token_id not in flt.token_ids:
        return False
    if flt.repository is not None and not _has_repository(record, flt.repository):
        return False
    if flt.permission is not None and not _has_permission(record, *flt.permission):
        return False
    # Never-used tokens match neither `last_used_before` nor `last_used_after`.
    if flt.last_used_before is not None and (
        last_used is None or last_used >= flt.last_used_before
    ):
        return False
    return flt.last_used_after is None or (
        last_used is not None and last_used > flt.last_used_after
    )


def select(records: RecordList[R], flt: Filter) -> list[R]:
    """The filtered, sorted records; cached per filter until the collection changes."""

    def instants() -> dict[int, tuple[int, int | None]]:
        return {r.id: (parse_instant(r.sorted_at), _instant(r.token_last_used_at)) for r in records}

    def compute() -> list[R]:
        times = records.cached("instants", instants)
        chosen = [r for r in records if _matches(r, flt, times[r.id][1])]
        chosen.sort(key=lambda r: (times[r.id][0], r.id), reverse=flt.direction == "desc")
        return chosen

    return records.cached(("select", flt), compute)


@dataclass(frozen=True)
class Page:
    """Which page was asked for, and how big pages are (GitHub: default 30, max 100)."""

    number: int = 1
    size: int = 30

    @classmethod
    def from_query(cls, query: dict[str, list[str]]) -> Page:
        """Read `page`/`per_page` leniently (GitHub ignores junk and clamps to 1..100)."""

        def number(name: str, default: int) -> int:
            text = _last(query, name) or ""
            return int(text) if text.isdigit() and int(text) > 0 else default

        return cls(number=number("page", 1), size=min(number("per_page", 30), 100))

    def slice(self, items: list[R]) -> list[R]:
        """This page's part of the full list."""
        start = (self.number - 1) * self.size
        return items[start : start + self.size]

    def last(self, total: int) -> int:
        """The last page number for `total` items (at least 1)."""
        return max(1, -(-total // self.size))


def _page_url(base_url: str, path: str, raw_query: str, number: int) -> str:
    # Keep the client's parameters byte for byte and in order; only `page` changes.
    parts = []
    replaced = False
    for part in raw_query.split("&"):
        if not part:
            continue
        if part.split("=", 1)[0] == "page":
            if not replaced:
                parts.append(f"page={number}")
                replaced = True
        else:
            parts.append(part)
    if not replaced:
        parts.append(f"page={number}")
    return f"{base_url}{path}?{'&'.join(parts)}"


def link_header(base_url: str, path: str, raw_query: str, page: Page, total: int) -> str | None:
    """GitHub's `Link` header: prev/next/last/first, or None when one page holds everything."""
    last = page.last(total)
    rels = []
    if page.number > 1:
        rels.append(("prev", page.number - 1))
    if page.number < last:
        rels += [("next", page.number + 1), ("last", last)]
    if page.number > 1:
        rels.append(("first", 1))
    links = [f'<{_page_url(base_url, path, raw_query, n)}>; rel="{rel}"' for rel, n in rels]
    return ", ".join(links) or None
