"""The fast record path emits exactly what the SDK's default path emits."""

from __future__ import annotations

import json
import types

from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.io_base import SingerWriter
from singer_sdk.streams.core import Stream

from tap_github_pat_grants.tap import TapGitHubPatGrants
from tests.fake_github import generate_org
from tests.helpers import catalog
from tests.tap_runner import run_tap

EVERYTHING = catalog(
    "pat_grants", "pat_grant_repositories", "pat_requests", "pat_request_repositories"
)


class SdkDefaultPathTap(TapGitHubPatGrants):
    """The tap as the SDK would run it: recursive conformance, mask walk, default writer."""

    message_writer_class = SingerWriter

    def discover_streams(self):
        streams = super().discover_streams()
        for stream in streams:
            stream.TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.RECURSIVE
            stream._generate_record_messages = types.MethodType(
                Stream._generate_record_messages, stream
            )
        return streams


def _comparable(run, *, drop_repeated_schemas=False):
    # the time of extraction and the table version (the run's start) differ between runs
    comparable, last_schema = [], {}
    for message in run.messages:
        if message["type"] not in {"RECORD", "SCHEMA", "ACTIVATE_VERSION"}:
            continue
        if message["type"] == "SCHEMA" and drop_repeated_schemas:
            if last_schema.get(message["stream"]) == message:
                continue
            last_schema[message["stream"]] = message
        comparable.append(
            {
                key: value
                for key, value in message.items()
                if key not in {"time_extracted", "version"}
            }
        )
    return comparable


def test_records_are_identical_to_the_sdk_default_path(github, app_config):
    github.add_org(generate_org("acme", 420, n_requests=12, seed=71, subset_fraction=0.4))
    github.add_org(generate_org("globex", 130, n_requests=3, seed=72, subset_fraction=0.4))
    config = app_config(organizations=["acme", "globex"])

    fast = run_tap(config, catalog=EVERYTHING)
    default = run_tap(config, catalog=EVERYTHING, tap_class=SdkDefaultPathTap)

    assert fast.error is None
    assert default.error is None
    assert len(fast.records()) == 550
    # The SDK's writer repeats a child's SCHEMA once per parent; the tap's sends it once.
    default_schemas = [m for m in default.messages if m["type"] == "SCHEMA"]
    assert len(default_schemas) > len([m for m in fast.messages if m["type"] == "SCHEMA"])
    assert _comparable(fast) == _comparable(default, drop_repeated_schemas=True)


def test_deselected_properties_are_still_removed(github, app_config):
    github.add_org(generate_org("acme", 30, seed=73))
    chosen = catalog("pat_grants")
    entry = next(s for s in chosen["streams"] if s["tap_stream_id"] == "pat_grants")
    for item in entry["metadata"]:
        if item["breadcrumb"] == ["properties", "token_name"]:
            item["metadata"]["selected"] = False
    run = run_tap(app_config(), catalog=chosen)
    assert run.error is None
    assert len(run.records()) == 30
    assert all("token_name" not in record for record in run.records())


def test_a_property_github_adds_later_is_not_sent_undeclared(github, app_config):
    org = github.add_org(generate_org("acme", 3, seed=74))
    page = [{**grant.document(github.url, org.id), "brand_new_field": 1} for grant in org.grants]
    github.faults.add(
        r"/orgs/acme/personal-access-tokens$", nth=1, status=200, body=json.dumps(page)
    )
    run = run_tap(app_config(), catalog=catalog("pat_grants"))
    assert run.error is None
    assert len(run.records()) == 3
    assert all("brand_new_field" not in record for record in run.records())
