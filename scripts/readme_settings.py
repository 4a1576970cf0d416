"""Write the README's settings table from `tap-github-pat-grants --about --format markdown`.

    python scripts/readme_settings.py          # rewrite README.md in place
    python scripts/readme_settings.py --check  # exit 1 if the README has drifted

The table lives between the `settings:start` and `settings:end` markers.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def about_settings_table() -> str:
    """The `| Setting | ...` table of the tap's markdown about output."""
    exe = Path(sys.executable).with_name("tap-github-pat-grants")
    about = subprocess.run(
        [str(exe), "--about", "--format", "markdown"], capture_output=True, text=True, check=True
    ).stdout
    lines = about.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("| Setting"))
    table = []
    for line in lines[first:]:
        if not line.startswith("|"):
            break
        table.append(line)
    return "\n".join(table)


def readme_with_table(readme: str, table: str) -> str:
    """The README text with the table between the markers replaced."""
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}\n{END}{tail}"


def main() -> int:
    """Rewrite, or with --check report drift."""
    readme = README.read_text()
    updated = readme_with_table(readme, about_settings_table())
    if "--check" in sys.argv:
        if updated != readme:
            print("README.md settings table differs from --about; run scripts/readme_settings.py")
            return 1
        return 0
    README.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
