"""One load of an organization at a time, across runs and machines: a PostgreSQL advisory lock.

Two `meltano run`s with the same state id would read the same bookmark and race to save theirs.
The lock is taken on Meltano's own system database (the state store every worker shares), keyed
by the state id, and held for the whole `meltano run`; PostgreSQL releases it if the holder dies.
Advisory locks are per database, so two state stores never block each other.
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
# Who holds it: a bigint key shows in pg_locks as classid (high 32 bits) and objid (low 32 bits).
_HOLDER = """
select a.application_name, a.backend_start
from pg_locks l join pg_stat_activity a on a.pid = l.pid
where l.locktype = 'advisory' and l.granted and l.objsubid = 1
  and l.classid::bigint = (hashtextextended(%(key)s, 0) >> 32) & 4294967295
  and l.objid::bigint = hashtextextended(%(key)s, 0) & 4294967295
"""


class OrganizationBusyError(RuntimeError):
    """Another run holds this organization's lock."""


def libpq_url(sqlalchemy_url: str) -> str:
    """`postgresql+psycopg://...` (Meltano's form) as libpq takes it: `postgresql://...`."""
    scheme, sep, rest = sqlalchemy_url.partition("://")
    if not sep or not scheme.startswith("postgresql"):
        msg = "MELTANO_DATABASE_URI must be a PostgreSQL URL (postgresql+psycopg://...)"
        raise ValueError(msg)
    return f"postgresql://{rest}"


@contextmanager
def organization_lock(
    database_url: str,
    state_id: str,
    *,
    holder: str,
    wait_seconds: float,
    log: Callable[[str], None],
) -> Iterator[None]:
    """Hold the lock of `state_id` for the block; wait up to `wait_seconds`, then fail clearly.

    `holder` names this run (PostgreSQL's application_name) so a waiting run can say who has it.
    """
    with psycopg.connect(
        libpq_url(database_url), autocommit=True, application_name=holder[:63]
    ) as connection:
        deadline = time.monotonic() + wait_seconds
        announced = False
        while not connection.execute(_TRY, (state_id,)).fetchone()[0]:  # type: ignore[index]
            found = connection.execute(_HOLDER, {"key": state_id}).fetchone()
            who = (
                f"{found[0] or 'another session'} (since {found[1]:%Y-%m-%d %H:%M:%S %Z})"
                if found
                else "another session"
            )
            if time.monotonic() >= deadline:
                msg = (
                    f"{state_id}: already being loaded by {who}; waited {wait_seconds:.0f} s "
                    "for its PostgreSQL advisory lock. Two loads of one organization must not "
                    "share a bookmark; retry when it has finished."
                )
                raise OrganizationBusyError(msg)
            if not announced:
                log(f"{state_id}: waiting for {who} to finish (advisory lock)")
                announced = True
            time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            connection.execute("select pg_advisory_unlock(hashtextextended(%s, 0))", (state_id,))
