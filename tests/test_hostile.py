"""No answer can loop the tap, leak its token, crash it or end a read short while saying it
succeeded (issue 11): each hostile answer of the fake GitHub, against the tap's real CLI.

Every case checks the exact list requests, the exit status, the last line printed, that no
traceback appears at INFO, that globex's previous bookmark survives a stop (and no
ACTIVATE_VERSION is sent), or that a recovery delivers every record (see hostile_scenario.py).
"""

from __future__ import annotations

import re

import pytest

from tap_github_pat_grants import http_policy
from tap_github_pat_grants.errors import GitHubFatalError
from tests.fake_github import RecordingServer
from tests.hostile_scenario import (
    GLOBEX_GRANTS,
    GLOBEX_LIST,
    PREVIOUS_STATE,
    SELECTED,
    add_orgs,
    asked,
    assert_completed,
    assert_stopped,
    list_pages,
    report,
    run,
)
from tests.tap_runner import run_tap

USED_1 = [("used", 1)]
RERUN = "the previous state is still valid, rerun later"
STOPPED = (
    "stopped reading it (no further request), nothing was versioned and the previous state "
    "is still valid"
)
INCOMPLETE = (
    "twice; the read is incomplete, so nothing was versioned and the previous state is still "
    "valid; rerun later"
)


@pytest.fixture
def globex(github):
    add_orgs(github)
    return github


def rid(github, index=-1):
    """` (X-GitHub-Request-Id: …)` of the index-th globex list request."""
    globex_requests = [r for r in github.requests_log if r.path.endswith(GLOBEX_LIST)]
    return f" (X-GitHub-Request-Id: {globex_requests[index].request_id})"


# Paging can only move forward.


def test_next_link_leading_back_stops_with_no_further_request(globex, app_config, request):
    globex.hostile.next_leads_back(GLOBEX_LIST, on_page=2, to_page=1)
    outcome = run(globex, app_config(), state=PREVIOUS_STATE)
    line = assert_stopped(outcome)
    assert list_pages(globex) == [("used", 1), ("used", 2)]
    assert line == (
        f"org globex: {GLOBEX_LIST}: GitHub's next link leads back to page 1, already read; "
        f"{STOPPED}{rid(globex)}"
    )
    report(request.node.name, globex, outcome)


def test_a_page_repeating_the_previous_one_stops(globex, app_config, request):
    globex.hostile.repeats_previous_page(GLOBEX_LIST, on_page=2)
    outcome = run(globex, app_config(), state=PREVIOUS_STATE)
    line = assert_stopped(outcome)
    assert list_pages(globex) == [("used", 1), ("used", 2)]
    assert (
        line
        == f"org globex: {GLOBEX_LIST}: page 2 repeats the previous page; {STOPPED}{rid(globex)}"
    )
    assert len(outcome.records("globex")) == 100, "the repeated rows were not sent again"
    report(request.node.name, globex, outcome)


def test_more_pages_than_announced_stops(globex, app_config, request):
    globex.hostile.announces_last(GLOBEX_LIST, last_page=2)
    outcome = run(globex, app_config(), state=PREVIOUS_STATE)
    line = assert_stopped(outcome)
    # 2 announced + a margin of 2 for grants added during the read: page 5 is one too many
    assert list_pages(globex) == [("used", n) for n in range(1, 6)]
    assert line == (
        f"org globex: {GLOBEX_LIST}: more than the 2 pages GitHub announced (page 5); "
        f"{STOPPED}{rid(globex)}"
    )
    report(request.node.name, globex, outcome)


@pytest.mark.parametrize("rows", [10, 0], ids=["short", "empty"])
def test_a_short_page_promising_more_is_resent_once_then_stops(globex, app_config, request, rows):
    globex.hostile.short_page(GLOBEX_LIST, on_page=2, rows=rows)
    outcome = run(globex, app_config(), state=PREVIOUS_STATE)
    line = assert_stopped(outcome)
    assert list_pages(globex) == [("used", 1), ("used", 2), ("used", 2)]
    assert line == (
        f"org globex: {GLOBEX_LIST}: page 2 held {rows} of 100 rows although GitHub's Link "
        f"header promised more, {INCOMPLETE}{rid(globex)}"
    )
    report(request.node.name, globex, outcome)


