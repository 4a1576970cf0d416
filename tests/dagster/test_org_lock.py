"""One load of an organization at a time: a second one waits for the first, or fails clearly."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from tests.dagster.conftest import REPO

pytestmark = pytest.mark.dagster


def spec_of(pipeline_env, org, *, wait_seconds):
    from pat_grants_dagster.org_load_spec import OrgLoadSpec
    from pat_grants_dagster.raw_tables import RAW_TABLES

    return OrgLoadSpec(
        org=org,
        full_refresh=False,
        holder=f"second {org}",
        project_dir=str(REPO),
        meltano_bin=pipeline_env["MELTANO_BIN"],
        environment="dev",
        extractor="tap-github-pat-grants",
        loader="target-postgres",
        loader_schema=pipeline_env["TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA"],
        tables=tuple(RAW_TABLES),  # the load's tables, as the asset gives them
        lock_wait_seconds=wait_seconds,
        timeout_seconds=600,
    )


def test_a_second_load_of_an_org_fails_clearly_while_the_first_holds_its_lock(pipeline_env, github):
    from pat_grants_dagster.org_load import load_organization
    from pat_grants_dagster.org_lock import LockBusyError, advisory_lock

    url = pipeline_env["MELTANO_DATABASE_URI"]
    spec = spec_of(pipeline_env, "org-b", wait_seconds=0)
    github.reset_log()
    with (
        advisory_lock(
            url, spec.state_id, holder="dagster run first org-b", wait_seconds=0, log=print
        ),
        pytest.raises(LockBusyError) as busy,
    ):
        load_organization(spec, url, logging.getLogger("test"))
    assert str(busy.value).startswith(
        f"{spec.state_id}: already being loaded by dagster run first org-b (since "
    )
    assert [r for r in github.requests_log if r.org == "org-b"] == []  # it never began
    # Released with the block: the org can be locked again at once.
    with advisory_lock(url, spec.state_id, holder="x", wait_seconds=0, log=print):
        pass


def test_a_second_load_waits_for_the_first_then_takes_the_lock(pipeline_env):
    from pat_grants_dagster.org_lock import advisory_lock

    url = pipeline_env["MELTANO_DATABASE_URI"]
    key = "dev:tap-github-pat-grants-to-target-postgres:org-x"
    holding, waits = threading.Event(), []

    def first():
        with advisory_lock(url, key, holder="dagster run first org-x", wait_seconds=0, log=print):
            holding.set()
            time.sleep(1.5)

    thread = threading.Thread(target=first)
    thread.start()
    assert holding.wait(timeout=30)
    started = time.monotonic()
    with advisory_lock(url, key, holder="second", wait_seconds=60, log=waits.append):
        waited = time.monotonic() - started
    thread.join(timeout=30)

    assert waited >= 1.0  # it waited for the first to finish
    (said,) = waits
    assert said.startswith(f"{key}: waiting for dagster run first org-x (since ")
    assert said.endswith("to finish (advisory lock)")
