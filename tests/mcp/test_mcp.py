"""A real MCP client (the official Python SDK) drives `docket mcp` over stdio.

Run by scripts/test.sh after the Rust tests: `target/py-venv/bin/python -m pytest tests/mcp`.
The binary is target/debug/docket (override with DOCKET_BIN).
"""

import asyncio
import contextlib
import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("DOCKET_BIN", str(ROOT / "target" / "debug" / "docket"))
TOOLS = {"query", "show", "project", "create", "update", "move", "note", "plan", "graph",
         "delete", "session", "man"}
READ_TOOLS = {"query", "show", "project", "move", "plan", "graph", "session", "man"}
WRITE_ACTIONS = {"init", "start", "status", "close", "reopen", "advance", "write", "dep",
                 "undep", "depends", "link", "unlink", "end", "role_create", "role_delete",
                 "cleanup"}


def env():
    e = {k: v for k, v in os.environ.items() if k not in ("DOCKET_SESSION",)}
    e["DOCKET_ACTOR"] = "tester"
    e["NO_COLOR"] = "1"
    return e


def cli(proj, *args, check=True):
    r = subprocess.run([BIN, "--json", "-C", str(proj), *args], capture_output=True, text=True,
                       env=env(), timeout=30)
    out = json.loads(r.stdout)
    if check:
        assert out["ok"], out
    return out


@pytest.fixture
def proj():
    with tempfile.TemporaryDirectory(prefix="docket-mcp-") as d:
        p = Path(d).resolve()
        cli(p, "init", "--prefix", "dk")
        yield p


@pytest.fixture
def planfirst():
    with tempfile.TemporaryDirectory(prefix="docket-mcp-pf-") as d:
        p = Path(d).resolve()
        cli(p, "init", "--prefix", "pf", "--preset", "plan-first")
        yield p


