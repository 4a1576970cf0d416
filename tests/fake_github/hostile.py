"""Hostile answers: what a misbehaving GitHub, proxy or middlebox sends (`gh.hostile`).

Like `gh.faults`, each behaviour matches paths by regex (`re.search`, so `/orgs/globex/`
limits it to one org) and fires on matching requests `nth` .. `nth + times - 1` (counted from
1; `times=None`: for ever). Paging behaviours also name the page they act on and only count
requests for that page. The first rule due answers; otherwise the request is served normally.

Paging (a list page answered normally, then changed):
- `next_leads_back(p, on_page=2, to_page=1)`: that page's `next` link points back;
- `repeats_previous_page(p, on_page=2)`: that page holds the previous page's rows;
- `announces_last(p, last_page=1)`: every page's `rel="last"` says `last_page` pages;
- `short_page(p, on_page=1, rows=0)`: that page holds only `rows` rows, `next` still promised;
- `ends_early(p, on_page=2)`: that page has no `next`/`last`, before the announced last page.

Redirects: `redirect(p, location, status=301)` answers a redirect to `location` (a path on
this server, or another server's URL), the query kept; paths under `/moved` are served as the
path without it, so `redirect(p, "/moved" + path)` moves a list within the origin.
`redirect_loop(p)` sends `path` to `/moved/path` and back, for ever.

Bodies: `html_page(p)` (200 `text/html`, a captive portal), `wrong_shape(p, payload)` (JSON
of another shape), `trickle(p, chunk_bytes, interval_seconds)` (the real body, slowly),
`huge_body(p, size_bytes, announce_length)` (streamed, never built in memory),
`endless_headers(p)` (a header block without end).

Records: `break_record(org, record_id, remove=(), listing=..., **fields)` overrides the JSON
served for one grant (or request: `listing="personal-access-token-requests"`), e.g.
`token_last_used_at="yesterday"`, `id="12"`, `owner=None`, `remove=("token_name",)`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from tests.fake_github import anomalies
from tests.fake_github.anomalies import Override, page_of, unmoved
from tests.fake_github.streamed import EndlessHeaders, Huge, Trickle

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.fake_github.responses import Response
    from tests.fake_github.routes import Request
    from tests.fake_github.world import World

    Answer = Callable[["World", "Request", anomalies.Serve], Response]

GRANTS = "personal-access-tokens"
_LIST = re.compile(
    r"/orgs/(?P<org>[^/]+)/(?P<listing>personal-access-tokens|personal-access-token-requests)$"
)


@dataclass
class Rule:
    """One hostile behaviour: which requests it matches, how often, and what it answers."""

    name: str
    pattern: re.Pattern[str]
    answer: Answer
    page: int | None = None
    nth: int = 1
    times: int | None = 1
    seen: int = 0
    fired: int = 0

    def matches(self, request: Request) -> bool:
        """The path matches (and the page, for paging rules)."""
        if self.pattern.search(request.path) is None:
            return False
        return self.page is None or page_of(request) == self.page


class Hostile:
    """The server's script of hostile answers and broken records."""

    def __init__(self) -> None:
        self.rules: list[Rule] = []
        self.broken: dict[tuple[str, str], dict[int, Override]] = {}
        self._lock = threading.Lock()

    def _add(self, name: str, pattern: str, answer: Answer, **when: Any) -> Rule:
        rule = Rule(name, re.compile(pattern), answer, **when)
        with self._lock:
            self.rules.append(rule)
        return rule

    # Paging.

    def next_leads_back(
        self, pattern: str, *, on_page: int = 2, to_page: int = 1, times: int | None = None
    ) -> Rule:
        """Page `on_page`'s `next` link leads back to `to_page`."""
        answer = _on_list(partial(anomalies.next_leads_back, to_page=to_page))
        return self._add("next_leads_back", pattern, answer, page=on_page, times=times)

    def repeats_previous_page(
        self, pattern: str, *, on_page: int = 2, times: int | None = None
    ) -> Rule:
        """Page `on_page` holds page `on_page - 1`'s rows."""
        answer = _on_list(anomalies.repeats_previous_page)
        return self._add("repeats_previous_page", pattern, answer, page=on_page, times=times)

    def announces_last(self, pattern: str, *, last_page: int = 1, times: int | None = None) -> Rule:
        """Every page's `rel="last"` announces `last_page` pages."""
        answer = _on_list(partial(anomalies.announces_last, last_page=last_page))
        return self._add("announces_last", pattern, answer, times=times)

    def short_page(
        self, pattern: str, *, on_page: int = 1, rows: int = 0, times: int | None = None
    ) -> Rule:
        """Page `on_page` holds only `rows` rows although its `Link` promises more."""
        answer = _on_list(partial(anomalies.short_page, rows=rows))
        return self._add("short_page", pattern, answer, page=on_page, times=times)

    def ends_early(self, pattern: str, *, on_page: int = 2, times: int | None = None) -> Rule:
        """Page `on_page` links no further, before the last page page 1 announced."""
        answer = _on_list(anomalies.ends_here)
        return self._add("ends_early", pattern, answer, page=on_page, times=times)

    # Redirects.

    def redirect(
        self,
        pattern: str,
        location: str,
        *,
        status: int = 301,
        nth: int = 1,
        times: int | None = 1,
    ) -> Rule:
        """Answer `status` redirecting to `location` (a path here, or a full URL)."""

        def answer(world: World, request: Request, _serve: anomalies.Serve) -> Response:
            return anomalies.redirect(request, world.base_url, location, status)

        return self._add(f"redirect_{status}", pattern, answer, nth=nth, times=times)

    def redirect_loop(self, pattern: str, *, status: int = 302) -> Rule:
        """`path` redirects to `/moved/path`, which redirects back to `path`, for ever."""

        def answer(world: World, request: Request, _serve: anomalies.Serve) -> Response:
            location = anomalies.toggled_location(request)
            return anomalies.redirect(request, world.base_url, location, status)

        return self._add("redirect_loop", pattern, answer, times=None)

    # Bodies.

    def html_page(
        self, pattern: str, *, status: int = 200, nth: int = 1, times: int | None = 1
    ) -> Rule:
        """A proxy's or captive portal's HTML page instead of GitHub's answer."""
        answer = _instead(lambda: anomalies.html_page(status))
        return self._add("html_page", pattern, answer, nth=nth, times=times)

    def wrong_shape(self, pattern: str, payload: object, *, times: int | None = 1) -> Rule:
        """JSON of another shape (e.g. an object where a list belongs)."""
        answer = _instead(lambda: anomalies.wrong_shape(payload))
        return self._add("wrong_shape", pattern, answer, times=times)

    def trickle(
        self,
        pattern: str,
        *,
        chunk_bytes: int = 64,
        interval_seconds: float = 0.2,
        times: int | None = 1,
    ) -> Rule:
        """The real answer, its body `chunk_bytes` every `interval_seconds`."""

        def answer(_world: World, request: Request, serve: anomalies.Serve) -> Response:
            served = serve(request)
            return Trickle(
                served.status,
                served.body,
                served.headers,
                chunk_bytes=chunk_bytes,
                interval_seconds=interval_seconds,
            )

        return self._add("trickle", pattern, answer, times=times)

    def huge_body(
        self,
        pattern: str,
        *,
        size_bytes: int = 32 * 1024 * 1024,
        announce_length: bool = True,
        times: int | None = 1,
    ) -> Rule:
        """A 200 JSON body of `size_bytes`, generated while it is written."""
        answer = _instead(lambda: Huge(200, size_bytes=size_bytes, announce_length=announce_length))
        return self._add("huge_body", pattern, answer, times=times)

    def endless_headers(
        self, pattern: str, *, interval_seconds: float = 0.0, times: int | None = 1
    ) -> Rule:
        """A 200 whose header block never ends."""
        answer = _instead(lambda: EndlessHeaders(200, interval_seconds=interval_seconds))
        return self._add("endless_headers", pattern, answer, times=times)

    # Records.

    def break_record(
        self,
        org: str,
        record_id: int,
        *,
        remove: tuple[str, ...] = (),
        listing: str = GRANTS,
        **fields: Any,
    ) -> None:
        """Serve record `record_id` of `org`'s `listing` with `fields` set and `remove` gone."""
        with self._lock:
            self.broken.setdefault((org.lower(), listing), {})[record_id] = (fields, remove)

    # The server's hook.

    def answer(self, world: World, request: Request, serve: anomalies.Serve) -> Response:
        """The answer to `request`: a due rule's, or the normal one; records broken as scripted."""
        rule = self._due(request)
        if rule is not None:
            response = rule.answer(world, request, serve)
            response.label = rule.name
        else:
            response = serve(unmoved(request))
        return self._with_broken_records(unmoved(request), response)

    def _due(self, request: Request) -> Rule | None:
        chosen = None
        with self._lock:
            for rule in self.rules:
                if not rule.matches(request):
                    continue
                rule.seen += 1
                due = rule.seen >= rule.nth and (rule.times is None or rule.fired < rule.times)
                if chosen is None and due:
                    rule.fired += 1
                    chosen = rule
        return chosen

    def _with_broken_records(self, request: Request, response: Response) -> Response:
        listed = _LIST.fullmatch(request.path)
        if listed is None or not self.broken:
            return response
        overrides = self.broken.get((listed["org"].lower(), listed["listing"]))
        return anomalies.break_records(response, overrides) if overrides else response

    def clear(self) -> None:
        """Forget every rule and broken record."""
        with self._lock:
            self.rules.clear()
            self.broken.clear()


def _on_list(change: Callable[[Request, anomalies.Serve], Response]) -> Answer:
    """A paging change, applied to the list this request stands for."""

    def answer(_world: World, request: Request, serve: anomalies.Serve) -> Response:
        return change(unmoved(request), serve)

    return answer


def _instead(make: Callable[[], Response]) -> Answer:
    """An answer that replaces GitHub's whatever the request."""

    def answer(_world: World, _request: Request, _serve: anomalies.Serve) -> Response:
        return make()

    return answer
