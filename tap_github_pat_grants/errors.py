"""The tap's own errors: each one is a single line a person can act on."""

from __future__ import annotations


class TapError(Exception):
    """An error that ends the run with one line on stderr and a non-zero exit.

    The message never contains a private key, JWT or token; it says what failed, for which
    organization, and what to do.
    """


class ConfigError(TapError):
    """A setting is missing, malformed or contradicts another one."""


class GitHubFatalError(TapError):
    """GitHub refused a request in a way that retrying cannot fix."""
