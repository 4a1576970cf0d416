"""Issue 22 over real HTTP: a full read larger than one rate-limit window completes.

A full read that stops (a rate limit that resets too late, a fault after retries, a killed
process) leaves its progress in STATE; the next run continues it, with the same table version,
and ACTIVATE_VERSION goes out once, when the read is whole.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tap_github_pat_grants import http_policy
from tap_github_pat_grants.errors import GitHubFatalError
from tap_github_pat_grants.tap import TapGitHubPatGrants
from tests.fake_github import (
    GOVERNANCE_PERMISSIONS,
    GovernanceOptions,
    generate_org,
    make_grant,
    parse_instant,
)
from tests.fake_github.mutations import revoke_grant
from tests.helpers import catalog, is_verification
from tests.tap_runner import TapRun, parse_lines, run_tap

GRANTS = catalog("pat_grants", "pat_grant_repositories", "sync_runs")
REQUESTS = catalog("pat_requests", "pat_request_repositories", "sync_runs")
TWO_HOURS = 7_200
RESUMES = (
    r"; the full read of {stream} in org {org} stopped after [\d,]+ records "
    r"\({pass_} pass, page \d+ of \d+\): a rerun from this run's STATE continues it$"
)


class NoSleepTap(TapGitHubPatGrants):
    """Backoff waits take no time in the suite."""

    sleep = staticmethod(lambda _seconds: None)


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(http_policy, "TRANSIENT_BASE_WAIT", 0.01)


def requests_made(github) -> int:
    """Requests the fake GitHub answered since the last call (then its log starts over)."""
    made = len(github.requests_log)
    github.reset_log()
    return made


def read_once(github, config, chosen=GRANTS) -> int:
    """The requests of one uninterrupted full read (no state)."""
    run = run_tap(config, catalog=chosen)
    assert run.error is None
    return requests_made(github)


def budget_runs_out(github, remaining: int, org: str | None = None) -> None:
    """The installation has `remaining` requests left, and its window resets in two hours."""
    github.set_rate_limit(remaining=remaining, reset_at=time.time() + TWO_HOURS, org=org)


def window_resets(github) -> None:
    github.set_rate_limit(remaining=5_000)


def ids(runs, stream="pat_grants") -> set[int]:
    return {r["id"] for run in runs for r in run.records(stream)}


def repository_rows(runs, stream="pat_grant_repositories", parent="pat_id") -> set:
    return {(r[parent], r["repository_id"]) for run in runs for r in run.records(stream)}


def subset_repositories(records) -> set:
    return {
        (record.id, repository["id"])
        for record in records
        if record.repository_selection == "subset"
        for repository in record.repositories
    }


def mark(run: TapRun, org: str = "acme", stream: str = "pat_grants") -> dict | None:
    """The `full_read` mark in the run's last STATE."""
    for partition in run.last_state["bookmarks"][stream]["partitions"]:
        if partition["context"] == {"org": org}:
            return partition.get("full_read")
    return None


def assert_versioned_once(*runs: TapRun, streams=("pat_grants", "pat_grant_repositories")):
    """ACTIVATE_VERSION once per stream, at the end of the last run, with every record's version."""
    *stopped, last = runs
    for run in stopped:
        assert run.of_type("ACTIVATE_VERSION") == [], "a stopped run versions nothing"
    activations = {m["stream"]: m["version"] for m in last.of_type("ACTIVATE_VERSION")}
    assert len(last.of_type("ACTIVATE_VERSION")) == len(streams)
    assert set(activations) == set(streams)
    for stream in streams:
        versions = {
            m["version"]
            for run in runs
            for m in run.messages
            if m["type"] == "RECORD" and m["stream"] == stream
        }
        assert versions == {activations[stream]}, "every record carries the read's version"
        kinds = [(m["type"], m.get("stream")) for m in last.messages]
        records = [i for i, kind in enumerate(kinds) if kind == ("RECORD", stream)]
        assert kinds.index(("ACTIVATE_VERSION", stream)) > max(records, default=-1)


def sync_row(run: TapRun, org: str = "acme") -> dict:
    (row,) = [r for r in run.records("sync_runs") if r["org"] == org]
    return row


