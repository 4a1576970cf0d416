"""The other loader and the plugin definition: quick checks that need no dbt build."""

from __future__ import annotations

import json
import subprocess
from typing import TYPE_CHECKING

import pytest
import yaml

from tests.e2e.expected import TABLES, row_counts
from tests.e2e.project import REPO

if TYPE_CHECKING:
    from tests.e2e.project import MeltanoProject
    from tests.fake_github import FakeGitHub

pytestmark = pytest.mark.e2e


def test_jsonl_loader_writes_every_record(meltano: MeltanoProject, fake_github: FakeGitHub) -> None:
    meltano("run", "tap-github-pat-grants", "target-jsonl")
    folder = meltano.folder / "jsonl"
    lines = {
        table: len((folder / f"{table}.jsonl").read_text(encoding="utf-8").splitlines())
        for table in TABLES
    }
    assert lines == row_counts(fake_github)


def test_meltano_knows_every_tap_setting(meltano: MeltanoProject) -> None:
    about = subprocess.run(
        [
            str(REPO / ".meltano/extractors/tap-github-pat-grants/venv/bin/tap-github-pat-grants"),
            "--about",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    settings = json.loads(about.stdout)["settings"]["properties"]
    project = yaml.safe_load((REPO / "meltano.yml").read_text(encoding="utf-8"))
    (tap,) = project["plugins"]["extractors"]
    declared = {s["name"]: s for s in tap["settings"]}
    assert set(declared) == set(settings)
    for name, schema in settings.items():
        types = schema.get("type", [])
        if "array" in types:
            assert declared[name]["kind"] == "array", name
        elif "integer" in types and "string" not in types:
            assert declared[name]["kind"] == "integer", name
        elif "boolean" in types:
            assert declared[name]["kind"] == "boolean", name
        if schema.get("secret"):
            assert declared[name].get("sensitive") is True, name

    printed = json.loads(meltano("config", "print", "tap-github-pat-grants"))
    assert printed["organizations"] == ["acme", "globex"]  # a JSON array env var, parsed
    assert printed["private_key"] == "*****"  # masked
