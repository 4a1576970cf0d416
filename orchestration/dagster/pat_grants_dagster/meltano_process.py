"""One `meltano` command in the project, its log streamed line by line as it runs.

Every command gets its own `MELTANO_SYS_DIR_ROOT` (a temporary folder whose plugin folders link
to the installed ones): parallel `meltano run`s would otherwise share `.meltano/run/`, where
Meltano rewrites each plugin's catalog and config files on every run. State never lives there:
it is in Meltano's system database (`MELTANO_DATABASE_URI`, PostgreSQL), which every worker
shares. Secrets reach the plugins through the process environment only; nothing here logs it.
"""

from __future__ import annotations

import collections
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pat_grants_dagster.meltano_log import LogLine, parse

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

# Plugin venvs made by `meltano install`; everything else in .meltano/ stays per command.
INSTALLED_PLUGIN_DIRS = ("extractors", "loaders", "utilities", "mappers", "orchestrators")
TAIL_LINES = 40
STOP_GRACE_SECONDS = 30.0


@dataclass(frozen=True)
class MeltanoResult:
    """What one `meltano` command did."""

    returncode: int
    seconds: float
    stdout: bytes
    tail: tuple[LogLine, ...]  # its last log lines (Meltano's and the plugins')

    @property
    def tail_text(self) -> str:
        """Its last log lines, one per line: what an error message quotes."""
        return "\n".join(str(line) for line in self.tail)


def run_meltano(  # noqa: PLR0913 (one command: where, what, with which environment and input)
    project_dir: str,
    meltano_bin: str,
    args: tuple[str, ...],
    *,
    env: Mapping[str, str],
    on_line: Callable[[LogLine], None],
    timeout_seconds: float,
    stdin: bytes = b"",
) -> MeltanoResult:
    """`meltano --log-format=json ARGS...`; `on_line` sees each log line as it is written.

    Never raises on a failed command: the caller reads `returncode` and `tail`. A command still
    running after `timeout_seconds` is stopped (a negative exit status).
    """
    installed = Path(os.environ.get("MELTANO_SYS_DIR_ROOT") or Path(project_dir, ".meltano"))
    sys_dir = Path(tempfile.mkdtemp(prefix="meltano-sys-"))
    try:
        for name in INSTALLED_PLUGIN_DIRS:
            if (installed / name).is_dir():
                (sys_dir / name).symlink_to(installed / name, target_is_directory=True)
        (sys_dir / "stdin").write_bytes(stdin)
        command_env = {
            **os.environ,
            **env,
            "MELTANO_SYS_DIR_ROOT": str(sys_dir),
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        started = time.monotonic()
        with (
            (sys_dir / "stdin").open("rb") as given,
            (sys_dir / "stdout").open("w+b") as output,
            subprocess.Popen(  # noqa: S603 (a fixed executable, arguments from code)
                [meltano_bin, "--log-format=json", *args],
                cwd=project_dir,
                env=command_env,
                stdin=given,
                stdout=output,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
                start_new_session=True,  # its own process group: stopped with its plugins
            ) as process,
        ):
            watchdog = threading.Timer(timeout_seconds, stop, args=(process,))
            watchdog.start()
            tail: collections.deque[LogLine] = collections.deque(maxlen=TAIL_LINES)
            try:
                for raw in process.stderr or ():
                    line = parse(raw)
                    tail.append(line)
                    on_line(line)
                returncode = process.wait()
            except BaseException:  # e.g. Dagster ending the run (SIGINT): Meltano ends too
                stop(process)
                raise
            finally:
                watchdog.cancel()
            output.seek(0)
            printed = output.read()
        return MeltanoResult(returncode, time.monotonic() - started, printed, tuple(tail))
    finally:
        shutil.rmtree(sys_dir, ignore_errors=True)


def stop(process: subprocess.Popen[str]) -> None:
    """End Meltano and its plugins: SIGTERM to its process group, then SIGKILL.

    Meltano stops its plugins on SIGTERM; SIGKILL follows after `STOP_GRACE_SECONDS`.
    """
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_GRACE_SECONDS)
            return
