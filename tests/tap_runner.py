"""Run the tap in-process or as its real CLI and collect the Singer messages it wrote."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tap_github_pat_grants.tap import TapGitHubPatGrants


@dataclass
class TapRun:
    """What one run wrote: every message, plus the error that ended it (if any)."""

    messages: list[dict[str, Any]]
    error: BaseException | None = None
    stderr: str = ""
    returncode: int = 0
    tap: TapGitHubPatGrants | None = field(default=None, repr=False)

    def records(self, stream: str = "pat_grants") -> list[dict[str, Any]]:
        return [
            m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream
        ]

    @property
    def states(self) -> list[dict[str, Any]]:
        return [m["value"] for m in self.messages if m["type"] == "STATE"]

    @property
    def last_state(self) -> dict[str, Any] | None:
        return self.states[-1] if self.states else None

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == kind]


def parse_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def run_tap(
    config: dict[str, Any],
    *,
    state: dict[str, Any] | None = None,
    catalog: dict[str, Any] | None = None,
    tap_class: type[TapGitHubPatGrants] = TapGitHubPatGrants,
) -> TapRun:
    """Run `sync_all` in this process, stdout captured; errors are returned, not raised."""
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="utf-8")
    error: BaseException | None = None
    tap = None
    with contextlib.redirect_stdout(stdout):
        try:
            tap = tap_class(config=config, state=state, catalog=catalog)
            tap.sync_all()
        except Exception as exc:  # the test decides what was expected
            error = exc
        stdout.flush()
    return TapRun(parse_lines(raw.getvalue().decode()), error=error, tap=tap)


def run_cli(
    args: list[str],
    *,
    config: dict[str, Any] | None = None,
    state: dict[str, Any] | None = None,
    catalog: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    transient_base_wait: float | None = None,
) -> TapRun:
    """Run the installed console script, as Meltano does.

    `transient_base_wait` runs the same entry point with the backoff before each retry of a
    transient fault shrunk to that base (seconds), so six tries take moments, not a minute.
    """
    with tempfile.TemporaryDirectory() as folder:
        argv = [str(Path(sys.executable).with_name("tap-github-pat-grants")), *args]
        if transient_base_wait is not None:
            argv = [sys.executable, "-c", _SHORT_BACKOFF, str(transient_base_wait), *args]
        for flag, value in (("--config", config), ("--state", state), ("--catalog", catalog)):
            if value is not None:
                path = Path(folder) / f"{flag[2:]}.json"
                path.write_text(json.dumps(value))
                argv += [flag, str(path)]
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
            check=False,
        )
    try:
        messages = parse_lines(done.stdout)
    except json.JSONDecodeError:  # --discover prints one indented document
        messages = [json.loads(done.stdout)]
    return TapRun(messages, stderr=done.stderr, returncode=done.returncode)


_SHORT_BACKOFF = (
    "import sys; from tap_github_pat_grants import http_policy; "
    "http_policy.TRANSIENT_BASE_WAIT = float(sys.argv.pop(1)); "
    "from tap_github_pat_grants.__main__ import main; main()"
)
