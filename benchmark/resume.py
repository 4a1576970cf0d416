"""`python -m benchmark --resume`: a full read split over two rate-limit windows, against one.

One organization (`--grants`, half of them `subset`, so the repository lists cost a request
each) is read three times by the tap's CLI against the in-process fake GitHub, state-less
(a full read): once uninterrupted; then with the installation's budget cut to `--budget` of the
uninterrupted read's requests and its reset two hours away, so the run stops with its one line;
then again from that run's last STATE after the window reset. Requests come from the fake's
log, seconds from the child (`measure.py`), STATE sizes from the tap's stdout. The table goes
to stdout and between the `resume` markers of benchmark/README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmark import report
from benchmark.measure import Run, run
from benchmark.world import write_config
from tests.fake_github import FakeGitHub, generate_org

TAP = str(Path(sys.executable).with_name("tap-github-pat-grants"))
ORG = "bench-resume"
SELECTED = ("pat_grants", "pat_grant_repositories")
README = Path(__file__).with_name("README.md")
START, END = "<!-- resume:start -->", "<!-- resume:end -->"


@dataclass(frozen=True)
class Part:
    """One tap run: what it cost, and what it wrote."""

    name: str
    run: Run
    requests: int
    records: int
    states: list[str]  # the STATE lines, as written

    @property
    def last_state(self) -> dict[str, object]:
        return json.loads(self.states[-1])["value"]


def _catalog(scratch: Path, gh: FakeGitHub) -> Path:
    write_config(scratch / "config.json", gh, [ORG])
    out = scratch / "catalog.json"
    run([TAP, "--config", str(scratch / "config.json"), "--discover"], timeout=120,
        stderr_path=scratch / "stderr.log", stdout_path=out)  # fmt: skip
    catalog = json.loads(out.read_text(encoding="utf-8"))
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = stream["tap_stream_id"] in SELECTED
    out.write_text(json.dumps(catalog), encoding="utf-8")
    return out


def _part(name: str, gh: FakeGitHub, scratch: Path, state: dict[str, object] | None) -> Part:
    argv = [
        TAP,
        "--config",
        str(scratch / "config.json"),
        "--catalog",
        str(scratch / "catalog.json"),
    ]
    if state is not None:
        (scratch / "state.json").write_text(json.dumps(state), encoding="utf-8")
        argv += ["--state", str(scratch / "state.json")]
    gh.reset_log()
    out = scratch / "out.jsonl"
    result = run(argv, timeout=3_600, stderr_path=scratch / "stderr.log", stdout_path=out)
    lines = out.read_text(encoding="utf-8").splitlines()
    records = sum(line.startswith('{"type":"RECORD","stream":"pat_') for line in lines)
    states = [line for line in lines if line.startswith('{"type":"STATE"')]
    return Part(name, result, len(gh.requests_log), records, states)


def measure(grants: int, budget_share: float, latency: float) -> tuple[list[Part], str]:
    """The three runs, and the stopped run's last stderr line."""
    with FakeGitHub(rate_limit=10**9) as gh, tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        gh.add_org(generate_org(ORG, grants, seed=22, subset_fraction=0.5))
        _catalog(scratch, gh)
        gh.latency_seconds = latency
        whole = _part("one uninterrupted read", gh, scratch, None)
        gh.set_rate_limit(
            remaining=int(whole.requests * budget_share), reset_at=time.time() + 7_200
        )
        stopped = _part("run 1: stops at the budget", gh, scratch, None)
        line = stopped.run.stderr_tail.splitlines()[-1] if stopped.run.stderr_tail else ""
        gh.set_rate_limit(remaining=10**9)
        resumed = _part(
            "run 2: the next window, from run 1's STATE", gh, scratch, stopped.last_state
        )
    if stopped.run.returncode == 0 or resumed.run.returncode != 0:
        msg = f"expected a stop, then a completion:\n{line}"
        raise RuntimeError(msg)
    return [whole, stopped, resumed], line


def render(parts: list[Part], line: str, grants: int, share: float, latency: float) -> str:
    """The table and what it shows."""
    whole, stopped, resumed = parts
    rows = [
        "| run | requests | records | wall s | CPU s | STATE lines | largest STATE |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for part in parts:
        largest = max((len(state) for state in part.states), default=0)
        rows.append(
            f"| {part.name} | {part.requests:,} | {part.records:,} | {part.run.wall:.1f} | "
            f"{part.run.cpu:.1f} | {len(part.states)} | {largest / 1024:.1f} KiB |"
        )
    split = stopped.requests + resumed.requests
    seconds = stopped.run.wall + resumed.run.wall
    head = (
        f"Tap at commit {report.tap_commit()}: {grants:,} grants (half `subset`), "
        f"{latency * 1000:.0f} ms per response, run 1's budget {share:.0%} of one read's requests."
    )
    summary = (
        f"- split over two windows: {split:,} requests ({split / whole.requests - 1:+.1%} against "
        f"one read), {seconds:.1f} s ({seconds / whole.run.wall:.2f}x)"
    )
    stop = f"- run 1's last line: `{line.split('error: ', 1)[-1]}`"
    return "\n".join([head, "", *rows, "", summary, stop])


def main(argv: list[str] | None = None) -> int:
    """Measure, print, write into benchmark/README.md."""
    parser = argparse.ArgumentParser(prog="python -m benchmark --resume", description=__doc__)
    parser.add_argument("--resume", action="store_true", help="this mode")
    parser.add_argument("--grants", type=int, default=4_000, help="grants in the organization")
    parser.add_argument("--budget", type=float, default=0.6, help="run 1's share of one read")
    parser.add_argument("--latency-ms", type=float, default=0, help="added to every response")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite README.md")
    args = parser.parse_args(argv)
    parts, line = measure(args.grants, args.budget, args.latency_ms / 1000)
    text = render(parts, line, args.grants, args.budget, args.latency_ms / 1000)
    print(text)
    if not args.no_readme:
        readme = README.read_text(encoding="utf-8")
        before, _, rest = readme.partition(START)
        after = rest.partition(END)[2]
        README.write_text(f"{before}{START}\n{text}\n{END}{after}", encoding="utf-8")
    return 0
