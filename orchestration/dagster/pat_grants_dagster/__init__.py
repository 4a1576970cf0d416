"""Dagster code location: each GitHub organization loaded by its own `meltano run`, then dbt."""

from pat_grants_dagster.organizations import list_organizations

__all__ = ["list_organizations"]
