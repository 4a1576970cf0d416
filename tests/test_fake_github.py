"""The fake GitHub server itself, over real HTTP: auth, listings, filters, paging, faults."""

from __future__ import annotations

import json
import re
import secrets
import signal
import subprocess
import sys
import time
from http.client import HTTPConnection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from tests.fake_github import (
    FakeGitHub,
    RecordList,
    generate_org,
    make_grant,
    make_request,
    other_private_key_pem,
    parse_instant,
    repository,
    user,
)

if TYPE_CHECKING:
    pass

GRANTS = "/orgs/acme/personal-access-tokens"
REQUESTS = "/orgs/acme/personal-access-token-requests"
REQUEST_ID = re.compile(r"[0-9A-F]{4}:[0-9A-F]{4}:[0-9A-F]{6}:[0-9A-F]{6}:[0-9A-F]{8}")
GRANT_KEYS = [
    "id", "owner", "repository_selection", "repositories_url", "permissions", "access_granted_at",
    "token_id", "token_name", "token_expired", "token_expires_at", "token_last_used_at",
]  # fmt: skip
PAT_REFUSED = "Resource not accessible by personal access token"
APP_REFUSED = "Resource not accessible by integration"
NO_JWT = "A JSON web token could not be decoded"


def auth(gh: FakeGitHub, org: str = "acme") -> dict[str, str]:
    return {"Authorization": f"Bearer {gh.mint_token_for(org)}"}


def get(http: requests.Session, gh: FakeGitHub, target: str, **kwargs: Any) -> requests.Response:
    """GET a path (or a full URL) with a fresh installation token for acme."""
    url = target if target.startswith("http") else f"{gh.url}{target}"
    return http.get(url, headers=kwargs.pop("headers", None) or auth(gh), **kwargs)


def ids(http: requests.Session, gh: FakeGitHub, query: str, path: str = GRANTS) -> list[int]:
    response = get(http, gh, f"{path}?{query}")
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]


def test_app_jwt_installation_and_token_flow(gh: FakeGitHub, http: requests.Session) -> None:
    org = gh.add_org("Acme")
    jwt_headers = {"Authorization": f"Bearer {gh.make_jwt(issuer=gh.client_id)}"}
    found = get(http, gh, "/orgs/ACME/installation", headers=jwt_headers)
    assert found.headers["Content-Type"] == "application/json; charset=utf-8"
    assert REQUEST_ID.fullmatch(found.headers["X-GitHub-Request-Id"])
    installation = found.json()
    assert (installation["id"], installation["app_id"]) == (org.installation_id, 12345)
    assert (installation["account"]["login"], installation["target_type"]) == (
        "Acme",
        "Organization",
    )
    minted = http.post(installation["access_tokens_url"], headers=jwt_headers, json={})
    assert minted.status_code == 201
    assert re.fullmatch(r"ghs_[A-Za-z0-9]{36}", minted.json()["token"])
    assert abs(parse_instant(minted.json()["expires_at"]) / 1e6 - time.time() - 3600) < 5
    listed = get(http, gh, GRANTS, headers={"Authorization": f"token {minted.json()['token']}"})
    assert (listed.status_code, listed.json(), "Link" in listed.headers) == (200, [], False)
    assert listed.headers["x-ratelimit-remaining"] == "4999"
    assert listed.headers["x-ratelimit-resource"] == "core"
    log = gh.requests_log
    assert [(e.auth_kind, e.status, e.org) for e in log] == [
        ("jwt", 200, "Acme"), ("jwt", 201, "Acme"), ("installation", 200, "Acme"),
    ]  # fmt: skip
    assert len({e.request_id for e in log}) == 3


def test_keep_alive_serves_several_requests_on_one_connection(gh: FakeGitHub) -> None:
    gh.add_org("acme")
    connection = HTTPConnection("127.0.0.1", int(gh.url.rsplit(":", 1)[1]))
    try:
        for _ in range(3):
            connection.request("GET", GRANTS, headers=auth(gh))
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, b"[]")
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"private_key_pem": "other"}, NO_JWT),
        ({"issuer": "999"}, NO_JWT),
        ({"issued_at": -700, "expires_at": -100}, "'Expiration time' claim ('exp') must be"),
        ({"issued_at": -60, "expires_at": 1200}, "'Expiration time' claim ('exp') is too far"),
        ({"issued_at": 300, "expires_at": 600}, "'Issued at' claim ('iat') must be"),
    ],
)
def test_bad_app_jwts_get_401(
    gh: FakeGitHub, http: requests.Session, claims: dict[str, Any], message: str
) -> None:
    gh.add_org("acme")
    if "private_key_pem" in claims:
        claims = {"private_key_pem": other_private_key_pem()}
    times = {k: time.time() + v for k, v in claims.items() if k in {"issued_at", "expires_at"}}
    headers = {"Authorization": f"Bearer {gh.make_jwt(**{**claims, **times})}"}
    response = get(http, gh, "/orgs/acme/installation", headers=headers)
    assert (response.status_code, response.json()["message"][: len(message)]) == (401, message)
    assert gh.requests_log[-1].auth_kind == "invalid"