def test_paging_that_ends_before_the_announced_last_page_is_resent_once_then_stops(
    globex, app_config, request
):
    globex.hostile.ends_early(GLOBEX_LIST, on_page=2)
    outcome = run(globex, app_config(), state=PREVIOUS_STATE)
    line = assert_stopped(outcome)
    assert list_pages(globex) == [("used", 1), ("used", 2), ("used", 2)]
    assert line == (
        f"org globex: {GLOBEX_LIST}: the list ended at page 2 although GitHub announced 5 "
        f"pages, {INCOMPLETE}{rid(globex)}"
    )
    report(request.node.name, globex, outcome)


def test_a_short_page_once_is_recovered(globex, app_config, request):
    globex.hostile.short_page(GLOBEX_LIST, on_page=3, rows=7, times=1)
    outcome = run(globex, app_config())
    assert_completed(outcome)
    assert list_pages(globex) == [
        *[("all", n) for n in (1, 2, 3, 3, 4, 5)],
        *[("verify", n) for n in range(1, 6)],
    ]
    report(request.node.name, globex, outcome)


# Redirects: only within api_url.


@pytest.mark.parametrize("status", [301, 302, 307])
def test_a_redirect_within_api_url_is_followed(globex, app_config, request, status):
    globex.hostile.redirect(f"{GLOBEX_LIST}$", f"/moved{GLOBEX_LIST}", status=status, nth=2)
    outcome = run(globex, app_config())
    assert_completed(outcome)
    assert asked(globex)[:4] == [
        ("all", GLOBEX_LIST, 1),
        ("all", GLOBEX_LIST, 2),
        ("all", f"/moved{GLOBEX_LIST}", 2),
        ("all", GLOBEX_LIST, 3),
    ]
    assert len(asked(globex)) == 11
    redirected = [r for r in globex.requests_log if r.fault == f"redirect_{status}"]
    assert [(r.status, r.query["page"]) for r in redirected] == [(status, ["2"])]
    report(request.node.name, globex, outcome)


def test_a_redirect_off_api_url_is_never_followed(globex, app_config, request):
    # The case: page 1 arrives, then a 301 to another host that would answer `[]`.
    with RecordingServer() as elsewhere:
        target = f"{elsewhere.url}/api/v3{GLOBEX_LIST}"
        globex.hostile.redirect(f"{GLOBEX_LIST}$", target, nth=2)
        outcome = run(globex, app_config(), state=PREVIOUS_STATE)
        received = list(elsewhere.received)
    line = assert_stopped(outcome)
    assert received == [], "the token (or any request) never went to the other host"
    assert list_pages(globex) == [("used", 1), ("used", 2)]
    assert len(outcome.records("globex")) == 100, "page 1's grants; the read is not complete"
    assert line == (
        f"org globex: GitHub answered 301 redirecting to {target}, "
        f"outside api_url {globex.url}; not followed, so the token was not sent there; if "
        f"GitHub moved, set api_url to that host{rid(globex)}"
    )
    assert "per_page" not in line, "never the query"
    report(request.node.name, globex, outcome)


def test_a_redirect_loop_stops_after_a_few_hops(globex, app_config, request):
    globex.hostile.redirect_loop(f"{GLOBEX_LIST}$")
    outcome = run(globex, app_config(), state=PREVIOUS_STATE)
    line = assert_stopped(outcome)
    moved = f"/moved{GLOBEX_LIST}"
    hops = [(path, page) for _, path, page in asked(globex)]
    assert hops == [(GLOBEX_LIST, 1), (moved, 1), (GLOBEX_LIST, 1), (moved, 1)]
    assert line == (
        f"org globex: GitHub's answers kept redirecting (a loop, or too many hops) within "
        f"{globex.url}; check api_url and any proxy in between{rid(globex)}"
    )
    report(request.node.name, globex, outcome)


# Bodies that are not GitHub's.