def test_a_full_read_larger_than_one_rate_window_completes_in_two_runs(github, app_config, caplog):
    org = github.add_org(generate_org("acme", 1_000, seed=22))
    whole = read_once(github, app_config())
    budget_runs_out(github, 400)

    first = run_tap(app_config(), catalog=GRANTS)
    first_requests = requests_made(github)
    window_resets(github)
    caplog.set_level(logging.INFO)
    second = run_tap(app_config(), catalog=GRANTS, state=copy.deepcopy(first.last_state))
    second_requests = requests_made(github)

    assert isinstance(first.error, GitHubFatalError)
    line = str(first.error)
    assert line.startswith("org acme: the installation's GitHub rate limit resets in ")
    assert "later than max_rate_limit_wait_seconds=900; rerun after that or raise" in line
    assert re.search(RESUMES.format(stream="pat_grants", org="acme", pass_="first"), line)
    assert second.error is None
    assert first_requests + second_requests <= whole * 1.05
    assert ids([first, second]) == {g.id for g in org.grants}
    assert repository_rows([first, second]) == subset_repositories(org.grants)
    assert not ids([first]) & ids([second]), "no grant emitted twice"
    assert_versioned_once(first, second)
    started = mark(first)["started_at"]
    row = sync_row(second)
    assert (row["grants_read"], row["grant_repositories_read"]) == ("full (resumed)",) * 2
    assert (row["grants_read_started_at"], row["status"]) == (started, "complete")
    assert row["grants_read_started_at"] < row["run_started_at"]
    assert mark(second) is None, "a complete read leaves no mark"
    assert "continuing the full read begun at " + started in caplog.text
    assert "(full read, resumed)" in caplog.text


def test_a_read_stopped_in_its_verification_pass_continues_there(github, app_config):
    org = github.add_org(generate_org("acme", 400, seed=23, subset_fraction=0.1))
    run_tap(app_config(), catalog=GRANTS)
    first_pass = next(i for i, r in enumerate(github.requests_log) if is_verification(r))
    with_token = [r for r in github.requests_log[:first_pass] if r.auth_kind == "installation"]
    whole = requests_made(github)
    budget_runs_out(github, len(with_token) + 3)  # three pages of the second pass

    first = run_tap(app_config(rate_limit_buffer=0), catalog=GRANTS)
    first_requests = requests_made(github)
    window_resets(github)
    second = run_tap(app_config(), catalog=GRANTS, state=copy.deepcopy(first.last_state))

    assert re.search(
        RESUMES.format(stream="pat_grants", org="acme", pass_="verification"), str(first.error)
    )
    assert mark(first)["pass"] == 2
    verification = [r for r in github.requests_log if is_verification(r)]
    assert verification[0].query["page"] == ["3"], "the page in flight, read again"
    assert first_requests + requests_made(github) <= whole + 3
    assert ids([first, second]) == {g.id for g in org.grants}
    assert second.records() == [], "the first pass emitted every grant"
    assert_versioned_once(first, second)


def test_a_killed_run_is_continued_from_the_last_state_it_printed(github, app_config, tmp_path):
    org = github.add_org(generate_org("acme", 1_000, seed=24))
    whole = read_once(github, app_config())
    github.latency_seconds = 0.005  # the kill lands mid-read

    killed = kill_after(app_config(), tmp_path, records=900)
    killed_requests = requests_made(github)
    github.latency_seconds = 0
    state = copy.deepcopy(killed.last_state)
    delivered = TapRun(killed.messages[: last_state_index(killed) + 1])
    second = run_tap(app_config(), catalog=GRANTS, state=state)

    assert killed.returncode == -signal.SIGKILL
    assert mark(killed)["rows"] > 700, "STATE was written during the read, not only at its end"
    assert killed_requests + requests_made(github) <= whole * 1.10
    assert ids([delivered, second]) == {g.id for g in org.grants}
    assert repository_rows([delivered, second]) == subset_repositories(org.grants)
    assert_versioned_once(delivered, second)
    assert sync_row(second)["grants_read"] == "full (resumed)"


def kill_after(config: dict, folder: Path, records: int) -> TapRun:
    """Run the tap's CLI and SIGKILL it once it has printed `records` pat_grants records."""
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "catalog.json").write_text(json.dumps(GRANTS))
    tap = Path(sys.executable).with_name("tap-github-pat-grants")
    argv = [tap, "--config", folder / "config.json", "--catalog", folder / "catalog.json"]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    seen, out = 0, []
    for line in process.stdout:
        out.append(line)
        seen += line.startswith(b'{"type":"RECORD","stream":"pat_grants"')
        if seen >= records:
            break
    process.send_signal(signal.SIGKILL)
    out.append(process.stdout.read())
    process.stdout.close()
    process.wait()
    text = b"".join(out).decode()
    whole_lines = text[: text.rfind("\n") + 1]  # the last line may be cut in two
    return TapRun(parse_lines(whole_lines), returncode=process.returncode)


def last_state_index(run: TapRun) -> int:
    return max(i for i, m in enumerate(run.messages) if m["type"] == "STATE")


