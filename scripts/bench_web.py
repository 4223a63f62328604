"""Time the web dashboard on a generated project: the JSON API over HTTP and the
board's first paint in the system Chromium. Prints a markdown table.

Usage: target/py-venv/bin/python scripts/bench_web.py DOCKET_BIN PROJECT_DIR
"""

import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request

from playwright.sync_api import sync_playwright

docket, project = sys.argv[1], sys.argv[2]
runs = 20

proc = subprocess.Popen([docket, "serve", "--port", "0"], cwd=project, stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL, text=True)
try:
    url = re.search(r"(http://127\.0\.0\.1:\d+)/", proc.stdout.readline()).group(1)

    def get(path):
        with urllib.request.urlopen(url + path, timeout=30) as r:
            return r.read()

    tick = os.sysconf("SC_CLK_TCK")

    def cpu_ms():
        # user + system CPU of the server (all threads): unlike wall time, it does
        # not grow when other processes compete for the cores.
        fields = open(f"/proc/{proc.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / tick

    def timed(path):
        get(path)  # warm the derived cache and the page cache
        samples = []
        c0 = cpu_ms()
        for _ in range(runs):
            t0 = time.perf_counter()
            body = get(path)
            samples.append((time.perf_counter() - t0) * 1000)
        cpu = (cpu_ms() - c0) / runs
        return statistics.median(samples), min(samples), cpu, len(body)

    first = json.loads(get("/api/tickets?limit=1"))["data"]
    tid = first["items"][0]["id"]
    total = first["total"]
    rows = []
    for label, path in [
        ("`GET /api/tickets` (first 100 of all open)", "/api/tickets"),
        ("`GET /api/tickets?type=bug&limit=50`", "/api/tickets?type=bug&limit=50"),
        ("`GET /api/tickets?q=…` (full-text search)", "/api/tickets?q=parser&limit=50"),
        ("`GET /api/board` (≤100 cards per column)", "/api/board"),
        ("`GET /api/tickets/{id}` (ticket page data)", f"/api/tickets/{tid}"),
        ("`GET /api/activity?limit=50`", "/api/activity?limit=50"),
    ]:
        med, best, cpu, size = timed(path)
        rows.append((label, med, best, cpu, size))

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = b.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url + "/")  # warm
        page.wait_for_selector(".card")
        paints = []
        for _ in range(5):
            t0 = time.perf_counter()
            page.goto(url + "/")
            page.wait_for_selector(".board .card")
            paints.append((time.perf_counter() - t0) * 1000)
        cards = page.locator(".card").count()
        # Live update: a CLI write until its card is in the open page (no reload).
        page.wait_for_selector("#live.on")
        lags = []
        for i in range(5):
            t0 = time.perf_counter()
            out = subprocess.run([docket, "create", f"live probe {i}", "-p", "0", "--json"], cwd=project,
                                 capture_output=True, text=True, check=True)
            tid = json.loads(out.stdout)["data"]["id"]
            page.wait_for_selector(f".card[data-id='{tid}']", timeout=10000)
            lags.append((time.perf_counter() - t0) * 1000)
            subprocess.run([docket, "delete", tid], cwd=project, capture_output=True, check=True)
            page.wait_for_selector(f".card[data-id='{tid}']", state="detached", timeout=10000)
        b.close()

    load = open("/proc/loadavg").read().split()[0]
    print(f"{total} open tickets in the generated project; {runs} requests each, after one warm-up; "
          f"{os.cpu_count()} cores, load average {load} at the end.\n")
    print("| what | median wall | best wall | server CPU per request | response |")
    print("|---|---|---|---|---|")
    for label, med, best, cpu, size in rows:
        print(f"| {label} | {med:.1f} ms | {best:.1f} ms | {cpu:.0f} ms | {size / 1024:.0f} KiB |")
    print(f"| board first paint in Chromium (navigation → {cards} cards in the DOM) | "
          f"{statistics.median(paints):.0f} ms | {min(paints):.0f} ms | | |")
    print(f"| live update: `docket create` in a terminal → card in the open board (incl. the CLI run) | "
          f"{statistics.median(lags):.0f} ms | {min(lags):.0f} ms | | |")
finally:
    proc.kill()
    proc.wait()