def test_an_html_page_once_is_retried_and_recovered(globex, app_config, request):
    globex.hostile.html_page(GLOBEX_LIST, nth=3)
    outcome = run(globex, app_config())
    assert_completed(outcome)
    assert list_pages(globex) == [
        *[("all", n) for n in (1, 2, 3, 3, 4, 5)],
        *[("verify", n) for n in range(1, 6)],
    ]
    report(request.node.name, globex, outcome)


KEPT_SENDING = "org globex: /orgs/globex/personal-access-tokens: GitHub kept sending "
SIZE_40_MIB = 40 * 1024 * 1024
# Answers that are not GitHub's JSON, every time: (how the fake answers, what the line says
# arrived, whether a response came with GitHub's request id).
NOT_GITHUBS_JSON = {
    "html-page": (
        lambda gh: gh.hostile.html_page(GLOBEX_LIST, times=None),
        "200 text/html ('<!DOCTYPE html><html><head><title>Network login required</title>"
        "</head><body><h1') instead of GitHub's JSON",
        True,
    ),
    "wrong-shape": (
        lambda gh: gh.hostile.wrong_shape(
            GLOBEX_LIST, {"total_count": 450, "items": []}, times=None
        ),
        'JSON of the wrong shape: 200 application/json (\'{"total_count": 450, "items": []}\')',
        True,
    ),
    "huge-body-announced": (
        lambda gh: gh.hostile.huge_body(
            GLOBEX_LIST, size_bytes=SIZE_40_MIB, announce_length=True, times=None
        ),
        "a body of 41,943,040 bytes, far more than a page of 100 rows",
        True,
    ),
    "huge-body-unannounced": (
        lambda gh: gh.hostile.huge_body(
            GLOBEX_LIST, size_bytes=SIZE_40_MIB, announce_length=False, times=None
        ),
        "a body of more than 16,777,216 bytes (cut off)",
        True,
    ),
    "endless-headers": (
        lambda gh: gh.hostile.endless_headers(GLOBEX_LIST, times=None),
        "a header block that did not end (got more than 100 headers)",
        False,
    ),
}


@pytest.mark.parametrize("case", list(NOT_GITHUBS_JSON))
def test_an_answer_that_is_never_githubs_json_says_what_arrived(globex, app_config, request, case):
    arrange, what, has_response = NOT_GITHUBS_JSON[case]
    arrange(globex)
    outcome = run(globex, app_config(), state=PREVIOUS_STATE)
    line = assert_stopped(outcome)
    assert list_pages(globex) == USED_1 * http_policy.MAX_TRIES
    request_id = rid(globex) if has_response else ""
    assert line == f"{KEPT_SENDING}{what} after 6 tries; {RERUN}{request_id}"
    report(request.node.name, globex, outcome)


def test_a_trickling_body_is_cut_at_the_request_timeout(globex, app_config, request):
    globex.hostile.trickle(GLOBEX_LIST, chunk_bytes=256, interval_seconds=0.1, times=None)
    outcome = run(globex, app_config(request_timeout_seconds=1), state=PREVIOUS_STATE)
    line = assert_stopped(outcome)
    assert list_pages(globex) == USED_1 * http_policy.MAX_TRIES
    pattern = (
        r"org globex: /orgs/globex/personal-access-tokens: GitHub kept sending a body trickling in for over 1 s "
        r"\(request_timeout_seconds; [\d,]+ bytes so far\) after 6 tries; "
        + re.escape(RERUN + rid(globex))
    )
    assert re.fullmatch(pattern, line), line
    assert outcome.seconds < 6 * 1.5 + 5, "six tries of about a second each"
    report(request.node.name, globex, outcome)


# Records that break GitHub's documented shape.

BROKEN = {
    "timestamp": ({"token_last_used_at": "yesterday"}, (), "token_last_used_at is not an ISO 8601 date-time"),
    "string_id": ({"id": "400"}, (), "id is of the wrong type (expected int, got str)"),
    "null_owner": ({"owner": None}, (), "owner is null, but GitHub documents it as never null"),
    "missing": ({}, ("access_granted_at",), "access_granted_at is missing, but GitHub documents it as always present"),
    "no_such_day": ({"token_expires_at": "2025-02-30T00:00:00Z"}, (), "token_expires_at is not an existing instant"),
    "month_13": ({"access_granted_at": "2024-13-01T00:00:00Z"}, (), "access_granted_at is not an ISO 8601 date-time"),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(BROKEN))