def test_installation_endpoints_refuse_other_credentials_and_unknowns(
    gh: FakeGitHub, http: requests.Session
) -> None:
    gh.add_org("acme")
    gh.add_org("initech", installed=False)
    jwt_headers = {"Authorization": f"Bearer {gh.make_jwt()}"}
    answers = [
        get(http, gh, "/orgs/acme/installation"),
        get(http, gh, "/orgs/acme/installation", headers={"Accept": "application/json"}),
        get(http, gh, "/orgs/initech/installation", headers=jwt_headers),
        get(http, gh, "/orgs/nobody/installation", headers=jwt_headers),
        http.post(f"{gh.url}/app/installations/1/access_tokens", headers=jwt_headers),
        get(http, gh, "/no/such/path", headers=jwt_headers),
    ]
    assert [a.status_code for a in answers] == [401, 401, 404, 404, 404, 404]
    assert answers[0].json()["message"] == NO_JWT
    assert gh.requests_log[-1].org is None


def test_installation_tokens_expire_and_can_be_revoked(http: requests.Session) -> None:
    with FakeGitHub(token_ttl_seconds=1) as gh:
        gh.add_org("acme")
        headers = auth(gh)
        assert get(http, gh, GRANTS, headers=headers).status_code == 200
        time.sleep(1.1)
        expired = get(http, gh, GRANTS, headers=headers)
        assert (expired.status_code, expired.json()["message"]) == (401, "Bad credentials")
        assert gh.requests_log[-1].auth_kind == "invalid"
        gh.token_ttl_seconds = 3600
        headers = auth(gh)
        assert get(http, gh, GRANTS, headers=headers).status_code == 200
        gh.revoke_tokens()
        assert get(http, gh, GRANTS, headers=headers).status_code == 401


def test_listing_refusals_look_like_github(gh: FakeGitHub, http: requests.Session) -> None:
    gh.add_org("acme")
    gh.add_org("globex")
    gh.add_org("hooli", permissions={"organization_personal_access_token_requests": "read"})
    cases = [
        ("acme", "", 401, "Requires authentication"),
        ("acme", "token ghp_" + secrets.token_hex(18), 403, PAT_REFUSED),
        ("acme", "Bearer github_pat_" + secrets.token_hex(20), 403, PAT_REFUSED),
        ("acme", "token ghs_" + secrets.token_hex(18), 401, "Bad credentials"),
        ("acme", f"Bearer {gh.make_jwt()}", 401, NO_JWT),
        ("acme", auth(gh, "globex")["Authorization"], 404, "Not Found"),
        ("hooli", auth(gh, "hooli")["Authorization"], 403, APP_REFUSED),
        ("nowhere", auth(gh)["Authorization"], 404, "Not Found"),
    ]
    for org, header, status, message in cases:
        headers = {"Authorization": header} if header else {"Accept": "application/json"}
        body = get(http, gh, f"/orgs/{org}/personal-access-tokens", headers=headers).json()
        assert (body["status"], body["message"]) == (str(status), message)
        assert body["documentation_url"].startswith("https://docs.github.com/rest")
    kinds = [e.auth_kind for e in gh.requests_log[:5]]
    assert kinds == ["none", "user_token", "user_token", "invalid", "jwt"]


def test_link_headers_keep_the_clients_query(gh: FakeGitHub, http: requests.Session) -> None:
    gh.add_org("acme", grants=[make_grant(n, "ab"[n % 2]) for n in range(1, 251)])
    query = "owner%5B%5D=a&owner%5B%5D=b&per_page=100"
    base = f"{gh.url}{GRANTS}?{query}"
    first = get(http, gh, base)
    assert first.headers["Link"] == f'<{base}&page=2>; rel="next", <{base}&page=3>; rel="last"'
    second = get(http, gh, first.links["next"]["url"])
    assert list(second.links) == ["prev", "next", "last", "first"]
    third = get(http, gh, f"{GRANTS}?page=3&{query}")
    assert third.links["prev"]["url"] == f"{gh.url}{GRANTS}?page=2&{query}"
    assert (list(third.links), len(third.json())) == (["prev", "first"], 50)
    assert gh.requests_log[1].query == {"owner[]": ["a", "b"], "per_page": ["100"], "page": ["2"]}
    assert "next" in get(http, gh, f"{GRANTS}?per_page=100&owner=a").links
    assert "Link" not in get(http, gh, f"{GRANTS}?per_page=100&token_id[]=1001").headers


