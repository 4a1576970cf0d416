"""Run the fake GitHub in the foreground for the local demo (until SIGTERM/SIGINT)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from tests.fake_github.data import generate_org
from tests.fake_github.fake import FakeGitHub
from tests.fake_github.governance import GOVERNANCE_PERMISSIONS

if TYPE_CHECKING:
    from types import FrameType


def _org_spec(text: str) -> tuple[str, int]:
    login, _, count = text.partition("=")
    if not login or not count.isdigit():
        msg = f"expected LOGIN=N_GRANTS, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return login, int(count)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_github", description=__doc__)
    parser.add_argument("--org", action="append", type=_org_spec, default=[], metavar="LOGIN=N")
    parser.add_argument("--requests", type=int, default=0, help="pending PAT requests per org")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--port", type=int, default=0, help="0: let the OS choose")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per response")
    parser.add_argument("--token-ttl", type=float, default=3600.0)
    parser.add_argument(
        "--governance-permissions",
        action="store_true",
        help="also grant Administration and Members (read): audit log, SSO credentials, members",
    )
    parser.add_argument("--write-config", type=Path, metavar="PATH", help="tap config (0600)")
    parser.add_argument(
        "--control-dir",
        type=Path,
        metavar="DIR",
        help="revoke grants while serving: write 'ORG GRANT_ID' lines to DIR/revoke",
    )
    return parser.parse_args(argv)


def _apply_revocations(control_dir: Path, gh: FakeGitHub) -> None:
    """Revoke the grants listed in DIR/revoke (as an org owner would); say so in DIR/revoked."""
    request = control_dir / "revoke"
    if not request.is_file():
        return
    done = []
    for line in request.read_text(encoding="utf-8").splitlines():
        login, _, grant_id = line.strip().partition(" ")
        org = gh.find_org(login)
        grant = next((g for g in org.grants if str(g.id) == grant_id), None) if org else None
        if org is not None and grant is not None:
            org.grants.remove(grant)
            done.append(f"{org.login} {grant.id} revoked")
        else:
            done.append(f"{login} {grant_id} not found")
    request.unlink()
    (control_dir / "revoked").write_text("\n".join(done) + "\n", encoding="utf-8")


def _write_config(path: Path, gh: FakeGitHub) -> None:
    config = {
        "api_url": gh.url,
        "app_id": gh.app_id,
        "private_key": gh.private_key_pem,
        "organizations": [org.login for org in gh.orgs.values()],
    }
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # also when the file already existed with wider permissions
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(config, file, indent=2)
        file.write("\n")


def main(argv: list[str] | None = None) -> int:
    """Serve the generated organizations until asked to stop."""
    args = _arguments(argv)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with FakeGitHub(
        token_ttl_seconds=args.token_ttl, latency_seconds=args.latency, port=args.port
    ) as gh:
        for login, n_grants in args.org:
            org = gh.add_org(
                generate_org(login, n_grants, n_requests=args.requests, seed=args.seed)
            )
            if args.governance_permissions:
                org.permissions = {**org.permissions, **GOVERNANCE_PERMISSIONS}
        if args.write_config:
            _write_config(args.write_config, gh)
        sys.stdout.write(f"FAKE GITHUB (local demo) listening on {gh.url}\n")
        sys.stdout.flush()
        while not stop.wait(0.2):
            if args.control_dir:
                _apply_revocations(args.control_dir, gh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
