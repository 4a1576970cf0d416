"""Which of the tap's streams the Meltano project selects: the tables its loads write.

Read once, when the code location loads, from the catalog Meltano hands the tap: `meltano invoke
--dump=catalog` is the tap's discovery with the project's `select` rules applied (meltano.yml,
its environment, `TAP_GITHUB_PAT_GRANTS__SELECT`), so the answer is Meltano's own. A load's
assets are the tables of these streams: Dagster Pipes makes a step report every asset it
materializes, so a table the run does not write cannot be an asset of the load that is merely
left out (Pipes would report it materialized, or fail the step). A table whose stream is not
selected stays what its dbt source makes it, an asset of the graph that no load writes, until
it is selected and the code location reloaded.
"""

from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pat_grants_dagster.meltano_process import run_meltano

if TYPE_CHECKING:
    from pat_grants_dagster.meltano_log import LogLine

_TIMEOUT_SECONDS = 300.0


class SelectionError(RuntimeError):
    """Meltano could not say which streams the project selects."""


def selected_streams(catalog: bytes) -> list[str]:
    """The streams a Singer catalog selects, in its order.

    A stream is selected when its own metadata (breadcrumb `[]`) says so, or, when it says
    nothing, when it is selected by default; a stream whose inclusion is `automatic` always is.
    """
    streams: list[dict[str, Any]] = json.loads(catalog)["streams"]
    chosen = []
    for stream in streams:
        own: dict[str, Any] = next(
            (entry["metadata"] for entry in stream.get("metadata", []) if not entry["breadcrumb"]),
            {},
        )
        selected = own.get("selected", own.get("selected-by-default", True))
        if selected or own.get("inclusion") == "automatic":
            chosen.append(str(stream["tap_stream_id"]))
    return chosen


@cache
def project_selection(
    project_dir: str, meltano_bin: str, environment: str, extractor: str
) -> tuple[str, ...]:
    """The streams the Meltano project selects for `extractor`, as Meltano says (once a process).

    Meltano runs with a throwaway system database: a selection needs no state, and processes
    importing the code location at once must not race to migrate the shared one.
    """
    with tempfile.TemporaryDirectory(prefix="pat-grants-selection-") as scratch:
        env = {
            "MELTANO_ENVIRONMENT": environment,
            "MELTANO_DATABASE_URI": f"sqlite:///{Path(scratch, 'meltano.db')}",
        }

        def ignore(_: LogLine) -> None:
            return None

        try:
            result = run_meltano(
                project_dir,
                meltano_bin,
                ("invoke", "--dump=catalog", extractor),
                env=env,
                on_line=ignore,
                timeout_seconds=_TIMEOUT_SECONDS,
            )
        except OSError as failed:  # no such executable
            msg = f"which streams {extractor} selects: cannot run {meltano_bin} ({failed})"
            raise SelectionError(msg) from failed
    if result.returncode != 0:
        msg = (
            f"which streams {extractor} selects: meltano invoke --dump=catalog exited "
            f"{result.returncode}\n{result.tail_text}"
        )
        raise SelectionError(msg)
    return tuple(selected_streams(result.stdout))
