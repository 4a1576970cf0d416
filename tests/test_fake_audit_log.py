"""The fake GitHub's organization audit log over HTTP: cursors, phrase, order, late events, 404s."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.fake_github import (
    GOVERNANCE_PERMISSIONS,
    FakeGitHub,
    audit_event,
    decode_cursor,
    generate_org,
)
from tests.fake_github.mutations import late_event

AUDIT = "/orgs/acme/audit-log"
PAT_READ = {"organization_personal_access_tokens": "read"}
PERMISSIONS = {**PAT_READ, **GOVERNANCE_PERMISSIONS}
DAY_MS = 86_400_000


def now_ms() -> int:
    return int(time.time() * 1000)


def hand_made(gh: FakeGitHub, *events: tuple[str, int], actor: str = "alice") -> Any:
    """An org whose audit log holds exactly these (action, @timestamp ms) events."""
    org = gh.add_org("acme", permissions=PERMISSIONS)
    person = {"login": actor, "id": 7}
    for n, (action, at) in enumerate(events):
        org.governance.audit_log.add(
            audit_event(action, at, org="acme", org_id=org.id, actor=person, doc_id=f"doc-{n}")
        )
    return org


def fetch(http: requests.Session, gh: FakeGitHub, target: str, **params: str) -> requests.Response:
    url = target if target.startswith("http") else f"{gh.url}{target}"
    headers = {"Authorization": f"Bearer {gh.mint_token_for('acme')}"}
    return http.get(url, params=params or None, headers=headers)


def doc_ids(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [event["_document_id"] for event in response.json()]


def every_page(http, gh, **params: str) -> tuple[list[dict], list[requests.Response]]:
    answers = [fetch(http, gh, AUDIT, **params)]
    while "next" in answers[-1].links:
        answers.append(fetch(http, gh, answers[-1].links["next"]["url"]))
        assert len(answers) < 100, "the cursor chain must end"
    return [e for a in answers for e in a.json()], answers


def test_cursor_pages_cover_the_matching_events_once_oldest_first(gh, http):
    org = gh.add_org(generate_org("acme", 400, n_requests=12, seed=4), permissions=PERMISSIONS)
    since = datetime.fromtimestamp(time.time() - 170 * 86_400, tz=timezone.utc)
    phrase = f"action:personal_access_token created:>={since:%Y-%m-%dT%H:%M:%SZ}"
    events, answers = every_page(http, gh, phrase=phrase, order="asc", per_page="50")
    floor = int(since.timestamp()) * 1000
    expected = [
        e["_document_id"] for e in org.governance.audit_log
        if e["action"].startswith("personal_access_token.") and e["@timestamp"] >= floor
    ]  # fmt: skip
    assert [e["_document_id"] for e in events] == expected
    assert len(answers) == -(-len(expected) // 50) > 2
    first, second = answers[0], answers[1]
    assert list(first.links) == ["next"]
    assert list(second.links) == ["next", "first", "prev"]
    assert "next" not in answers[-1].links
    nxt = first.links["next"]["url"]
    assert nxt.startswith(f"{gh.url}/organizations/{org.id}/audit-log?phrase=action%3A")
    assert nxt.endswith("&before=")
    query = parse_qs(urlsplit(nxt).query, keep_blank_values=True)
    assert "page" not in query  # cursors only
    assert decode_cursor(query["after"][0]) == (
        first.json()[-1]["@timestamp"], first.json()[-1]["_document_id"],
    )  # fmt: skip
    assert doc_ids(fetch(http, gh, second.links["prev"]["url"])) == doc_ids(first)
    assert gh.requests_log[1].path == f"/organizations/{org.id}/audit-log"
    assert (gh.requests_log[1].org, gh.requests_log[1].query["order"]) == ("acme", ["asc"])


def test_newest_first_by_default_and_page_sizes(gh, http):
    base = now_ms() - 5 * DAY_MS
    hand_made(gh, *[("personal_access_token.access_granted", base + n * 1000) for n in range(130)])
    newest = doc_ids(fetch(http, gh, AUDIT))
    assert newest == [f"doc-{n}" for n in range(129, 99, -1)]  # 30 a page, newest first
    assert len(doc_ids(fetch(http, gh, AUDIT, per_page="500"))) == 100
    events, answers = every_page(http, gh, per_page="100")
    assert [e["_document_id"] for e in events] == [f"doc-{n}" for n in range(129, -1, -1)]
    assert len(answers) == 2
    assert doc_ids(fetch(http, gh, answers[1].links["prev"]["url"])) == doc_ids(answers[0])
    first = fetch(http, gh, answers[1].links["first"]["url"])
    assert doc_ids(first) == doc_ids(answers[0])


def test_phrase_keeps_categories_actions_and_actors(gh, http):
    at = now_ms() - DAY_MS
    hand_made(
        gh,
        ("personal_access_token.access_granted", at),
        ("personal_access_token.request_created", at + 1),
        ("auto_approve_personal_access_token_requests.enable", at + 2),
        ("org.add_member", at + 3),
        ("org_credential_authorization.grant", at + 4),
        ("git.clone", at + 5),
    )
    expectations = {
        "action:personal_access_token": {"doc-0", "doc-1"},
        "action:personal_access_token.access_granted": {"doc-0"},
        "action:auto_approve_personal_access_token_requests": {"doc-2"},
        "action:personal_access_token action:auto_approve_personal_access_token_requests": {
            "doc-0", "doc-1", "doc-2"},
        "-action:personal_access_token": {"doc-2", "doc-3", "doc-4"},
        "action:org": {"doc-3"},
        "actor:ALICE action:org": {"doc-3"},
        "actor:bob": set(),
    }  # fmt: skip
    for phrase, expected in expectations.items():
        assert set(doc_ids(fetch(http, gh, AUDIT, phrase=phrase))) == expected, phrase
    assert doc_ids(fetch(http, gh, AUDIT, include="git")) == ["doc-5"]
    assert len(doc_ids(fetch(http, gh, AUDIT, include="all"))) == 6


def test_created_filters_to_the_second(gh, http):
    day = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    noon = day - timedelta(days=10) + timedelta(hours=12)
    ms = int(noon.timestamp()) * 1000
    hand_made(gh, ("a.b", ms - 1), ("a.b", ms), ("a.b", ms + 999), ("a.b", ms + 1000),
              ("a.b", ms + DAY_MS))  # fmt: skip
    at, date = f"{noon:%Y-%m-%dT%H:%M:%S}", f"{noon:%Y-%m-%d}"
    expectations = {
        f"created:>={at}Z": {"doc-1", "doc-2", "doc-3", "doc-4"},
        f"created:>{at}Z": {"doc-3", "doc-4"},
        f"created:<={at}Z": {"doc-0", "doc-1", "doc-2"},
        f"created:<{at}Z": {"doc-0"},
        f"created:{at}Z": {"doc-1", "doc-2"},
        f"created:{at}+00:00": {"doc-1", "doc-2"},
        f"created:>={noon + timedelta(hours=2):%Y-%m-%dT%H:%M:%S}+02:00": {"doc-1", "doc-2",
                                                                            "doc-3", "doc-4"},
        f"created:{date}": {"doc-0", "doc-1", "doc-2", "doc-3"},
        f"created:>{date}": {"doc-4"},
        f"created:{date}..{date}": {"doc-0", "doc-1", "doc-2", "doc-3"},
        f"created:{at}Z..* action:a": {"doc-1", "doc-2", "doc-3", "doc-4"},
    }  # fmt: skip
    for phrase, expected in expectations.items():
        assert set(doc_ids(fetch(http, gh, AUDIT, phrase=phrase))) == expected, phrase


def test_three_months_without_created_and_180_days_at_most(gh, http):
    now = now_ms()
    hand_made(gh, *[("a.b", now - days * DAY_MS) for days in (30, 80, 100, 170, 190)])
    assert set(doc_ids(fetch(http, gh, AUDIT))) == {"doc-0", "doc-1"}
    old = datetime.fromtimestamp(now / 1000 - 400 * 86_400, tz=timezone.utc)
    everything = fetch(http, gh, AUDIT, phrase=f"created:>={old:%Y-%m-%d}")
    assert set(doc_ids(everything)) == {"doc-0", "doc-1", "doc-2", "doc-3"}


def test_a_late_event_behind_the_cursor_is_missed_until_the_window_is_read_again(gh, http):
    base = now_ms() - 3 * DAY_MS
    org = hand_made(gh, *[("personal_access_token.access_granted", base + n * 60_000)
                          for n in range(6)])  # fmt: skip
    late = audit_event("personal_access_token.access_revoked", base + 30_000, org="acme",
                       org_id=org.id, actor={"login": "bob", "id": 8}, doc_id="late")  # fmt: skip
    gh.mutations.after_page("acme", "audit_log", 1, late_event(late))
    params = {"phrase": "action:personal_access_token", "order": "asc", "per_page": "3"}
    events, _ = every_page(http, gh, **params)
    assert [e["_document_id"] for e in events] == [f"doc-{n}" for n in range(6)]
    again, _ = every_page(http, gh, **params)
    assert [e["_document_id"] for e in again][:3] == ["doc-0", "late", "doc-1"]
    assert again[1]["@timestamp"] < events[2]["@timestamp"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"order": "up"}, "order"),
        ({"include": "none"}, "include"),
        ({"after": "not-a-cursor"}, "after"),
        ({"phrase": "who revoked tokens"}, "phrase"),
        ({"phrase": "created:yesterday"}, "phrase"),
        ({"phrase": "created:2024-13-01"}, "phrase"),
        ({"phrase": "-created:>=2024-01-01"}, "phrase"),
        ({"phrase": "country:de"}, "phrase"),
    ],
)
def test_what_github_refuses_gets_422(gh, http, params, field):
    hand_made(gh)
    answer = fetch(http, gh, AUDIT, **params)
    body = answer.json()
    assert (answer.status_code, body["message"], body["errors"][0]["field"]) == (
        422, "Validation Failed", field,
    )  # fmt: skip
    assert body["documentation_url"].endswith("#get-the-audit-log-for-an-organization")


def test_enterprise_cloud_and_administration_permission_are_required(gh, http):
    org = hand_made(gh, ("a.b", now_ms() - DAY_MS))
    assert fetch(http, gh, AUDIT).status_code == 200
    org.governance.enterprise_cloud = False
    missing = fetch(http, gh, AUDIT)
    assert (missing.status_code, missing.json()["message"]) == (404, "Not Found")
    org.governance.enterprise_cloud = True
    org.permissions = dict(PAT_READ)
    refused = fetch(http, gh, AUDIT)
    assert (refused.status_code, refused.json()["message"]) == (
        403, "Resource not accessible by integration",
    )  # fmt: skip
    org.permissions = dict(PERMISSIONS)
    narrowed = gh.tokens.mint(org.installation_id, 60, time.time(), dict(PAT_READ))[0]
    answer = http.get(f"{gh.url}{AUDIT}", headers={"Authorization": f"Bearer {narrowed}"})
    assert answer.status_code == 403
    assert [(e.path, e.status) for e in gh.requests_log] == [(AUDIT, 200), (AUDIT, 404),
                                                              (AUDIT, 403), (AUDIT, 403)]  # fmt: skip
