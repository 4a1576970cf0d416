"""Full syncs against the fake GitHub: every grant, the fewest requests, GitHub's rules."""

from __future__ import annotations

import logging
from collections import Counter

from tap_github_pat_grants import __version__
from tests.fake_github import generate_org, make_grant, parse_instant
from tests.helpers import GRANTS_ONLY, list_requests, on_virtual_clock, pages
from tests.tap_runner import run_tap


def test_full_sync_of_several_orgs_reads_every_grant_with_minimum_requests(github, app_config):
    github.add_org(generate_org("Acme", 250, seed=1))
    github.add_org(generate_org("globex", 100, seed=2))
    github.add_org(generate_org("initech", 0, seed=3))

    run = run_tap(app_config(organizations=["ACME", "globex", "Initech"]), catalog=GRANTS_ONLY)

    assert run.error is None
    records = run.records()
    assert Counter(r["org"] for r in records) == {"acme": 250, "globex": 100}
    assert len({(r["org"], r["id"]) for r in records}) == 350
    expected_ids = {g.id for g in github.org("acme").grants} | {
        g.id for g in github.org("globex").grants
    }
    assert {r["id"] for r in records} == expected_ids
    for org, n in (("acme", 250), ("globex", 100), ("initech", 0)):
        assert len(list_requests(github, org)) == pages(n), org
    # one installation lookup and one token per org, nothing else
    assert Counter(
        (r.method, r.path.rsplit("/", 1)[-1]) for r in github.requests_log if r.auth_kind == "jwt"
    ) == {
        ("GET", "installation"): 3,
        ("POST", "access_tokens"): 3,
    }


def test_requests_follow_githubs_link_urls_without_repeating_parameters(github, app_config):
    github.add_org(generate_org("acme", 301, seed=1))
    run = run_tap(app_config(owner=["a", "b"], permission="metadata_read"), catalog=GRANTS_ONLY)
    assert run.error is None
    sent = list_requests(github, "acme")
    assert [r.query.get("page", ["1"])[0] for r in sent] == ["1", "2", "3", "4"][: len(sent)]
    for request in sent:
        assert request.query["per_page"] == ["100"]
        assert request.query["owner[]"] == ["a", "b"]
        assert all(len(values) == 1 for key, values in request.query.items() if key != "owner[]")
        assert request.headers["accept"] == "application/vnd.github+json"
        assert request.headers["x-github-api-version"] == "2022-11-28"
        assert request.headers["user-agent"] == f"tap-github-pat-grants/{__version__}"
        assert request.headers["authorization"] == "Bearer"
        assert request.auth_kind == "installation"


def test_records_keep_githubs_shape_plus_org_and_utc_instants(github, app_config):
    org = github.add_org("acme")
    org.grants.append(
        make_grant(
            7,
            "octocat",
            access_granted_at="2023-05-16T08:47:09.000-07:00",
            token_expires_at="2023-11-16T08:47:09.000-07:00",
            token_last_used_at=None,
        )
    )
    org.grants.append(
        make_grant(8, "hubot", token_last_used_at="2024-03-01T10:00:00Z", token_expires_at=None)
    )

    run = run_tap(app_config(), catalog=GRANTS_ONLY)

    by_id = {r["id"]: r for r in run.records()}
    assert by_id[7]["access_granted_at"] == "2023-05-16T15:47:09.000Z"
    assert by_id[7]["token_expires_at"] == "2023-11-16T15:47:09.000Z"
    assert parse_instant(by_id[7]["token_expires_at"]) == parse_instant(
        "2023-11-16T08:47:09.000-07:00"
    )
    assert by_id[7]["token_last_used_at"] is None
    assert by_id[8]["token_expires_at"] is None
    assert by_id[8]["org"] == "acme"
    assert by_id[8]["owner"]["login"] == "hubot"
    assert by_id[8]["permissions"] == {"repository": {"metadata": "read"}}
    assert set(by_id[8]) >= {
        "id",
        "owner",
        "repository_selection",
        "repositories_url",
        "permissions",
        "access_granted_at",
        "token_id",
        "token_name",
        "token_expired",
        "token_expires_at",
        "token_last_used_at",
        "org",
    }


def test_filters_are_sent_in_githubs_documented_form(github, app_config):
    org = github.add_org("acme")
    org.grants.extend(
        [
            make_grant(1, "alice", token_last_used_at="2024-01-10T00:00:00Z"),
            make_grant(2, "bob", token_last_used_at="2024-01-10T00:00:00Z"),
            make_grant(3, "alice", token_last_used_at="2024-03-10T00:00:00Z"),
            make_grant(4, "carol", token_last_used_at=None),
        ]
    )
    config = app_config(
        owner=["alice", "carol"], last_used_before="2024-02-01", token_id=[1001, "1003", "1004"]
    )

    run = run_tap(config, catalog=GRANTS_ONLY)

    assert run.error is None
    assert [r["id"] for r in run.records()] == [1]
    (request,) = list_requests(github, "acme")
    assert request.query["owner[]"] == ["alice", "carol"]
    assert request.query["token_id[]"] == ["1001", "1003", "1004"]
    assert request.query["last_used_before"] == ["2024-02-01T00:00:00Z"]


