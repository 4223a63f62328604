"""A real MCP client (the official Python SDK) drives `docket mcp` over stdio.

Run by scripts/test.sh after the Rust tests: `target/py-venv/bin/python -m pytest tests/mcp`.
The binary is target/debug/docket (override with DOCKET_BIN). The token budget test needs
node and js-tiktoken (scripts/tokens.sh installs it).
"""

import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError
from mcp.types import PaginatedRequestParams

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("DOCKET_BIN", str(ROOT / "target" / "debug" / "docket"))
TOOLS = {"query", "show", "project", "create", "update", "move", "note", "log", "knowledge",
         "plan", "graph", "delete", "session", "man"}
READ_TOOLS = {"query", "show", "project", "move", "knowledge", "plan", "graph", "session", "man"}
WRITE_ACTIONS = {"init", "start", "status", "close", "reopen", "advance", "write", "depends",
                 "link", "unlink", "end", "role_create", "role_delete", "cleanup",
                 "context_set", "context_delete", "doc_set", "doc_archive"}


def env():
    e = {k: v for k, v in os.environ.items() if k not in ("DOCKET_SESSION",)}
    e["DOCKET_ACTOR"] = "tester"
    e["NO_COLOR"] = "1"
    return e


def cli(proj, *args, check=True):
    r = subprocess.run([BIN, "--json", "-C", str(proj), *args], capture_output=True, text=True,
                       env=env(), timeout=60)
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


def generated(n):
    d = tempfile.TemporaryDirectory(prefix="docket-mcp-gen-")
    p = Path(d.name).resolve() / "proj"
    subprocess.run([BIN, "gen", "--count", str(n), "--out", str(p)], check=True,
                   capture_output=True, env=env(), timeout=300)
    return d, p