def test_pages_cover_everything_in_granted_order(gh: FakeGitHub, http: requests.Session) -> None:
    org = gh.add_org(generate_org("acme", n_grants=250, seed=3))
    by_time = sorted(org.grants, key=lambda g: (parse_instant(g.access_granted_at), g.id))
    expected = [g.id for g in reversed(by_time)]
    seen: list[int] = []
    url: str | None = f"{gh.url}{GRANTS}?per_page=100"
    while url:
        response = get(http, gh, url)
        seen += [item["id"] for item in response.json()]
        url = response.links.get("next", {}).get("url")
    assert seen == expected
    assert (
        ids(http, gh, "direction=asc&sort=created_at&per_page=100&page=3") == expected[::-1][200:]
    )
    assert len(ids(http, gh, "")) == 30
    assert len(ids(http, gh, "per_page=500")) == 100
    assert ids(http, gh, "per_page=10&page=99") == []


def test_every_filter(gh: FakeGitHub, http: requests.Session) -> None:
    api = repository(user("acme", 9), "api", 1)
    gh.add_org("acme", grants=[
        make_grant(1, "alice", token_last_used_at="2024-03-01T10:00:00Z",
                   repository_selection="subset", repositories=[api],
                   permissions={"repository": {"contents": "write"}}),
        make_grant(2, "Bob", token_last_used_at="2024-03-01T02:00:00.000-08:00",
                   permissions={"repository": {"contents": "read"}}),
        make_grant(3, "carol", repository_selection="none",
                   permissions={"organization": {"members": "read"}}),
        make_grant(4, "alice", token_last_used_at="2024-03-01T10:00:01Z",
                   repository_selection="subset",
                   permissions={"repository": {"administration": "write"}}),
    ])  # fmt: skip
    expectations = {
        "last_used_after=2024-03-01T10:00:00Z": {4},
        "last_used_after=2024-03-01T09:59:59Z": {1, 2, 4},
        "last_used_after=2024-03-01T11%3A00%3A00%2B01%3A00": {4},
        "last_used_before=2024-03-01T10:00:01Z": {1, 2},
        "last_used_before=2030-01-01T00:00:00Z&last_used_after=2024-03-01T10:00:00.5Z": {4},
        "owner[]=ALICE": {1, 4},
        "owner=bob&owner[]=carol": {2, 3},
        "repository=API": {1, 2},
        "permission=contents_read": {1, 2},
        "permission=contents_write": {1},
        "permission=members_read": {3},
        "permission=administration_read": {4},
        "token_id[]=1003&token_id[]=1004": {3, 4},
    }
    for query, expected in expectations.items():
        assert set(ids(http, gh, query)) == expected, query


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sort=updated", "sort"),
        ("direction=up", "direction"),
        ("&".join(f"owner[]=u{n}" for n in range(11)), "owner"),
        ("&".join(f"token_id[]={n}" for n in range(51)), "token_id"),
        ("token_id[]=abc", "token_id"),
        ("last_used_after=yesterday", "last_used_after"),
        ("last_used_before=2024-13-01T00:00:00Z", "last_used_before"),
        ("permission=contents", "permission"),
        ("permission=contents_delete", "permission"),
    ],
)
def test_invalid_parameters_get_422(
    gh: FakeGitHub, http: requests.Session, query: str, field: str
) -> None:
    gh.add_org("acme")
    response = get(http, gh, f"{GRANTS}?{query}")
    body = response.json()
    assert (response.status_code, body["message"]) == (422, "Validation Failed")
    assert (body["errors"][0]["field"], body["errors"][0]["code"]) == (field, "invalid")
    assert "/rest/orgs/personal-access-tokens#" in body["documentation_url"]


def test_repositories_are_paged_at_both_paths(gh: FakeGitHub, http: requests.Session) -> None:
    repos = [repository(user("acme", 9), f"repo-{n}", n) for n in range(120)]
    subset = make_grant(7, "al", repository_selection="subset", repositories=repos)
    org = gh.add_org("acme", grants=[subset, make_grant(8, "al")])
    item = get(http, gh, GRANTS).json()[1]
    assert list(item) == GRANT_KEYS
    by_id = f"{gh.url}/organizations/{org.id}/personal-access-tokens/7/repositories"
    assert item["repositories_url"] == by_id
    first = get(http, gh, f"{by_id}?per_page=100")
    assert [r["name"] for r in first.json()] == [f"repo-{n}" for n in range(100)]
    rest = get(http, gh, first.links["next"]["url"])
    assert rest.content == get(http, gh, f"{GRANTS}/7/repositories?per_page=100&page=2").content
    assert len(rest.json()) == 20
    assert get(http, gh, f"{GRANTS}/8/repositories").json() == []
    assert get(http, gh, f"{GRANTS}/9/repositories").status_code == 404


