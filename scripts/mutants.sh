#!/usr/bin/env bash
# Mutation testing of docket's rule-bearing code with cargo-mutants (issue 17):
# does some test fail when a rule is broken? Results and the reviewed survivors
# are recorded in docs/TESTING.md; refresh them whenever a rule changes.
#
# Slow (minutes per module on a 2-core machine), so it is NOT part of
# scripts/test.sh or CI. Needs cargo-mutants: `cargo install cargo-mutants --locked`.
#
#   scripts/mutants.sh                       every group below
#   scripts/mutants.sh core                  the core modules, judged by docket-core's tests
#   scripts/mutants.sh core workflow audit   only these core modules
#   scripts/mutants.sh runner                the runner's pure decision code (docket-core/src/runner)
#   scripts/mutants.sh git                   the runner's commit/deletion guard (docket-cli runner/git.rs)
#   scripts/mutants.sh --in-diff [BASE]      only lines changed since BASE (default main), every group
#   scripts/mutants.sh summary               per-file caught/missed/timeout/unviable (markdown) of the runs
#                                            under $MUTANTS_OUT, and every surviving mutant
#   scripts/mutants.sh core -- --iterate     anything after `--` goes to cargo-mutants
#   scripts/mutants.sh core ops -- --shard 0/10 --sharding round-robin   a 1-in-10 sample
#
# Environment: MUTANTS_JOBS (default 1), MUTANTS_TIMEOUT (seconds per test run,
# default 120), MUTANTS_NICE (default 19), MUTANTS_OUT (default target/mutants-out),
# CARGO_TARGET_DIR (default target/mutants-build; ignored when MUTANTS_JOBS > 1,
# since parallel jobs must not share a target folder). Results: $MUTANTS_OUT/<group>[-<modules>]/mutants.out
# (outcomes.json, caught.txt, missed.txt, timeout.txt, unviable.txt). Builds share
# target/mutants-build, so a second run only recompiles the mutated crate.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo mutants --version >/dev/null 2>&1; then
  echo "mutants.sh: cargo-mutants is required: cargo install cargo-mutants --locked" >&2
  exit 1
fi

CORE_MODULES=(workflow audit plan graph id store ops check session)

if [ "${1:-}" = summary ]; then
  python3 - "${MUTANTS_OUT:-$PWD/target/mutants-out}" <<'PY'
import collections, glob, json, os, sys
root = sys.argv[1]
# The latest outcome of each mutant wins (runs ordered by when they ended).
latest = {}
runs = sorted(glob.glob(os.path.join(root, "*", "mutants.out", "outcomes.json")), key=os.path.getmtime)
for f in runs:
    run = f.split(os.sep)[-3]
    for o in json.load(open(f))["outcomes"]:
        m = o["scenario"]
        if not isinstance(m, dict) or "Mutant" not in m:
            continue
        m = m["Mutant"]
        kind = {"CaughtMutant": "caught", "MissedMutant": "missed", "Timeout": "timeout",
                "Unviable": "unviable"}.get(o["summary"], o["summary"])
        latest[m["name"]] = (m["file"], kind, run)
per = collections.defaultdict(collections.Counter)
for name, (file, kind, run) in latest.items():
    per[file][kind] += 1
