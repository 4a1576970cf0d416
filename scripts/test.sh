#!/usr/bin/env bash
# The whole test suite, from a fresh machine with only Python >= 3.10: installs the project and
# its dev tools into .venv (the newest Python the project supports, 3.13, when the machine has
# it), Meltano into its own venv (its dependencies must not decide the tap's), the Dagster code
# location into its own venv, a venv of each other Python of 3.10 and 3.13 the machine has, and
# a local PostgreSQL for the loader tests, all at once; then every test on both cores, with
# lint and types, the Dagster tests, and the tests that need no Meltano under the other Python
# beside them (the main run waits on Meltano, loaders and dbt for much of its time).
# Extra arguments go to the main pytest call, e.g. `bash scripts/test.sh -m "not e2e"`, and
# then skip the other Pythons and the Dagster tests (`ALL_TESTS=1` runs them anyway).
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}  # the tools' venvs (Meltano, Dagster)
meltano_version=4.4.1
supported_pythons="3.10 3.13"  # the oldest and the newest the project supports
workers=${PYTEST_WORKERS:-2}
all_tests=$([[ $# -eq 0 || ${ALL_TESTS:-} == 1 ]] && echo 1 || true)
logs=$(mktemp -d)
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
dev_python=${DEV_PYTHON:-$(find_python 3.13)}
dev_python=${dev_python:-$python}
venv() {  # venv DIR PYTHON PIP-ARGS...: create once, install quietly
  local dir=$1 interpreter=$2
  shift 2
  [[ -x $dir/bin/python ]] || "$interpreter" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --upgrade pip
  "$dir/bin/python" -m pip install --quiet "$@"
}
meltano_and_plugins() {
  # [postgres]: psycopg for a system database (state) on PostgreSQL, as the Dagster runs use.
  venv .tools/meltano "$python" "meltano[postgres]==$meltano_version"
  # Installed once here for every end-to-end test (dbt's own tests run in `dbt-*:build`).
  MELTANO_DATABASE_URI="sqlite:///$logs/meltano.db" MELTANO_SEND_ANONYMOUS_USAGE_STATS=false \
    .tools/meltano/bin/meltano install
}
python_version() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])'; }
other_venvs() {
  local version other
  for version in $other_pythons; do
    other=$(find_python "$version")
    [[ -z $other ]] || venv ".tools/python$version" "$other" -e '.[dev]'
  done
}
lint_and_types() {
  .venv/bin/ruff format --check .
  .venv/bin/ruff check .
  .venv/bin/mypy
  (cd orchestration/dagster && ../../.tools/dagster/bin/mypy)
}
other_python_tests() {  # other_python_tests 3.10: the Meltano-free tests under that Python
  if [[ ! -x .tools/python$1/bin/python ]]; then
    echo "test.sh: no Python $1 on this machine; the tests were not run under it"
    return
  fi
  ".tools/python$1/bin/python" -m pytest -q -p no:cacheprovider -m "not e2e and not postgres"
}
# Background jobs stop with the script, whichever way it ends.
trap 'jobs -p | xargs -r kill 2> /dev/null || true' EXIT
start() {  # start NAME COMMAND...: in the background, its output in $logs/NAME.log
  local name=$1
  shift
  "$@" > "$logs/$name.log" 2>&1 &
  eval "pid_$name=$!"
}
finish() {  # finish NAME: wait for it; on failure show its log's end and stop
  local name=$1 pid
  pid=$(eval "echo \$pid_$name")
  if ! wait "$pid"; then
    echo "test.sh: $name failed; its last lines:" >&2
    tail -n 60 "$logs/$name.log" >&2
    exit 1
  fi
}

dagster_checks() {
  # The code location reads transform/'s manifest at import: parse it fresh (the project may
  # have changed since the last parse), as `dagster dev` would.
  .tools/dagster/bin/dbt parse --quiet --project-dir transform --profiles-dir transform/profiles/postgres
  (cd orchestration/dagster && ../../.tools/dagster/bin/dagster definitions validate -m pat_grants_dagster.definitions)
  .tools/dagster/bin/python -m pytest -p no:cacheprovider tests/dagster -m dagster
}
show() {  # show NAME TITLE: wait for a job, then its title and its result line
  finish "$1"
  step "$2"
  grep -E "passed|failed|no Python|Success|All checks" "$logs/$1.log" || true
}

main_python=$([[ -x .venv/bin/python ]] && echo .venv/bin/python || echo "$dev_python")
main_version=$(python_version "$main_python")
other_pythons=${OTHER_PYTHONS:-$(for v in $supported_pythons; do [[ $v == "$main_version" ]] || echo "$v"; done)}

step "Environments at once: .venv (Python $main_version), Meltano and its plugins, Dagster, other Pythons, PostgreSQL"
start venv venv .venv "$dev_python" -e '.[dev]'
start meltano meltano_and_plugins
start dagster venv .tools/dagster "$python" -e . -e 'orchestration/dagster[test]'
[[ -z $all_tests ]] || start others_venvs other_venvs
start postgres bash .ci/postgres.sh
for name in venv meltano dagster postgres; do finish "$name"; done
[[ -z $all_tests ]] || finish others_venvs
eval "$(grep '^export PG' "$logs/postgres.log")"
export MELTANO_BIN="$PWD/.tools/meltano/bin/meltano"

step "Tests ($workers workers), with lint and types, Dagster and the other Pythons beside them"
start lint lint_and_types
if [[ -n $all_tests ]]; then
  start dagster_tests dagster_checks
  for version in $other_pythons; do start "python${version/./_}" other_python_tests "$version"; done
fi
.venv/bin/python -m pytest -n "$workers" --dist loadscope "$@"
show lint "Lint and types"
if [[ -n $all_tests ]]; then
  for version in $other_pythons; do
    show "python${version/./_}" "Tests that need no Meltano, under Python $version"
  done
  show dagster_tests "Dagster: dbt manifest, definitions validate, tests (tests/dagster)"
fi
step "Done"
