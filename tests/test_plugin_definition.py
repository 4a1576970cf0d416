"""The settings are declared once: the Hub file, meltano.yml and the README agree with the table.

And the Hub file works as Meltano Hub's own checks use it: added to a new project from the
file, installed, and the tap answers `--help`, `--version`, `--about` and `--discover` with no
config at all.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.metadata import metadata
from pathlib import Path

import pytest
import yaml

from tap_github_pat_grants.settings import SETTINGS
from tap_github_pat_grants.tap import STREAM_TYPES

ROOT = Path(__file__).resolve().parents[1]
HUB_FILE = ROOT / "hub" / "tap-github-pat-grants.yml"
TESTED_PYTHONS = {"3.10", "3.11", "3.12", "3.13"}  # scripts/test.sh runs 3.10 and 3.13 too


def _hub() -> dict:
    return yaml.safe_load(HUB_FILE.read_text())


def _project_extractor() -> dict:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    (extractor,) = project["plugins"]["extractors"]
    return extractor


def test_generated_files_match_the_settings_table():
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "plugin_definition.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_meltano_yml_and_the_hub_file_agree():
    hub, project = _hub(), _project_extractor()
    for key in ("name", "namespace", "executable", "capabilities", "settings"):
        assert project[key] == hub[key], key
    assert project["settings_group_validation"] == hub["settings_group_validation"]
    assert project.get("select", ["*.*"]) == hub["select"]


def test_the_hub_file_is_what_the_hub_asks_for():
    hub = _hub()
    assert "meltano_sdk" in hub["keywords"]
    assert "activate-version" in hub["capabilities"]
    assert "batch" not in hub["capabilities"]  # the SDK's BATCH path reads no child streams
    by_name = {setting["name"]: setting for setting in hub["settings"]}
    assert all(setting["description"] for setting in hub["settings"])
    assert by_name["app_id"]["kind"] == "string"
    assert "sensitive" not in by_name["app_id"]
    secrets = {name for name, setting in by_name.items() if setting.get("sensitive")}
    assert secrets == {setting.name for setting in SETTINGS if setting.secret}
    assert {setting["kind"] for name, setting in by_name.items() if name in secrets} == {"password"}
    assert by_name["organizations"]["kind"] == "array"
    assert by_name["start_date"]["kind"] == "date_iso8601"


def test_about_declares_what_the_hub_file_says():
    done = subprocess.run(
        [str(Path(sys.executable).with_name("tap-github-pat-grants")), "--about", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
    )
    about = json.loads(done.stdout)
    hub = _hub()
    assert sorted(about["capabilities"]) == sorted(hub["capabilities"])
    assert set(about["settings"]["properties"]) == {s["name"] for s in hub["settings"]}
    assert set(about["supported_python_versions"]) == TESTED_PYTHONS


def test_the_classifiers_list_every_python_ci_tests():
    listed = {
        classifier.rsplit(" :: ", 1)[1]
        for classifier in metadata("tap-github-pat-grants").get_all("Classifier") or []
        if classifier.startswith("Programming Language :: Python :: 3.")
    }
    assert listed == TESTED_PYTHONS
    assert "3.10" in (ROOT / "scripts" / "test.sh").read_text()
    assert "3.13" in (ROOT / "scripts" / "test.sh").read_text()


@pytest.mark.e2e
def test_the_hub_file_installs_and_answers_without_config(tmp_path):
    meltano_bin = os.environ.get("MELTANO_BIN") or shutil.which("meltano")
    if not meltano_bin:
        pytest.fail("Meltano not found: pip install meltano==4.4.1 (or set MELTANO_BIN)")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MELTANO_", "TAP_"))},
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
    }

    def meltano(*args: str, cwd: Path) -> str:
        done = subprocess.run(
            [meltano_bin, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"meltano {' '.join(args)}:\n{done.stdout}{done.stderr}"
        return done.stdout

    meltano("init", "hub-check", "--no_usage_stats", cwd=tmp_path)
    project = tmp_path / "hub-check"
    # The Hub installs from the repository; here, from this checkout.
    local = {**_hub(), "pip_url": str(ROOT)}
    definition = tmp_path / "definition.yml"
    definition.write_text(yaml.safe_dump(local))
    meltano("add", "extractor", "tap-github-pat-grants", "--from-ref", str(definition), cwd=project)
    meltano("install", cwd=project)

    def invoke(*args: str) -> str:
        return meltano("invoke", "tap-github-pat-grants", *args, cwd=project)

    assert "--discover" in invoke("--help")
    assert "tap-github-pat-grants" in invoke("--version")
    about = json.loads(invoke("--about", "--format=json"))
    assert about["name"] == "tap-github-pat-grants"
    assert "| Setting" in invoke("--about", "--format=markdown")
    catalog = json.loads(invoke("--discover"))
    assert {entry["tap_stream_id"] for entry in catalog["streams"]} == {
        s.name for s in STREAM_TYPES
    }
    assert {entry["tap_stream_id"] for entry in catalog["streams"]} >= {
        "pat_grants",
        "pat_grant_repositories",
        "pat_requests",
        "pat_request_repositories",
        "sync_runs",
    }
