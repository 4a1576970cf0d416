"""Deterministic, realistic organizations full of PAT grants and requests (fast at 100k)."""

from __future__ import annotations

import gc
import random
import time
import zlib
from datetime import datetime
from typing import Any

from tests.fake_github import shapes
from tests.fake_github.governance_data import GovernanceOptions, attach_governance
from tests.fake_github.records import Grant, Org, PatRequest, R
from tests.fake_github.timestamps import format_offset, format_utc

DAY = 86_400
_FIRST = ("ada", "bo", "chen", "dana", "eli", "fatima", "gus", "hana", "ivan", "jo", "kai", "lena")
_LAST = ("smith", "ng", "garcia", "okafor", "rossi", "kim", "novak", "silva", "berg", "khan")
_WORDS = ("api", "web", "infra", "data", "billing", "auth", "mobile", "docs", "ml", "search")
_KINDS = ("service", "frontend", "terraform", "pipeline", "worker", "sdk", "dashboard", "cli")
_TOKEN_NAMES = ("ci-deploy", "laptop", "terraform", "release-bot", "backup", "dependabot-sync")
_REASONS = ("Need to automate releases", "Migrating CI to GitHub Actions", None, "Audit script")
_LANGUAGES = ("Python", "Go", "TypeScript", "Rust", "Java", None)
_OFFSETS = (-420, -480, -300, 0, 60, 120, 330, 540)
_LIFETIMES = (7, 30, 60, 90, 180, 366)
_REPO_PERMISSIONS = (
    ("contents", ("read", "write")),
    ("issues", ("read", "write")),
    ("pull_requests", ("read", "write")),
    ("administration", ("read", "write")),
    ("actions", ("read", "write")),
    ("workflows", ("write",)),
    ("secrets", ("read", "write")),
    ("deployments", ("read", "write")),
    ("environments", ("read", "write")),
    ("statuses", ("read",)),
    ("checks", ("read", "write")),
)
_ORG_PERMISSIONS = (
    ("members", ("read", "write")),
    ("administration", ("read", "write")),
    ("organization_projects", ("read", "write", "admin")),
    ("organization_secrets", ("read", "write")),
    ("team_discussions", ("read",)),
)
_OTHER_PERMISSIONS = (("gists", ("read", "write")), ("followers", ("read",)))
_SELECTIONS = ("subset", "all", "none")

Table = tuple[tuple[str, tuple[str, ...]], ...]
Permissions = dict[str, dict[str, str]]


def stable_id(login: str, salt: str, low: int, span: int) -> int:
    """A numeric id that depends only on the login (orgs added to the server never collide)."""
    return low + zlib.crc32(f"{salt}:{login.lower()}".encode()) % span


def new_org(login: str) -> Org:
    """An empty organization with the App installed and PAT-reading permissions."""
    return Org(
        login=login,
        id=stable_id(login, "org", 1_000_000, 90_000_000),
        installation_id=stable_id(login, "installation", 10_000_000, 80_000_000),
    )


def _timestamp(draw: float, epoch: float) -> str:
    # GitHub mixes both styles; the PAT endpoints' own examples use offset + millis.
    if draw < 0.5:
        return format_utc(epoch)
    return format_offset(epoch, _OFFSETS[int((draw - 0.5) * 2 * len(_OFFSETS))])


def _pick(rng: random.Random, table: Table, k: int) -> dict[str, str]:
    return {name: rng.choice(levels) for name, levels in rng.sample(table, k)}


def _permission_templates(rng: random.Random, selection: str) -> list[Permissions]:
    """A pool of permission sets per selection; records copy one (fast at 100k records)."""
    pool = []
    for _ in range(64):
        permissions: Permissions = {}
        if rng.random() < 0.5 or selection == "none":
            permissions["organization"] = _pick(rng, _ORG_PERMISSIONS, rng.randint(1, 2))
        if selection != "none":
            repository = {"metadata": "read"}
            repository.update(_pick(rng, _REPO_PERMISSIONS, rng.randint(0, 4)))
            permissions["repository"] = repository
        if rng.random() < 0.1:
            permissions["other"] = _pick(rng, _OTHER_PERMISSIONS, 1)
        pool.append(permissions)
    return pool


