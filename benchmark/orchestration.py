"""`python -m benchmark --orchestration`: the Dagster code location loading N organizations,
one at a time against several at once, at a given latency per GitHub response.

Run with the code location's venv (`.tools/dagster/bin/python -m benchmark --orchestration`),
Meltano and its plugins installed (scripts/test.sh) and PostgreSQL (`.ci/postgres.sh` is
started when no `PG*` variables are set). Every organization is one Dagster run of the job
`load_organizations`, executed in-process by a worker process as a run worker would. All N
runs are submitted at once to `limit` workers, which is what the deployment's run queue does
with the pool `github_org_loads` at `granularity: run` (deploy/dagster.yaml): at most `limit`
organizations' runs at a time, the next one starting when one ends. (Op granularity, where a
started run waits inside its step for a slot, polls without sleeping in Dagster 1.13.27's
in-process executor and would bill the waiting runs' CPU to the serial figure.) Each mode gets a
fresh warehouse (prepared before the clock starts) and a fresh Dagster instance. The figures go
into benchmark/README.md between the `orchestration` markers.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tests.fake_github import FakeGitHub, generate_org

REPO = Path(__file__).resolve().parents[1]
README = Path(__file__).with_name("README.md")
START, END = "<!-- orchestration:start -->", "<!-- orchestration:end -->"
SIZES = (420, 330, 380, 300, 360, 240)  # grants per organization, cycled; half of them `subset`


@dataclass
class Mode:
    """One timed load of every organization."""

    name: str
    limit: int
    wall: float = 0.0
    load_seconds: dict[str, float] | None = None  # each org's load step, start to success
    most_at_once: int = 0
    cpu: float = 0.0  # user + system seconds of every process the mode started


def _postgres() -> None:
    """PG* from the environment, else the repository's throwaway server."""
    if os.environ.get("PGHOST"):
        return
    out = subprocess.run(
        ["bash", ".ci/postgres.sh"], cwd=REPO, capture_output=True, text=True, check=True
    )
    for line in out.stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        os.environ[name] = value.strip("'\"")


def _warehouse_env(suffix: str) -> dict[str, str]:
    """A fresh system database and target schema, and the environment pointing at them."""
    import psycopg

    system_db, schema = f"bench_state_{suffix}", f"bench_{suffix}"
    with psycopg.connect(autocommit=True) as connection:
        connection.execute(f"create database {system_db}")
    user, password = os.environ["PGUSER"], os.environ["PGPASSWORD"]
    host, port = os.environ["PGHOST"], os.environ["PGPORT"]
    return {
        "MELTANO_DATABASE_URI": f"postgresql+psycopg://{user}:{password}@{host}:{port}/{system_db}",
        "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
        "DBT_SOURCE_SCHEMA": schema,
    }


def _drop_warehouse(env: dict[str, str]) -> None:
    import psycopg

    system_db = env["MELTANO_DATABASE_URI"].rsplit("/", 1)[1]
    with psycopg.connect(autocommit=True) as connection:
        connection.execute(
            f"drop schema if exists {env['TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA']} cascade"
        )
        connection.execute(f"drop database if exists {system_db} with (force)")


def _warm(_: int) -> float:
    """Import the code location in a worker (outside the clock); hold it so each worker gets one."""
    import pat_grants_dagster.definitions  # noqa: F401

    time.sleep(1.0)
    return time.monotonic()


def _prepare_warehouse() -> None:
    """The one-time table creation, before the clock (every load would otherwise wait for it)."""
    from pat_grants_dagster.meltano_project import MeltanoProject
    from pat_grants_dagster.raw_tables import RAW_TABLES
    from pat_grants_dagster.warehouse import ensure_ready

    url = os.environ["MELTANO_DATABASE_URI"]
    project = MeltanoProject(
        project_dir=str(REPO),
        meltano_bin=os.environ["MELTANO_BIN"],
        database_url=url,
        loader_schema=os.environ["TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA"],
    )
    spec = project.org_load("-", full_refresh=False, holder="benchmark", tables=tuple(RAW_TABLES))
    ensure_ready(spec, url, lambda line: print(f"  {line}", file=sys.stderr))


