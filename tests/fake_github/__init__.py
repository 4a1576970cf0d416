"""A fake GitHub API (App auth + fine-grained PAT governance endpoints) for tests and demos."""

from tests.fake_github.audit_log import AuditLog, audit_event, decode_cursor, encode_cursor
from tests.fake_github.builders import make_grant, make_request, other_private_key_pem
from tests.fake_github.data import generate_org, new_org
from tests.fake_github.fake import FakeGitHub
from tests.fake_github.faults import Fault, Faults
from tests.fake_github.governance import GOVERNANCE_PERMISSIONS, Governance, Member
from tests.fake_github.governance_data import GovernanceOptions, attach_governance
from tests.fake_github.hostile import Hostile
from tests.fake_github.recording import RecordedRequest, RecordingServer
from tests.fake_github.records import Grant, Org, PatRequest, RecordList
from tests.fake_github.shapes import organization_account, repository, user
from tests.fake_github.timestamps import format_offset, format_utc, parse_instant
from tests.fake_github.world import LoggedRequest

__all__ = [
    "GOVERNANCE_PERMISSIONS",
    "AuditLog",
    "FakeGitHub",
    "Fault",
    "Faults",
    "Governance",
    "GovernanceOptions",
    "Grant",
    "Hostile",
    "LoggedRequest",
    "Member",
    "Org",
    "PatRequest",
    "RecordList",
    "RecordedRequest",
    "RecordingServer",
    "attach_governance",
    "audit_event",
    "decode_cursor",
    "encode_cursor",
    "format_offset",
    "format_utc",
    "generate_org",
    "make_grant",
    "make_request",
    "new_org",
    "organization_account",
    "other_private_key_pem",
    "parse_instant",
    "repository",
    "user",
]
