"""Instants: parse them, normalise them to one UTC form, format them for GitHub and for people.

GitHub writes timestamps with offsets and milliseconds (`2023-11-16T08:47:09.000-07:00`); the
SDK compares replication-key values as strings, which is only right in one fixed form, so every
timestamp the tap emits or stores is `YYYY-MM-DDTHH:MM:SS.mmmZ`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

_FIXED_FORM_LENGTH = 24  # len("2023-11-16T15:47:09.000Z")
_SECONDS_FORM_LENGTH = 20  # len("2023-11-16T15:47:09Z")
_DAY_IN_EVERY_MONTH = "28"  # a later day may not exist in its month: checked, not assumed


def to_utc_z(value: str | None) -> str | None:
    """The same instant as `YYYY-MM-DDTHH:MM:SS.mmmZ`; raises ValueError if it is none."""
    if value is None:
        return None
    if value[-1:] == "Z":
        if value[8:10] > _DAY_IN_EVERY_MONTH:
            date.fromisoformat(value[:10])  # Feb 30 is no instant: raises ValueError
        if len(value) == _FIXED_FORM_LENGTH and value[19] == ".":
            return value  # already in the fixed form
        if len(value) == _SECONDS_FORM_LENGTH:
            return f"{value[:19]}.000Z"  # `...SSZ`: only the milliseconds are missing
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    offset = moment.utcoffset()
    if offset is not None:
        moment = moment.replace(tzinfo=None) - offset  # naive UTC: cheaper than astimezone
    return moment.isoformat(timespec="milliseconds") + "Z"


def parse_instant(value: str) -> datetime:
    """A timestamp from state or GitHub as an aware datetime (zone-less means UTC)."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parse_setting_instant(text: str) -> datetime | None:
    """A date or date-time setting as aware UTC (a bare date: midnight UTC); None if unreadable."""
    try:
        parsed: datetime | None = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = _parse_other_iso8601(text)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _parse_other_iso8601(text: str) -> datetime | None:
    """ISO 8601 forms `fromisoformat` does not read (e.g. `20240131T000000Z`), via pendulum.

    Imported only here: pendulum costs ~1.7 MiB of peak memory on every run otherwise.
    """
    import pendulum  # noqa: PLC0415

    try:
        parsed = pendulum.parse(text, tz="UTC")
    except ValueError:  # pendulum's ParserError is a ValueError
        return None
    return parsed if isinstance(parsed, datetime) else None


def query_form(moment: datetime) -> str:
    """GitHub's documented query form for timestamps: `YYYY-MM-DDTHH:MM:SSZ`, in UTC."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_text(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS.mmmZ`, truncated (not rounded) to the millisecond."""
    utc = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return utc.isoformat(timespec="milliseconds") + "Z"


def epoch_text(seconds: float) -> str:
    """Epoch seconds as UTC wall-clock text for a person, e.g. `2026-12-02 18:00:00 UTC`."""
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def epoch_ms_text(milliseconds: int) -> str:
    """Epoch milliseconds (the audit log's `@timestamp`) as `YYYY-MM-DDTHH:MM:SS.mmmZ`, exactly."""
    return utc_text(_EPOCH + timedelta(milliseconds=milliseconds))
