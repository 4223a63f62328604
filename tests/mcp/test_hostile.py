"""Malformed and hostile input to a raw `docket mcp` process: every bad message gets
an error response, and the server keeps answering afterwards. Also measures the
`tools/list` answer, which every agent conversation pays for."""

import json
import os
import select
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from test_mcp import BIN, cli, env

TOOLS_LIST_BUDGET = 16_000  # bytes; ~4 bytes per token -> under ~4k tokens


class Raw:
    def __init__(self, proj, *args):
        self.p = subprocess.Popen([BIN, "mcp", *args], cwd=proj, env=env(),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL)
        self.buf = b""

    def send(self, data: bytes):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def request(self, id_, method, params=None):
        msg = {"jsonrpc": "2.0", "id": id_, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(json.dumps(msg).encode() + b"\n")

    def line(self, timeout=20.0):
        deadline = time.time() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.time()
            assert left > 0, "no answer: the server hangs"
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if r:
                chunk = os.read(self.p.stdout.fileno(), 1 << 20)
                assert chunk, f"server exited (code {self.p.poll()})"
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def answer(self, id_):
        while True:
            raw = self.line()
            msg = json.loads(raw)
            if msg.get("id") == id_:
                return msg, len(raw)

    def close(self):
        self.p.stdin.close()
        code = self.p.wait(timeout=20)
        return code


@pytest.fixture
def proj():
    with tempfile.TemporaryDirectory(prefix="docket-mcp-raw-") as d:
        p = Path(d).resolve()
        cli(p, "init", "--prefix", "dk")
        cli(p, "create", "One")
        yield p


def handshake(s):
    s.request(0, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                "clientInfo": {"name": "raw", "version": "0"}})
    msg, _ = s.answer(0)
    assert msg["result"]["serverInfo"]["name"] == "docket"
    s.send(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')


def alive(s, id_):
    s.request(id_, "tools/call", {"name": "query", "arguments": {"action": "list"}})
    msg, _ = s.answer(id_)
    assert msg["result"]["isError"] is False, msg
    assert msg["result"]["structuredContent"]["items"][0]["title"] == "One"


def test_hostile_input(proj):
    s = Raw(proj)
    try:
        handshake(s)
        # Not JSON at all: a parse error (id null), then still serving.
        s.send(b"this is not json\n")
        msg, _ = s.answer(None)
        assert msg["error"]["code"] == -32700
        alive(s, 1)
        s.send(b'{"jsonrpc": "2.0", "id": 2, "method": \n')
        msg, _ = s.answer(None)
        assert msg["error"]["code"] == -32700
        alive(s, 3)
        # Valid JSON that is not a JSON-RPC message.
        s.send(b'{"hello": "world"}\n')
        s.send(b"[1, 2, 3]\n")
        alive(s, 4)
        # Unknown method.
        s.request(5, "bogus/method")
        msg, _ = s.answer(5)
        assert msg["error"]["code"] == -32601
        # Unknown tool, wrong-typed, unknown, missing and out-of-enum arguments: tool
        # results with isError and a stable code, never protocol errors.
        for i, args in enumerate([
            {"name": "rm_rf", "arguments": {}},
            {"name": "show", "arguments": {"id": 5}},
            {"name": "show", "arguments": {"id": "dk", "bogus": 1}},
            {"name": "show", "arguments": {}},
            {"name": "query", "arguments": {"action": "drop_table"}},
            {"name": "query", "arguments": {"action": "list", "limit": "ten"}},
            {"name": "create", "arguments": {"title": ["a"]}},
            {"name": "move", "arguments": {"action": "status", "id": "dk"}},
            # A 2 MB argument: refused, nothing written.
            {"name": "create", "arguments": {"title": "x" * (2 << 20)}},
            {"name": "create", "arguments": {"title": "t", "tags": ["a"] * 1000}},
        ]):
            s.request(10 + i, "tools/call", args)
            msg, _ = s.answer(10 + i)
            res = msg["result"]
            assert res["isError"] is True, (args["name"], str(msg)[:300])
            assert res["structuredContent"]["code"] == "invalid_argument", str(msg)[:300]
        alive(s, 30)
        # Arguments that are not an object at all: malformed JSON-RPC params.
        s.request(31, "tools/call", {"name": "create", "arguments": "not an object"})
        msg, _ = s.answer(31)
        assert msg["error"]["code"] in (-32602, -32601, -32600), msg
        # A 5 MB line: over the message limit, answered with id null.
        s.send(b'{"jsonrpc":"2.0","id":22,"method":"ping","params":{"pad":"' + b"y" * (5 << 20)
               + b'"}}\n')
        msg, _ = s.answer(None)
        assert msg["error"]["code"] == -32600
        # Flag-like values are data, never flags (no --help exit, no stdin read).
        s.request(23, "tools/call", {"name": "show", "arguments": {"id": "--help"}})
        msg, _ = s.answer(23)
        assert msg["result"]["isError"] is True
        assert msg["result"]["structuredContent"]["code"] == "not_found"
        s.request(24, "tools/call", {"name": "man", "arguments": {"page": "--version"}})
        msg, _ = s.answer(24)
        assert msg["result"]["isError"] is True
        alive(s, 25)
        assert len(cli(proj, "list")["data"]) == 1
        assert s.close() == 0
    finally:
        if s.p.poll() is None:
            s.p.kill()


def test_tools_list_size(proj):
    sizes = {}
    for mode in ([], ["--readonly"]):
        s = Raw(proj, *mode)
        try:
            handshake(s)
            s.request(1, "tools/list")
            msg, size = s.answer(1)
            assert len(msg["result"]["tools"]) >= 8
            sizes[" ".join(mode) or "default"] = size
            s.close()
        finally:
            if s.p.poll() is None:
                s.p.kill()
    print(f"\ntools/list bytes: {sizes}")
    assert sizes["default"] < TOOLS_LIST_BUDGET, sizes
