"""One load of an organization at a time, across runs and machines: a PostgreSQL advisory lock.

Two `meltano run`s with the same state id would read the same bookmark and race to save theirs.
The lock is taken on Meltano's own system database (the state store every worker shares), keyed
by the state id, and held for the whole `meltano run`; PostgreSQL releases it if the holder dies.
It covers every way a second load can start (two schedules, a manual materialization, another
deployment on the same state store), which a Dagster concurrency limit would not. Advisory locks
are per database, so two state stores never block each other. The same lock, keyed otherwise,
serializes the warehouse's one-time preparation (`warehouse.py`).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import TYPE_CHECKING

import psycopg

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

POLL_SECONDS = 1.0
_TRY = "select pg_try_advisory_lock(hashtextextended(%s, 0))"
_UNLOCK = "select pg_advisory_unlock(hashtextextended(%s, 0))"
# Who holds it: a bigint key shows in pg_locks as classid (high 32 bits) and objid (low 32 bits).
_HOLDER = """
select a.application_name, a.backend_start
from pg_locks l join pg_stat_activity a on a.pid = l.pid
where l.locktype = 'advisory' and l.granted and l.objsubid = 1
  and l.classid::bigint = (hashtextextended(%(key)s, 0) >> 32) & 4294967295
  and l.objid::bigint = hashtextextended(%(key)s, 0) & 4294967295
"""


class LockBusyError(RuntimeError):
    """Another run holds this lock (an organization's load, or the warehouse's preparation)."""


def libpq_url(sqlalchemy_url: str) -> str:
    """`postgresql+psycopg://...` (Meltano's form) as libpq takes it: `postgresql://...`."""
    scheme, sep, rest = sqlalchemy_url.partition("://")
    if not sep or not scheme.startswith("postgresql"):
        msg = "MELTANO_DATABASE_URI must be a PostgreSQL URL (postgresql+psycopg://...)"
        raise ValueError(msg)
    return f"postgresql://{rest}"


@contextmanager
def advisory_lock(  # noqa: PLR0913 (where, what, who, how long, what it is for, where to say so)
    database_url: str,
    key: str,
    *,
    holder: str,
    wait_seconds: float,
    log: Callable[[str], None],
    doing: str = "loaded",
) -> Iterator[None]:
    """Hold the lock of `key` for the block; wait up to `wait_seconds`, then fail clearly.

    `holder` names this run (PostgreSQL's application_name) so a waiting run can say who has
    it; `doing` says what the holder does, in the busy message ("already being loaded by ...").
    """
    with psycopg.connect(
        libpq_url(database_url), autocommit=True, application_name=holder[:63]
    ) as connection:
        deadline = time.monotonic() + wait_seconds
        announced = False
        while not connection.execute(_TRY, (key,)).fetchone()[0]:  # type: ignore[index]
            found = connection.execute(_HOLDER, {"key": key}).fetchone()
            who = (
                f"{found[0] or 'another session'} (since {found[1]:%Y-%m-%d %H:%M:%S %Z})"
                if found
                else "another session"
            )
            if time.monotonic() >= deadline:
                msg = (
                    f"{key}: already being {doing} by {who}; waited {wait_seconds:.0f} s "
                    "for its PostgreSQL advisory lock; retry when it has finished"
                )
                raise LockBusyError(msg)
            if not announced:
                log(f"{key}: waiting for {who} to finish (advisory lock)")
                announced = True
            time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            connection.execute(_UNLOCK, (key,))