def test_pat_requests_listing_and_repositories(gh: FakeGitHub, http: requests.Session) -> None:
    org = gh.add_org(generate_org("acme", n_grants=5, n_requests=40, seed=2, subset_fraction=1.0))
    by_time = sorted(org.requests, key=lambda r: (parse_instant(r.created_at), r.id))
    assert ids(http, gh, "per_page=100", REQUESTS) == [r.id for r in reversed(by_time)]
    first = org.requests[0]
    items = get(http, gh, f"{REQUESTS}?token_id[]={first.token_id}").json()
    assert list(items[0])[:2] == ["id", "reason"]
    assert "/personal-access-token-requests/" in items[0]["repositories_url"]
    repos = get(http, gh, items[0]["repositories_url"] + "?per_page=100").json()
    assert [r["id"] for r in repos] == [r["id"] for r in first.repositories[:100]]
    org.permissions = {"organization_personal_access_tokens": "read"}
    denied = get(http, gh, REQUESTS)
    assert (denied.status_code, denied.json()["message"]) == (403, APP_REFUSED)


def test_connection_faults(gh: FakeGitHub, http: requests.Session) -> None:
    gh.add_org("acme", grants=[make_grant(n, "al") for n in range(1, 60)])
    gh.faults.add("personal-access-tokens$", nth=1, action="drop")
    gh.faults.add("personal-access-tokens$", nth=2, action="truncate")
    gh.faults.add("personal-access-tokens$", nth=3, action="delay", delay_seconds=0.6)
    with pytest.raises(requests.ConnectionError):
        get(http, gh, GRANTS)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get(http, gh, GRANTS)
    with pytest.raises(requests.exceptions.ReadTimeout):
        get(http, gh, GRANTS, timeout=0.2)
    assert len(get(http, gh, GRANTS).json()) == 30
    assert [(e.fault, e.status) for e in gh.requests_log] == [
        ("drop", 0), ("truncate", 200), ("delay", 200), (None, 200),
    ]  # fmt: skip


def test_scripted_answers(gh: FakeGitHub, http: requests.Session) -> None:
    org = gh.add_org("acme")
    headers = auth(gh)
    gh.faults.server_error("personal-access-tokens$", nth=2)
    assert [get(http, gh, GRANTS, headers=headers).status_code for _ in range(3)] == [200, 502, 200]
    gh.faults.secondary_rate_limit("personal-access-tokens$", retry_after=7)
    limited = get(http, gh, GRANTS, headers=headers)
    assert (limited.status_code, limited.headers["retry-after"]) == (403, "7")
    assert "secondary rate limit" in limited.json()["message"]
    assert limited.headers["X-GitHub-Request-Id"] in limited.json()["message"]
    gh.faults.primary_rate_limit("personal-access-tokens$", reset_in_seconds=30, status=429)
    primary = get(http, gh, GRANTS, headers=headers)
    assert (primary.status_code, primary.headers["x-ratelimit-remaining"]) == (429, "0")
    assert abs(int(primary.headers["x-ratelimit-reset"]) - time.time() - 30) <= 2
    message = f"API rate limit exceeded for installation ID {org.installation_id}."
    assert primary.json()["message"] == message
    gh.faults.add("/orgs/", status=418, body="teapot", times=None, headers={"X-Extra": "1"})
    answers = [get(http, gh, GRANTS, headers=headers) for _ in range(2)]
    assert [(a.status_code, a.text, a.headers["X-Extra"]) for a in answers] == [
        (418, "teapot", "1")
    ] * 2
    gh.faults.clear()
    assert get(http, gh, GRANTS, headers=headers).status_code == 200


def test_primary_rate_limit_budget(gh: FakeGitHub, http: requests.Session) -> None:
    org = gh.add_org("acme")
    headers = auth(gh)
    gh.set_rate_limit(remaining=1, reset_at=time.time() + 60)
    last = get(http, gh, GRANTS, headers=headers)
    assert (last.status_code, last.headers["x-ratelimit-remaining"]) == (200, "0")
    assert last.headers["x-ratelimit-used"] == "5000"
    refused = get(http, gh, GRANTS, headers=headers)
    message = f"API rate limit exceeded for installation ID {org.installation_id}."
    assert (refused.status_code, refused.json()["message"]) == (403, message)
    gh.set_rate_limit(remaining=0, reset_at=time.time() - 1, org="ACME")
    again = get(http, gh, GRANTS, headers=headers)
    assert (again.status_code, again.headers["x-ratelimit-remaining"]) == (200, "4999")


