#!/usr/bin/env bash
# Web dashboard numbers at 10k tickets (docs/BENCHMARKS.md, "Web dashboard").
# Uses the debug build unless BENCH_BIN names another binary; generates the
# project once into target/bench/web-p10000. Needs the venv and Chromium that
# scripts/test.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BENCH_BIN:-}"
if [ -z "$BIN" ]; then
  cargo build --locked -p docket-cli
  BIN="${CARGO_TARGET_DIR:-target}/debug/docket"
fi
BIN="$(realpath "$BIN")"
N="${BENCH_COUNT:-10000}"
DIR="target/bench/web-p$N"
if [ ! -d "$DIR/.docket" ]; then
  rm -rf "$DIR"
  "$BIN" gen --count "$N" --out "$DIR" --seed 42 >/dev/null
fi
target/py-venv/bin/python scripts/bench_web.py "$BIN" "$DIR"
