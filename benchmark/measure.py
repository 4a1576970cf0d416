"""One child process, timed: wall and CPU seconds and its own peak RSS (`wait4`, via spawn.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    """What one child did: wall and CPU seconds, peak RSS in MiB, exit status, stderr tail."""

    wall: float
    cpu: float
    peak_rss_mib: float
    returncode: int
    stderr_tail: str


def run(
    argv: list[str], *, timeout: float, stderr_path: Path, stdout_path: Path | None = None
) -> Run:
    """Run `argv` with stdout to /dev/null (or a file); kill it after `timeout` seconds."""
    out = stdout_path or Path(os.devnull)
    with tempfile.TemporaryDirectory() as tmp:
        result_path = Path(tmp) / "result.json"
        launcher = [sys.executable, "-m", "benchmark.spawn", str(result_path), str(timeout), "--"]
        with out.open("wb") as stdout, stderr_path.open("wb") as stderr:
            subprocess.run(
                launcher + argv,
                check=False,
                stdout=stdout,
                stderr=stderr,
                cwd=REPO,
                timeout=timeout + 30,
            )
        result = json.loads(result_path.read_text(encoding="utf-8"))
    text = stderr_path.read_text(encoding="utf-8", errors="replace")
    tail = "\n".join(text.strip().splitlines()[-5:])
    return Run(
        result["wall"], result["cpu"], result["maxrss_kib"] / 1024, result["returncode"], tail
    )


def checked(
    argv: list[str], *, timeout: float, stderr_path: Path, stdout_path: Path | None = None
) -> Run:
    """`run`, but a failed child stops the benchmark with its last stderr lines."""
    result = run(argv, timeout=timeout, stderr_path=stderr_path, stdout_path=stdout_path)
    if result.returncode != 0:
        msg = f"{Path(argv[0]).name} exited {result.returncode}:\n{result.stderr_tail}"
        raise RuntimeError(msg)
    return result
