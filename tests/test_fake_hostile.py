"""The fake GitHub's hostile answers (`gh.hostile`), over real HTTP with a plain client."""

from __future__ import annotations

import socket
import time
from typing import TYPE_CHECKING, Any

import pytest
import requests

from tests.fake_github import FakeGitHub, RecordingServer, make_grant

if TYPE_CHECKING:
    from collections.abc import Iterator

GRANTS = "/orgs/acme/personal-access-tokens"
PAGED = f"{GRANTS}?per_page=10"


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        server.add_org("acme", grants=[make_grant(n, "al") for n in range(1, 36)])  # 4 pages of 10
        server.add_org("globex", grants=[make_grant(n, "bo") for n in range(1, 6)])
        yield server


@pytest.fixture
def http(gh: FakeGitHub) -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {gh.mint_token_for('acme')}"
        yield session


def get(http: requests.Session, gh: FakeGitHub, target: str, **kwargs: Any) -> requests.Response:
    url = target if target.startswith("http") else f"{gh.url}{target}"
    return http.get(url, **kwargs)


def page_ids(response: requests.Response) -> list[int]:
    return [row["id"] for row in response.json()]


def test_next_link_leading_back(gh: FakeGitHub, http: requests.Session) -> None:
    gh.hostile.next_leads_back(GRANTS, on_page=2, to_page=1)
    first = get(http, gh, PAGED)
    second = get(http, gh, first.links["next"]["url"])
    assert second.links["next"]["url"] == f"{gh.url}{PAGED}&page=1"
    assert page_ids(second) == list(range(25, 15, -1)), "the rows are page 2's own"
    assert [e.fault for e in gh.requests_log] == [None, "next_leads_back"]


def test_page_repeating_the_previous_one(gh: FakeGitHub, http: requests.Session) -> None:
    gh.hostile.repeats_previous_page(GRANTS, on_page=3, times=1)
    pages = [get(http, gh, f"{PAGED}&page={n}") for n in (1, 2, 3, 3)]
    assert page_ids(pages[2]) == page_ids(pages[1])
    assert pages[2].links["next"]["url"].endswith("page=4"), "its Link is page 3's"
    assert page_ids(pages[3]) == list(range(15, 5, -1)), "times=1: the next page 3 is right"


def test_more_pages_than_last_announces(gh: FakeGitHub, http: requests.Session) -> None:
    gh.hostile.announces_last(GRANTS, last_page=2)
    url: str | None = f"{gh.url}{PAGED}"
    lasts = []
    while url:
        response = get(http, gh, url)
        lasts.append(response.links.get("last", {}).get("url", "")[-6:])
        url = response.links.get("next", {}).get("url")
    assert lasts == ["page=2", "page=2", "page=2", ""], "4 pages, 2 announced"


def test_short_and_empty_pages_still_promising_more(gh: FakeGitHub, http: requests.Session) -> None:
    gh.hostile.short_page(GRANTS, on_page=1, rows=3, times=1)
    gh.hostile.short_page(GRANTS, on_page=2, rows=0, times=1)
    short = get(http, gh, PAGED)
    empty = get(http, gh, f"{PAGED}&page=2")
    assert (len(short.json()), "next" in short.links) == (3, True)
    assert (empty.json(), "next" in empty.links) == ([], True)


def test_paging_that_ends_before_the_announced_last_page(
    gh: FakeGitHub, http: requests.Session
) -> None:
    gh.hostile.ends_early(GRANTS, on_page=2)
    first = get(http, gh, PAGED)
    assert first.links["last"]["url"].endswith("page=4")
    second = get(http, gh, first.links["next"]["url"])
    assert len(second.json()) == 10
    assert set(second.links) == {"prev", "first"}


def test_rules_can_be_limited_to_one_org(gh: FakeGitHub, http: requests.Session) -> None:
    gh.hostile.html_page("/orgs/globex/", times=None)
    assert get(http, gh, PAGED).headers["Content-Type"].startswith("application/json")
    http.headers["Authorization"] = f"Bearer {gh.mint_token_for('globex')}"
    html = get(http, gh, "/orgs/globex/personal-access-tokens")
    assert (html.status_code, html.headers["Content-Type"]) == (200, "text/html")
    assert html.text.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("status", [301, 302, 307])
