#!/usr/bin/env bash
# The whole test suite, from a fresh machine with only Python >= 3.10: installs the project and
# its dev tools into .venv, Meltano into its own venv (its dependencies must not decide the
# tap's), the Dagster code location into its own venv, a local PostgreSQL for the loader tests,
# then lint, type-check and every test; the Dagster tests (tests/dagster, their own venv) last.
# Extra arguments go to the first pytest call, e.g. `bash scripts/test.sh -m "not e2e"`, and
# then skip the Dagster tests (`DAGSTER_TESTS=1` runs them anyway).
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
meltano_version=4.4.1

step() { printf '\n== %s\n' "$*"; }

step "Python environment (.venv)"
[[ -x .venv/bin/python ]] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'

step "Meltano $meltano_version (.tools/meltano)"
[[ -x .tools/meltano/bin/meltano ]] || "$python" -m venv .tools/meltano
.tools/meltano/bin/python -m pip install --quiet --upgrade pip
# [postgres]: psycopg for a system database (state) on PostgreSQL, as the Dagster runs use.
.tools/meltano/bin/python -m pip install --quiet "meltano[postgres]==$meltano_version"
export MELTANO_BIN="$PWD/.tools/meltano/bin/meltano"

step "Meltano plugins: the tap, the loaders and the dbt utilities (.meltano/)"
# The e2e tests run them (dbt's own tests too, in `dbt-duckdb:build` / `dbt-postgres:build`).
install_dir=$(mktemp -d)
MELTANO_DATABASE_URI="sqlite:///$install_dir/meltano.db" MELTANO_SEND_ANONYMOUS_USAGE_STATS=false \
  .tools/meltano/bin/meltano install > "$install_dir/install.log" 2>&1 \
  || { tail -n 40 "$install_dir/install.log"; exit 1; }

step "Dagster code location (.tools/dagster)"
[[ -x .tools/dagster/bin/python ]] || "$python" -m venv .tools/dagster
.tools/dagster/bin/python -m pip install --quiet --upgrade pip
.tools/dagster/bin/python -m pip install --quiet -e . -e 'orchestration/dagster[test]'

step "PostgreSQL on 127.0.0.1 (for the target-postgres tests)"
eval "$(bash .ci/postgres.sh)"

step "Lint and types"
.venv/bin/ruff format --check .
.venv/bin/ruff check .
.venv/bin/mypy
(cd orchestration/dagster && ../../.tools/dagster/bin/mypy)

step "Tests"
.venv/bin/python -m pytest "$@"

if [[ $# -eq 0 || ${DAGSTER_TESTS:-} == 1 ]]; then
  step "Dagster: dbt manifest, definitions validate, tests (tests/dagster, after the rest)"
  # The code location reads transform/'s manifest at import: parse it fresh (the project may
  # have changed since the last parse), as `dagster dev` would.
  .tools/dagster/bin/dbt parse --quiet --project-dir transform --profiles-dir transform/profiles/postgres
  (cd orchestration/dagster && ../../.tools/dagster/bin/dagster definitions validate -m pat_grants_dagster.definitions)
  .tools/dagster/bin/python -m pytest tests/dagster -m dagster
fi