def test_auth_token_mode_uses_the_token_as_given(github, app_config):
    github.add_org(generate_org("acme", 120, seed=4))
    config = app_config(auth_token=github.mint_token_for("acme"))
    del config["app_id"], config["private_key"]
    github.reset_log()

    run = run_tap(config, catalog=GRANTS_ONLY)

    assert run.error is None
    assert len(run.records()) == 120
    assert {r.auth_kind for r in github.requests_log} == {"installation"}
    assert len(github.requests_log) == 4  # 2 pages, and the full read's verification pass


def test_tokens_are_reused_until_near_expiry_then_minted_again(github, app_config):
    # Every response takes 5 virtual minutes and a token lives an hour, as on GitHub: 15 pages,
    # 15 more for the full read's verification pass, the installation lookup and the mints span
    # 160+ minutes, so the first token must be renewed twice. GitHub's clock runs 4 minutes ahead of ours: only a token renewed ahead of
    # its expiry (not at it) is never refused.
    tap_class = on_virtual_clock(github, latency_seconds=300, github_ahead_seconds=240)
    github.add_org(generate_org("acme", 1500, seed=5))

    run = run_tap(app_config(), catalog=GRANTS_ONLY, tap_class=tap_class)

    assert run.error is None
    assert len(run.records()) == 1500
    assert len(list_requests(github, "acme")) == 15
    assert len(list_requests(github, "acme", verification=True)) == 15
    minted = [r for r in github.requests_log if r.path.endswith("/access_tokens")]
    assert len(minted) == 3, "one token per hour of sync, renewed before it expires"
    assert not [r for r in github.requests_log if r.status == 401], "never used after expiry"
    lookups = [r for r in github.requests_log if r.path.endswith("/installation")]
    assert len(lookups) == 1, "the installation id is looked up once"


def test_a_401_mints_a_new_token_once_and_retries(github, app_config):
    github.add_org(generate_org("acme", 250, seed=6))
    github.faults.add(
        r"/orgs/acme/personal-access-tokens$",
        nth=2,
        status=401,
        body={"message": "Bad credentials"},
    )

    run = run_tap(app_config(), catalog=GRANTS_ONLY)

    assert run.error is None
    assert len(run.records()) == 250
    assert len([r for r in github.requests_log if r.path.endswith("/access_tokens")]) == 2


def test_each_org_has_its_own_bookmark_and_state_is_sent_when_an_org_finishes(github, app_config):
    github.add_org(generate_org("acme", 150, seed=7))
    github.add_org(generate_org("globex", 50, seed=8))

    run = run_tap(app_config(organizations=["acme", "globex"]), catalog=GRANTS_ONLY)

    partitions = run.last_state["bookmarks"]["pat_grants"]["partitions"]
    assert [p["context"] for p in partitions] == [{"org": "acme"}, {"org": "globex"}]
    for partition in partitions:
        org = github.org(partition["context"]["org"])
        used = [g.token_last_used_at for g in org.grants if g.token_last_used_at]
        assert parse_instant(partition["replication_key_value"]) == max(
            parse_instant(u) for u in used
        )
        assert "progress_markers" not in partition
        assert "replication_key_signpost" not in partition
    # a STATE carrying acme's final bookmark comes before globex's first record
    first_globex = next(
        i
        for i, m in enumerate(run.messages)
        if m["type"] == "RECORD" and m["record"]["org"] == "globex"
    )
    states_before = [m["value"] for m in run.messages[:first_globex] if m["type"] == "STATE"]
    acme_done = [
        p
        for s in states_before
        for p in s["bookmarks"].get("pat_grants", {}).get("partitions", [])
        if p["context"] == {"org": "acme"} and "replication_key_value" in p
    ]
    assert acme_done


def test_progress_and_a_summary_line_per_org_are_logged(github, app_config, caplog):
    github.add_org(generate_org("acme", 230, seed=9))
    with caplog.at_level(logging.INFO):
        run = run_tap(app_config(), catalog=GRANTS_ONLY)
    assert run.error is None
    assert "pat_grants org acme: done, 230 records, 6 requests" in caplog.text  # 3 + verification
    assert "verification pass added 0" in caplog.text
    assert "New replication value is null" not in caplog.text
    assert "assumed to be unsorted" not in caplog.text


def test_proxy_variables_are_honoured(github, app_config, monkeypatch):
    from tap_github_pat_grants import http_policy

    monkeypatch.setattr(http_policy, "TRANSIENT_BASE_WAIT", 0.01)
    github.add_org(generate_org("acme", 150, seed=10))
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    token_config = app_config(auth_token=github.mint_token_for("acme"))  # no App calls: the
    del token_config["app_id"], token_config["private_key"]  # list request itself is proxied
    github.reset_log()
    through_proxy = run_tap(token_config, catalog=GRANTS_ONLY)
    assert "could not be reached" in str(through_proxy.error)
    assert github.requests_log == [], "every request went to the (dead) proxy"

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    bypassed = run_tap(app_config(), catalog=GRANTS_ONLY)
    assert bypassed.error is None
    assert len(bypassed.records()) == 150
