"""Before any organization loads: migrate Meltano's system database and create the tables.

Parallel first runs would otherwise race twice: several `meltano` processes migrating one empty
system database, and several loaders creating one table (`CREATE TABLE` is not idempotent across
sessions). One loader fed only the tap's SCHEMA messages does both, once, in a few seconds and
without a request to GitHub; it changes nothing when the tables already exist.
"""

from __future__ import annotations

import json
from typing import Any


def catalog() -> dict[str, Any]:
    """The tap's catalog, as `--discover` prints it (discovery makes no request to GitHub)."""
    from tap_github_pat_grants.tap import TapGitHubPatGrants  # noqa: PLC0415 (see organizations)

    # Discovery needs no credentials; these values only satisfy the config schema.
    tap = TapGitHubPatGrants(
        config={"organizations": ["-"], "auth_token": "-"}, validate_config=False
    )
    return dict(tap.catalog_dict)


def catalog_json() -> str:
    """The catalog as the file Meltano's `catalog` extra points at."""
    return json.dumps(catalog())


def schema_messages() -> bytes:
    """One Singer SCHEMA message per stream of the tap, as its discovery describes them."""
    lines = []
    for stream in catalog()["streams"]:
        message = {
            "type": "SCHEMA",
            "stream": stream["tap_stream_id"],
            "schema": stream["schema"],
            "key_properties": stream.get("key_properties", []),
        }
        lines.append(json.dumps(message))
    return ("\n".join(lines) + "\n").encode()