@contextlib.asynccontextmanager
async def client(proj, *args):
    params = StdioServerParameters(command=BIN, args=["mcp", *args], cwd=str(proj), env=env())
    with open(os.devnull, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield session


def run(coro, timeout=120):
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def ok(s, tool, **args):
    r = await s.call_tool(tool, args)
    assert not r.is_error, (tool, args, r.structured_content)
    data = r.structured_content
    assert isinstance(data, dict), data
    assert r.content and r.content[0].text, "a text form comes with the data"
    return data


def check_remedies(e):
    assert isinstance(e.get("remedies"), list), e
    for i, r in enumerate(e["remedies"]):
        assert set(r) >= {"tool", "args", "why"}, r
        assert r["tool"] in TOOLS, r
        assert isinstance(r["args"], dict), r
        if r["args"].get("force"):
            assert i == len(e["remedies"]) - 1, "force comes last"


async def err(s, tool, code, **args):
    r = await s.call_tool(tool, args)
    assert r.is_error, (tool, args, r.structured_content)
    e = r.structured_content
    assert e["code"] == code, e
    assert e["message"], e
    check_remedies(e)
    assert json.loads(r.content[0].text) == e, "the text is the same error"
    return e


def test_tools_and_schemas(proj):
    async def go():
        async with client(proj) as s:
            tools = (await s.list_tools()).tools
            assert {t.name for t in tools} == TOOLS
            for t in tools:
                sch = t.input_schema
                assert sch["type"] == "object" and sch["additionalProperties"] is False, t.name
                text = json.dumps(sch)
                assert "$ref" not in text and "$defs" not in text and '"null"' not in text, t.name
                assert t.description and len(t.description) < 400, t.name
                for name, prop in sch["properties"].items():
                    assert prop["type"] in ("string", "integer", "number", "boolean", "array"), \
                        (t.name, name)
                for req in sch.get("required", []):
                    assert req in sch["properties"], (t.name, req)
                a = t.annotations
                assert a is not None and None not in (a.read_only_hint, a.destructive_hint,
                                                      a.idempotent_hint), t.name
            by = {t.name: t for t in tools}
            assert by["query"].annotations.read_only_hint and by["show"].annotations.read_only_hint
            assert by["delete"].annotations.destructive_hint
            assert not by["create"].annotations.read_only_hint
            move = by["move"]
            assert {"advance", "explain", "start", "close"} <= set(
                move.input_schema["properties"]["action"]["enum"])
            # The project's statuses and types are in the descriptions.
            assert "in_progress" in move.description and "bug" in by["create"].description
            # Request fields come from the API types: a few that only the API names.
            q = by["query"].input_schema["properties"]
            assert {"cursor", "include_started", "limit"} <= set(q)
            assert {"ac", "done", "summary"} <= set(by["update"].input_schema["properties"])
    run(go())


def test_every_tool(proj):
    async def go():
        async with client(proj) as s:
            a = await ok(s, "create", title="Parser", type="bug", priority=1,
                         description="-starts with a dash", acceptance=["parses", "tested"],
                         tags=["core"])
            assert a["changed"]["title"] == "Parser" and a["status"] == "open"
            b = await ok(s, "create", title="--help", deps=[a["id"]])
            c = await ok(s, "create", title="Docs")
            shown = await ok(s, "show", id=a["id"][:-2])
            assert shown["description"] == "-starts with a dash"
            assert shown["log_total"] >= 1 and "hash" not in json.dumps(shown["log"])
            full = await ok(s, "show", id=a["id"], detail="full")
            assert full["log"][0]["hash"]
            assert (await ok(s, "show", id=b["id"]))["title"] == "--help", \
                "values are never read as flags"
            ready = await ok(s, "query", action="ready", tag=["core"])
            assert [t["id"] for t in ready["items"]] == [a["id"]] and ready["total"] == 1
            assert [t["id"] for t in (await ok(s, "query", action="blocked"))["items"]] == [b["id"]]
            page = await ok(s, "query", action="list", limit=2)
            assert len(page["items"]) == 2 and page["total"] == 3 and page["next_cursor"]
            board = await ok(s, "query", action="board")
            assert board["columns"][0]["status"] == "open"
            assert (await ok(s, "query", action="closed"))["items"] == []
            hits = await ok(s, "query", action="search", text="STARTS dash")
            assert [t["id"] for t in hits["items"]] == [a["id"]]
            assert "dash" in hits["items"][0]["line"]
            prime = await ok(s, "project", action="prime")
            assert prime["ready"]["items"]
            assert "workflow" in await ok(s, "project", action="info")
            assert (await ok(s, "project", action="check"))["summary"]["errors"] == 0
            u = await ok(s, "update", id=a["id"], assignee="ann", add_tags=["p1"], attention=5,
                         tier="critical", add_ac=["documented"])
            assert u["changed"]["assignee"] == "ann" and u["changed"]["acceptance"] == "0/3"
            await ok(s, "update", id=a["id"], remove_ac=["documented"])
            n = await ok(s, "note", id=a["id"], text="root cause found")
            assert n["logged"] == ["note"]
            await ok(s, "note", id=a["id"], text="a comment", comment=True)
            await ok(s, "graph", action="depends", id=c["id"], on=[a["id"]])
            tree = await ok(s, "graph", action="tree", id=c["id"])
            assert tree["deps"][0]["id"] == a["id"]
            await ok(s, "graph", action="depends", id=c["id"], remove=[a["id"]])
            await ok(s, "graph", action="depends", id=c["id"], on=[a["id"], b["id"]])
            await ok(s, "graph", action="depends", id=c["id"], remove=[b["id"]])
            linked = await ok(s, "graph", action="link", ids=[a["id"], b["id"]])
            assert len(linked["items"]) == 2
            await ok(s, "graph", action="unlink", ids=[a["id"], b["id"]])
            started = await ok(s, "move", action="start", id=a["id"])
            assert started["status"] == "in_progress" and "transition" in started["logged"]
            await ok(s, "update", id=a["id"], ac="parses", done=True)
            await ok(s, "update", id=a["id"], ac="tested", done=True)
            ex = await ok(s, "move", action="explain", id=a["id"])
            assert ex["allowed"] is True and ex["to"] == "closed"
            closed = await ok(s, "move", action="close", id=a["id"], note="fixed")
            assert closed["status"] == "closed" and closed["archived_to"]
            await ok(s, "move", action="reopen", id=a["id"])
            await ok(s, "move", action="status", id=a["id"], to="in_progress")
            await ok(s, "move", action="advance", id=a["id"], to="closed")
            await ok(s, "plan", action="write", id=c["id"], text="1. write docs")
            shown = await ok(s, "plan", action="show", id=c["id"])
            assert "write docs" in json.dumps(shown)
            me = await ok(s, "session", action="show")
            assert me["role"] == "implementer"
            assert any(x["id"] == me["id"] for x in
                       (await ok(s, "session", action="list"))["items"])
            other = await ok(s, "session", action="start", role="architect", name="ada")
            await ok(s, "note", id=b["id"], text="from ada", session=other["id"])
            assert (await ok(s, "show", id=b["id"]))["log"][-1]["actor"] == "ada (architect)"
            await ok(s, "session", action="end", session="ada")
            e = await err(s, "note", "no_session", id=b["id"], text="x", session="ada")
            assert e["remedies"][0]["tool"] == "session"
            await ok(s, "session", action="role_create", name="reviewer", like="architect")
            assert any(r["name"] == "reviewer" for r in
                       (await ok(s, "session", action="roles"))["items"])
            await ok(s, "session", action="role_delete", name="reviewer")
            await ok(s, "session", action="cleanup", dry_run=True)
            pages = await ok(s, "man")
            assert any(p["name"] == "minimal" for p in pages["items"])
            assert "docket" in (await ok(s, "man", page="llm"))["text"]
            deleted = await ok(s, "delete", id=b["id"], cascade=True)
            assert deleted["id"] == b["id"]
            await err(s, "show", "not_found", id="dk-zzzz")
            await err(s, "move", "invalid_argument", action="status", id=c["id"], to="nowhere")
            await err(s, "man", "invalid_argument", page="nope")
    run(go())
    # The server's own session ended with it.
    sessions = proj / ".docket" / "local" / "sessions"
    assert not list(sessions.glob("*.json")), list(sessions.iterdir())


def test_writes_are_lean_whatever_the_log(proj):
    async def go():
        async with client(proj) as s:
            t = await ok(s, "create", title="Long log", acceptance=["a", "b"])
            for i in range(60):
                await ok(s, "note", id=t["id"], text=f"note {i} " + "x " * 50)
            n = await ok(s, "note", id=t["id"], text="one more")
            u = await ok(s, "update", id=t["id"], ac="a", done=True)
            m = await ok(s, "move", action="start", id=t["id"])
            for r in (n, u, m):
                assert set(r) <= {"id", "handle", "status", "changed", "logged", "archived_to"}, r
                assert len(json.dumps(r)) < 400, r
            shown = await ok(s, "show", id=t["id"])
            assert shown["log_total"] > 60 and len(shown["log"]) <= 5
    run(go())


def test_guard_refusal_lists_every_failing_guard(proj):
    async def go():
        async with client(proj) as s:
            parent = await ok(s, "create", title="Gate", acceptance=["done right"])
            child = await ok(s, "create", title="Child", parent=parent["id"])
            await ok(s, "move", action="start", id=parent["id"])
            r = await s.call_tool("move", {"action": "close", "id": parent["id"]})
            assert r.is_error
            e = r.structured_content
            check_remedies(e)
            guards = {v["guard"] for v in e["details"]["failing"]}
            assert {"acceptance_complete", "children_done"} <= guards, e
            calls = [(x["tool"], x["args"]) for x in e["remedies"]]
            assert ("update", {"id": parent["id"], "ac": "done right", "done": True}) in calls
            assert ("move", {"action": "close", "id": child["id"]}) in calls
            assert not e["remedies"][0]["args"].get("force"), "never force first"
            # The same refusal from the CLI.
            out = cli(proj, "close", parent["id"], check=False)
            assert out["error"]["code"] == e["code"]
            assert (await ok(s, "show", id=parent["id"]))["status"] == "in_progress"
            # A wrong criterion title lists the real ones, as calls.
            e = await err(s, "update", "invalid_argument", id=parent["id"], ac="done wrong",
                          done=True)
            assert e["details"]["known"] == ["done right"]
            assert e["remedies"][0] == {"tool": "update", "args": {
                "id": parent["id"], "ac": "done right", "done": True},
                "why": e["remedies"][0]["why"]}
    run(go())


def test_every_error_is_a_tool_result_with_a_remedy(proj):
    t = cli(proj, "create", "One", "--acceptance", "works")["data"]
    async def go():
        async with client(proj) as s:
            cases = [
                ("rm_rf", {}, "invalid_argument"),                       # unknown tool
                ("query", {"action": "drop_table"}, "invalid_argument"),  # unknown action
                ("query", {}, "invalid_argument"),                        # missing action
                ("show", {}, "invalid_argument"),                         # missing field
                ("show", {"id": 5}, "invalid_argument"),                  # wrong type
                ("show", {"id": "dk", "bogus": 1}, "invalid_argument"),   # unknown argument
                ("query", {"action": "list", "limit": "ten"}, "invalid_argument"),
                ("show", {"id": "dk", "detail": "everything"}, "invalid_argument"),
                ("move", {"action": "status", "id": t["id"]}, "invalid_argument"),
                ("update", {"id": t["id"], "ac": "works"}, "invalid_argument"),
                ("show", {"id": "dk-nothere"}, "not_found"),
                ("graph", {"action": "depends", "id": t["id"], "on": [t["id"]]}, "cycle"),
            ]
            for tool, args, code in cases:
                r = await s.call_tool(tool, args)
                assert r.is_error, (tool, args)
                e = r.structured_content
                assert e["code"] == code, (tool, args, e)
                check_remedies(e)
                if code == "invalid_argument" and tool != "update" and tool != "move":
                    assert e["remedies"], (tool, args, e)
            # A corrected call from a remedy works as given.
            r = await s.call_tool("show", {"id": t["id"], "bogus": 1})
            fix = r.structured_content["remedies"][0]
            assert fix == {"tool": "show", "args": {"id": t["id"]},
                           "why": fix["why"]}
            assert not (await s.call_tool(fix["tool"], fix["args"])).is_error
            # Still serving.
            assert (await ok(s, "query", action="list"))["total"] == 1
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
                assert t.annotations.read_only_hint, t.name
            assert (await ok(s, "query", action="list"))["total"] == 1
            e = await err(s, "create", "invalid_argument", title="sneaky")
            assert "read-only" in e["message"]
            e = await err(s, "move", "invalid_argument", action="start", id="dk")
            assert "read-only" in e["message"]
            await err(s, "session", "invalid_argument", action="start", role="architect")
            # Remedies never point at a write the server refuses.
            e = await err(s, "show", "not_found", id="dk-zz")
            assert all(r["tool"] != "create" for r in e["remedies"])
        assert cli(proj, "list")["data"][0]["title"] == "Existing"
        assert len(cli(proj, "list")["data"]) == 1
        assert not (proj / ".docket" / "local" / "sessions").exists() or not list(
            (proj / ".docket" / "local" / "sessions").glob("*.json"))
    run(go())


def test_resources_and_prompts(proj):
    t = cli(proj, "create", "Readable", "-d", "some words")["data"]
    other = cli(proj, "create", "Someone else's")["data"]
    async def go():
        async with client(proj) as s:
            uris = {str(r.uri) for r in (await s.list_resources()).resources}
            assert uris == {"docket://prime"}, "only the primer and my work in progress"
            await ok(s, "move", action="start", id=t["id"])
            uris = {str(r.uri) for r in (await s.list_resources()).resources}
            assert uris == {"docket://prime", f"docket://ticket/{t['id']}"}
            # Every ticket stays readable by URI (and by prefix).
            r = await s.read_resource(f"docket://ticket/{other['id'][:-2]}")
            assert "title: Someone else's" in r.contents[0].text
            templates = (await s.list_resource_templates()).resource_templates
            assert templates[0].uri_template == "docket://ticket/{id}"
            p = await s.read_resource("docket://prime")
            text = p.contents[0].text
            assert "Readable" in text and 'move {"action":"start"' in text
            assert "docket start" not in text, "MCP terms, not CLI syntax"
            with pytest.raises(MCPError):
                await s.read_resource("docket://ticket/dk-nothere")
            prompts = {p.name for p in (await s.list_prompts()).prompts}
            assert prompts == {"work_next", "file_ticket"}
            g = await s.get_prompt("work_next", {"id": t["id"]})
            assert t["id"] in g.messages[0].content.text
    run(go())


def test_resources_list_is_paginated(proj):
    for i in range(55):
        tid = cli(proj, "create", f"Mine {i}", "--assignee", "tester")["data"]["id"]
        cli(proj, "start", tid)
    async def go():
        async with client(proj) as s:
            first = await s.list_resources()
            assert len(first.resources) == 50 and first.next_cursor
            second = await s.list_resources(params=PaginatedRequestParams(cursor=first.next_cursor))
            assert len(second.resources) == 6 and not second.next_cursor
            uris = {str(r.uri) for r in first.resources + second.resources}
            assert len(uris) == 56
    run(go())


def test_query_pagination():
    d, p = generated(130)
    try:
        async def go():
            async with client(p) as s:
                first = await ok(s, "query", action="list", all=True)
                assert len(first["items"]) == 50 and first["total"] == 130
                seen, cursor = [t["id"] for t in first["items"]], first["next_cursor"]
                while cursor:
                    page = await ok(s, "query", action="list", all=True, cursor=cursor)
                    assert page["total"] == 130
                    seen += [t["id"] for t in page["items"]]
                    cursor = page.get("next_cursor")
                assert len(seen) == 130 and len(set(seen)) == 130
                await err(s, "query", "invalid_argument", action="list", cursor="nonsense")
                small = await ok(s, "query", action="ready", limit=3)
                assert len(small["items"]) <= 3
        run(go())
    finally:
        d.cleanup()


def test_reads_run_concurrently():
    d, p = generated(300)
    try:
        async def burst(s, n):
            spans = []
            async def one(i):
                start = time.monotonic()
                r = await s.call_tool("query", {"action": "list", "all": True})
                assert not r.is_error
                spans.append((start, time.monotonic()))
            await asyncio.gather(*(one(i) for i in range(n)))
            return spans

        async def go():
            async with client(p) as a, client(p) as b:
                sa, sb = await asyncio.gather(burst(a, 15), burst(b, 15))
                a0, a1 = min(x for x, _ in sa), max(y for _, y in sa)
                b0, b1 = min(x for x, _ in sb), max(y for _, y in sb)
                assert max(a0, b0) < min(a1, b1), "the two clients' reads overlap in time"
                # Within one server, calls run side by side: a quick call sent after
                # a slow one (an integrity scan of every ticket) answers first.
                done = []
                async def slow():
                    await ok(a, "project", action="check")
                    done.append("check")
                async def quick():
                    await asyncio.sleep(0.01)
                    await ok(a, "man", page="mcp")
                    done.append("man")
                await asyncio.gather(slow(), quick())
                assert done == ["man", "check"], done
        run(go())
    finally:
        d.cleanup()


def test_two_clients_plan_approval(planfirst):
    async def go():
        async with client(planfirst, "--role", "architect", "--name", "ada") as a, \
                client(planfirst, "--role", "architect", "--name", "bob") as b:
            t = await ok(a, "create", title="Add SSO", acceptance=["sso works"])
            moved = await ok(a, "move", action="advance", id=t["id"])
            assert moved["status"] == "planning"
            await ok(a, "plan", action="write", id=t["id"], text="1. OIDC client\n2. tests")
            e = await err(a, "move", "guard_failed", action="advance", id=t["id"])
            assert e["details"]["guard"] == "plan_approved_by_other_session"
            by_other = [r for r in e["remedies"] if r.get("by") == "another_session"]
            assert by_other and by_other[0]["tool"] == "move", e
            ex = await ok(a, "move", action="explain", id=t["id"])
            assert "plan_approved_by_other_session" in json.dumps(ex)
            approved = await ok(b, "move", action="advance", id=t["id"])
            assert approved["status"] == "in_progress"
            # The plan is frozen now, for everyone.
            await err(a, "plan", "plan_frozen", action="write", id=t["id"], text="changed")
    run(go())


def test_server_reopens_its_session_after_cleanup_expired_it(proj):
    async def go():
        async with client(proj, "--name", "keeper") as s:
            first = await ok(s, "create", title="before")
            shown = await ok(s, "show", id=first["id"])
            assert shown["log"][-1]["actor"] == "keeper (implementer)"
            e = env()
            e["DOCKET_NOW"] = "2099-01-01T00:00:00Z"
            r = subprocess.run([BIN, "--json", "-C", str(proj), "cleanup"], capture_output=True,
                               text=True, env=e, timeout=30)
            assert json.loads(r.stdout)["ok"], r.stdout
            assert cli(proj, "session", "list")["data"] == []
            after = await ok(s, "create", title="after")
            shown = await ok(s, "show", id=after["id"])
            assert shown["log"][-1]["actor"] == "keeper (implementer)"
            assert len(cli(proj, "session", "list")["data"]) == 1
        assert cli(proj, "session", "list")["data"] == []
    run(go())


CALL = re.compile(r"^\s*([a-z_]+) (\{.*\})\s*$")


def calls_in(text):
    return [(m.group(1), m.group(2)) for m in map(CALL.match, text.splitlines()) if m]


async def execute(s, calls, ids, fill):
    """Run `tool {json}` lines in order; `<id>`/`<id2>`/`<new id>` are the ids
    created so far; other placeholders get `fill(name)`."""
    assert calls, "no example calls found"
    for tool, raw in calls:
        def sub(m):
            name = m.group(1)
            if name in ids:
                return ids[name]
            return fill(name)
        args = json.loads(re.sub(r"<([^<>\"]+)>", sub, raw))
        r = await s.call_tool(tool, args)
        assert not r.is_error, (tool, args, r.structured_content)
        if tool == "create":
            key = "id" if "id" not in ids else "id2"
            ids[key] = r.structured_content["id"]
            ids.setdefault("new id", r.structured_content["id"])
        if tool == "query" and args.get("action") == "ready" and "id" not in ids:
            items = r.structured_content["items"]
            if items:
                ids["id"] = items[0]["id"]


def test_prompts_calls_succeed_as_written(proj):
    cli(proj, "create", "Existing work", "--acceptance", "it works")
    async def go():
        async with client(proj) as s:
            g = await s.get_prompt("work_next", {})
            text = g.messages[0].content.text
            assert "docket " + "start" not in text
            ids = {}
            await execute(s, calls_in(text), ids,
                          lambda name: "it works" if "criterion" in name else f"some {name}")
            assert (await ok(s, "show", id=ids["id"]))["status"] == "closed"
            g = await s.get_prompt("file_ticket", {"request": "the exporter drops unicode"})
            text = g.messages[0].content.text
            ids = {"id it waits on": ids["id"]}
            await execute(s, calls_in(text), ids, lambda name: f"some {name}")
            assert (await ok(s, "show", id=ids["new id"]))["deps"]
    run(go())


def test_manual_calls_succeed_as_written(proj):
    async def go():
        async with client(proj) as s:
            page = await ok(s, "man", page="mcp")
            calls = calls_in(page["text"])
            assert len(calls) >= 15, calls
            await execute(s, calls, {}, lambda name: f"some {name}")
    run(go())


def test_token_budgets():
    sys.path.insert(0, str(ROOT / "scripts"))
    import tokens  # noqa: E402
    counts = tokens.measure(BIN, 500)
    print("\n" + json.dumps(counts, indent=1))
    assert counts["tools/list"] <= 2500, counts
    for k in ("write: note", "write: update", "write: move"):
        assert counts[k] <= 150, counts
    assert counts["failed call (acceptance_incomplete)"] <= 400, counts
    assert counts["show (compact, 43-entry log)"] <= 800, counts


def test_claims_between_two_servers(proj):
    cli(proj, "create", "First", "--priority", "1")
    cli(proj, "create", "Second", "--priority", "2")
    async def go():
        async with client(proj, "--name", "ann") as a, client(proj, "--name", "bob") as b:
            got = await ok(a, "move", action="claim", next=True)
            assert got["changed"]["title"] == "First" and got["status"] == "in_progress"
            held = await ok(b, "query", action="claims")
            assert [c["ticket"] for c in held["items"]] == [got["id"]]
            e = await err(b, "move", "claimed", action="claim", id=got["id"])
            assert e["remedies"][0] == {"tool": "move", "args": {"action": "claim", "next": True},
                                        "why": e["remedies"][0]["why"]}
            assert e["remedies"][-1]["args"].get("steal") is True, "steal comes last"
            mine = await ok(b, "move", action="claim", next=True)
            assert mine["changed"]["title"] == "Second"
    run(go())


def test_plan_first_work_loop_succeeds_as_written(planfirst):
    cli(planfirst, "create", "Plan me", "--acceptance", "it works")
    async def go():
        async with client(planfirst) as a, client(planfirst, "--role", "architect") as b:
            text = (await a.get_prompt("work_next", {})).messages[0].content.text
            before, sep, after = text.partition("Then a different session approves")
            assert sep, text
            ids = {}
            fill = lambda name: "it works" if "criterion" in name else f"some {name}"
            await execute(a, calls_in(before), ids, fill)
            # The approval the prompt asks for, by another session.
            approved = await ok(b, "move", action="advance", id=ids["id"])
            assert approved["status"] == "in_progress"
            await execute(a, calls_in(after), ids, fill)
            assert (await ok(a, "show", id=ids["id"]))["status"] == "done"
    run(go())


def test_init_from_an_empty_folder():
    with tempfile.TemporaryDirectory(prefix="docket-mcp-empty-") as d:
        p = Path(d).resolve()
        async def go():
            async with client(p) as s:
                e = await err(s, "query", "no_project", action="list")
                fix = e["remedies"][0]
                assert fix["tool"] == "project" and fix["args"] == {"action": "init"}
                made = await ok(s, fix["tool"], **fix["args"], prefix="em")
                assert made["prefix"] == "em"
                t = await ok(s, "create", title="First")
                assert t["id"].startswith("em-")
                shown = await ok(s, "show", id=t["id"])
                assert shown["log"][-1]["actor"].endswith("(implementer)"), "the session opened"
            assert cli(p, "session", "list")["data"] == []
        run(go())


def test_usage_stats_and_knowledge(proj):
    """Issue 11's operations over MCP: log usage, stats, context entries, documents."""
    async def go():
        async with client(proj) as s:
            t = await ok(s, "create", title="Measure me")
            u = await ok(s, "log", id=t["id"], tokens=1200, tools=7, duration="3m20s",
                         cost=0.12, model="sonnet")
            assert u["logged"] == ["usage"]
            await err(s, "log", "invalid_argument", id=t["id"])
            st = await ok(s, "project", action="stats", window="7d")
            assert "created" in json.dumps(st) and "1200" in json.dumps(st)
            added = await ok(s, "knowledge", action="context_set", key="tests",
                             body="Run bash scripts/test.sh before pushing.")
            assert added["action"] == "added"
            ctx = await ok(s, "knowledge", action="context")
            assert ctx["items"][0]["key"] == "tests"
            again = await ok(s, "knowledge", action="context_set", key="tests", body="New rule.")
            assert again["action"] == "updated"
            await ok(s, "knowledge", action="doc_set", slug="adr-1", title="Use ULIDs",
                     body="We use ULIDs.")
            await ok(s, "knowledge", action="doc_set", slug="adr-1", body="We use ULIDs, v2.")
            doc = await ok(s, "knowledge", action="doc_read", key="adr-1")
            assert "ULIDs" in json.dumps(doc)
            docs = await ok(s, "knowledge", action="docs")
            assert docs["total"] == 1
            await ok(s, "knowledge", action="doc_archive", key="adr-1")
            await ok(s, "knowledge", action="context_delete", key="tests")
            e = await err(s, "knowledge", "entry_not_found", action="doc_read", key="nope")
            assert e["remedies"][0]["tool"] == "knowledge"
            await err(s, "knowledge", "invalid_argument", action="context_set", key="../x",
                      body="b")
    run(go())
