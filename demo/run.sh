#!/usr/bin/env bash
# The main job end to end on a fresh machine with only Python (>= 3.10), against a LOCAL FAKE
# GitHub: venv -> project + Meltano -> `meltano install` -> fake GitHub with two generated
# organizations -> `meltano run tap-github-pat-grants target-duckdb dbt-duckdb:build` -> a
# governance report from the dbt models -> a grant revoked at the fake GitHub -> a full refresh
# -> the report and `current_grants` without it, and the snapshot saying when it went.
#
#   bash demo/run.sh
#
# Nothing here talks to GitHub. The demo keeps its own Meltano state and warehouse under
# demo/.work/ (gitignored), so it never mixes with a real project's state or output/.
# Knobs: PYTHON (python3), DEMO_VENV (.venv: the project), MELTANO_VENV (.tools/meltano, as
# scripts/test.sh: Meltano's dependencies stay out of the tap's), DEMO_ORGS ("acme=300
# globex=250"), DEMO_REQUESTS (40 pending requests per org), DEMO_SEED (1), DEMO_SELECT (the
# streams to select, e.g. "pat_grants sync_runs"; default every stream, issue 18's three too:
# SAML credential authorizations, the audit log's token events and the members, which the fake
# App may read here; docs/warehouse.md).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
work=$repo/demo/.work
venv=${DEMO_VENV:-$repo/.venv}
meltano_venv=${MELTANO_VENV:-$repo/.tools/meltano}
python=${PYTHON:-python3}
meltano_version=4.4.1
SECONDS=0

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
step_done() { printf '    (%ss so far)\n' "$SECONDS"; }

say "LOCAL DEMO: a fake GitHub on 127.0.0.1 with generated data; no real GitHub is contacted"

mkdir -p "$work"
for dir in "$venv" "$meltano_venv"; do
  [[ -x $dir/bin/python ]] || { say "creating the virtualenv $dir"; "$python" -m venv "$dir"; }
done
say "installing the project into $venv, meltano==$meltano_version into $meltano_venv"
"$venv/bin/python" -m pip install -q -e .
"$meltano_venv/bin/python" -m pip install -q "meltano==$meltano_version"
step_done

export PATH=$venv/bin:$PATH  # `python` below is the project's (the fake GitHub needs its packages)
meltano=$meltano_venv/bin/meltano
# Demo state and warehouse live apart from the project's own (.meltano/meltano.db, output/).
export MELTANO_DATABASE_URI=sqlite:///$work/meltano.db
export MELTANO_SEND_ANONYMOUS_USAGE_STATS=false
export TARGET_DUCKDB_FILEPATH=$work/warehouse.duckdb
rm -f "$work/meltano.db" "$TARGET_DUCKDB_FILEPATH"  # each demo is a first (full) run

say "meltano install (plugin venvs under .meltano/; quick once cached)"
"$meltano" install > "$work/meltano-install.log" 2>&1 || { tail -n 30 "$work/meltano-install.log"; exit 1; }
step_done

say "starting the FAKE GitHub (local demo)"
orgs=()
for org in ${DEMO_ORGS:-acme=300 globex=250}; do orgs+=(--org "$org"); done
rm -f "$work/tap-config.json"
rm -rf "$work/control" && mkdir -p "$work/control"
python -m tests.fake_github "${orgs[@]}" --requests "${DEMO_REQUESTS:-40}" \
  --seed "${DEMO_SEED:-1}" --port 0 --write-config "$work/tap-config.json" \
  --control-dir "$work/control" --governance-permissions \
  > "$work/fake-github.log" 2>&1 &
fake_pid=$!
trap 'kill "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q "listening on" "$work/fake-github.log" 2>/dev/null && break
  kill -0 "$fake_pid" 2>/dev/null || { cat "$work/fake-github.log"; exit 1; }
  sleep 0.1
done
grep "listening on" "$work/fake-github.log" || { echo "the fake GitHub did not start"; exit 1; }

