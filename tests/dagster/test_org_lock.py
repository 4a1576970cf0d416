"""Two loads of one organization at once: the second waits for the first, or fails clearly."""

from __future__ import annotations

import threading

import pytest

from tests.dagster.expected import requests_of

pytestmark = pytest.mark.dagster


def _project(pipeline_env, wait_seconds):
    from pat_grants_dagster.meltano import MeltanoProject

    from tests.dagster.conftest import REPO

    return MeltanoProject(
        project_dir=str(REPO),
        meltano_bin=pipeline_env["MELTANO_BIN"],
        database_url=pipeline_env["MELTANO_DATABASE_URI"],
        lock_wait_seconds=wait_seconds,
    )


def test_second_load_of_an_org_fails_clearly_while_the_first_holds_its_lock(pipeline_env):
    from pat_grants_dagster.loading import load_organization_alone
    from pat_grants_dagster.org_lock import OrganizationBusyError, organization_lock

    meltano = _project(pipeline_env, wait_seconds=0)
    state_id = meltano.state_id("org-b")
    with (
        organization_lock(
            meltano.database_url,
            state_id,
            holder="dagster run first org-b",
            wait_seconds=0,
            log=print,
        ),
        pytest.raises(OrganizationBusyError) as busy,
    ):
        load_organization_alone(meltano, _task("org-b", "{}"), holder="second", log=print)
    assert str(busy.value).startswith(
        f"{state_id}: already being loaded by dagster run first org-b (since "
    )
    # Released with the block: the org can be locked again at once.
    with organization_lock(meltano.database_url, state_id, holder="x", wait_seconds=0, log=print):
        pass


def test_two_loads_of_an_org_started_at_once_run_one_after_the_other(pipeline_env, github):
    from pat_grants_dagster.loading import load_organization_alone
    from pat_grants_dagster.warehouse import catalog_json

    meltano = _project(pipeline_env, wait_seconds=300)
    catalog = catalog_json()
    results, waits = {}, []

    def load(name):
        results[name] = load_organization_alone(
            meltano, _task("org-f", catalog), holder=name, log=waits.append
        )

    github.reset_log()
    threads = [threading.Thread(target=load, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)

    assert [results[name].returncode for name in ("one", "two")] == [0, 0]
    assert any("waiting for" in line for line in waits)
    # Two whole reads, the second begun after the first ended: never interleaved.
    seen = requests_of(github, "org-f")
    lookups = [i for i, r in enumerate(seen) if r.path == "/orgs/org-f/installation"]
    assert len(lookups) == 2
    first, second = seen[: lookups[1]], seen[lookups[1] :]
    assert sorted(_asked(first)) == sorted(_asked(second))


def _task(org, catalog):
    return {"org": org, "full_refresh": True, "catalog": catalog}


def _asked(requests):
    return [(r.method, r.path, sorted(r.query.items())) for r in requests]
