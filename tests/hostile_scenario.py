"""The scene the hostile-answer tests share: two orgs, a previous state, one CLI run, checks.

`acme` (40 grants) reads cleanly; `globex` (450 grants, 5 pages) gets the hostile answer.
Stop cases run incrementally from `PREVIOUS_STATE`, an old bookmark per org, so both of
globex's slices page through everything and there is a bookmark that must survive; recovery
cases run as a first (full) read, so completing means every record and ACTIVATE_VERSION.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.fake_github import make_grant
from tests.fake_github.timestamps import format_utc
from tests.helpers import catalog
from tests.tap_runner import TapRun, run_cli

if TYPE_CHECKING:
    from tests.fake_github import FakeGitHub, LoggedRequest

ACME_GRANTS = 40
GLOBEX_GRANTS = 450
GLOBEX_LIST = "/orgs/globex/personal-access-tokens"
OLD = "2001-01-01T00:00:00.000Z"
PREVIOUS_STATE = {
    "bookmarks": {
        "pat_grants": {
            "partitions": [
                {
                    "context": {"org": org},
                    "granted_since": OLD,
                    "replication_key": "token_last_used_at",
                    "replication_key_value": OLD,
                }
                for org in ("acme", "globex")
            ]
        }
    }
}
SELECTED = catalog("pat_grants", "sync_runs")
# The tap's backoff base in these runs: six tries in moments, the policy itself unchanged.
BACKOFF_BASE_SECONDS = 0.01
_EPOCH_2024 = 1_704_067_200


def add_orgs(github: FakeGitHub) -> None:
    """acme and globex, every grant used (so the `used` slice pages through all of them)."""
    for login, count, owner in (("acme", ACME_GRANTS, "al"), ("globex", GLOBEX_GRANTS, "bo")):
        grants = [
            make_grant(
                n,
                f"{owner}{n % 7}",
                access_granted_at=format_utc(_EPOCH_2024 + n * 60),
                token_last_used_at=_last_used(n),
            )
            for n in range(1, count + 1)
        ]
        github.add_org(login, grants=grants)


def _last_used(n: int) -> str:
    return format_utc(_EPOCH_2024 + 86_400 * 100 + n * 60)


# acme's newest use, as its bookmark after a complete read
ACME_LAST_USED = _last_used(ACME_GRANTS).replace("Z", ".000Z")


@dataclass
class Outcome:
    """One CLI run, how long it took, and what the fake GitHub was asked meanwhile."""

    run: TapRun
    seconds: float
    requests: list[LoggedRequest]

    @property
    def last_line(self) -> str:
        lines = self.run.stderr.strip().splitlines()
        return lines[-1] if lines else ""

    def records(self, org: str) -> list[dict[str, Any]]:
        return [r for r in self.run.records() if r["org"] == org]


def run(
    github: FakeGitHub, config: dict[str, Any], *, state: dict[str, Any] | None = None
) -> Outcome:
    """The tap's real entry point, as Meltano runs it (INFO logging), backoff shortened."""
    started = time.monotonic()
    done = run_cli(
        [],
        config=config,
        state=state,
        catalog=SELECTED,
        transient_base_wait=BACKOFF_BASE_SECONDS,
        env={"LOGLEVEL": "INFO", "TAP_GITHUB_PAT_GRANTS_LOG_LEVEL": "INFO"},
    )
    return Outcome(done, time.monotonic() - started, list(github.requests_log))


def app_calls(outcome: Outcome) -> int:
    """Requests to the App's endpoints (installation lookups, token mints)."""
    return len([r for r in outcome.requests if r.auth_kind == "jwt"])


def asked(github: FakeGitHub, org: str = "globex") -> list[tuple[str, str, int]]:
    """The org's list requests as (slice, path, page), in order, redirected ones included."""
    result = []
    for request in github.requests_log:
        if not request.path.endswith(f"/orgs/{org}/personal-access-tokens"):
            continue  # the list itself, at its own path or moved within the origin
        query = request.query
        if "last_used_after" in query:
            part = "used"
        elif query.get("direction") == ["desc"]:
            part = "granted"
        elif query.get("direction") == ["asc"]:
            part = "verify"
        else:
            part = "all"
        result.append((part, request.path, int((query.get("page") or ["1"])[-1])))
    return result


def list_pages(github: FakeGitHub, org: str = "globex") -> list[tuple[str, int]]:
    """`asked` without paths: (slice, page)."""
    return [(part, page) for part, _, page in asked(github, org)]


def partitions(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """pat_grants' state partitions by org."""
    found = state["bookmarks"]["pat_grants"]["partitions"]
    return {partition["context"]["org"]: partition for partition in found}


def assert_stopped(outcome: Outcome) -> str:
    """A stop: exit 1, one line at the end, no traceback, no version, globex's mark intact.

    Returns the last line printed (without the program's prefix).
    """
    run = outcome.run
    assert run.returncode == 1, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    prefix = "tap-github-pat-grants: error: "
    assert outcome.last_line.startswith(prefix), outcome.last_line
    assert run.of_type("ACTIVATE_VERSION") == []
    assert run.records("sync_runs") == [], "a stopped run records no completed org"
    previous = partitions(PREVIOUS_STATE)
    assert run.states, "acme finished before globex: its STATE was written"
    for state in run.states:
        assert partitions(state)["globex"] == previous["globex"], "globex's bookmark moved"
    acme = partitions(run.states[-1])["acme"]
    assert acme["replication_key_value"] == ACME_LAST_USED
    assert acme["granted_since"] > OLD
    assert app_calls(outcome) == 4, "per org: one installation lookup, one token"
    assert len(outcome.records("acme")) == ACME_GRANTS
    return outcome.last_line.removeprefix(prefix)


def assert_completed(outcome: Outcome) -> None:
    """A recovery: exit 0, every record of both orgs once, ACTIVATE_VERSION after them."""
    run = outcome.run
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    for org, count in (("acme", ACME_GRANTS), ("globex", GLOBEX_GRANTS)):
        ids = [r["id"] for r in outcome.records(org)]
        assert sorted(ids) == list(range(1, count + 1)), org
    kinds = [m["type"] for m in run.messages if m.get("stream") == "pat_grants"]
    assert kinds.count("ACTIVATE_VERSION") == 1
    assert kinds.index("ACTIVATE_VERSION") > max(i for i, k in enumerate(kinds) if k == "RECORD")
    assert {r["status"] for r in run.records("sync_runs")} == {"complete"}
    assert app_calls(outcome) == 4, "per org: one installation lookup, one token"


def report(case: str, github: FakeGitHub, outcome: Outcome) -> None:
    """Append the case's numbers to $HOSTILE_REPORT (a JSON-lines file), when it is set."""
    target = os.environ.get("HOSTILE_REPORT")
    if not target:
        return
    line = {
        "case": case,
        "globex_list_requests": len(asked(github)),
        "requests": len(github.requests_log),
        "seconds": round(outcome.seconds, 2),
        "exit": outcome.run.returncode,
        "last_line": outcome.last_line,
        "globex_summary": next(
            (
                line
                for line in outcome.run.stderr.splitlines()
                if "pat_grants org globex: done" in line
            ),
            None,
        ),
    }
    with Path(target).open("a") as out:
        out.write(json.dumps(line) + "\n")
