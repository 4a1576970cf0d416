"""A local server run on a thread, used as a context manager: started on enter, stopped on exit."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import Self


class Background:
    """`with Server() as server:` for anything with `start()` (returning itself) and `stop()`."""

    def start(self) -> Self:
        """Serve on a thread; return self."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop serving and join the thread."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc_info: object) -> None:
        self.stop()
