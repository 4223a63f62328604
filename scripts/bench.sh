#!/usr/bin/env bash
# Benchmarks for the docket CLI: builds the release binary, generates synthetic
# projects (1k, 10k, 100k tickets), times the common commands with hyperfine,
# measures peak memory, and writes the results table into docs/BENCHMARKS.md
# (between the bench markers).
#
#   bash scripts/bench.sh
#
# Environment knobs:
#   BENCH_DIR    where projects and raw results live (default: target/bench)
#   BENCH_SIZES  ticket counts (default: "1000 10000 100000")
#   BENCH_SEED   generator seed (default: 42)
#   BENCH_NO_DOC=1  do not touch docs/BENCHMARKS.md (print the table only)
#   BENCH_BIN    time this docket binary instead of building target/release/docket
#                (e.g. an older build, for before/after comparisons)
#
# Projects are reused when present (same count); delete BENCH_DIR to regenerate.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
WORK="${BENCH_DIR:-$ROOT/target/bench}"
SIZES="${BENCH_SIZES:-1000 10000 100000}"
SEED="${BENCH_SEED:-42}"
BIN="${BENCH_BIN:-$ROOT/target/release/docket}"
DOC="$ROOT/docs/BENCHMARKS.md"
RES="$WORK/results"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------
if [ -z "${BENCH_BIN:-}" ]; then
    log "building release binary"
    cargo build --release --quiet
fi

if ! command -v hyperfine >/dev/null 2>&1; then
    log "installing hyperfine"
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        apt-get install -y hyperfine >/dev/null 2>&1 ||
            { apt-get update >/dev/null 2>&1 && apt-get install -y hyperfine >/dev/null 2>&1; } || true
    fi
    command -v hyperfine >/dev/null 2>&1 || cargo install hyperfine --locked
fi
for tool in jq; do
    command -v "$tool" >/dev/null 2>&1 || { echo "bench.sh: $tool is required" >&2; exit 1; }
done
HAVE_TIME=0
[ -x /usr/bin/time ] && HAVE_TIME=1

