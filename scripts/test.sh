#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit, property and end-to-end tests, then
# the MCP client tests (the official Python MCP SDK driving `docket mcp` over stdio,
# with cl100k token budgets counted by js-tiktoken under node), then the browser
# tests of `docket serve` (Playwright for Python driving Debian's Chromium; installed
# here when missing).
# Idempotent: the Python venv lives in target/py-venv and is reused; a missing
# dependency fails the run, it never skips tests.
set -euo pipefail
cd "$(dirname "$0")/.."

# strace drives the crash tests (a SIGKILL at every rename/unlink/write/fsync).
if ! command -v strace >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get install -y strace >/dev/null 2>&1 ||
      { apt-get update >/dev/null 2>&1 && apt-get install -y strace >/dev/null 2>&1; } || true
  fi
fi
command -v strace >/dev/null 2>&1 || { echo "test.sh: strace is required (install it: apt-get install strace)" >&2; exit 1; }

# tmux drives `docket monitor` in a real terminal (crates/docket-cli/tests/monitor.rs).
if ! command -v tmux >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get install -y tmux >/dev/null 2>&1 ||
      { apt-get update >/dev/null 2>&1 && apt-get install -y tmux >/dev/null 2>&1; } || true
  fi
fi
command -v tmux >/dev/null 2>&1 || { echo "test.sh: tmux is required (install it: apt-get install tmux)" >&2; exit 1; }

# `script` (util-linux, Debian's bsdutils) gives the table tests a pseudo-terminal.
if ! command -v script >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get install -y bsdutils >/dev/null 2>&1 ||
      { apt-get update >/dev/null 2>&1 && apt-get install -y bsdutils >/dev/null 2>&1; } || true
  fi
fi
command -v script >/dev/null 2>&1 || { echo "test.sh: script is required (install it: apt-get install bsdutils)" >&2; exit 1; }

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked

# MCP client tests. The token budget tests need node and js-tiktoken (installed into
# target/node-tokens by scripts/tokens.sh; a missing node or npm fails the run).
cargo build --locked -p docket-cli
scripts/tokens.sh --install-only
VENV=target/py-venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import mcp, pytest; from mcp.types import CallToolResult as C; assert hasattr(C, \"model_fields\") and \"is_error\" in C.model_fields" 2>/dev/null; then
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "mcp>=2.3,<3" pytest
fi
DOCKET_BIN="$PWD/target/debug/docket" "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests/mcp

# Browser tests of the web dashboard: Playwright for Python driving the system
# Chromium (Playwright's own browser download cannot be used here). We run as
# root; a failed install fails the run.
if [ ! -x /usr/bin/chromium ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi
if ! "$VENV/bin/python" -c "import playwright.sync_api, pytest" 2>/dev/null; then
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check playwright pytest
fi
DOCKET_BIN="$PWD/target/debug/docket" "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests/web
