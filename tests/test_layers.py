"""The package is a one-way stack: a module imports only modules below it (even for typing).

Nothing reaches back into the tap: streams get what they need from the run they are made with.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tap_github_pat_grants"
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 40

# Lower number = lower in the stack.
LAYERS = {
    "errors": 0,  # exceptions and retry signals
    "instants": 0,  # parse, format, normalise instants
    "http_policy": 0,  # pure decisions about one answer
    "settings": 0,  # the one table of settings
    "read_counts": 0,  # what one stream's read of one org counted
    "record_messages": 0,  # the record path (RECORD messages)
    "sdk_overrides": 0,  # where the tap departs from the SDK (the list, the writer, the logs)
    "seen_ids": 0,  # ids of a first pass, packed
    "endpoints": 0,  # what a stream declares about its endpoint
    "ledger_columns": 1,  # each stream's sync_runs columns
    "error_lines": 1,  # the one-line texts of the errors
    "config": 1,  # the typed view of the settings, and their rules
    "run_log": 1,  # the lines a person reads about a run
    "page_guard": 0,  # what one read of one list accepted; where a changing list may end
    "read_progress": 1,  # how far an org's full read got: its mark in STATE
    "full_read": 2,  # an org's full read carried from run to run: checkpoints, stops
    "paging": 2,  # the one Link / origin / loop / completeness check
    "record_shapes": 2,  # GitHub's documented shape, checked at decode
    "github_session": 2,  # the session: redirects within api_url, bounded bodies
    "run_ledger": 2,  # each org's part of the run: sync_runs rows
    "incremental": 2,  # incremental plans and slices
    "audit_window": 3,  # the audit log's incremental read
    "github_http": 3,  # the one HTTP policy
    "github_app": 4,  # the App's own calls: JWT, installations, tokens
    "auth": 5,  # credentials per organization
    "organizations": 5,  # which organizations to read (listed, discovered)
    "org_checks": 5,  # every org checked before any list request; the failure policy
    "run": 6,  # what every stream of one run shares
    "versioning": 7,  # ACTIVATE_VERSION after complete reads only
    "org_read": 8,  # one organization's read
    "client": 9,  # the base stream: requests, paging, decoding
    "org_stream": 10,  # a stream read per org: the read's interface, records
    "streams": 11,  # declarations
    "tap": 12,
    "__main__": 13,
}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "tap_github_pat_grants":
                names.update(alias.name for alias in node.names)
            elif node.module.startswith("tap_github_pat_grants."):
                names.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            names.update(
                alias.name.split(".")[1]
                for alias in node.names
                if alias.name.startswith("tap_github_pat_grants.")
            )
    return names - {"__version__", "SDK_VERSION", "schemas"}


def test_every_module_has_a_place_in_the_stack():
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert modules == set(LAYERS)


def test_imports_only_go_down():
    back_edges = [
        (module, imported)
        for module in LAYERS
        for imported in _imports(PACKAGE / f"{module}.py")
        if LAYERS[imported] >= LAYERS[module]
    ]
    assert back_edges == []


def test_nothing_outside_the_tap_reaches_into_it():
    reaching = [
        path.name
        for path in PACKAGE.glob("*.py")
        if path.name != "tap.py" and "_tap" in path.read_text(encoding="utf-8")
    ]
    assert reaching == []


def test_every_module_is_small_and_every_function_short():
    too_long = []
    for path in PACKAGE.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            too_long.append((path.name, len(text.splitlines())))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append((f"{path.name}:{node.name}", length))
    assert too_long == []
