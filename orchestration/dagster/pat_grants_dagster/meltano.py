"""The repository's Meltano project as a Dagster resource: one `meltano` command per call.

Every command gets its own `MELTANO_SYS_DIR_ROOT` (a temporary folder whose plugin folders link
to the installed ones): parallel `meltano run`s would otherwise share `.meltano/run/`, where
Meltano rewrites each plugin's catalog file on every run. State never lives there: it is in
Meltano's system database, `MELTANO_DATABASE_URI`, on PostgreSQL, which every worker shares.
Secrets (the App's key, database passwords) reach the plugins through the process environment
only; nothing here logs the environment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from dagster import ConfigurableResource

# Plugin venvs made by `meltano install`; everything else in .meltano/ stays per command.
INSTALLED_PLUGIN_DIRS = ("extractors", "loaders", "utilities", "mappers", "orchestrators")
TAIL_LINES = 40
# The tap's one summary line per org per stream, e.g. "pat_grants org acme: done, 300 records...".
_SUMMARY = re.compile(r"\b(pat_\w+ org \S+: done, [^)]*\)[^\x1b]*?)(?=\s+cmd_type=|\s*$)")


@dataclass(frozen=True)
class CommandResult:
    """What one `meltano` command did."""

    args: tuple[str, ...]
    returncode: int
    seconds: float
    tail: str  # the last lines of its log (Meltano's and the plugins' stderr)
    summaries: tuple[str, ...]  # the tap's per-stream summary lines


class MeltanoProject(ConfigurableResource):  # type: ignore[type-arg]  # Dagster: used bare
    """Where the project is, which pipeline to run, and how to share state and locks."""

    project_dir: str
    meltano_bin: str = "meltano"
    database_url: str  # MELTANO_DATABASE_URI: state store and lock (PostgreSQL)
    environment: str = "dev"
    extractor: str = "tap-github-pat-grants"
    loader: str = "target-postgres"
    dbt_utility: str = "dbt-postgres"
    lock_wait_seconds: float = 300.0
    timeout_seconds: float = 6 * 3600.0

    def state_id(self, org: str) -> str:
        """The org's own state id: what `meltano run --state-id-suffix=ORG` saves under."""
        return f"{self.environment}:{self.extractor}-to-{self.loader}:{org}"

    def run(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        stdin: bytes | None = None,
        catalog: bytes | None = None,
    ) -> CommandResult:
        """`meltano ARGS...` in the project, with its own system folder; never raises on exit.

        With `catalog`, the extractor uses it (Meltano's `catalog` extra) instead of running
        its discovery again: Meltano caches discovery in the system folder, which is new here.
        """
        installed = Path(
            os.environ.get("MELTANO_SYS_DIR_ROOT") or Path(self.project_dir, ".meltano")
        )
        sys_dir = Path(tempfile.mkdtemp(prefix="meltano-sys-"))
        try:
            for name in INSTALLED_PLUGIN_DIRS:
                if (installed / name).is_dir():
                    (sys_dir / name).symlink_to(installed / name, target_is_directory=True)
            extra_env = dict(env or {})
            if catalog is not None:
                (sys_dir / "catalog.json").write_bytes(catalog)
                extra_env[f"{_env_prefix(self.extractor)}__CATALOG"] = str(sys_dir / "catalog.json")
            command_env = {
                **os.environ,
                "MELTANO_DATABASE_URI": self.database_url,
                "MELTANO_ENVIRONMENT": self.environment,
                "MELTANO_SYS_DIR_ROOT": str(sys_dir),
                "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
                **extra_env,
            }
            log = sys_dir / "command.log"
            started = time.monotonic()
            with log.open("wb") as output:
                done = subprocess.run(  # noqa: S603 (a fixed executable, arguments from code)
                    [self.meltano_bin, *args],
                    cwd=self.project_dir,
                    env=command_env,
                    input=stdin,
                    stdout=output if stdin is None else subprocess.DEVNULL,
                    stderr=output,
                    timeout=self.timeout_seconds,
                    check=False,
                )
            text = log.read_text(encoding="utf-8", errors="replace")
        finally:
            shutil.rmtree(sys_dir, ignore_errors=True)
        return CommandResult(
            args=args,
            returncode=done.returncode,
            seconds=time.monotonic() - started,
            tail="\n".join(text.splitlines()[-TAIL_LINES:]),
            summaries=tuple(match.group(1).strip() for match in _SUMMARY.finditer(text)),
        )

    def load_command(
        self, org: str, *, full_refresh: bool
    ) -> tuple[tuple[str, ...], dict[str, str]]:
        """The `meltano run` of one organization alone, and the settings it runs with.

        Table-wide versioning is off: a full read of one organization must not mark the other
        organizations' rows deleted (ACTIVATE_VERSION applies to a whole table). Revocations
        are found by the per-org current-state models instead (`sync_runs`: rows seen since
        the org's last complete full read).
        """
        args = ["run", f"--state-id-suffix={org}"]
        if full_refresh:
            args.append("--full-refresh")
        args += [self.extractor, self.loader]
        env = {
            "TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS": f'["{org}"]',
            "TAP_GITHUB_PAT_GRANTS_EMIT_ACTIVATE_VERSION_MESSAGES": "false",
        }
        return tuple(args), env


def _env_prefix(plugin: str) -> str:
    """Meltano's environment prefix of a plugin: `tap-x` -> `TAP_X`."""
    return re.sub(r"[^A-Za-z0-9]", "_", plugin).upper()
