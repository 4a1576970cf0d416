"""One organization's load as its Pipes process receives it: what to run, never a secret.

The Dagster asset builds an `OrgLoadSpec` from its resources and hands it over as Pipes extras
(which Dagster keeps with the run, so nothing here may be secret). The process reads the
secrets it needs (`MELTANO_DATABASE_URI`, the App key, `PG*`) from its own environment.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class OrgLoadSpec:
    """Everything but secrets that one organization's `meltano run` needs."""

    org: str
    full_refresh: bool
    holder: str  # who takes the org's lock, e.g. "dagster run 1a2b3c4d acme" (seen by waiters)
    project_dir: str  # the Meltano project (this repository)
    meltano_bin: str
    environment: str  # Meltano's, part of the state id
    extractor: str
    loader: str
    loader_schema: str  # where the loader writes (TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA)
    tables: tuple[str, ...]  # the raw tables this load may fill (the asset keys' last parts)
    lock_wait_seconds: float
    timeout_seconds: float

    @property
    def state_id(self) -> str:
        """Where Meltano keeps this org's bookmarks: `meltano run --state-id-suffix=ORG`."""
        return f"{self.environment}:{self.extractor}-to-{self.loader}:{self.org}"

    def meltano_args(self) -> tuple[str, ...]:
        """`meltano run` of this organization alone, under its own state id."""
        args = ["run", f"--state-id-suffix={self.org}"]
        if self.full_refresh:
            args.append("--full-refresh")
        return (*args, self.extractor, self.loader)

    def meltano_env(self) -> dict[str, str]:
        """What every `meltano` command of this load runs with, on top of the environment."""
        return {"MELTANO_ENVIRONMENT": self.environment}

    def load_env(self) -> dict[str, str]:
        """The tap's settings for this organization's `meltano run`.

        Table-wide versioning is off: ACTIVATE_VERSION applies to a whole table, so a full read
        of one organization would mark every other organization's rows deleted. Revocations
        are found by the per-org current-state models instead (rows seen since the org's last
        complete full read, from `sync_runs`).
        """
        return {
            **self.meltano_env(),
            "TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS": json.dumps([self.org]),
            "TAP_GITHUB_PAT_GRANTS_EMIT_ACTIVATE_VERSION_MESSAGES": "false",
        }

    def to_extras(self) -> dict[str, Any]:
        """As Pipes extras (JSON)."""
        extras = asdict(self)
        extras["tables"] = list(self.tables)
        return extras

    @classmethod
    def from_extras(cls, extras: dict[str, Any]) -> OrgLoadSpec:
        """Back from Pipes extras; unknown keys are ignored."""
        known = {field.name for field in fields(cls)}
        values = {key: value for key, value in extras.items() if key in known}
        values["tables"] = tuple(values["tables"])
        return cls(**values)
