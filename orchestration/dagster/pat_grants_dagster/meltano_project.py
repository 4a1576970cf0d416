"""The repository's Meltano project as a Dagster resource: how each organization is loaded.

Its fields are settings, never secrets, except `database_url` (Meltano's system database: state
and locks), which `definitions.py` fills from the environment (`EnvVar`) and which reaches the
load's process through its environment only, never through Pipes extras or run config.
"""

from __future__ import annotations

import os

from dagster import ConfigurableResource

from pat_grants_dagster.org_load_spec import OrgLoadSpec

# The deployment's settings (environment variables, read when the code location loads).
MELTANO_BIN = os.environ.get("MELTANO_BIN", "meltano")
MELTANO_ENVIRONMENT = os.environ.get("MELTANO_ENVIRONMENT", "dev")
EXTRACTOR = "tap-github-pat-grants"


class MeltanoProject(ConfigurableResource):  # type: ignore[type-arg]  # Dagster: used bare
    """Where the project is, which pipeline to run, and how long a load may wait or run."""

    project_dir: str
    meltano_bin: str = "meltano"
    database_url: str  # MELTANO_DATABASE_URI: state store and locks (PostgreSQL)
    environment: str = "dev"
    extractor: str = EXTRACTOR
    loader: str = "target-postgres"
    loader_schema: str = "github_pat_grants"  # TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA
    lock_wait_seconds: float = 300.0
    timeout_seconds: float = 6 * 3600.0

    def org_load(
        self, org: str, *, full_refresh: bool, holder: str, tables: tuple[str, ...]
    ) -> OrgLoadSpec:
        """One organization's load, as its Pipes process receives it."""
        return OrgLoadSpec(
            org=org,
            full_refresh=full_refresh,
            holder=holder,
            project_dir=self.project_dir,
            meltano_bin=self.meltano_bin,
            environment=self.environment,
            extractor=self.extractor,
            loader=self.loader,
            loader_schema=self.loader_schema,
            tables=tables,
            lock_wait_seconds=self.lock_wait_seconds,
            timeout_seconds=self.timeout_seconds,
        )

    def secret_env(self) -> dict[str, str]:
        """What the load's process gets through its environment alone."""
        return {"MELTANO_DATABASE_URI": self.database_url}
