"""Values derived from a changing collection, cached until it changes (the fake's lists)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable

T = TypeVar("T")


class VersionedCache:
    """A version that every change bumps, and values computed once per version.

    Request threads read while a test changes the collection: a value computed from an older
    version is returned but never stored.
    """

    def __init__(self) -> None:
        self._cache: dict[Hashable, Any] = {}
        self._lock = threading.Lock()
        self.version = 0

    def _changed(self) -> None:
        """Call with `self._lock` held, after changing the collection."""
        self.version += 1
        self._cache.clear()

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A value derived from the current collection, computed once per version."""
        with self._lock:
            if key in self._cache:
                return self._cache[key]  # type: ignore[no-any-return]
            version = self.version
        value = compute()
        with self._lock:
            if self.version == version:
                self._cache[key] = value
        return value
