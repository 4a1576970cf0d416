"""The audit log's query: `phrase` qualifiers, `include`, `order`, `per_page`, `after`/`before`.

GitHub's "Reviewing the audit log for your organization" (quoted in
`reference/audit-log-pat-events.json`) is the rulebook:
- `action:team` finds every event of the `team` category, `action:team.create` that action;
  `actor:octocat actor:hubot` finds events by either (one qualifier repeated: any of them;
  different qualifiers: all of them); a leading `-` excludes;
- `created:` takes `YYYY-MM-DD` with optional `THH:MM:SS` and a UTC offset (`Z` or `+00:00`),
  with `>`, `>=`, `<`, `<=`, a bare value (that day, or that second) or a range `a..b`; the log
  keeps seconds only, so `created:>=...T12:00:00Z` includes 12:00:00.750;
- "you cannot search for entries using text": anything that is not a qualifier is refused
  (the fake answers 422; a typo in the tap's phrase must fail loudly, not widen the read);
- without a `created:` qualifier only the past three months are searched (the fake: 90 days),
  and the log holds the last 180 days at most.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from tests.fake_github.audit_log import GIT_ACTIONS, decode_cursor
from tests.fake_github.queries import ValidationFailedError

if TYPE_CHECKING:
    from tests.fake_github.audit_log import Json, Key

DAY_MS = 86_400_000
DEFAULT_DAYS = 90  # GitHub: "By default, only events from the past three months are displayed"
RETENTION_DAYS = 180  # GitHub: "The audit log contains data for the last 180 days"
MAX_PER_PAGE = 100  # GitHub's OpenAPI: per_page "(max 100)", default 30
_QUALIFIER = re.compile(r"(-?)([a-z_]+):(\S+)")
_INSTANT = re.compile(r"(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2})?)(Z|[+-]\d{2}:?\d{2})?)?")
_FIELDS = {"action": "action", "actor": "actor", "user": "user", "operation": "operation_type"}


@dataclass(frozen=True)
class Search:
    """A parsed phrase: values per qualifier (any may match), exclusions, `created:` bounds."""

    wanted: tuple[tuple[str, frozenset[str]], ...] = ()
    excluded: tuple[tuple[str, frozenset[str]], ...] = ()
    low_ms: int | None = None  # inclusive
    high_ms: int | None = None  # exclusive
    include: str = "web"

    def keeps(self, event: Json) -> bool:
        """Whether the event passes every qualifier and `include` (time bounds aside)."""
        is_git = str(event.get("action", "")).startswith(GIT_ACTIONS)
        if (self.include == "web" and is_git) or (self.include == "git" and not is_git):
            return False
        wanted = all(any(_matches(event, name, v) for v in values) for name, values in self.wanted)
        return wanted and not any(
            _matches(event, name, v) for name, values in self.excluded for v in values
        )


def _matches(event: Json, name: str, value: str) -> bool:
    found = str(event.get(_FIELDS[name]) or "").lower()
    if name != "action":
        return found == value
    # `action:personal_access_token` is the category (the part before the first dot); a value
    # with a dot names an action (or, as `repo.config`, a group of them).
    return found == value or found.startswith(f"{value}.")


@dataclass(frozen=True)
class AuditQuery:
    """One request's parameters, validated like GitHub (422 for what it would refuse)."""

    search: Search
    order: str = "desc"
    per_page: int = 30
    after: Key | None = None
    before: Key | None = None

    @classmethod
    def parse(cls, query: dict[str, list[str]], now_ms: int) -> AuditQuery:
        """Read the query string; raise ValidationFailedError (422) on anything GitHub refuses."""
        errors: list[dict[str, Any]] = []

        def last(name: str) -> str:
            values = query.get(name) or [""]
            return values[-1]

        def invalid(name: str, value: object, message: str) -> None:
            errors.append({"resource": "AuditLog", "field": name, "code": "invalid",
                           "value": value, "message": message})  # fmt: skip

        order = last("order") or "desc"
        if order not in {"asc", "desc"}:
            invalid("order", order, "order must be one of: asc, desc")
        include = last("include") or "web"
        if include not in {"web", "git", "all"}:
            invalid("include", include, "include must be one of: web, git, all")
        cursors: dict[str, Key | None] = {}
        for name in ("after", "before"):
            text = last(name)
            try:
                cursors[name] = decode_cursor(text) if text else None
            except ValueError:
                invalid(name, text, f"{name} is not a cursor from a Link header")
        try:
            search = parse_phrase(last("phrase"), include, now_ms)
        except ValidationFailedError as bad:
            errors.extend(bad.errors)
            search = Search()
        if errors:
            raise ValidationFailedError(errors)
        text = last("per_page")
        size = int(text) if text.isdigit() and int(text) > 0 else 30
        return cls(search, order, min(size, MAX_PER_PAGE), cursors["after"], cursors["before"])


