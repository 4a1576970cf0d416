#!/usr/bin/env bash
# The whole test suite, from a fresh machine with only Python >= 3.10: installs the project and
# its dev tools into .venv, Meltano into its own venv (its dependencies must not decide the
# tap's), the Dagster code location into its own venv, a local PostgreSQL for the loader tests,
# then lint, type-check and every test on both cores; the tests that need no Meltano again under
# the oldest and the newest Python the machine has (3.10, 3.13); the Dagster tests last.
# Extra arguments go to the main pytest call, e.g. `bash scripts/test.sh -m "not e2e"`, and
# then skip the other Pythons and the Dagster tests (`ALL_TESTS=1` runs them anyway).
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
meltano_version=4.4.1
other_pythons=${OTHER_PYTHONS:-python3.10 python3.13}
workers=${PYTEST_WORKERS:-2}
started=$SECONDS

step() { printf '\n== %s (%d s)\n' "$*" $((SECONDS - started)); }
venv() {  # venv DIR PYTHON PIP-ARGS...: create once, install quietly
  local dir=$1 interpreter=$2
  shift 2
  [[ -x $dir/bin/python ]] || "$interpreter" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --upgrade pip
  "$dir/bin/python" -m pip install --quiet "$@"
}

step "Python environment (.venv)"
venv .venv "$python" -e '.[dev]'

step "Meltano $meltano_version (.tools/meltano) and its plugins (.meltano/)"
# [postgres]: psycopg for a system database (state) on PostgreSQL, as the Dagster runs use.
venv .tools/meltano "$python" "meltano[postgres]==$meltano_version"
export MELTANO_BIN="$PWD/.tools/meltano/bin/meltano"
# Installed once here for every end-to-end test (dbt's own tests run in `dbt-*:build`).
install_dir=$(mktemp -d)
MELTANO_DATABASE_URI="sqlite:///$install_dir/meltano.db" MELTANO_SEND_ANONYMOUS_USAGE_STATS=false \
  .tools/meltano/bin/meltano install > "$install_dir/install.log" 2>&1 \
  || { tail -n 40 "$install_dir/install.log"; exit 1; }

step "Dagster code location (.tools/dagster)"
venv .tools/dagster "$python" -e . -e 'orchestration/dagster[test]'

step "PostgreSQL on 127.0.0.1 (for the target-postgres tests)"
eval "$(bash .ci/postgres.sh)"

step "Lint and types"
.venv/bin/ruff format --check .
.venv/bin/ruff check .
.venv/bin/mypy
(cd orchestration/dagster && ../../.tools/dagster/bin/mypy)

step "Tests ($workers workers)"
.venv/bin/python -m pytest -n "$workers" --dist loadscope "$@"

if [[ $# -eq 0 || ${ALL_TESTS:-} == 1 ]]; then
  for other in $other_pythons; do
    if ! command -v "$other" > /dev/null; then
      echo "test.sh: $other not found on this machine; the tests were not run under it" >&2
      continue
    fi
    step "Tests that need no Meltano, under $other"
    venv ".tools/$other" "$other" -e '.[dev]'
    ".tools/$other/bin/python" -m pytest -n "$workers" -q -m "not e2e and not postgres"
  done

  step "Dagster: dbt manifest, definitions validate, tests (tests/dagster)"
  # The code location reads transform/'s manifest at import: parse it fresh (the project may
  # have changed since the last parse), as `dagster dev` would.
  .tools/dagster/bin/dbt parse --quiet --project-dir transform --profiles-dir transform/profiles/postgres
  (cd orchestration/dagster && ../../.tools/dagster/bin/dagster definitions validate -m pat_grants_dagster.definitions)
  .tools/dagster/bin/python -m pytest tests/dagster -m dagster
fi
step "Done"