@contextlib.asynccontextmanager
async def client(proj, *args):
    params = StdioServerParameters(command=BIN, args=["mcp", *args], cwd=str(proj), env=env())
    with open(os.devnull, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield session


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def ok(s, tool, **args):
    r = await s.call_tool(tool, args)
    assert not r.is_error, (tool, args, r.content)
    env_ = r.structured_content
    assert env_["schema_version"] == 1 and "data" in env_, env_
    assert r.content and r.content[0].text, "a short text form comes with the data"
    return env_["data"]


async def err(s, tool, code, **args):
    r = await s.call_tool(tool, args)
    assert r.is_error, (tool, args, r.structured_content)
    e = r.structured_content["error"]
    assert e["code"] == code, e
    assert code in r.content[0].text
    return e


def test_tools_and_schemas(proj):
    async def go():
        async with client(proj) as s:
            tools = (await s.list_tools()).tools
            assert {t.name for t in tools} == TOOLS
            for t in tools:
                sch = t.input_schema
                assert sch["type"] == "object" and sch["additionalProperties"] is False, t.name
                assert t.description and len(t.description) < 400, t.name
                for name, prop in sch["properties"].items():
                    assert prop["type"] in ("string", "integer", "boolean", "array"), (t.name, name)
                for req in sch.get("required", []):
                    assert req in sch["properties"], (t.name, req)
            move = next(t for t in tools if t.name == "move")
            assert {"advance", "explain", "start", "close"} <= set(
                move.input_schema["properties"]["action"]["enum"])
    run(go())


def test_every_tool(proj):
    async def go():
        async with client(proj) as s:
            a = await ok(s, "create", title="Parser", type="bug", priority=1,
                         description="-starts with a dash", acceptance=["parses", "tested"],
                         tags=["core"])
            assert a["description"] == "-starts with a dash"
            b = await ok(s, "create", title="--help", deps=[a["id"]])
            assert b["title"] == "--help", "values are never read as flags"
            c = await ok(s, "create", title="Docs")
            # Same data as the CLI's --json.
            assert await ok(s, "show", id=a["id"]) == cli(proj, "show", a["id"])["data"]
            ready = await ok(s, "query", action="ready", tag=["core"])
            assert [t["id"] for t in ready] == [a["id"]]
            assert [t["id"] for t in await ok(s, "query", action="blocked")] == [b["id"]]
            assert len(await ok(s, "query", action="list", limit=2)) == 2
            assert "open" in await ok(s, "query", action="board")
            assert await ok(s, "query", action="closed") == []
            hits = await ok(s, "query", action="search", text="STARTS dash")
            assert [t["id"] for t in hits] == [a["id"]]
            assert "dash" in hits[0]["line"]
            assert await ok(s, "query", action="search", text="--help") != []
            prime = await ok(s, "project", action="prime")
            assert prime["ready"]
            assert "workflow" in await ok(s, "project", action="info")
            assert (await ok(s, "project", action="check"))["summary"]["errors"] == 0
            await ok(s, "update", id=a["id"], assignee="ann", add_tags=["p1"], attention=5,
                     tier="critical", add_ac=["documented"])
            await ok(s, "update", id=a["id"], remove_ac=["documented"])
            t = await ok(s, "note", id=a["id"], text="root cause found")
            assert t["notes"][-1]["text"] == "root cause found"
            await ok(s, "note", id=a["id"], text="a comment", comment=True)
            await ok(s, "graph", action="dep", id=c["id"], to=a["id"])
            tree = await ok(s, "graph", action="tree", id=c["id"])
            assert tree["deps"][0]["id"] == a["id"]
            await ok(s, "graph", action="undep", id=c["id"], to=a["id"])
            await ok(s, "graph", action="depends", id=c["id"], on=[a["id"], b["id"]])
            await ok(s, "graph", action="depends", id=c["id"], remove=[b["id"]])
            linked = await ok(s, "graph", action="link", id=a["id"], ids=[b["id"]])
            assert len(linked) == 2
            await ok(s, "graph", action="unlink", id=a["id"], ids=[b["id"]])
            await ok(s, "move", action="start", id=a["id"])
            await ok(s, "update", id=a["id"], ac="parses", done=True)
            await ok(s, "update", id=a["id"], ac="tested", done=True)
            ex = await ok(s, "move", action="explain", id=a["id"])
            assert ex is not None
            await ok(s, "move", action="advance", id=a["id"], dry_run=True)
            closed = await ok(s, "move", action="close", id=a["id"], note="fixed")
            assert closed["status"] == "closed"
            await ok(s, "move", action="reopen", id=a["id"])
            await ok(s, "move", action="status", id=a["id"], to="in_progress")
            await ok(s, "move", action="advance", id=a["id"], to="closed")
            await ok(s, "plan", action="write", id=c["id"], text="1. write docs")
            shown = await ok(s, "plan", action="show", id=c["id"])
            assert "write docs" in json.dumps(shown)
            me = await ok(s, "session", action="show")
            assert me["role"] == "implementer"
            assert any(x["id"] == me["id"] for x in await ok(s, "session", action="list"))
            other = await ok(s, "session", action="start", role="architect", name="ada")
            t = await ok(s, "note", id=b["id"], text="from ada", session=other["id"])
            assert "ada" in t["notes"][-1]["author"]
            await ok(s, "session", action="end", session="ada")
            await err(s, "note", "no_session", id=b["id"], text="x", session="ada")
            await ok(s, "session", action="role_create", role="reviewer", like="architect")
            assert any(r["name"] == "reviewer" for r in await ok(s, "session", action="roles"))
            await ok(s, "session", action="role_delete", role="reviewer")
            await ok(s, "session", action="cleanup", dry_run=True)
            pages = await ok(s, "man")
            assert any(p["name"] == "minimal" for p in pages)
            assert "--json" in (await ok(s, "man", page="llm"))["text"]
            assert "--acceptance" in (await ok(s, "man", page="create"))["text"]
            deleted = await ok(s, "delete", id=b["id"], cascade=True)
            assert deleted["deleted"]["id"] == b["id"]
            # Errors carry the CLI's codes.
            await err(s, "show", "not_found", id="dk-zzzz")
            await err(s, "move", "invalid_argument", action="status", id=c["id"], to="nowhere")
            await err(s, "man", "invalid_argument", page="nope")
    run(go())
    # The server's own session ended with it.
    sessions = proj / ".docket" / "local" / "sessions"
    assert not list(sessions.glob("*.json")), list(sessions.iterdir())


def test_guard_refusal_is_a_tool_error(proj):
    async def go():
        async with client(proj) as s:
            t = await ok(s, "create", title="Gate", acceptance=["done right"])
            await ok(s, "move", action="start", id=t["id"])
            e = await err(s, "move", "acceptance_incomplete", action="close", id=t["id"])
            assert e["open_acceptance"] == [{"title": "done right"}]
            # The same refusal from the CLI.
            out = cli(proj, "close", t["id"], check=False)
            assert out["error"]["code"] == "acceptance_incomplete"
            assert (await ok(s, "show", id=t["id"]))["status"] == "in_progress"
    run(go())


def test_readonly_exposes_no_write(proj):
    cli(proj, "create", "Existing")
    async def go():
        async with client(proj, "--readonly") as s:
            tools = (await s.list_tools()).tools
            names = {t.name for t in tools}
            assert names == READ_TOOLS
            for t in tools:
                actions = set(t.input_schema["properties"].get("action", {}).get("enum", []))
                assert not actions & WRITE_ACTIONS, (t.name, actions)
            assert await ok(s, "query", action="list")
            with pytest.raises(MCPError):
                await s.call_tool("create", {"title": "sneaky"})
            with pytest.raises(MCPError):
                await s.call_tool("move", {"action": "start", "id": "dk"})
            with pytest.raises(MCPError):
                await s.call_tool("session", {"action": "start", "role": "architect"})
        assert len(cli(proj, "list")["data"]) == 1
        assert not (proj / ".docket" / "local" / "sessions").exists() or not list(
            (proj / ".docket" / "local" / "sessions").glob("*.json"))
    run(go())


def test_resources_and_prompts(proj):
    t = cli(proj, "create", "Readable", "-d", "some words")["data"]
    async def go():
        async with client(proj) as s:
            uris = {str(r.uri) for r in (await s.list_resources()).resources}
            assert "docket://prime" in uris and f"docket://ticket/{t['id']}" in uris
            r = await s.read_resource(f"docket://ticket/{t['id'][:7]}")
            assert "title: Readable" in r.contents[0].text
            p = await s.read_resource("docket://prime")
            assert "Readable" in p.contents[0].text
            with pytest.raises(MCPError):
                await s.read_resource("docket://ticket/dk-nothere")
            prompts = {p.name for p in (await s.list_prompts()).prompts}
            assert prompts == {"work_next", "file_ticket"}
            g = await s.get_prompt("work_next", {"id": t["id"]})
            assert t["id"] in g.messages[0].content.text
    run(go())


def test_two_clients_plan_approval(planfirst):
    async def go():
        async with client(planfirst, "--role", "architect", "--name", "ada") as a, \
                client(planfirst, "--role", "architect", "--name", "bob") as b:
            t = await ok(a, "create", title="Add SSO", acceptance=["sso works"])
            moved = await ok(a, "move", action="advance", id=t["id"])
            assert moved["status"] == "planning"
            await ok(a, "plan", action="write", id=t["id"], text="1. OIDC client\n2. tests")
            e = await err(a, "move", "guard_failed", action="advance", id=t["id"])
            assert e["guard"] == "plan_approved_by_other_session"
            ex = await a.call_tool("move", {"action": "explain", "id": t["id"]})
            assert "plan_approved_by_other_session" in json.dumps(ex.structured_content)
            approved = await ok(b, "move", action="advance", id=t["id"])
            assert approved["status"] == "in_progress"
            # The plan is frozen now, for everyone.
            e = await a.call_tool("plan", {"action": "write", "id": t["id"], "text": "changed"})
            assert e.is_error
    run(go())


def test_server_reopens_its_session_after_cleanup_expired_it(proj):
    async def go():
        async with client(proj, "--name", "keeper") as s:
            first = await ok(s, "create", title="before")
            assert "keeper" in first["log"][-1]["actor"]
            # Another shell runs cleanup far in the future: every session expires.
            e = env()
            e["DOCKET_NOW"] = "2099-01-01T00:00:00Z"
            r = subprocess.run([BIN, "--json", "-C", str(proj), "cleanup"], capture_output=True,
                               text=True, env=e, timeout=30)
            assert json.loads(r.stdout)["ok"], r.stdout
            assert cli(proj, "session", "list")["data"] == []
            # The next write still works, as a fresh session of the same role.
            after = await ok(s, "create", title="after")
            assert "keeper (implementer)" == after["log"][-1]["actor"]
            assert len(cli(proj, "session", "list")["data"]) == 1
        # And the server ends that session on exit.
        assert cli(proj, "session", "list")["data"] == []
    run(go())
