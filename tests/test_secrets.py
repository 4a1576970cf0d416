"""No key, JWT or token ever reaches stdout, stderr or logs, at any level, on any path."""

from __future__ import annotations

import secrets

import pytest

from tests.fake_github import generate_org, other_private_key_pem
from tests.helpers import catalog
from tests.tap_runner import run_cli

ALL_STREAMS = catalog(
    "pat_grants", "pat_grant_repositories", "pat_requests", "pat_request_repositories"
)


def _secrets(github, private_key: str) -> list[str]:
    key_lines = [line for line in private_key.splitlines() if line and not line.startswith("-----")]
    return [*key_lines, *github.tokens.issued(), "eyJ"]  # every JWT starts with eyJ


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
@pytest.mark.parametrize(
    "scenario", ["ok", "wrong_key", "not_installed", "token_401", "user_token"]
)
def test_no_secret_in_any_output(github, app_config, level, scenario):
    github.add_org(generate_org("acme", 120, n_requests=4, seed=51, subset_fraction=0.5))
    config = app_config()
    if scenario == "wrong_key":
        config["private_key"] = other_private_key_pem()
    elif scenario == "not_installed":
        github.add_org("initech", installed=False)
        config["organizations"] = ["acme", "initech"]
    elif scenario == "token_401":
        github.faults.add(
            r"personal-access-tokens$",
            nth=2,
            status=401,
            times=2,
            body={"message": "Bad credentials"},
        )
    elif scenario == "user_token":
        del config["app_id"], config["private_key"]
        config["auth_token"] = "github_pat_" + secrets.token_hex(24)  # made at run time

    run = run_cli([], config=config, catalog=ALL_STREAMS, env={"LOGLEVEL": level})

    output = run.stderr + "\n".join(map(str, run.messages))
    leaked = [s for s in _secrets(github, config.get("private_key", "")) if s in output]
    assert leaked == []
    assert config.get("auth_token", "not-set") not in output
    if scenario == "ok":
        assert run.returncode == 0, run.stderr
    else:
        assert run.returncode == 1
        final = run.stderr.strip().splitlines()[-1]
        assert final.startswith("tap-github-pat-grants: error: org ")
        assert "X-GitHub-Request-Id" in final
        if level == "INFO":
            assert "Traceback" not in run.stderr