def _rows(schema: str, org: str) -> dict[str, int]:
    """The org's live rows per data table, as tests/helpers.expected_row_counts counts them."""
    import psycopg

    tables = ("pat_grants", "pat_grant_repositories", "pat_requests", "pat_request_repositories")
    with psycopg.connect(autocommit=True) as connection:
        return {
            table: connection.execute(
                f"select count(*) from {schema}.{table} where org = %s and _sdc_deleted_at is null",
                (org,),
            ).fetchone()[0]
            for table in tables
        }


def _step_seconds(instance, run_id: str) -> float:
    logs = [e for e in instance.all_logs(run_id) if e.dagster_event]
    start = next(e.timestamp for e in logs if e.dagster_event.event_type_value == "STEP_START")
    end = next(e.timestamp for e in logs if e.dagster_event.event_type_value == "STEP_SUCCESS")
    return end - start


def measure(mode: Mode, gh: FakeGitHub, orgs: list[str], base_env: dict[str, str]) -> Mode:
    """Load every organization, `mode.limit` runs at a time; check every org's rows."""
    from tests.dagster.expected import most_orgs_at_once
    from tests.dagster.runs import execute
    from tests.helpers import expected_row_counts

    warehouse = _warehouse_env(os.urandom(5).hex())
    saved = dict(os.environ)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory(prefix="bench-dagster-") as home:
        config = "telemetry:\n  enabled: false\n"
        Path(home, "dagster.yaml").write_text(config, encoding="utf-8")
        os.environ.update({**base_env, **warehouse, "DAGSTER_HOME": home})
        try:
            from dagster import DagsterInstance

            with DagsterInstance.get() as instance:
                instance.add_dynamic_partitions("organizations", orgs)
                spawn = multiprocessing.get_context("spawn")
                with ProcessPoolExecutor(max_workers=mode.limit, mp_context=spawn) as workers:
                    list(workers.map(_warm, range(mode.limit)))
                    _prepare_warehouse()
                    gh.reset_log()
                    started = time.monotonic()
                    futures = {org: workers.submit(execute, partition=org) for org in orgs}
                    done = {org: future.result() for org, future in futures.items()}
                    mode.wall = time.monotonic() - started
                failed = [org for org, outcome in done.items() if not outcome.success]
                if failed:
                    raise RuntimeError(f"{mode.name}: the loads of {failed} failed")
                mode.load_seconds = {org: _step_seconds(instance, done[org].run_id) for org in orgs}
            # The workers have exited (and waited for their own children): all of it is counted.
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            mode.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            mode.most_at_once = most_orgs_at_once(gh, orgs)
            schema = warehouse["TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA"]
            for org in orgs:
                want = expected_row_counts([gh.org(org)])
                if _rows(schema, org) != want:
                    raise RuntimeError(f"{mode.name}: {org}'s rows are not the fake GitHub's")
        finally:
            os.environ.clear()
            os.environ.update(saved)
            _drop_warehouse(warehouse)
    return mode


