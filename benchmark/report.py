"""The results table, the targets it is judged against, and the README section it lands in."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmark.run import Row

README = Path(__file__).with_name("README.md")
START, END = "<!-- results:start -->", "<!-- results:end -->"
HEADER = (
    "| run | records | tap s | tap CPU s | tap rec/s | raw loop rec/s | tap / raw | requests (min) "
    "| tap peak RSS MiB | wall @{ms} ms | requests x {ms} ms + start-up | wall / that |"
)


def machine() -> str:
    """nproc, CPU model, Python and singer-sdk versions."""
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = found.group(1).strip() if found else cpu
    return (
        f"{len(os.sched_getaffinity(0))} CPUs (nproc), {cpu}, Python {platform.python_version()}, "
        f"singer-sdk {version('singer-sdk')}, msgspec {version('msgspec')}, "
        f"requests {version('requests')}"
    )


def tap_commit() -> str:
    """The commit the tap was measured at, `+dirty` when its package has uncommitted changes."""
    repo = README.parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "tap_github_pat_grants"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit}+dirty" if dirty else commit


def _rate(records: int, seconds: float) -> str:
    return f"{records / seconds:,.0f}" if records else "—"


def _row(row: Row, startup: float, latency: float) -> str:
    tap = row.tap
    raw = row.raw
    cells = [
        row.scenario.name,
        f"{row.records:,}",
        f"{tap.wall:.2f}",
        f"{tap.cpu:.2f}",
        _rate(row.records, tap.wall),
        _rate(row.records, raw.wall) if raw else "—",
        f"{raw.wall / tap.wall:.2f}" if raw else "—",
        f"{row.requests} ({row.min_requests})",
        f"{tap.peak_rss_mib:.1f}",
    ]
    if row.latency:
        floor = row.latency_requests * latency + startup
        cells += [f"{row.latency.wall:.1f}", f"{floor:.1f}", f"{row.latency.wall / floor:.2f}"]
    else:
        cells += ["—", "—", "—"]
    return "| " + " | ".join(cells) + " |"


def _targets(rows: list[Row], startup: float, latency: float) -> list[str]:
    by_org = {row.scenario.orgs: row for row in rows if not row.scenario.sdk_record_path}
    lines = []
    exact = all(r.requests == r.min_requests for r in rows) and all(
        r.latency_requests == r.min_requests for r in rows if r.latency
    )
    lines.append(f"- requests exactly the minimum in every run: {'met' if exact else 'MISSED'}")
    big, small = by_org.get(("bench-100k",)), by_org.get(("bench-2k",))
    if big and big.raw:
        ratio = big.raw.wall / big.tap.wall
        verdict = "met" if ratio >= 0.8 else "MISSED"
        lines.append(
            f"- throughput at 100,000 ≥ 0.8x the raw loop (aim 1.0): {ratio:.2f}, {verdict}"
        )
    if big and small:
        growth = big.tap.peak_rss_mib / small.tap.peak_rss_mib
        ok = growth <= 1.3 and big.tap.peak_rss_mib < 60
        lines.append(
            f"- peak RSS at 100,000 ≤ 1.3x that at 2,000 and < 60 MiB: {growth:.2f}x, "
            f"{big.tap.peak_rss_mib:.1f} MiB, {'met' if ok else 'MISSED'}"
        )
    lines += _record_path(rows, by_org)
    for row in rows:
        if row.latency:
            floor = row.latency_requests * latency + startup
            ok = row.latency.wall <= 1.1 * floor
            lines.append(
                f"- {row.scenario.name} at {latency * 1000:.0f} ms: wall within 10 % of "
                f"requests x latency + start-up: {row.latency.wall / floor:.2f}, "
                f"{'met' if ok else 'MISSED'}"
            )
    return lines


def _record_path(rows: list[Row], by_org: dict[tuple[str, ...], Row]) -> list[str]:
    """What the tap's record path buys over the SDK's, on the same grants."""
    sdk = next((row for row in rows if row.scenario.sdk_record_path), None)
    tap = by_org.get(sdk.scenario.orgs) if sdk else None
    if sdk is None or tap is None:
        return []
    per = 100_000 / tap.records
    ratios = ""
    if tap.raw and sdk.raw:
        ratios = (
            f"; tap / raw {tap.raw.wall / tap.tap.wall:.2f} against "
            f"{sdk.raw.wall / sdk.tap.wall:.2f}"
        )
    line = (
        f"- the tap's record path (its private `_generate_record_messages` hook): "
        f"{tap.tap.cpu * per:.2f} CPU s per 100,000 grants against {sdk.tap.cpu * per:.2f} "
        f"on the SDK's ({1 - tap.tap.cpu / sdk.tap.cpu:.0%} less){ratios}"
    )
    return [line]


def render(
    rows: list[Row],
    about: float,
    latency: float,
    loads: tuple[float, float],
    commit: str,
    *,
    latency_100k: bool,
) -> str:
    """Machine, table and target verdicts, as markdown."""
    startup = rows[0].tap.wall  # the 0-grant sync
    ms = f"{latency * 1000:.0f}"
    lines = [
        (
            f"Tap at commit {commit}. Machine: {machine()}. "
            f"Load average {loads[0]:.2f} before, {loads[1]:.2f} after."
        ),
        "",
        HEADER.format(ms=ms),
    ]
    lines.append("|" + " --- |" * HEADER.count(" | ") + " --- |")
    lines.append(f"| `--about` | — | {about:.2f} | — | — | — | — | 0 (0) | — | — | — | — |")
    lines += [_row(row, startup, latency) for row in rows]
    lines.append("")
    if not latency_100k:
        lines.append(
            f"100,000 at {ms} ms was not run (about 1,002 x {ms} ms ≈ 150 s more); "
            "`--latency-100k` adds it."
        )
        lines.append("")
    lines += _targets(rows, startup, latency)
    return "\n".join(lines)


def update_readme(text: str) -> None:
    """Replace the results section of benchmark/README.md."""
    readme = README.read_text(encoding="utf-8")
    before, _, rest = readme.partition(START)
    _, _, after = rest.partition(END)
    README.write_text(f"{before}{START}\n{text}\n{END}{after}", encoding="utf-8")