def test_same_origin_redirects_are_served_at_the_new_path(
    gh: FakeGitHub, http: requests.Session, status: int
) -> None:
    gh.hostile.redirect(f"{GRANTS}$", f"/moved{GRANTS}", status=status)
    moved = get(http, gh, PAGED, allow_redirects=False)
    assert (moved.status_code, moved.headers["Location"]) == (
        status,
        f"{gh.url}/moved{PAGED}",
    )
    followed = get(http, gh, PAGED)
    assert page_ids(followed) == list(range(35, 25, -1))
    assert [(e.path, e.status, e.fault) for e in gh.requests_log] == [
        (GRANTS, status, f"redirect_{status}"),
        (GRANTS, 200, None),  # times=1: the next request is not redirected
    ]
    assert get(http, gh, f"/moved{PAGED}").json() == followed.json()


def test_redirect_to_a_recording_server(gh: FakeGitHub, http: requests.Session) -> None:
    with RecordingServer() as other:
        gh.hostile.redirect(f"{GRANTS}$", f"{other.url}/elsewhere")
        answer = get(http, gh, PAGED)  # requests drops Authorization on a host change
        assert (answer.status_code, answer.json()) == (200, [])
        (arrived,) = other.received
    assert (arrived.path, arrived.query) == ("/elsewhere", "per_page=10")
    assert "authorization" not in arrived.headers


def test_redirect_loop(gh: FakeGitHub, http: requests.Session) -> None:
    gh.hostile.redirect_loop(f"{GRANTS}$")
    http.max_redirects = 5
    with pytest.raises(requests.TooManyRedirects):
        get(http, gh, PAGED)
    paths = [e.path for e in gh.requests_log]
    assert paths == [GRANTS, f"/moved{GRANTS}"] * 3


def test_wrong_shape(gh: FakeGitHub, http: requests.Session) -> None:
    gh.hostile.wrong_shape(GRANTS, {"total_count": 35, "items": []})
    assert get(http, gh, PAGED).json() == {"total_count": 35, "items": []}


def test_trickling_body(gh: FakeGitHub, http: requests.Session) -> None:
    gh.hostile.trickle(GRANTS, chunk_bytes=1500, interval_seconds=0.1)
    started = time.monotonic()
    slow = get(http, gh, PAGED)
    elapsed = time.monotonic() - started
    assert page_ids(slow) == list(range(35, 25, -1))
    chunks = -(-len(slow.content) // 1500)
    assert chunks >= 4
    assert elapsed >= 0.1 * (chunks - 1)


@pytest.mark.parametrize("announce_length", [True, False])
def test_huge_body_is_streamed(
    gh: FakeGitHub, http: requests.Session, *, announce_length: bool
) -> None:
    size = 20 * 1024 * 1024
    gh.hostile.huge_body(GRANTS, size_bytes=size, announce_length=announce_length)
    with get(http, gh, PAGED, stream=True) as response:
        assert ("Content-Length" in response.headers) is announce_length
        received = sum(len(chunk) for chunk in response.iter_content(1024 * 1024))
    assert received == size


def test_header_block_that_never_ends(gh: FakeGitHub) -> None:
    gh.hostile.endless_headers(GRANTS)
    token = gh.mint_token_for("acme")
    with socket.create_connection(("127.0.0.1", int(gh.url.rsplit(":", 1)[1])), timeout=5) as s:
        s.sendall(
            f"GET {PAGED} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
        )
        received = b""
        while len(received) < 1024 * 1024:
            received += s.recv(65536)
    head = received.split(b"\r\n")
    assert head[0] == b"HTTP/1.1 200 OK"
    assert b"\r\n\r\n" not in received, "a megabyte of headers, and no end"


def test_broken_records_are_served_as_scripted(gh: FakeGitHub, http: requests.Session) -> None:
    gh.hostile.break_record("ACME", 35, token_last_used_at="yesterday", id="35")
    gh.hostile.break_record("acme", 34, owner=None, remove=("token_name",))
    rows = get(http, gh, PAGED).json()
    assert (rows[0]["id"], rows[0]["token_last_used_at"]) == ("35", "yesterday")
    assert rows[1]["owner"] is None
    assert "token_name" not in rows[1]
    assert "token_name" in rows[2]
    globex = gh.org("globex")
    assert all(isinstance(g.id, int) for g in globex.grants), "only acme's records are broken"