# The tap reads its settings from TAP_GITHUB_PAT_GRANTS_* (declared in meltano.yml). Against
# real GitHub you would set APP_ID, PRIVATE_KEY and ORGANIZATIONS and leave API_URL unset.
eval "$(python - "$work/tap-config.json" <<'PY'
import json, shlex, sys
config = json.load(open(sys.argv[1], encoding="utf-8"))
for name in ("api_url", "app_id", "private_key"):
    print(f"export TAP_GITHUB_PAT_GRANTS_{name.upper()}={shlex.quote(str(config[name]))}")
print("export TAP_GITHUB_PAT_GRANTS_ORGANIZATIONS=" + shlex.quote(json.dumps(config["organizations"])))
PY
)"
# Meltano's `select` extra as a variable, so meltano.yml stays as it is: every stream, also the
# three meltano.yml leaves out by default (they need permissions a real App may not have).
if [[ -n ${DEMO_SELECT:-} ]]; then
  select_json=$(printf '"%s.*",' $DEMO_SELECT)
  export TAP_GITHUB_PAT_GRANTS__SELECT="[${select_json%,}]"
  say "selected streams: $DEMO_SELECT (the report says which sections that leaves out)"
else
  export TAP_GITHUB_PAT_GRANTS__SELECT='["*.*"]'
fi

# One line per step here; every plugin's INFO log goes to demo/.work/*.log.
pipeline() {  # $1: log name, then `meltano run` arguments
  local log=$work/$1.log; shift
  local started=$SECONDS dbt_seconds
  "$meltano" run "$@" > "$log" 2>&1 || { tail -n 30 "$log"; exit 1; }
  dbt_seconds=$(grep -o 'Finished running .*(\([0-9.]*s\))' "$log" | grep -o '([0-9.]*s)' | tr -d '()' | tail -n 1)
  echo "    took $((SECONDS - started))s, of which dbt build ${dbt_seconds:-?} (log: demo/.work/$(basename "$log"))"
}
report() {
  # duckdb 1.2.2 wrote the file; target-duckdb's own venv has it (any duckdb >= 1.2.2 reads it).
  .meltano/loaders/target-duckdb/venv/bin/python demo/report.py --duckdb "$TARGET_DUCKDB_FILEPATH" "$@"
}

say "meltano run tap-github-pat-grants target-duckdb dbt-duckdb:build"
pipeline meltano-run tap-github-pat-grants target-duckdb dbt-duckdb:build

say "governance report (LOCAL DEMO data), from the dbt models in $TARGET_DUCKDB_FILEPATH"
report

# A revocation flowing through: the first write/admin grant whose token has not expired.
grant=$(.meltano/loaders/target-duckdb/venv/bin/python - "$TARGET_DUCKDB_FILEPATH" <<'PY'
import sys, duckdb
c = duckdb.connect(sys.argv[1], read_only=True)
print(*c.execute("select org, grant_id from github_pat_grants_analytics.grants_write_or_admin"
                 " where not is_expired order by org, grant_id limit 1").fetchone())
PY
)
say "revoking grant ${grant/ //} at the FAKE GitHub (as an org owner would), then a full refresh"
rm -f "$work/control/revoked"
echo "$grant" > "$work/control/revoke"
for _ in $(seq 1 50); do [[ -f $work/control/revoked ]] && break; sleep 0.1; done
sed 's/^/    fake GitHub: /' "$work/control/revoked"
pipeline meltano-full-refresh --full-refresh tap-github-pat-grants target-duckdb dbt-duckdb:build

if [[ -z ${DEMO_SELECT:-} || " $DEMO_SELECT " == *" sync_runs "* ]]; then
  say "the report again: grant ${grant/ //} is gone, and the snapshot says when"
else  # no sync_runs: no org's complete read is known, and target-duckdb keeps every row
  say "the report again: without sync_runs selected, DuckDB cannot tell grant ${grant/ //} is gone"
fi
report --max-rows 3 --grant "${grant/ //}"

say "done in ${SECONDS}s (the fake GitHub stops now)"
cat <<EOF
    Query the models: .meltano/loaders/target-duckdb/venv/bin/python demo/query.py \\
                        --duckdb $TARGET_DUCKDB_FILEPATH --schema github_pat_grants_analytics \\
                        --sql 'select * from grants_write_or_admin'
    Real GitHub:      see README.md ("The same against real GitHub").
EOF
