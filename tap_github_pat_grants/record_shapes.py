"""GitHub's documented shape of each record, checked where a page is decoded (in C, by msgspec).

The stream schemas say what GitHub documents: a property whose type has no `null` must be
present and not null, integers are integers (not strings or booleans), date-times are ISO 8601.
A page is decoded straight into these shapes, which costs about what an untyped decode costs;
a record that breaks them is reported with its org, stream, id and field instead of reaching
a loader. Properties the schema does not declare are dropped by the same decode.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Optional

import msgspec
from typing_extensions import NotRequired, Required, TypedDict

from tap_github_pat_grants.error_lines import invalid_record_line
from tap_github_pat_grants.errors import GitHubFatalError, InvalidRecordError
from tap_github_pat_grants.instants import epoch_ms_text, to_utc_z

if TYPE_CHECKING:
    import logging
    from collections.abc import Callable

    from tap_github_pat_grants.endpoints import Endpoint

# GitHub's timestamps: `2023-11-16T08:47:09.000-07:00`, `...Z`, with or without fractions.
# Each field within its range (month 13 or hour 24 is no instant); a day past the month's end
# (Feb 30) is caught where the timestamp is normalised (`instants.to_utc_z`).
ISO_8601 = (
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d"
    r"(\.\d+)?(Z|[+-]\d{2}:?\d{2})$"
)
_DATE_TIME = Annotated[str, msgspec.Meta(pattern=ISO_8601)]
_SCALARS: dict[str, Any] = {"integer": int, "string": str, "boolean": bool, "number": float}
_PATH_INDEX = re.compile(r"^\$(?:\[(\d+)\])?\.?(.*)$")


class RecordShape:
    """Decodes pages of one stream's records, checked against GitHub's documented shape."""

    def __init__(
        self, schema: dict[str, Any], name: str, added: tuple[str, ...], whole_as: str | None
    ) -> None:
        """The shape of `schema` without the properties the tap adds (`added`).

        With `whole_as`, each record also keeps the whole object GitHub sent, under that name.
        """
        self._whole_as = whole_as
        github = {k: v for k, v in schema["properties"].items() if k not in added}
        self._record = _shape({**schema, "properties": github}, name)
        page_of_records = list[self._record]  # type: ignore[name-defined]
        self._page: msgspec.json.Decoder[list[Any]] = msgspec.json.Decoder(page_of_records)
        self.rows_sent = 0  # rows in the last page as GitHub sent it, valid or not

    def decode_page(
        self, body: bytes, on_invalid: Callable[[object, InvalidRecordError], None]
    ) -> object:
        """The page's records, in GitHub's documented shape.

        Each record that breaks the shape goes to `on_invalid`, which raises to stop, or
        returns to leave the record out.
        """
        if self._whole_as is None:
            try:
                page = self._page.decode(body)
            except msgspec.ValidationError:
                pass  # row by row, below
            else:
                self.rows_sent = len(page)
                return page
        rows = msgspec.json.decode(body)  # a DecodeError here is a cut body: resent
        if not isinstance(rows, list):
            return rows  # not a page at all: the caller's shape check says so
        self.rows_sent = len(rows)
        # Row by row, so each broken row is reported once (the page's error names only the
        # first) and the valid ones are kept.
        checked = [(row, kept) for row in rows if (kept := self._checked(row, on_invalid))]
        if self._whole_as is not None:
            for row, kept in checked:
                kept[self._whole_as] = row
        return [kept for _, kept in checked]

    def _checked(
        self, row: object, on_invalid: Callable[[object, InvalidRecordError], None]
    ) -> Any:
        try:
            return msgspec.convert(row, self._record)
        except msgspec.ValidationError as error:
            on_invalid(row, invalid_record(error))
            return None


class InvalidRecords:
    """What happens to a record that breaks GitHub's shape: the run stops, or it is skipped.

    Skipped by choice (`skip_invalid_records`), with a warning, once per run however often the
    record is read.
    """

    def __init__(self, stream: str, id_field: str, logger: logging.Logger) -> None:
        """Nothing skipped yet; records are named by their `id_field`."""
        self._stream = stream
        self._id_field = id_field
        self._logger = logger
        self._skipped: set[tuple[str, str, str]] = set()  # (org, id, field)

    def handle(self, org: str, row: object, invalid: InvalidRecordError, *, skip: bool) -> bool:
        """Raise to stop the run; or, with `skip`, warn once and return True if newly skipped."""
        record_id = row.get(self._id_field) if isinstance(row, dict) else None
        line = invalid_record_line(org, self._stream, record_id, invalid)
        if not skip:
            raise GitHubFatalError(line)
        # A whole list is read twice (its verification pass): a record is skipped once per run.
        key = (org, repr(record_id), invalid.field)
        if key in self._skipped:
            return False
        self._skipped.add(key)
        self._logger.warning("%s; skipped (skip_invalid_records=true)", line.split("; nothing")[0])
        return True


def finish_row(
    row: dict[str, Any], endpoint: Endpoint, org: str, adds: tuple[tuple[str, Any], ...]
) -> str | None:
    """The record as the tap writes it: timestamps in one UTC form, the tap's own properties.

    Returns the first timestamp field that is no instant (the record is then not written).
    """
    broken = normalise_timestamps(row, endpoint.timestamp_fields)
    if broken is not None:
        return broken
    for source, added in endpoint.instants_from_epoch_ms:
        value = row.get(source)
        row[added] = epoch_ms_text(value) if isinstance(value, int) else None
    row.update(adds)
    row["org"] = org
    return None


def normalise_timestamps(row: dict[str, Any], fields: tuple[str, ...]) -> str | None:
    """Rewrite `fields` to one UTC form in place; the first that is no instant, else None."""
    for name in fields:
        value = row.get(name)
        if value is not None:
            try:
                row[name] = to_utc_z(value)
            except ValueError:
                return name
    return None


def invalid_record(error: msgspec.ValidationError) -> InvalidRecordError:
    """Where a decode failed: `... - at $[3].owner.id` in a page, `... - at $.id` in a record."""
    text = str(error)
    problem, _, where = text.partition(" - at `")
    # A record converted on its own names no place for a problem of the record itself.
    match = _PATH_INDEX.match(where.rstrip("`") or "$")
    if match is None:
        return InvalidRecordError(-1, "", problem)
    index, field = int(match.group(1) or -1), match.group(2)
    if problem.startswith("Object missing required field"):
        missing = problem.split("`")[1]
        field = f"{field}.{missing}" if field else missing
        problem = "missing, but GitHub documents it as always present"
    elif "got `null`" in problem:
        problem = "null, but GitHub documents it as never null"
    elif problem.startswith("Expected `str` matching regex"):
        problem = "not an ISO 8601 date-time"
    elif problem.startswith("Expected `"):  # e.g. "Expected `int`, got `str`"
        problem = f"of the wrong type ({problem[0].lower()}{problem[1:]})"
    return InvalidRecordError(index, field, problem.replace("`", ""))


def _shape(schema: dict[str, Any], name: str) -> Any:
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    nullable = "null" in kinds
    kind = next((k for k in kinds if k != "null"), None)
    shape: Any
    if kind == "object" and schema.get("properties"):
        fields = {prop: _field(sub, f"{name}_{prop}") for prop, sub in schema["properties"].items()}
        shape = TypedDict(name, fields, total=False)  # type: ignore[misc,no-redef]
    elif kind == "object":
        extra = schema.get("additionalProperties")
        values = _shape(extra, f"{name}_value") if isinstance(extra, dict) else Any
        shape = dict[str, values]  # type: ignore[valid-type]
    elif kind == "array":
        items = schema.get("items")
        shape = list[_shape(items, f"{name}_item") if items else Any]  # type: ignore[misc]
    elif kind == "string" and schema.get("format") == "date-time":
        shape = _DATE_TIME
    else:
        shape = _SCALARS.get(kind or "", Any)
    return Optional[shape] if nullable else shape  # noqa: UP045 (a runtime type expression)


def _field(schema: dict[str, Any], name: str) -> Any:
    shape = _shape(schema, name)
    kinds = schema.get("type", [])
    required = "null" not in (kinds if isinstance(kinds, list) else [kinds])
    return Required[shape] if required else NotRequired[shape]
