"""The tap with the SDK's own record path instead of the tap's (`record_messages.py`).

`python -m benchmark.sdk_record_path --config ... --catalog ...` runs the same CLI; the
benchmark runs it beside the tap to show what the tap's private `_generate_record_messages`
hook buys: CPU seconds per 100,000 grants, and the tap-to-raw ratio.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from singer_sdk.streams.core import Stream

from tap_github_pat_grants.errors import TapError
from tap_github_pat_grants.tap import TapGitHubPatGrants

if TYPE_CHECKING:
    from collections.abc import Iterator


def _sdk_record_messages(stream: Any, record: dict[str, Any]) -> Iterator[Any]:
    # The SDK stamps records with its own field; the tap keeps the version it chose elsewhere.
    stream._stream_version = getattr(stream, "table_version", None)
    yield from Stream._generate_record_messages(stream, record)


class SdkRecordPathTap(TapGitHubPatGrants):
    """The tap, every stream's records written by the SDK's `_generate_record_messages`."""

    def discover_streams(self) -> list[Stream]:
        streams = super().discover_streams()
        for stream in streams:
            stream._generate_record_messages = types.MethodType(_sdk_record_messages, stream)  # type: ignore[method-assign]
        return streams


if __name__ == "__main__":
    try:
        SdkRecordPathTap.cli()
    except TapError as error:
        sys.stderr.write(f"tap-github-pat-grants: error: {error}\n")
        sys.exit(1)
