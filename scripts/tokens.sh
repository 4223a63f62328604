#!/usr/bin/env bash
# Token budgets (cl100k) of what agents read: tools/list, initialize,
# resources/list, a write, a show, a failed call (docket mcp) and docket prime
# (text and --json), on a generated 500-ticket project. Installs the npm package
# js-tiktoken into target/node-tokens once (it ships the cl100k ranks).
# A missing node/npm fails the run. Exits 1 when a budget is exceeded.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  # Install node from Debian when we can; otherwise fail (never skip).
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  fi
fi
command -v node >/dev/null || { echo "tokens.sh: node is required" >&2; exit 2; }
command -v npm >/dev/null || { echo "tokens.sh: npm is required" >&2; exit 2; }
DIR=target/node-tokens
if [ ! -f "$DIR/node_modules/js-tiktoken/package.json" ]; then
  mkdir -p "$DIR"
  [ -f "$DIR/package.json" ] || echo '{"name":"node-tokens","private":true}' > "$DIR/package.json"
  npm install --prefix "$DIR" --silent --no-audit --no-fund "js-tiktoken@1"
fi
if [ "${1:-}" = "--install-only" ]; then
  exit 0
fi
[ -x target/debug/docket ] || cargo build --locked -p docket-cli
python3 scripts/tokens.py "$PWD/target/debug/docket"
