"""Singer tap for GitHub fine-grained personal access token (PAT) governance."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tap-github-pat-grants")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