def parse_phrase(phrase: str, include: str, now_ms: int) -> Search:
    """The qualifiers of a `phrase`; time bounds default to the past three months."""
    wanted: dict[str, set[str]] = {}
    excluded: dict[str, set[str]] = {}
    low, high, dated = now_ms - RETENTION_DAYS * DAY_MS, None, False
    for token in phrase.split():
        match = _QUALIFIER.fullmatch(token)
        name = match.group(2) if match else ""
        if match is None or (name not in _FIELDS and name != "created"):
            problem = {"resource": "AuditLog", "field": "phrase", "code": "invalid"}
            message = f"{token!r} is not a supported qualifier (text search is not possible)"
            raise ValidationFailedError([{**problem, "value": phrase, "message": message}])
        negated, value = match.group(1) == "-", match.group(3)
        if name == "created" and negated:
            problem = {"resource": "AuditLog", "field": "phrase", "code": "invalid"}
            message = "-created: is not supported; use created:<... or created:>..."
            raise ValidationFailedError([{**problem, "value": phrase, "message": message}])
        if name == "created":
            dated = True
            start, end = created_bounds(value)
            low = max(low, start) if start is not None else low
            high = min(high, end) if end is not None and high is not None else high or end
            continue
        (excluded if negated else wanted).setdefault(name, set()).add(value.lower())
    if not dated:
        low = max(low, now_ms - DEFAULT_DAYS * DAY_MS)
    return Search(
        tuple(sorted((k, frozenset(v)) for k, v in wanted.items())),
        tuple(sorted((k, frozenset(v)) for k, v in excluded.items())),
        low,
        high,
        include,
    )


def created_bounds(value: str) -> tuple[int | None, int | None]:
    """`[low, high)` in epoch ms of a `created:` value, whole seconds (or days) only."""
    for operator in (">=", "<=", ">", "<"):
        if value.startswith(operator):
            start, end = _span(value[len(operator) :])
            return {
                ">=": (start, None), ">": (end, None), "<=": (None, end), "<": (None, start),
            }[operator]  # fmt: skip
    if ".." in value:
        first, _, second = value.partition("..")
        low = None if first == "*" else _span(first)[0]
        high = None if second == "*" else _span(second)[1]
        return low, high
    return _span(value)


def _span(text: str) -> tuple[int, int]:
    """The instants a date (that day) or date-time (that second) covers: `[start, end)` ms."""
    match = _INSTANT.fullmatch(text)
    if match is None:
        problem = {"resource": "AuditLog", "field": "phrase", "code": "invalid", "value": text}
        message = "created: takes YYYY-MM-DD with optional THH:MM:SS and a UTC offset"
        raise ValidationFailedError([{**problem, "message": message}])
    day, clock, offset = match.groups()
    try:
        moment = datetime.fromisoformat(f"{day}T{clock or '00:00'}{_offset(offset)}")
    except ValueError as bad:
        problem = {"resource": "AuditLog", "field": "phrase", "code": "invalid", "value": text}
        raise ValidationFailedError([{**problem, "message": str(bad)}]) from bad
    step = timedelta(seconds=1) if clock else timedelta(days=1)
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (moment - epoch) // timedelta(milliseconds=1), (moment + step - epoch) // timedelta(
        milliseconds=1
    )


def _offset(text: str | None) -> str:
    if not text or text == "Z":
        return "+00:00"  # GitHub reads a date-time without an offset as UTC
    return text if ":" in text else f"{text[:3]}:{text[3:]}"
