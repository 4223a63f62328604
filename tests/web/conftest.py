"""Fixtures for the browser tests of `docket serve`: a temp project, the real
server on a free port, and Debian's system Chromium driven by Playwright."""

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

DOCKET = os.environ.get("DOCKET_BIN") or str(Path(__file__).resolve().parents[2] / "target" / "debug" / "docket")
CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
# Screenshots land in target/ on every run; UPDATE_SCREENSHOTS=1 refreshes the
# committed ones in docs/screenshots/ (referenced by the README).
SHOTS = REPO / ("docs/screenshots" if os.environ.get("UPDATE_SCREENSHOTS") == "1" else "target/web-screenshots")


def run(root, *args, check=True):
    """Run the docket CLI in `root` and return its JSON data."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(root), "NO_COLOR": "1", "DOCKET_ACTOR": "cli-user"}
    out = subprocess.run([DOCKET, *args, "--json"], cwd=root, env=env, capture_output=True, text=True)
    if check and out.returncode != 0:
        raise AssertionError(f"docket {args}: {out.stdout} {out.stderr}")
    return json.loads(out.stdout)["data"] if out.stdout.strip() else None


class Server:
    def __init__(self, root, *flags):
        self.root = Path(root)
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(root), "DOCKET_ACTOR": "web-user"}
        self.proc = subprocess.Popen([DOCKET, "serve", "--port", "0", *flags], cwd=root, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
        assert m, f"no URL in {line!r}"
        self.url = m.group(1)

    def stop(self):
        self.proc.kill()
        self.proc.wait()

    def ticket_file(self, tid):
        for d in ("tickets", "archive"):
            for p in (self.root / ".docket" / d).glob(f"{tid}--*.md"):
                return p
        return None


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: scripts/test.sh installs it (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def project():
    d = tempfile.mkdtemp(prefix="docket-web-")
    run(d, "init", "--prefix", "w", "--no-agents")
    yield Path(d)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def serve(project):
    servers = []

    def start(*flags):
        s = Server(project, *flags)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.js_errors = errors
    yield pg
    ctx.close()


@pytest.fixture
def shots():
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS
