#!/usr/bin/env python3
"""Token budgets of what agents read, in cl100k tokens (js-tiktoken via node).

Generates a 500-ticket project (`docket gen`), drives `docket mcp` over raw
JSON-RPC on stdio and measures: tools/list, the initialize result,
resources/list, a write's structured content (note, update, move: the largest),
a compact `show`, a failed call, and the CLI's `docket prime` (text and --json).
Run through scripts/tokens.sh, which installs js-tiktoken first. Also imported
by tests/mcp (count() and BUDGETS).

Usage: tokens.py [DOCKET_BIN]   exits 1 when a budget is exceeded.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COUNTER = ROOT / "scripts" / "count_tokens.mjs"

# name -> (limit, inclusive?)
BUDGETS = {
    "tools/list": 2500,
    "write (max of note/update/move)": 150,
    "prime (text)": 1499,
    "prime --json": 2999,
}


def count(texts):
    """cl100k token counts of `texts` (a list of strings)."""
    r = subprocess.run(["node", str(COUNTER)], input=json.dumps(texts), capture_output=True,
                       text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"token counter failed (run scripts/tokens.sh once): {r.stderr}")
    return json.loads(r.stdout)


def compact(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def env():
    e = {k: v for k, v in os.environ.items() if k != "DOCKET_SESSION"}
    e["DOCKET_ACTOR"] = "tester"
    e["NO_COLOR"] = "1"
    return e


class Server:
    """`docket mcp` over raw JSON-RPC lines."""

    def __init__(self, bin_, proj, *args):
        self.p = subprocess.Popen([bin_, "mcp", *args], cwd=proj, env=env(),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        self.n = 0

    def request(self, method, params=None):
        self.n += 1
        msg = {"jsonrpc": "2.0", "id": self.n, "method": method}
        if params is not None:
            msg["params"] = params
        self.p.stdin.write(json.dumps(msg) + "\n")
        self.p.stdin.flush()
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError("server exited")
            out = json.loads(line)
            if out.get("id") == self.n:
                return out

    def notify(self, method):
        self.p.stdin.write(json.dumps({"jsonrpc": "2.0", "method": method}) + "\n")
        self.p.stdin.flush()

    def call(self, tool, **args):
        return self.request("tools/call", {"name": tool, "arguments": args})["result"]

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)


def measure(bin_, count_=500):
    """Every figure, as {name: tokens}."""
    with tempfile.TemporaryDirectory(prefix="docket-tokens-") as d:
        proj = Path(d) / "proj"
        subprocess.run([bin_, "gen", "--count", str(count_), "--out", str(proj)], check=True,
                       capture_output=True, env=env(), timeout=300)
        texts = {}
        s = Server(bin_, proj)
        try:
            init = s.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                            "clientInfo": {"name": "tokens", "version": "0"}})
            texts["initialize result"] = compact(init["result"])
            s.notify("notifications/initialized")
            texts["tools/list"] = compact(s.request("tools/list")["result"])
            t = s.call("create", title="Budget probe", acceptance=["first", "second", "third"])
            tid = t["structuredContent"]["id"]
            # A long log: the write answer must not grow with it.
            for i in range(40):
                s.call("note", id=tid, text=f"finding number {i}: " + "words " * 20)
            writes = {
                "note": s.call("note", id=tid, text="one more finding"),
                "update": s.call("update", id=tid, ac="first", done=True),
                "move": s.call("move", action="start", id=tid),
            }
            for k, r in writes.items():
                assert not r.get("isError"), r
                texts[f"write: {k}"] = compact(r["structuredContent"])
            failed = s.call("move", action="close", id=tid)
            assert failed.get("isError"), failed
            texts["failed call (acceptance_incomplete)"] = compact(failed["structuredContent"])
            shown = s.call("show", id=tid)
            texts["show (compact, 43-entry log)"] = compact(shown["structuredContent"])
            q = s.call("query", action="list")
            texts["query list (50 rows)"] = compact(q["structuredContent"])
            texts["resources/list"] = compact(s.request("resources/list")["result"])
            pr = s.call("project", action="prime")
            texts["mcp project prime (text content)"] = pr["content"][0]["text"]
        finally:
            s.close()
        ro = Server(bin_, proj, "--readonly")
        try:
            ro.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                      "clientInfo": {"name": "tokens", "version": "0"}})
            ro.notify("notifications/initialized")
            texts["tools/list --readonly"] = compact(ro.request("tools/list")["result"])
        finally:
            ro.close()
        run = lambda *a: subprocess.run([bin_, "-C", str(proj), *a], capture_output=True,
                                        text=True, env=env(), timeout=60).stdout
        texts["prime (text)"] = run("prime")
        texts["prime --json"] = run("prime", "--json")
    names = list(texts)
    counts = dict(zip(names, count([texts[n] for n in names])))
    counts["write (max of note/update/move)"] = max(
        counts[k] for k in counts if k.startswith("write: "))
    return counts


def main():
    bin_ = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target" / "debug" / "docket")
    counts = measure(bin_)
    failed = []
    print(f"{'what':40} {'tokens':>7}  budget")
    for name, n in counts.items():
        limit = BUDGETS.get(name)
        mark = ""
        if limit is not None:
            ok = n <= limit
            mark = f"<= {limit}" + ("" if ok else "  OVER")
            if not ok:
                failed.append(name)
        print(f"{name:40} {n:>7}  {mark}")
    if failed:
        print("over budget: " + ", ".join(failed), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