def test_revocations_and_a_new_grant_between_the_runs_end_right(github, app_config):
    org = github.add_org(generate_org("acme", 1_000, seed=25))
    newest_first = sorted(
        org.grants, key=lambda g: (parse_instant(g.sorted_at), g.id), reverse=True
    )
    order = [g.id for g in newest_first]
    budget_runs_out(github, 400)
    first = run_tap(app_config(), catalog=GRANTS)
    emitted_before = ids([first])
    assert order[5] in emitted_before and order[-1] not in emitted_before
    # While the read is stopped: one grant it emitted is revoked (every later one moves up a
    # place), one it has not reached yet is revoked, and a new one is approved (newest: page 1).
    revoke_grant(order[5])(github, org)
    revoke_grant(order[-1])(github, org)
    created = make_grant(7_777_777, "newcomer", access_granted_at="2099-01-01T00:00:00Z")
    org.grants.append(created)
    window_resets(github)

    second = run_tap(app_config(), catalog=GRANTS, state=copy.deepcopy(first.last_state))

    assert second.error is None
    assert {g.id for g in org.grants} <= ids([first, second]), "every live grant emitted"
    assert order[5] not in ids([second]) and order[-1] not in ids([first, second])
    assert created.id in ids([second])
    assert sync_row(second)["grants_verification_added"] >= 1, "the new grant came in pass 2"
    assert_versioned_once(first, second)


def test_a_fault_after_retries_in_a_grants_repositories_stops_the_read_and_a_rerun_continues(
    github, app_config
):
    org = github.add_org(generate_org("acme", 600, seed=26))
    whole = read_once(github, app_config())
    github.faults.server_error(r"/repositories$", nth=150, times=None)

    first = run_tap(app_config(), catalog=GRANTS, tap_class=NoSleepTap)
    answered = [r for r in github.requests_log if r.status == 200]
    github.reset_log()
    github.faults.clear()
    second = run_tap(app_config(), catalog=GRANTS, state=copy.deepcopy(first.last_state))

    assert "GitHub kept answering 502 after 6 tries; the previous state is still valid" in str(
        first.error
    )
    assert re.search(
        RESUMES.format(stream="pat_grants", org="acme", pass_="first"), str(first.error)
    )
    assert len(answered) + requests_made(github) <= whole + 2
    assert ids([first, second]) == {g.id for g in org.grants}
    assert repository_rows([first, second]) == subset_repositories(org.grants)
    assert_versioned_once(first, second)


def test_two_orgs_one_stopped_are_versioned_once_both_reads_are_whole(github, app_config):
    acme = github.add_org(generate_org("acme", 600, seed=27))
    globex = github.add_org(generate_org("globex", 250, seed=28))
    budget_runs_out(github, 150, org="acme")
    config = app_config(continue_on_org_error=True)

    first = run_tap(config, catalog=GRANTS)
    window_resets(github)
    second = run_tap(config, catalog=GRANTS, state=copy.deepcopy(first.last_state))

    assert first.error is None and second.error is None
    assert sync_row(first)["status"] == "failed"
    assert re.search(
        RESUMES.format(stream="pat_grants", org="acme", pass_="first"), sync_row(first)["error"]
    )
    assert sync_row(first, "globex")["grants_read"] == "full"
    assert mark(first, "globex")["complete"] is True, "globex waits for acme's part"
    assert sync_row(second)["grants_read"] == "full (resumed)"
    assert sync_row(second, "globex")["grants_read"] == "incremental"
    assert ids([first, second]) == {g.id for g in (*acme.grants, *globex.grants)}
    assert_versioned_once(first, second)
    assert mark(second) is None and mark(second, "globex") is None


def test_pending_requests_resume_too(github, app_config):
    org = github.add_org(generate_org("acme", 0, n_requests=600, seed=29))
    whole = read_once(github, app_config(), REQUESTS)
    budget_runs_out(github, 200)

    first = run_tap(app_config(), catalog=REQUESTS)
    first_requests = requests_made(github)
    window_resets(github)
    second = run_tap(app_config(), catalog=REQUESTS, state=copy.deepcopy(first.last_state))

    assert re.search(
        RESUMES.format(stream="pat_requests", org="acme", pass_="first"), str(first.error)
    )
    assert first_requests + requests_made(github) <= whole * 1.05
    assert ids([first, second], "pat_requests") == {r.id for r in org.requests}
    rows = repository_rows([first, second], "pat_request_repositories", "pat_request_id")
    assert rows == subset_repositories(org.requests)
    assert_versioned_once(first, second, streams=("pat_requests", "pat_request_repositories"))
    assert sync_row(second)["requests_read"] == "full (resumed)"


# State written by the tap before issue 22 (a stopped full read, as `main` wrote it then).
OLD_STOPPED_STATE = {
    "bookmarks": {
        "pat_grants": {
            "replication_key_signpost": "2026-01-05T10:00:00.000000+00:00",
            "partitions": [
                {
                    "context": {"org": "acme"},
                    "starting_replication_value": None,
                    "replication_key_signpost": "2026-01-05T10:00:00.000Z",
                    "progress_markers": {
                        "Note": "Progress is not resumable if interrupted.",
                        "replication_key": "token_last_used_at",
                        "replication_key_value": "2026-01-04T22:55:03.000Z",
                    },
                }
            ],
        },
        "pat_grant_repositories": {},
    }
}


