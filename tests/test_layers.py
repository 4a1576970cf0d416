"""The package is a one-way stack: a module imports only modules below it (even for typing).

The one exception is the SDK's own idiom: a stream names its tap's type (`_tap: TapX`).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tap_github_pat_grants"

# Lower number = lower in the stack.
LAYERS = {
    "errors": 0,  # exceptions and their one-line texts
    "instants": 0,  # parse, format, normalise instants
    "http_policy": 0,  # pure decisions about one answer
    "paging": 0,  # pure checks that a list read moves forward and completes
    "sdk_overrides": 0,  # where the tap departs from the SDK (the list, the writer)
    "settings": 1,
    "incremental": 1,
    "run_record": 1,
    "record_shapes": 1,  # GitHub's documented shape, checked at decode
    "github_http": 2,  # the one HTTP policy
    "github_app": 3,  # the App's own calls: JWT, installations, tokens
    "auth": 4,  # credentials per organization
    "organizations": 4,  # which organizations to read (listed, discovered)
    "client": 5,  # the base stream
    "streams": 6,
    "tap": 7,
    "__main__": 8,
}
STREAM_TYPES_ITS_TAP = {("client", "tap"), ("streams", "tap")}


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
    return names - {"__version__", "schemas"}


def test_every_module_has_a_place_in_the_stack():
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert modules == set(LAYERS)


def test_imports_only_go_down():
    back_edges = [
        (module, imported)
        for module in LAYERS
        for imported in _imports(PACKAGE / f"{module}.py")
        if LAYERS[imported] >= LAYERS[module] and (module, imported) not in STREAM_TYPES_ITS_TAP
    ]
    assert back_edges == []