def render(
    modes: list[Mode], gh: FakeGitHub, orgs: list[str], latency: float, requests: dict[str, int]
) -> str:
    serial, parallel = modes
    seconds = serial.load_seconds or {}
    sizes = ", ".join(str(len(gh.org(org).grants)) for org in orgs)
    share = parallel.wall / serial.wall
    asked = ", ".join(f"{org} {n}" for org, n in requests.items())
    setting = (
        f"{len(orgs)} organizations ({sizes} grants, half `subset`, 3 pending requests each), "
        f"{latency * 1000:.0f} ms per GitHub response. Machine: {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} at the end."
    )
    lines = [
        setting,
        "",
        "| run | organizations at a time | wall | most orgs loading at once | CPU, all processes |",
        "| --- | --- | --- | --- | --- |",
    ]
    for mode in modes:
        wall = f"{mode.wall:.0f} s" + (f" ({share:.2f} of serial)" if mode is parallel else "")
        lines.append(
            f"| {mode.name} | {mode.limit} | {wall} | {mode.most_at_once} | {mode.cpu:.0f} s |"
        )
    one_org = (
        f"One organization's materialization (its load step in the serial run, the Pipes process "
        f"and its `meltano run`): median {statistics.median(seconds.values()):.1f} s, "
        f"{min(seconds.values()):.1f} to {max(seconds.values()):.1f} s. "
        f"Requests per organization: {asked}. CPU includes each mode's worker start-up "
        "(importing Dagster and the code location once per worker) and the warehouse's "
        "preparation, both before the clock."
    )
    lines += ["", one_org]
    return "\n".join(lines)


SECTION = """## Orchestration: serial against parallel (Dagster)

`.tools/dagster/bin/python -m benchmark --orchestration --orgs 6 --latency-ms 100` (the Dagster
code location's venv; Meltano, its plugins and PostgreSQL as scripts/test.sh installs them):
N organizations loaded by `orchestration/dagster`, one Dagster run each, first one at a time,
then `--parallel` (3) at a time, as the deployment's run queue admits them. How, and why not a
test: benchmark/orchestration.py.
"""


def update_readme(text: str) -> None:
    """Rewrite the block between the markers (the section is added once, at the end)."""
    readme = README.read_text(encoding="utf-8")
    block = f"{START}\n{text}\n{END}"
    if START in readme:
        head, _, rest = readme.partition(START)
        _, _, tail = rest.partition(END)
        readme = f"{head}{block}{tail}"
    else:
        readme = readme.rstrip("\n") + f"\n\n{SECTION}\n{block}\n"
    README.write_text(readme, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmark --orchestration", description=__doc__
    )
    parser.add_argument("--orchestration", action="store_true", help="this mode")
    parser.add_argument("--orgs", type=int, default=6, help="organizations (default 6)")
    parser.add_argument(
        "--latency-ms", type=float, default=100.0, help="per response (default 100)"
    )
    parser.add_argument(
        "--parallel", type=int, default=3, help="organizations at a time, parallel run (3)"
    )
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite README.md")
    args = parser.parse_args(argv)

    _postgres()
    meltano = os.environ.get("MELTANO_BIN") or str(REPO / ".tools" / "meltano" / "bin" / "meltano")
    latency = args.latency_ms / 1000
    orgs = [f"bench-org-{i + 1}" for i in range(args.orgs)]
    with FakeGitHub(latency_seconds=latency, rate_limit=10**9) as gh:
        for i, org in enumerate(orgs):
            gh.add_org(
                generate_org(org, SIZES[i % len(SIZES)], n_requests=3, seed=13, subset_fraction=0.5)
            )
        base_env = {
            "MELTANO_BIN": meltano,
            "TAP_GITHUB_PAT_GRANTS_API_URL": gh.url,
            "TAP_GITHUB_PAT_GRANTS_APP_ID": gh.app_id,
            "TAP_GITHUB_PAT_GRANTS_PRIVATE_KEY": gh.private_key_pem,
            "TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS": json.dumps(orgs),
            "PAT_GRANTS_ORG_RETRIES": "0",  # a failure is a failed measurement, not a retry
        }
        modes = []
        for mode in (Mode("serial", 1), Mode("parallel", args.parallel)):
            print(
                f"{mode.name}: {len(orgs)} organizations, {mode.limit} at a time ...",
                file=sys.stderr,
            )
            modes.append(measure(mode, gh, orgs, base_env))
            requests = {org: sum(1 for r in gh.requests_log if r.org == org) for org in orgs}
            print(f"  {mode.wall:.1f} s", file=sys.stderr)
        text = render(modes, gh, orgs, latency, requests)
    print(text)
    if not args.no_readme:
        update_readme(text)
    return 0
