#!/usr/bin/env bash
# The whole test suite, from a fresh machine with only Python >= 3.10: installs the project and
# its dev tools into .venv, Meltano into its own venv (its dependencies must not decide the
# tap's), the Dagster code location into its own venv, a local PostgreSQL for the loader tests,
# then lint, type-check and every test on both cores; the tests that need no Meltano again under
# the oldest and the newest Python the machine has (3.10, 3.13), beside the main run; the
# Dagster tests last.
# Extra arguments go to the main pytest call, e.g. `bash scripts/test.sh -m "not e2e"`, and
# then skip the other Pythons and the Dagster tests (`ALL_TESTS=1` runs them anyway).
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
meltano_version=4.4.1
other_pythons=${OTHER_PYTHONS:-3.10 3.13}
workers=${PYTEST_WORKERS:-2}
started=$SECONDS

step() { printf '\n== %s (%d s)\n' "$*" $((SECONDS - started)); }
find_python() {  # find_python 3.10: a working interpreter of that version (pyenv's too), or none
  local version=$1 candidate root
  root=$(pyenv root 2> /dev/null || true)
  for candidate in "python$version" ${root:+"$root"/versions/"$version".*/bin/python"$version"}; do
    if "$candidate" -c 'import sys' > /dev/null 2>&1; then
      echo "$candidate"
      return
    fi
  done
}
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

all_tests=$([[ $# -eq 0 || ${ALL_TESTS:-} == 1 ]] && echo 1 || true)

other_pythons_tests() {  # the Meltano-free tests under each other Python, one after the other
  local version other
  for version in $other_pythons; do
    other=$(find_python "$version")
    if [[ -z $other ]]; then
      echo "test.sh: no Python $version on this machine; the tests were not run under it"
      continue
    fi
    echo "== Tests that need no Meltano, under Python $version ($other)"
    venv ".tools/python$version" "$other" -e '.[dev]'
    ".tools/python$version/bin/python" -m pytest -q -p no:cacheprovider -m "not e2e and not postgres"
  done
}

if [[ -n $all_tests ]]; then
  # Beside the main run, which waits on Meltano, loaders and dbt for much of its time.
  other_log=$(mktemp)
  other_pythons_tests > "$other_log" 2>&1 &
  other_pid=$!
fi

step "Tests ($workers workers)"
.venv/bin/python -m pytest -n "$workers" --dist loadscope "$@"

if [[ -n $all_tests ]]; then
  step "Tests that need no Meltano, under Python $other_pythons (run beside the above)"
  if ! wait "$other_pid"; then
    tail -n 60 "$other_log"
    exit 1
  fi
  grep -E "^== |passed|failed|no Python" "$other_log" || true

  step "Dagster: dbt manifest, definitions validate, tests (tests/dagster)"
  # The code location reads transform/'s manifest at import: parse it fresh (the project may
  # have changed since the last parse), as `dagster dev` would.
  .tools/dagster/bin/dbt parse --quiet --project-dir transform --profiles-dir transform/profiles/postgres
  (cd orchestration/dagster && ../../.tools/dagster/bin/dagster definitions validate -m pat_grants_dagster.definitions)
  .tools/dagster/bin/python -m pytest tests/dagster -m dagster
fi
step "Done"