def test_a_broken_record_stops_before_it_is_written(globex, app_config, request, kind):
    fields, removed, problem = BROKEN[kind]
    globex.hostile.break_record("globex", 400, remove=removed, **fields)
    outcome = run(globex, app_config(), state=PREVIOUS_STATE)
    line = assert_stopped(outcome)
    assert list_pages(globex) == USED_1, "page 1 (ids 450..351) holds grant 400"
    assert 400 not in {r["id"] for r in outcome.records("globex")}
    shown = "'400'" if kind == "string_id" else "400"
    assert line == (
        f"org globex: pat_grants: record id {shown}: {problem}; nothing of it was written; set "
        "skip_invalid_records: true to skip such records (each is logged)"
    )
    report(request.node.name, globex, outcome)


def test_broken_records_can_be_skipped_each_logged_once_and_counted(globex, app_config, request):
    broken_ids = [400, 300, 200, 100, 50, 25]
    for record_id, (fields, removed, _) in zip(broken_ids, BROKEN.values(), strict=True):
        own = {"id": str(record_id)} if "id" in fields else fields
        globex.hostile.break_record("globex", record_id, remove=removed, **own)
    outcome = run(globex, app_config(skip_invalid_records=True))
    assert outcome.run.returncode == 0, outcome.run.stderr[-2000:]
    assert "Traceback" not in outcome.run.stderr
    ids = {r["id"] for r in outcome.records("globex")}
    assert ids == set(range(1, GLOBEX_GRANTS + 1)) - set(broken_ids)
    assert len(outcome.records("globex")) == GLOBEX_GRANTS - len(broken_ids)
    for record_id, (_, _, problem) in zip(broken_ids, BROKEN.values(), strict=True):
        shown = f"'{record_id}'" if record_id == 300 else str(record_id)
        warning = f"org globex: pat_grants: record id {shown}: {problem}; skipped (skip_invalid_records=true)"
        assert outcome.run.stderr.count(warning) == 1, warning
    summary = [
        line for line in outcome.run.stderr.splitlines() if "pat_grants org globex: done" in line
    ]
    assert len(summary) == 1
    assert summary[0].endswith("; verification pass added 0; 6 invalid records skipped")
    rows = {r["org"]: r for r in outcome.run.records("sync_runs")}
    assert rows["globex"]["invalid_records_skipped"] == 6
    assert rows["acme"]["invalid_records_skipped"] == 0
    assert list_pages(globex) == [
        *[("all", n) for n in range(1, 6)],
        *[("verify", n) for n in range(1, 6)],
    ]
    report(request.node.name, globex, outcome)


# A full read that any of these stops is never versioned (in-process: cheap, same code path).

STOPS = {
    "loop": lambda gh: gh.hostile.next_leads_back(GLOBEX_LIST, on_page=3, to_page=2),
    "short": lambda gh: gh.hostile.short_page(GLOBEX_LIST, on_page=4, rows=3),
    "off_origin": lambda gh: gh.hostile.redirect(f"{GLOBEX_LIST}$", "http://127.0.0.1:9/x", nth=3),
    "html": lambda gh: gh.hostile.html_page(GLOBEX_LIST, nth=3, times=None),
    "broken": lambda gh: gh.hostile.break_record("globex", 120, owner=None),
}


@pytest.mark.parametrize("case", list(STOPS))
def test_a_stopped_full_read_sends_no_activate_version(globex, app_config, monkeypatch, case):
    monkeypatch.setattr(http_policy, "TRANSIENT_BASE_WAIT", 0.01)
    STOPS[case](globex)
    stopped = run_tap(app_config(), catalog=SELECTED)
    assert isinstance(stopped.error, GitHubFatalError)
    assert "org globex" in str(stopped.error)
    assert stopped.of_type("ACTIVATE_VERSION") == []
    assert len([r for r in stopped.records() if r["org"] == "acme"]) == 40
    assert len([r for r in stopped.records() if r["org"] == "globex"]) < GLOBEX_GRANTS
