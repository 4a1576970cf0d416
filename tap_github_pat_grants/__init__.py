"""Singer tap for GitHub fine-grained personal access token (PAT) governance."""

from importlib.metadata import PackageNotFoundError, version


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"


# Read here, before singer-sdk is imported: a lookup made after it (as the SDK makes when a run
# starts) parses package metadata the expensive way, ~0.6 MiB of peak memory.
__version__ = _version("tap-github-pat-grants")
SDK_VERSION = _version("singer-sdk")