mkdir -p "$WORK" "$RES"
rm -f "$RES"/*.json "$RES"/mem.tsv

# --- datasets ----------------------------------------------------------------
# A project of N tickets in $WORK/pN, generated once and reused.
dataset() {
    local n="$1" dir="$WORK/p$1"
    if [ -f "$dir/.bench-count" ] && [ "$(cat "$dir/.bench-count")" = "$n:$SEED" ]; then
        return
    fi
    log "generating $n tickets in $dir"
    rm -rf "$dir"
    "$BIN" gen --count "$n" --out "$dir" --seed "$SEED" >/dev/null
    echo "$n:$SEED" >"$dir/.bench-count"
}

# A unique prefix (at least 8 characters) of the random-ish end of an existing
# id's suffix: what a human would type. ULID suffixes begin with the timestamp,
# so generated tickets share their first characters; we take the shortest
# unique prefix of the suffix that is at least 8 characters long.
partial_id() {
    local dir="$1" ids id suffix len p
    ids="$(ls "$dir/.docket/tickets" "$dir/.docket/archive" | sed -n 's/^\([^.][^-]*-[^-.]*\).*\.md$/\1/p')"
    id="$(printf '%s\n' "$ids" | sort | sed -n "$(( $(printf '%s\n' "$ids" | wc -l) / 2 ))p")"
    suffix="${id#*-}"
    for len in $(seq 8 ${#suffix}); do
        p="${suffix:0:$len}"
        if [ "$(printf '%s\n' "$ids" | grep -c -- "-$p")" = 1 ]; then
            echo "$p"
            return
        fi
    done
    echo "$suffix"
}

# Peak RSS in MB (warm cache): the median of five runs, as the timings are
# medians (one run is ±3 MB on a busy machine).
peak_mb() {
    local out="$RES/time.out" i
    : >"$RES/peaks"
    for i in 1 2 3 4 5; do
        /usr/bin/time -f '%M' -o "$out" "$@" >/dev/null 2>&1 || true
        tail -n 1 "$out" >>"$RES/peaks"
    done
    sort -n "$RES/peaks" | awk '{ kb[NR] = $1 } END { printf "%.1f", kb[int((NR + 1) / 2)] / 1024 }'
}

HF=(hyperfine --style basic --shell=none)

bench_size() {
    local n="$1" dir="$WORK/p$1" mut="$WORK/p$1-mut" warm runs partial
    dataset "$n"
    # Warm the derived cache (and the page cache) once.
    "$BIN" -C "$dir" list --json >/dev/null
    partial="$(partial_id "$dir")"
    if [ "$n" -ge 100000 ]; then warm=1; runs=5; else warm=3; runs=10; fi
    log "$n tickets: read-only commands (show $partial)"
    "${HF[@]}" --warmup "$warm" --min-runs "$runs" -i \
        --export-json "$RES/read-$n.json" \
        -n "list --json" "$BIN -C $dir list --json" \
        -n "list" "$BIN -C $dir list" \
        -n "ready --json" "$BIN -C $dir ready --json" \
        -n "blocked --json" "$BIN -C $dir blocked --json" \
        -n "list --json --limit 50" "$BIN -C $dir list --json --limit 50" \
        -n "show <partial id>" "$BIN -C $dir show $partial" \
        -n "check --json" "$BIN -C $dir check --json" \
        -n "board --json" "$BIN -C $dir board --json" \
        -n "stats --json" "$BIN -C $dir stats --json" \
        -n "stats --json --window 400d" "$BIN -C $dir stats --json --window 400d" >&2

    bench_hot "$n" "$dir" "$warm" "$runs"

    # Mutations run in a throw-away copy (cache included), so the read-only
    # dataset never changes. Each create adds one ticket to the copy; a few dozen
    # extra tickets do not move the numbers.
    log "$n tickets: create / close (in a copy)"
    rm -rf "$mut"
    cp -a "$dir" "$mut"
    # close: --prepare creates a fresh ticket (untimed) and records its id;
    # the timed command closes it (resolve, read, guards, fsync'd write, move to
    # archive). bash is used only to read the id file (a builtin, no fork).
    "${HF[@]}" --warmup 2 --min-runs "$runs" \
        --export-json "$RES/write-$n.json" \
        -n "create" "$BIN -C $mut create 'bench ticket'" >&2
    hyperfine --style basic --shell=bash --warmup 2 --min-runs "$runs" \
        --export-json "$RES/close-$n.json" \
        --prepare "$BIN -C $mut create 'to close' --json | jq -r .data.id > $WORK/close-id" \
        -n "close <id>" "read -r id < $WORK/close-id; $BIN -C $mut close \$id" >&2
    rm -rf "$mut"

    if [ "$n" = 10000 ]; then
        log "$n tickets: cold derived cache"
        "${HF[@]}" --warmup 1 --min-runs "$runs" \
            --export-json "$RES/cold-$n.json" \
            --prepare "rm -f $dir/.docket/local/cache-v4.bin" \
            -n "list --json (cold cache)" "$BIN -C $dir list --json" >&2
        "$BIN" -C "$dir" list --json >/dev/null
    fi

    if [ "$HAVE_TIME" = 1 ] && [ "$n" -ge 10000 ]; then
        log "$n tickets: peak memory"
        printf '%s\t%s\t%s\n' "list --json" "$n" "$(peak_mb "$BIN" -C "$dir" list --json)" >>"$RES/mem.tsv"
        printf '%s\t%s\t%s\n' "check --json" "$n" "$(peak_mb "$BIN" -C "$dir" check --json)" >>"$RES/mem.tsv"
    fi
}

# The hot index: `docket watch` runs on the dataset while the listings are
# timed (they ask it over .docket/local/hot.sock), then it is stopped. Skipped
# for a binary without `watch` (BENCH_BIN of an older build).
bench_hot() {
    local n="$1" dir="$2" warm="$3" runs="$4" pid i
    "$BIN" watch --help >/dev/null 2>&1 || return 0
    log "$n tickets: hot index (docket watch)"
    "$BIN" -C "$dir" watch 2>/dev/null &
    pid=$!
    for i in $(seq 100); do
        if DOCKET_HOT_DEBUG=1 "$BIN" -C "$dir" list --json --limit 1 2>&1 >/dev/null | grep -q "hot index"; then
            break
        fi
        sleep 0.2
    done
    "${HF[@]}" --warmup "$warm" --min-runs "$runs" \
        --export-json "$RES/hot-$n.json" \
        -n "list --json (hot)" "$BIN -C $dir list --json" \
        -n "list (hot)" "$BIN -C $dir list" \
        -n "ready --json (hot)" "$BIN -C $dir ready --json" \
        -n "ready (hot)" "$BIN -C $dir ready" \
        -n "list --json --limit 50 (hot)" "$BIN -C $dir list --json --limit 50" >&2
    if [ "$HAVE_TIME" = 1 ] && [ "$n" -ge 10000 ]; then
        printf '%s\t%s\t%s\n' "list --json (hot)" "$n" "$(peak_mb "$BIN" -C "$dir" list --json)" >>"$RES/mem.tsv"
        printf '%s\t%s\t%s\n' "docket watch (server, after the runs)" "$n" \
            "$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")" >>"$RES/mem.tsv"
        # What it holds between requests (VmRSS), as opposed to its peak.
        sleep 1
        printf '%s\t%s\t%s\n' "docket watch (server, held 1 s later)" "$n" \
            "$(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")" >>"$RES/mem.tsv"
    fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

bench_empty() {
    local dir="$WORK/empty"
    if [ ! -d "$dir/.docket" ]; then
        mkdir -p "$dir"
        "$BIN" -C "$dir" init >/dev/null
    fi
    log "empty project"
    "${HF[@]}" --warmup 10 --min-runs 30 -i \
        --export-json "$RES/empty.json" \
        -n "info (empty project)" "$BIN -C $dir info" \
        -n "list --json (empty project)" "$BIN -C $dir list --json" \
        -n "ready --json (empty project)" "$BIN -C $dir ready --json" >&2
}

bench_empty
for n in $SIZES; do
    bench_size "$n"
done

# --- report ------------------------------------------------------------------
# Medians in ms, per command and size.
fmt_size() { awk -v n="$1" 'BEGIN { if (n >= 1000 && n % 1000 == 0) print n/1000 "k"; else print n }'; }

table() {
    local header="| command |" sep="|---|" n
    for n in $SIZES; do header+=" $(fmt_size "$n") |"; sep+="---:|"; done
    header+=" target @10k |"; sep+="---|"
    echo "$header"
    echo "$sep"
    local cmds=("list --json" "list" "ready --json" "blocked --json" "list --json --limit 50" "list --json (hot)" "list (hot)" "ready --json (hot)" "ready (hot)" "list --json --limit 50 (hot)" "show <partial id>" "create" "close <id>" "check --json" "board --json" "stats --json" "stats --json --window 400d")
    local c row v
    for c in "${cmds[@]}"; do
        row="| \`$c\` |"
        for n in $SIZES; do
            v="$(cat "$RES"/read-"$n".json "$RES"/hot-"$n".json "$RES"/write-"$n".json "$RES"/close-"$n".json 2>/dev/null |
                jq -r --arg c "$c" 'select(.results) | .results[] | select(.command == $c) | (.median * 1000 * 10 | round / 10 | tostring) + " ms"' | head -n1)"
            row+=" ${v:--} |"
        done
        case "$c" in
            "list --json" | "list" | "ready --json") row+=" ≤ 40 ms |" ;;
            "list --json (hot)" | "list (hot)" | "ready --json (hot)" | "ready (hot)") row+=" ≤ 10 ms; 100k all open: ≤ 400 ms |" ;;
            "list --json --limit 50 (hot)") row+=" 100k: ≤ 100 ms |" ;;
            "check --json") row+=" 100k: ≤ 500 ms |" ;;
            "show <partial id>" | "create") row+=" ≤ 15 ms |" ;;
            "stats --json"*) row+=" ≤ 300 ms |" ;;
            *) row+=" |" ;;
        esac
        echo "$row"
    done
    echo
    echo "| other | median | target |"
    echo "|---|---:|---|"
    jq -r '.results[] | "| `\(.command)` | \(.median * 1000 * 10 | round / 10) ms | ≤ 5 ms |"' "$RES/empty.json"
    if [ -f "$RES/cold-10000.json" ]; then
        jq -r '.results[] | "| `\(.command)` @10k | \(.median * 1000 * 10 | round / 10) ms | |"' "$RES/cold-10000.json"
    fi
    if [ -f "$RES/mem.tsv" ]; then
        echo
        echo "| peak memory (max RSS) | tickets | MB | target |"
        echo "|---|---:|---:|---|"
        awk -F'\t' '{ t = ($1 ~ /^docket watch/) ? "" : "≤ 100 MB"; printf "| `%s` | %s | %s | %s |\n", $1, $2, $3, t }' "$RES/mem.tsv"
    fi
}

CPU="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
REPORT="$(
    echo "Run: $(date -u '+%Y-%m-%d %H:%M UTC') · $(nproc) cores · ${CPU:-unknown CPU} · $(uname -sr) · $(hyperfine --version) · docket $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo
    echo "Medians of hyperfine runs (warm page cache, warm derived cache unless noted)."
    echo
    table
)"
echo "$REPORT"

if [ "${BENCH_NO_DOC:-0}" != 1 ]; then
    BEGIN='<!-- bench:begin (generated by scripts/bench.sh; edits inside are overwritten) -->'
    END='<!-- bench:end -->'
    if [ ! -f "$DOC" ] || ! grep -q '^<!-- bench:begin' "$DOC"; then
        mkdir -p "$(dirname "$DOC")"
        { [ -f "$DOC" ] && cat "$DOC" || printf '# Benchmarks\n\nReproduce with `bash scripts/bench.sh`.\n'
          printf '\n%s\n%s\n' "$BEGIN" "$END"; } >"$DOC.tmp"
        mv "$DOC.tmp" "$DOC"
    fi
    printf '%s\n' "$REPORT" >"$RES/table.md"
    awk -v begin="$BEGIN" -v end="$END" -v table="$RES/table.md" '
        /^<!-- bench:begin/ { print begin; while ((getline line < table) > 0) print line; skip = 1; next }
        /^<!-- bench:end/ { skip = 0 }
        !skip { print }
    ' "$DOC" >"$DOC.tmp"
    mv "$DOC.tmp" "$DOC"
    log "wrote results into $DOC"
fi