print("Runs: " + ", ".join(f.split(os.sep)[-3] for f in runs) + "\n")
print("| file | caught | missed | timeout | unviable | caught % |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
tot = collections.Counter()
for file, c in sorted(per.items()):
    tot.update(c)
    viable = c["caught"] + c["missed"] + c["timeout"]
    score = 100 * (c["caught"] + c["timeout"]) / viable if viable else 100
    print(f"| {file.replace('crates/', '')} | {c['caught']} | {c['missed']} | {c['timeout']} | {c['unviable']} | {score:.1f} |")
viable = tot["caught"] + tot["missed"] + tot["timeout"]
if viable:
    print(f"| **total** | {tot['caught']} | {tot['missed']} | {tot['timeout']} | {tot['unviable']} | "
          f"{100 * (tot['caught'] + tot['timeout']) / viable:.1f} |")
print("\nSurviving mutants (timeouts count as caught):\n")
for name, (file, kind, run) in sorted(latest.items()):
    if kind == "missed":
        print(f"- `{name}` ({run})")
PY
  exit 0
fi
groups=()
modules=()
diff_base=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --in-diff)
      diff_base="main"
      if [ $# -gt 1 ] && [ "${2#-}" = "$2" ] && ! [[ "$2" =~ ^(core|runner|git)$ ]]; then
        diff_base="$2"
        shift
      fi
      ;;
    core | runner | git) groups+=("$1") ;;
    --) shift; extra=("$@"); break ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *)
      if [ ${#groups[@]} -gt 0 ] && [ "${groups[-1]}" = core ]; then
        modules+=("$1")
      else
        echo "mutants.sh: unknown argument \`$1\` (see --help)" >&2
        exit 2
      fi
      ;;
  esac
  shift
done
[ ${#groups[@]} -eq 0 ] && groups=(core runner git)
[ ${#modules[@]} -eq 0 ] && modules=("${CORE_MODULES[@]}")

if [ "${MUTANTS_JOBS:-1}" = 1 ]; then
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/mutants-build}"
else
  # Parallel jobs must not share a target folder: one job's build would
  # overwrite another's mutated crate and its tests would judge the wrong
  # code (a run with MUTANTS_JOBS=2 and a shared folder reported killed
  # mutants as missed). Each job then builds in its own copy's target/.
  unset CARGO_TARGET_DIR
fi
OUT_ROOT="${MUTANTS_OUT:-$PWD/target/mutants-out}"
# No debug info: faster builds and links, same tests.
export CARGO_PROFILE_DEV_DEBUG=0 CARGO_PROFILE_TEST_DEBUG=0
common=(--jobs "${MUTANTS_JOBS:-1}" --timeout "${MUTANTS_TIMEOUT:-120}" --build-timeout 900 --no-shuffle)

diff_file=""
if [ -n "$diff_base" ]; then
  diff_file="$OUT_ROOT/in-diff.patch"
  mkdir -p "$OUT_ROOT"
  # The lines this branch changed: against the merge base, not BASE's tip.
  git diff "$(git merge-base "$diff_base" HEAD)" -- crates > "$diff_file"
  if [ ! -s "$diff_file" ]; then
    echo "mutants.sh: no changes under crates/ since $diff_base"
    exit 0
  fi
  common+=(--in-diff "$diff_file")
fi

run() {
  local name=$1
  shift
  # A sample (`--shard k/n`) gets its own folder.
  local i
  for ((i = 0; i < ${#extra[@]}; i++)); do
    if [ "${extra[$i]}" = --shard ] && [ $((i + 1)) -lt ${#extra[@]} ]; then
      name="$name-shard-${extra[$((i + 1))]//\//of}"
    fi
  done
  local out="$OUT_ROOT/$name"
  mkdir -p "$out"
  echo "== mutants: $name" >&2
  # cargo-mutants exits 2 when mutants survive, 3 on timeouts: report, go on.
  nice -n "${MUTANTS_NICE:-19}" cargo mutants "${common[@]}" --output "$out" "${extra[@]}" "$@" || true
  for f in caught missed timeout unviable; do
    printf '%-9s %s\n' "$f" "$({ wc -l < "$out/mutants.out/$f.txt"; } 2>/dev/null || echo 0)"
  done
}

for g in "${groups[@]}"; do
  case "$g" in
    core)
      files=()
      for m in "${modules[@]}"; do files+=(--file "crates/docket-core/src/$m.rs"); done
      # The core's own tests (unit, tests/rules.rs, tests/fuzz.rs), no doctests.
      name=core
      [ "${modules[*]}" != "${CORE_MODULES[*]}" ] && name="core-$(IFS=-; echo "${modules[*]}")"
      run "$name" -p docket-core "${files[@]}" -- --tests
      ;;
    runner)
      run runner -p docket-core --file 'crates/docket-core/src/runner/*.rs' -- --tests
      ;;
    git)
      # The git side of those decisions (the parsing and the guard itself are
      # pure, in docket-core/src/runner/commit.rs, measured by `runner`): what
      # changed and the scoped commit, judged by the unit tests next to them
      # (real git, no agent). Builds the whole CLI: slow.
      run git -p docket-cli --file crates/docket-cli/src/runner/git.rs \
        --re 'snapshot|changed_since|commit_paths|nul_list' -- --bin docket runner::git
      ;;
  esac
done
