"""Dagster code location: the tap's tables as assets, one partition per organization, then dbt."""