def test_state_from_before_resumable_reads_starts_the_read_over_once(github, app_config):
    org = github.add_org(generate_org("acme", 300, seed=30))
    whole = read_once(github, app_config())

    run = run_tap(app_config(), catalog=GRANTS, state=OLD_STOPPED_STATE)

    assert run.error is None
    assert requests_made(github) == whole
    assert ids([run]) == {g.id for g in org.grants}
    assert sync_row(run)["grants_read"] == "full"
    assert_versioned_once(run)
    again = run_tap(app_config(), catalog=GRANTS, state=copy.deepcopy(run.last_state))
    assert sync_row(again)["grants_read"] == "incremental"
    assert all(mark(TapRun([{"type": "STATE", "value": s}])) is None for s in again.states)


def test_a_mark_that_cannot_be_read_starts_the_read_over(github, app_config, caplog):
    org = github.add_org(generate_org("acme", 300, seed=31))
    whole = read_once(github, app_config())
    broken = {
        "bookmarks": {
            "pat_grants": {
                "partitions": [
                    {
                        "context": {"org": "acme"},
                        "full_read": {
                            "started_at": "2026-01-05T10:00:00.000Z",
                            "query": 0,
                            "page": 2,
                            "rows": 100,
                            "pass": 3,
                        },
                    }
                ]
            }
        }
    }

    run = run_tap(app_config(), catalog=GRANTS, state=broken)

    assert run.error is None
    assert requests_made(github) == whole
    assert ids([run]) == {g.id for g in org.grants}
    assert "the full read's progress in STATE cannot be read (its pass is neither 1 nor 2)" in (
        caplog.text
    )
    assert_versioned_once(run)


def test_state_is_written_while_a_long_org_read_goes_on(github, app_config):
    github.add_org(generate_org("acme", 1_000, seed=32, subset_fraction=0.1))

    run = run_tap(app_config(), catalog=GRANTS)

    states = [TapRun([{"type": "STATE", "value": state}]) for state in run.states]
    marks = [m for m in map(mark, states) if m is not None and not m.get("complete")]
    requests = sync_row(run)["grants_requests"] + sync_row(run)["grant_repositories_requests"]
    assert len(marks) >= requests // 20 - 1, "about every 20 requests"
    where = [(m["pass"], m["page"]) for m in marks]
    assert where == sorted(where)
    assert max(len(json.dumps(m)) for m in marks) < 2_500, "1,000 ids take little room"
    assert mark(run) is None


def test_a_stream_of_two_lists_continues_in_the_list_it_stopped_in(github, app_config):
    org = generate_org("acme", 150, seed=33, governance=GovernanceOptions(other_members=400))
    github.add_org(org, permissions={**org.permissions, **GOVERNANCE_PERMISSIONS})
    members = catalog("org_members", "sync_runs")
    github.faults.server_error(r"/members$", nth=3, times=None)  # the members' page 2

    first = run_tap(app_config(), catalog=members, tap_class=NoSleepTap)
    github.faults.clear()
    github.reset_log()
    second = run_tap(app_config(), catalog=members, state=copy.deepcopy(first.last_state))

    stopped = mark(first, stream="org_members")
    assert (stopped["query"], stopped["pass"], stopped["page"]) == (1, 1, 1)
    assert re.search(
        RESUMES.format(stream="org_members", org="acme", pass_="first"), str(first.error)
    )
    asked = [r.query.get("role") for r in github.requests_log if r.path.endswith("/members")]
    assert ["admin"] not in asked, "the owners' list was read in the first run"
    both = [(r["login"], r["role"]) for run in (first, second) for r in run.records("org_members")]
    assert sorted(both) == sorted((m.login, m.role) for m in org.governance.members)
    assert_versioned_once(first, second, streams=("org_members",))


def test_a_read_whose_list_was_cut_starts_over_instead_of_continuing(github, app_config):
    # A proxy ends the first pass at page 2 of 5, twice; the second pass reads all 5: the
    # first pass was cut. Continuing would end the same way: the next run starts over.
    org = github.add_org(generate_org("acme", 450, seed=34, subset_fraction=0.0))
    github.hostile.ends_early("/orgs/acme/personal-access-tokens", on_page=2, times=2)

    first = run_tap(app_config(), catalog=GRANTS)
    second = run_tap(app_config(), catalog=GRANTS, state=copy.deepcopy(first.last_state))

    assert "and read again it holds 5 pages; the read is incomplete" in str(first.error)
    assert "continues it" not in str(first.error)
    assert mark(first) is None
    assert second.error is None
    assert sync_row(second)["grants_read"] == "full"
    assert ids([second]) == {g.id for g in org.grants}
