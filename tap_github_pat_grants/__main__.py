"""Command line entry point: the SDK's CLI, with one-line errors instead of tracebacks."""

from __future__ import annotations

import logging
import os
import sys

from tap_github_pat_grants.errors import TapError
from tap_github_pat_grants.tap import TapGitHubPatGrants

DEBUG_ENV = ("TAP_GITHUB_PAT_GRANTS_LOG_LEVEL", "LOGLEVEL")


def main() -> None:
    """Run the tap; a `TapError` becomes one line on stderr and exit status 1."""
    try:
        TapGitHubPatGrants.cli()
    except TapError as error:
        if _debug():
            logging.getLogger("tap-github-pat-grants").exception("Traceback (debug log level)")
        sys.stderr.write(f"tap-github-pat-grants: error: {error}\n")
        sys.exit(1)


def _debug() -> bool:
    return any(os.environ.get(name, "").upper() == "DEBUG" for name in DEBUG_ENV)


if __name__ == "__main__":
    main()
