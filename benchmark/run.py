"""Run every scenario against one in-process fake GitHub and report (see README.md)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmark import report
from benchmark.measure import Run, checked
from benchmark.world import (
    Scenario,
    expected,
    grants_only,
    populate,
    records_written,
    write_config,
)
from tests.fake_github import FakeGitHub

LATENCY_SECONDS = 0.15
TIMEOUT_SECONDS = 900
STARTUP_REPEAT = 3
SHORT_LATENCY_RUN_SECONDS = 10.0
TAP = str(Path(sys.executable).with_name("tap-github-pat-grants"))


@dataclass
class Row:
    """One scenario's measurements (the best of its repeats; None: not measured)."""

    scenario: Scenario
    records: int
    min_requests: int
    tap: Run
    requests: int
    raw: Run | None = None
    latency: Run | None = None
    latency_requests: int = 0


def _best(runs: list[Run]) -> Run:
    return min(runs, key=lambda run: run.wall)


class Bench:
    """The fake server, scratch files, and how to run the tap and the raw loop against it."""

    def __init__(self, gh: FakeGitHub, scratch: Path) -> None:
        self.gh = gh
        self.scratch = scratch
        self.stderr = scratch / "stderr.log"
        write_config(scratch / "discover.json", gh, ["bench-empty"])
        discovered = scratch / "catalog-all.json"
        checked(
            [TAP, "--config", str(scratch / "discover.json"), "--discover"],
            timeout=TIMEOUT_SECONDS,
            stderr_path=self.stderr,
            stdout_path=discovered,
        )
        catalog = json.loads(discovered.read_text(encoding="utf-8"))
        (scratch / "catalog-grants.json").write_text(json.dumps(grants_only(catalog)))

    def tap(self, scenario: Scenario, *, latency: float = 0.0) -> tuple[Run, int]:
        """One tap run (its records checked) and the requests it made."""
        config = self.scratch / "config.json"
        write_config(config, self.gh, scenario.orgs)
        catalog = "catalog-all.json" if scenario.all_streams else "catalog-grants.json"
        tap = (
            [sys.executable, "-m", "benchmark.sdk_record_path"]
            if scenario.sdk_record_path
            else [TAP]
        )
        argv = [*tap, "--config", str(config), "--catalog", str(self.scratch / catalog)]
        self.gh.reset_log()
        self.gh.latency_seconds = latency
        try:
            run = checked(argv, timeout=TIMEOUT_SECONDS, stderr_path=self.stderr)
        finally:
            self.gh.latency_seconds = 0.0
        records, _ = expected(self.gh, scenario)
        written = records_written(self.stderr.read_text(encoding="utf-8"))
        if written != records:
            msg = f"{scenario.name}: the tap wrote {written} records, expected {records}"
            raise RuntimeError(msg)
        return run, len(self.gh.requests_log)

    def raw(self, scenario: Scenario) -> Run:
        """One run of the plain requests + json loop over the same grants."""
        spec = {
            "api_url": self.gh.url,
            "version": int(time.time()),
            "orgs": {login: self.gh.mint_token_for(login) for login in scenario.orgs},
        }
        path = self.scratch / "raw.json"
        path.write_text(json.dumps(spec), encoding="utf-8")
        argv = [sys.executable, "-m", "benchmark.raw_loop", str(path)]
        run = checked(argv, timeout=TIMEOUT_SECONDS, stderr_path=self.stderr)
        records, _ = expected(self.gh, scenario)
        if f"raw loop: {records} records" not in self.stderr.read_text(encoding="utf-8"):
            msg = f"{scenario.name}: the raw loop did not write {records} records"
            raise RuntimeError(msg)
        return run

    def about_seconds(self) -> float:
        """Median wall time of `tap-github-pat-grants --about` (imports + CLI, no network)."""
        argv = [TAP, "--about"]
        runs = [checked(argv, timeout=60, stderr_path=self.stderr).wall for _ in range(5)]
        return statistics.median(runs)

    def measure(self, scenario: Scenario, repeat: int, *, latency: float) -> Row:
        """Tap and raw loop interleaved `repeat` times (best of each), then the latency run(s)."""
        records, min_requests = expected(self.gh, scenario)
        taps, raws, requests = [], [], set()
        for _ in range(repeat):
            run, made = self.tap(scenario)
            taps.append(run)
            requests.add(made)
            if scenario.with_raw:
                raws.append(self.raw(scenario))
        row = Row(scenario, records, min_requests, _best(taps), max(requests))
        row.raw = _best(raws) if raws else None
        if latency:
            print(f"  ... at {latency * 1000:.0f} ms per response", file=sys.stderr)
            # Short latency runs are repeated too: start-up noise is a large part of them.
            short = min_requests * latency < SHORT_LATENCY_RUN_SECONDS
            slow = [self.tap(scenario, latency=latency) for _ in range(repeat if short else 1)]
            row.latency, row.latency_requests = min(slow, key=lambda run: run[0].wall)
        return row


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmark", description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    parser.add_argument("--skip-100k", action="store_true", help="leave out 100,000 grants")
    parser.add_argument(
        "--latency-100k",
        action="store_true",
        help="also run 100,000 grants at 150 ms per response (adds about 150 s)",
    )
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite README.md")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Measure every scenario, print the table, write it into benchmark/README.md."""
    args = _arguments(argv)
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    commit_before = report.tap_commit()
    with FakeGitHub(rate_limit=10**9) as gh, tempfile.TemporaryDirectory() as tmp:
        print("generating organizations ...", file=sys.stderr)
        scenarios = populate(gh, include_100k=not args.skip_100k)
        bench = Bench(gh, Path(tmp))  # its --discover run also warms the file cache
        about = bench.about_seconds()
        rows = []
        for scenario in scenarios:
            print(f"running {scenario.name} ...", file=sys.stderr)
            startup = not scenario.with_raw and not scenario.all_streams
            repeat = STARTUP_REPEAT if startup else max(1, args.repeat)
            slow = scenario.with_latency or (args.latency_100k and "100k" in scenario.orgs[0])
            rows.append(bench.measure(scenario, repeat, latency=LATENCY_SECONDS if slow else 0))
    loads = (load_before, os.getloadavg()[0])
    commit = report.tap_commit()
    if commit != commit_before:
        commit = f"{commit_before} at the start, {commit} at the end (changed during the run)"
    text = report.render(
        rows, about, LATENCY_SECONDS, loads, commit, latency_100k=args.latency_100k
    )
    print(text)
    print(f"\n(benchmark took {time.perf_counter() - started:.0f} s)", file=sys.stderr)
    if not args.no_readme:
        report.update_readme(text)
    return 0
