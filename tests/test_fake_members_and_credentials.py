"""The fake GitHub's organization members and SAML credential authorizations, over HTTP."""

from __future__ import annotations

import time

import pytest

from tests.fake_github import GOVERNANCE_PERMISSIONS, Member, generate_org, user

MEMBERS = "/orgs/acme/members"
CREDENTIALS = "/orgs/acme/credential-authorizations"
PAT_READ = {"organization_personal_access_tokens": "read"}
PERMISSIONS = {**PAT_READ, **GOVERNANCE_PERMISSIONS}
REFUSED = "Resource not accessible by integration"


def get(gh, http, target, token=None):
    url = target if target.startswith("http") else f"{gh.url}{target}"
    return http.get(url, headers={"Authorization": f"Bearer {token or gh.mint_token_for('acme')}"})


def logins(response):
    assert response.status_code == 200, response.text
    return [item["login"] for item in response.json()]


@pytest.fixture
def people(gh):
    org = gh.add_org("acme", permissions=PERMISSIONS)
    governance = org.governance
    for n, (login, role, two_factor) in enumerate(
        [("ann", "admin", "secure"), ("bo", "member", "disabled"), ("cy", "member", "insecure"),
         ("di", "admin", "insecure"), ("ed", "member", "secure")]
    ):  # fmt: skip
        governance.members.append(Member(user(login, 100 - n), role, two_factor))
    return org


def test_members_by_role_and_two_factor_filter(gh, http, people):
    assert logins(get(gh, http, MEMBERS)) == ["ed", "di", "cy", "bo", "ann"]  # by id
    assert logins(get(gh, http, f"{MEMBERS}?role=all")) == ["ed", "di", "cy", "bo", "ann"]
    assert logins(get(gh, http, f"{MEMBERS}?role=admin")) == ["di", "ann"]
    assert logins(get(gh, http, f"{MEMBERS}?role=member")) == ["ed", "cy", "bo"]
    assert logins(get(gh, http, f"{MEMBERS}?filter=2fa_disabled")) == ["bo"]
    assert logins(get(gh, http, f"{MEMBERS}?filter=2fa_insecure&role=admin")) == ["di"]
    item = get(gh, http, MEMBERS).json()[0]
    assert list(item)[:3] == ["login", "id", "node_id"]
    assert "role" not in item  # GitHub's Simple User: the role is only the filter's
    people.governance.remove_member("ed")
    assert logins(get(gh, http, MEMBERS)) == ["di", "cy", "bo", "ann"]


@pytest.mark.parametrize(("query", "field"), [("role=owner", "role"), ("filter=weak", "filter")])
def test_bad_member_filters_get_422(gh, http, people, query, field):
    answer = get(gh, http, f"{MEMBERS}?{query}")
    assert (answer.status_code, answer.json()["errors"][0]["field"]) == (422, field)


def test_members_are_paged_with_links(gh, http):
    org = gh.add_org(generate_org("acme", 600, seed=2), permissions=PERMISSIONS)
    everyone = sorted(org.governance.members, key=lambda m: m.user["id"])
    assert len(everyone) > 100
    first = get(gh, http, f"{MEMBERS}?per_page=100&role=all")
    assert first.links["next"]["url"] == f"{gh.url}{MEMBERS}?per_page=100&role=all&page=2"
    seen, url = [], first.links["next"]["url"]
    seen += logins(first)
    while url:
        page = get(gh, http, url)
        seen += logins(page)
        url = page.links.get("next", {}).get("url")
    assert seen == [m.login for m in everyone]
    admins = logins(get(gh, http, f"{MEMBERS}?role=admin&per_page=100"))
    assert admins == [m.login for m in everyone if m.role == "admin"]
    assert len(admins) >= 2


def test_members_need_the_members_permission(gh, http, people):
    people.permissions = {**PAT_READ, "organization_administration": "read"}
    refused = get(gh, http, MEMBERS)
    assert (refused.status_code, refused.json()["message"]) == (403, REFUSED)
    people.permissions = dict(PERMISSIONS)
    narrowed = gh.tokens.mint(people.installation_id, 60, time.time(), PAT_READ)[0]
    assert get(gh, http, MEMBERS, narrowed).status_code == 403
    assert get(gh, http, MEMBERS).status_code == 200


def test_credential_authorizations_are_paged_classic_tokens_and_ssh_keys(gh, http):
    org = gh.add_org(generate_org("acme", 300, seed=6), permissions=PERMISSIONS)
    stored = sorted(org.governance.credential_authorizations, key=lambda c: c["credential_id"])
    first = get(gh, http, f"{CREDENTIALS}?per_page=40")
    last = -(-len(stored) // 40)
    assert last > 2
    assert first.links["last"]["url"] == f"{gh.url}{CREDENTIALS}?per_page=40&page={last}"
    served, url = first.json(), first.links["next"]["url"]
    while url:
        page = get(gh, http, url)
        served += page.json()
        url = page.links.get("next", {}).get("url")
    assert served == stored
    tokens = [c for c in served if c["credential_type"] == "personal access token"]
    keys = [c for c in served if c["credential_type"] == "SSH key"]
    assert tokens and keys
    assert all(len(c["token_last_eight"]) == 8 and isinstance(c["scopes"], list) for c in tokens)
    assert any(c["authorized_credential_expires_at"] is None for c in tokens)
    assert any(c["credential_accessed_at"] is None for c in served)
    assert any("admin:org" in c["scopes"] for c in tokens)
    for key in keys:
        assert key["fingerprint"].startswith("SHA256:")
        assert "scopes" not in key and "token_last_eight" not in key
    one = served[0]["login"]
    assert {c["login"] for c in get(gh, http, f"{CREDENTIALS}?login={one.upper()}").json()} == {one}


def test_credential_authorizations_need_saml_on_enterprise_cloud_and_administration(gh, http):
    org = gh.add_org(generate_org("acme", 20, seed=1), permissions=PERMISSIONS)
    assert get(gh, http, CREDENTIALS).status_code == 200
    org.governance.saml_sso = False
    assert get(gh, http, CREDENTIALS).status_code == 404
    org.governance.saml_sso, org.governance.enterprise_cloud = True, False
    assert get(gh, http, CREDENTIALS).status_code == 404
    org.governance.enterprise_cloud = True
    org.permissions = {**PAT_READ, "members": "read"}
    refused = get(gh, http, CREDENTIALS)
    assert (refused.status_code, refused.json()["message"]) == (403, REFUSED)
    assert [(e.path, e.status, e.org) for e in gh.requests_log] == [
        (CREDENTIALS, 200, "acme"), (CREDENTIALS, 404, "acme"), (CREDENTIALS, 404, "acme"),
        (CREDENTIALS, 403, "acme"),
    ]  # fmt: skip
