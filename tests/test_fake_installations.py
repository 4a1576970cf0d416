"""The fake GitHub's installations, narrowed tokens and lists that change while paged, over HTTP."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import requests

from tests.fake_github import (
    FakeGitHub,
    generate_org,
    make_grant,
    make_request,
    parse_instant,
    repository,
)
from tests.fake_github.installations import NOT_GRANTED, SUSPENDED
from tests.fake_github.mutations import (
    add_grant,
    remove_repository,
    review_request,
    revoke_grant,
    uninstall,
)

if TYPE_CHECKING:
    pass

GRANTS = "/orgs/acme/personal-access-tokens"
REQUESTS = "/orgs/acme/personal-access-token-requests"
PAT_READ = {"organization_personal_access_tokens": "read"}


def app(gh: FakeGitHub) -> dict[str, str]:
    return {"Authorization": f"Bearer {gh.make_jwt()}"}


def mint(
    http: requests.Session, gh: FakeGitHub, org: str, body: dict[str, Any] | None = None
) -> requests.Response:
    installation_id = gh.org(org).installation_id
    url = f"{gh.url}/app/installations/{installation_id}/access_tokens"
    return http.post(url, headers=app(gh), json=body)


def listed(http: requests.Session, gh: FakeGitHub, url: str, token: str) -> requests.Response:
    full = url if url.startswith("http") else f"{gh.url}{url}"
    return http.get(full, headers={"Authorization": f"Bearer {token}"})


def ids(response: requests.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]


def test_installations_are_paged_with_links_and_list_every_kind_of_account(gh, http):
    orgs = gh.installations.add_orgs(150)
    person = gh.installations.add_user("octocat")
    enterprise = gh.installations.add_enterprise("acme-corp")
    gh.installations.suspend("org-007")

    first = http.get(f"{gh.url}/app/installations?per_page=100", headers=app(gh))
    assert first.status_code == 200
    assert first.links["next"]["url"] == f"{gh.url}/app/installations?per_page=100&page=2"
    assert first.links["last"]["url"].endswith("page=2")
    second = http.get(first.links["next"]["url"], headers=app(gh))
    assert "next" not in second.links
    every = first.json() + second.json()
    assert (len(first.json()), len(every)) == (100, 152)
    assert [i["id"] for i in every] == sorted(i["id"] for i in every)
    kinds = {i["account"].get("login") or i["account"]["slug"]: i for i in every}
    assert {org.login for org in orgs} <= set(kinds)
    assert kinds["octocat"]["target_type"] == "User"
    assert kinds["octocat"]["id"] == person.id
    assert kinds["acme-corp"]["target_type"] == "Enterprise"
    assert kinds["acme-corp"]["account"]["id"] == enterprise.account["id"]
    assert "login" not in kinds["acme-corp"]["account"]  # an Enterprise has a slug, no login
    org_007 = kinds["org-007"]
    assert org_007["suspended_at"] == "2025-03-01T09:00:00Z"
    assert org_007["suspended_by"]["login"] == "octo-admin"
    assert kinds["org-008"]["suspended_at"] is None
    assert org_007["permissions"] == gh.org("org-007").permissions
    assert org_007["target_id"] == gh.org("org-007").id
    default = http.get(f"{gh.url}/app/installations", headers=app(gh))
    assert len(default.json()) == 30  # GitHub's default page size


def test_installations_need_the_app_jwt(gh, http):
    gh.add_org("acme")
    token = gh.mint_token_for("acme")
    answer = listed(http, gh, "/app/installations", token)
    assert answer.status_code == 401
    assert answer.json()["message"] == "A JSON web token could not be decoded"


def test_a_mint_records_its_permissions_body_and_narrows_the_token(gh, http):
    gh.add_org("acme")

    narrowed = mint(http, gh, "acme", {"permissions": PAT_READ})
    full = mint(http, gh, "acme")

    assert narrowed.status_code == 201
    assert narrowed.json()["permissions"] == PAT_READ
    assert full.json()["permissions"] == gh.org("acme").permissions
    assert [(r.org, r.permissions, r.status) for r in gh.installations.token_requests] == [
        ("acme", PAT_READ, 201),
        ("acme", None, 201),
    ]
    token = narrowed.json()["token"]
    assert listed(http, gh, GRANTS, token).status_code == 200
    refused = listed(http, gh, REQUESTS, token)
    assert refused.status_code == 403
    assert refused.json()["message"] == "Resource not accessible by integration"
    assert listed(http, gh, REQUESTS, full.json()["token"]).status_code == 200


@pytest.mark.parametrize(
    "wanted",
    [
        {"organization_personal_access_tokens": "write"},  # more than read
        {"members": "read"},  # never granted
    ],
)
def test_a_mint_beyond_the_installations_permissions_is_refused(gh, http, wanted):
    gh.add_org("acme")
    answer = mint(http, gh, "acme", {"permissions": wanted})
    assert answer.status_code == 422
    assert answer.json()["message"] == NOT_GRANTED
    assert gh.installations.token_requests[-1].status == 422
    assert gh.tokens.issued() == []


def test_a_suspended_installation_is_shown_and_mints_nothing(gh, http):
    gh.add_org("acme")
    gh.installations.suspend("acme")
    found = http.get(f"{gh.url}/orgs/acme/installation", headers=app(gh))
    assert found.json()["suspended_at"] == "2025-03-01T09:00:00Z"
    refused = mint(http, gh, "acme")
    assert (refused.status_code, refused.json()["message"]) == (403, SUSPENDED)


def test_an_uninstalled_installation_answers_401_to_its_tokens_and_404_to_the_app(gh, http):
    gh.add_org("acme")
    gh.add_org("globex")
    token = mint(http, gh, "acme").json()["token"]
    assert listed(http, gh, GRANTS, token).status_code == 200

    gh.installations.uninstall("acme")

    assert listed(http, gh, GRANTS, token).status_code == 401
    assert http.get(f"{gh.url}/orgs/acme/installation", headers=app(gh)).status_code == 404
    assert mint(http, gh, "acme").status_code == 404
    every = http.get(f"{gh.url}/app/installations", headers=app(gh)).json()
    assert [i["account"]["login"] for i in every] == ["globex"]


def test_a_revocation_after_page_1_shifts_page_2_by_one_as_offset_paging_does(gh, http):
    org = gh.add_org(generate_org("acme", 250, seed=3))
    newest_first = newest_first_ids(org)
    token = gh.mint_token_for("acme")
    gh.mutations.after_page("acme", "grants", 1, revoke_grant(newest_first[10]))

    page_1 = listed(http, gh, f"{GRANTS}?per_page=100", token)
    page_2 = listed(http, gh, page_1.links["next"]["url"], token)

    assert ids(page_1) == newest_first[:100]
    assert ids(page_2) == newest_first[101:201], "page 2 starts one grant later"
    assert newest_first[100] not in ids(page_1) + ids(page_2), "never served"
    assert page_2.links["last"]["url"].endswith("page=3")
    assert len(org.grants) == 249
    (hook,) = gh.mutations.hooks
    assert hook.fired


def newest_first_ids(org) -> list[int]:
    """GitHub's default order of grants: by creation, newest first."""
    return [
        g.id for g in sorted(org.grants, key=lambda g: (parse_instant(g.access_granted_at), g.id))
    ][::-1]