class _Generator:
    """Shared pools (owners, repositories, permission sets) and the per-record randomness.

    Per-record code calls only `rng.random()` (C speed); `choice`/`randint`/`sample` are
    pure Python and would make 100,000 records take many seconds.
    """

    def __init__(self, org: Org, rng: random.Random, now: float, n_records: int) -> None:
        self.rng = rng
        self.now = now
        account = shapes.organization_account(org.login, org.id)
        self.users = [
            shapes.user(f"{rng.choice(_FIRST)}-{rng.choice(_LAST)}-{n}", 5_000_000 + n * 7 + 3)
            for n in range(max(3, min(n_records // 4, 4_000)))
        ]
        self.repos = [self._repository(account, n) for n in range(max(150, min(2_000, n_records)))]
        self.permissions = {s: _permission_templates(rng, s) for s in _SELECTIONS}
        self.next_token_id = 90_000_000 + rng.randrange(1_000_000)
        self.subsets = 0

    def _repository(self, account: dict[str, Any], n: int) -> dict[str, Any]:
        created = self.now - self.rng.uniform(30 * DAY, 2_000 * DAY)
        pushed = self.rng.uniform(created, self.now)
        return shapes.repository(
            account,
            f"{self.rng.choice(_WORDS)}-{self.rng.choice(_KINDS)}-{n}",
            300_000_000 + n * 11 + 5,
            private=self.rng.random() < 0.8,
            language=self.rng.choice(_LANGUAGES),
            topics=self.rng.sample(_WORDS, self.rng.randint(0, 3)),
            created_at=format_utc(created),
            pushed_at=format_utc(pushed),
            updated_at=format_utc(pushed),
            stars=self.rng.randint(0, 300),
            forks=self.rng.randint(0, 40),
            size=self.rng.randint(10, 500_000),
        )

    def below(self, n: int) -> int:
        """A uniform integer in [0, n)."""
        return int(self.rng.random() * n)

    def subset(self) -> list[dict[str, Any]]:
        # Every 40th subset token sees > 100 repositories, so repository paging matters.
        self.subsets += 1
        count = 101 + self.below(50) if self.subsets % 40 == 1 else 1 + self.below(12)
        count = min(count, len(self.repos))
        start = self.below(len(self.repos) - count + 1)
        return self.repos[start : start + count]

    def record_fields(self, selection: str, start: float) -> dict[str, Any]:
        """Everything but the id and the sort timestamp of one grant or request."""
        random_ = self.rng.random
        self.next_token_id += 1 + self.below(50)
        expires = None
        if random_() >= 0.2:
            expires = start + _LIFETIMES[self.below(len(_LIFETIMES))] * DAY
        used_until = self.now if expires is None else min(self.now, expires)
        last_used = None
        if random_() >= 0.25:
            last_used = start + random_() * max(0.0, used_until - start)
        name = _TOKEN_NAMES[self.below(len(_TOKEN_NAMES))]
        if random_() < 0.5:
            name = f"{name}-{2 + self.below(98)}"
        template = self.permissions[selection][self.below(64)]
        return {
            "owner": self.users[int(len(self.users) * random_() ** 2)],
            "repository_selection": selection,
            "permissions": {kind: dict(levels) for kind, levels in template.items()},
            "token_id": self.next_token_id,
            "token_name": name,
            "token_expired": expires is not None and expires < self.now,
            "token_expires_at": None if expires is None else _timestamp(random_(), expires),
            "token_last_used_at": None if last_used is None else _timestamp(random_(), last_used),
            "repositories": self.subset() if selection == "subset" else [],
        }

    def selection(self, subset_fraction: float) -> str:
        """Mostly `subset` or `all`; a few `none` (organization permissions only)."""
        draw = self.rng.random()
        if draw < subset_fraction:
            return "subset"
        return "none" if draw > 1 - (1 - subset_fraction) * 0.15 else "all"


def _build(cls: type[R], fields: dict[str, Any]) -> R:
    # Skips the change-tracking __setattr__ (11 calls per record) for freshly made records.
    record = cls.__new__(cls)
    record.__dict__.update(fields)
    return record


def generate_org(
    login: str,
    n_grants: int,
    n_requests: int = 0,
    seed: int = 0,
    subset_fraction: float = 0.5,
    now: float | datetime | None = None,
    *,
    governance: GovernanceOptions | None = None,
) -> Org:
    """An organization with `n_grants` grants and `n_requests` pending requests.

    The same (login, seed, now) always gives the same data; `now` (epoch seconds or an aware
    datetime) defaults to today's UTC midnight: stable within a day, realistic expiry.
    Members, credential authorizations and audit events (`governance`: the knobs, Enterprise
    Cloud and SAML on by default) come from a random stream of their own, built on first use.
    """
    if now is None:
        now = float(int(time.time()) // DAY * DAY)
    elif isinstance(now, datetime):
        now = now.timestamp()
    # The cyclic GC would rescan the growing heap hundreds of times (2.5x slower at 100k).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        org = _generate(
            login,
            n_grants,
            n_requests,
            seed=f"{login.lower()}:{seed}",
            subset_fraction=subset_fraction,
            now=now,
        )
    finally:
        if gc_was_enabled:
            gc.enable()
    attach_governance(org, seed=seed, now=now, options=governance)
    return org


def _generate(
    login: str, n_grants: int, n_requests: int, *, seed: str, subset_fraction: float, now: float
) -> Org:
    org = new_org(login)
    rng = random.Random(seed)
    gen = _Generator(org, rng, now, n_grants + n_requests)
    grants = []
    grant_id = 1_000 + rng.randrange(100_000)
    for _ in range(n_grants):
        grant_id += 1 + gen.below(20)
        granted = now - DAY / 24 - rng.random() * 730 * DAY
        fields = gen.record_fields(gen.selection(subset_fraction), granted)
        fields.update(id=grant_id, access_granted_at=_timestamp(rng.random(), granted))
        grants.append(_build(Grant, fields))
    requests = []
    request_id = 500 + rng.randrange(100_000)
    for _ in range(n_requests):
        request_id += 1 + gen.below(20)
        created = now - DAY / 24 - rng.random() * 60 * DAY
        fields = gen.record_fields(gen.selection(subset_fraction), created)
        reason = _REASONS[gen.below(len(_REASONS))]
        fields.update(id=request_id, reason=reason, created_at=_timestamp(rng.random(), created))
        requests.append(_build(PatRequest, fields))
    org.grants.extend(grants)
    org.requests.extend(requests)
    return org