def test_changes_to_the_world_show_up(gh: FakeGitHub, http: requests.Session) -> None:
    org = gh.add_org("acme", grants=[make_grant(1, "al"), make_grant(2, "al")])
    used_recently = "last_used_after=2024-06-01T00:00:00Z"
    assert (ids(http, gh, ""), ids(http, gh, used_recently)) == ([2, 1], [])
    org.grants.append(make_grant(3, "bo"))
    org.grants.remove(1)
    org.grants[0].token_last_used_at = "2024-06-02T00:00:00.000+02:00"
    assert (ids(http, gh, ""), ids(http, gh, used_recently)) == ([3, 2], [2])
    org.requests = RecordList([make_request(5, "al")])
    assert ids(http, gh, "", REQUESTS) == [5]
    org.installed = False
    assert get(http, gh, GRANTS, headers={"Authorization": "token ghs_x"}).status_code == 401


def test_generated_orgs_are_realistic_and_deterministic() -> None:
    org = generate_org("globex", n_grants=2000, n_requests=40, seed=7, subset_fraction=0.6)
    again = generate_org("globex", n_grants=2000, n_requests=40, seed=7, subset_fraction=0.6)
    documents = [g.document("http://x", org.id) for g in org.grants]
    assert documents == [g.document("http://x", org.id) for g in again.grants]
    other_seed = generate_org("globex", 2000, seed=8).grants
    assert documents != [g.document("http://x", org.id) for g in other_seed]
    assert all(list(d) == GRANT_KEYS for d in documents)
    assert {d["repository_selection"] for d in documents} == {"none", "all", "subset"}
    stamps = [d["access_granted_at"] for d in documents]
    assert any(s.endswith("Z") for s in stamps)
    assert any(re.search(r"\.000[+-]\d\d:\d\d$", s) for s in stamps)
    assert any(d["token_expires_at"] is None for d in documents)
    assert any(d["token_last_used_at"] is None for d in documents)
    assert 0 < sum(d["token_expired"] for d in documents) < len(documents)
    assert max(len(g.repositories) for g in org.grants) > 100
    assert len({d["owner"]["login"] for d in documents}) < len(documents)
    assert len(org.requests) == 40
    started = time.perf_counter()
    assert len(generate_org("big", n_grants=20_000).grants) == 20_000
    assert time.perf_counter() - started < 10


def test_demo_command_serves_and_writes_a_private_config(tmp_path: Path) -> None:
    config_path = tmp_path / "config.json"
    command = [sys.executable, "-m", "tests.fake_github", "--org", "acme=30", "--org", "globex=25",
               "--requests", "4", "--seed", "1", "--port", "0", "--write-config", str(config_path)]  # fmt: skip
    root = Path(__file__).resolve().parents[1]
    with subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        line = process.stdout.readline()
        try:
            assert line.startswith("FAKE GITHUB (local demo) listening on http://127.0.0.1:")
            config = json.loads(config_path.read_text())
            assert config["api_url"] == line.split()[-1]
            assert config["organizations"] == ["acme", "globex"]
            assert config["private_key"].startswith("-----BEGIN RSA " + "PRIVATE KEY-----")
            assert config_path.stat().st_mode & 0o777 == 0o600
            with requests.Session() as http:
                response = http.get(f"{config['api_url']}/orgs/globex/installation")
            assert response.status_code == 401
        finally:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=10)
    assert process.returncode == 0


def test_control_dir_revokes_grants_for_the_demo(tmp_path):
    from tests.fake_github.__main__ import _apply_revocations

    with FakeGitHub() as gh:
        org = gh.add_org(generate_org("acme", 5, seed=3))
        kept, revoked = org.grants[0], org.grants[1]
        (tmp_path / "revoke").write_text(f"acme {revoked.id}\nacme 1\n", encoding="utf-8")
        _apply_revocations(tmp_path, gh)
        assert [g.id for g in gh.org("acme").grants if g.id in {kept.id, revoked.id}] == [kept.id]
        assert len(gh.org("acme").grants) == 4
        assert not (tmp_path / "revoke").exists()
        assert (tmp_path / "revoked").read_text(encoding="utf-8").splitlines() == [
            f"acme {revoked.id} revoked",
            "acme 1 not found",
        ]