def test_a_grant_created_during_the_read_shifts_later_pages_down(gh, http):
    org = gh.add_org(generate_org("acme", 150, seed=4))
    newest_first = newest_first_ids(org)
    new = make_grant(999_999_999, "newcomer", access_granted_at="2099-01-01T00:00:00Z")
    gh.mutations.after_page("acme", "grants", 1, add_grant(new))
    token = gh.mint_token_for("acme")

    page_1 = listed(http, gh, f"{GRANTS}?per_page=100", token)
    page_2 = listed(http, gh, page_1.links["next"]["url"], token)

    assert ids(page_1) == newest_first[:100]
    assert ids(page_2) == newest_first[99:], "the last grant of page 1 comes again"


def test_a_reviewed_request_and_a_removed_repository_change_the_next_page(gh, http):
    org = gh.add_org("acme")
    org.requests.extend(make_request(100 + n, "dana") for n in range(3))
    owner = {"login": "acme", "id": org.id}
    repos = [repository(owner, f"repo-{n}", 7_000 + n) for n in range(4)]
    org.grants.append(make_grant(5, "dana", repository_selection="subset", repositories=repos))
    token = gh.mint_token_for("acme")
    gh.mutations.after_page("acme", "requests", 1, review_request(100))
    gh.mutations.after_page(
        "acme", "grant_repositories", 1, remove_repository(5, 7_000), record_id=5
    )

    requests_1 = listed(http, gh, f"{REQUESTS}?per_page=2&direction=asc", token)
    requests_2 = listed(http, gh, requests_1.links["next"]["url"], token)
    repos_url = f"{GRANTS}/5/repositories?per_page=2"
    repos_1 = listed(http, gh, repos_url, token)
    repos_2 = listed(http, gh, repos_1.links["next"]["url"], token)

    assert (ids(requests_1), ids(requests_2)) == ([100, 101], [])  # 102 moved onto page 1
    assert (ids(repos_1), ids(repos_2)) == ([7_000, 7_001], [7_003])  # 7_002 never served


def test_an_uninstall_can_happen_right_after_a_page(gh, http):
    gh.add_org(generate_org("acme", 150, seed=5))
    token = gh.mint_token_for("acme")
    gh.mutations.after_page("acme", "grants", 1, uninstall())

    page_1 = listed(http, gh, f"{GRANTS}?per_page=100", token)
    assert page_1.status_code == 200
    assert listed(http, gh, page_1.links["next"]["url"], token).status_code == 401
