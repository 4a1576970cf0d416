"""Profile the tap at 20,000 grants with py-spy and say where the time goes.

`python -m benchmark.profile [--grants N] [--orgs K] [--out DIR]` (needs `pip install py-spy`).
Writes DIR/profile.txt (collapsed stacks; with --all-formats also profile.svg, a flame graph,
and profile.speedscope.json) and prints the share of on-CPU samples in each part of the run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from benchmark.world import grants_only, write_config
from tests.fake_github import FakeGitHub, generate_org

TAP = str(Path(sys.executable).with_name("tap-github-pat-grants"))
RATE = 250  # samples per second (py-spy drops idle samples: shares are of on-CPU time)

# (label, a substring of a py-spy frame "function (file:line)"). Each sample counts once, for
# the deepest frame that matches; samples matching nothing are SDK loop or start-up.
PARTS: tuple[tuple[str, str], ...] = (
    ("start-up: imports", "_find_and_load"),
    ("writer: flush after every message (MsgSpecWriter)", "contrib/msgspec.py:112"),
    ("writer: message to JSON line (msgspec)", "write_message"),
    ("type conformance (conform_record_data_types)", "conform_record_data_types"),
    ("selection mask walk (pop_deselected_record_properties)", "pop_deselected_record_properties"),
    ("post_process: org + to_utc_z timestamps", "post_process"),
    ("metrics log lines (METRIC http_request_duration, counters)", "_log_metric"),
    ("HTTP: decode + checks (validate_response, msgspec)", "validate_response"),
    ("HTTP: requests/urllib3 round trip, Link paging", "_request "),
    ("HTTP: building the next request (SDK)", "_prepare_request"),
    ("state: _increment_stream_state", "_increment_stream_state"),
    ("App auth: JWT, installation token", "tap_github_pat_grants/auth.py"),
)
SYNC_LOOP = "Stream._sync_records"


def _flame_parts(collapsed: Path) -> tuple[Counter[str], int]:
    """Samples per part and the total, from py-spy's collapsed stacks."""
    counts: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        counts[_part(stack.split(";"))] += int(count)
    return counts, total


def _part(frames: list[str]) -> str:
    for frame in reversed(frames):
        for label, needle in PARTS:
            if needle in frame:
                return label
    if any(SYNC_LOOP in frame for frame in frames):
        return "SDK sync loop: generators, per-record bookkeeping"
    return "start-up: CLI, config checks, catalog, other"


def _record(argv: list[str], out: Path, fmt: str) -> None:
    pyspy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    command = [pyspy, "record", "--rate", str(RATE), "--format", fmt, "-o", str(out), "--"]
    with out.with_suffix(".stderr.log").open("wb") as stderr:  # a terminal would slow logging
        subprocess.run(command + argv, check=True, stdout=subprocess.DEVNULL, stderr=stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the tap under py-spy against the fake server and print the breakdown."""
    parser = argparse.ArgumentParser(prog="python -m benchmark.profile", description=__doc__)
    parser.add_argument("--grants", type=int, default=20_000, help="grants per organization")
    parser.add_argument("--orgs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "tap-profile")
    parser.add_argument(
        "--all-formats", action="store_true", help="also a flame graph SVG and speedscope JSON"
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with FakeGitHub(rate_limit=10**9) as gh:
        logins = [f"profile-{n:02d}" for n in range(args.orgs)]
        for login in logins:
            gh.add_org(generate_org(login, args.grants, seed=1, subset_fraction=0))
        config, catalog = args.out / "config.json", args.out / "catalog.json"
        write_config(config, gh, logins)
        discovered = subprocess.run(
            [TAP, "--config", str(config), "--discover"], check=True, capture_output=True
        ).stdout
        catalog.write_text(json.dumps(grants_only(json.loads(discovered))))
        tap = [TAP, "--config", str(config), "--catalog", str(catalog)]
        _record(tap, args.out / "profile.txt", "raw")
        if args.all_formats:
            _record(tap, args.out / "profile.svg", "flamegraph")
            _record(tap, args.out / "profile.speedscope.json", "speedscope")
    counts, total = _flame_parts(args.out / "profile.txt")
    print(f"{args.orgs} org(s) x {args.grants:,} grants, {total} samples at {RATE} Hz\n")
    print("| part | share |\n| --- | --- |")
    for label, samples in counts.most_common():
        print(f"| {label} | {100 * samples / total:.1f} % |")
    print(f"\ncollapsed stacks: {args.out / 'profile.txt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
