"""A small launcher: run a command, then write its wall time and own peak RSS as JSON.

`python -m benchmark.spawn RESULT.json TIMEOUT -- COMMAND...`. The benchmark's own process
holds the fake server's data (hundreds of MiB); a child forked from it starts with that RSS,
and Linux's `ru_maxrss` keeps the pre-exec high-water mark. Forked from this small process
instead, the child's `ru_maxrss` is its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    result_path, timeout, separator, *command = argv
    if separator != "--" or not command:
        sys.stderr.write("usage: python -m benchmark.spawn RESULT.json TIMEOUT -- COMMAND...\n")
        return 2
    started = time.perf_counter()
    child = subprocess.Popen(command)  # stdout/stderr: this process's, set by the benchmark
    killer = threading.Timer(float(timeout), child.kill)
    killer.start()
    try:
        _, status, usage = os.wait4(child.pid, 0)
    finally:
        killer.cancel()
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    result = {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "maxrss_kib": usage.ru_maxrss,
        "returncode": child.returncode,
    }
    Path(result_path).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
