"""Browser tests of the dashboard: the page, drags through the workflow guards,
forms, live updates, escaping, and the server's refusals."""

import http.client
import json
import time

from playwright.sync_api import expect

from conftest import run


def status_on_disk(server, tid):
    path = server.ticket_file(tid)
    assert path is not None, f"no file for {tid}"
    for line in path.read_text().splitlines():
        if line.startswith("status:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("no status line")


def raw_post(server, path, body, headers):
    host = server.url.removeprefix("http://")
    conn = http.client.HTTPConnection(host, timeout=10)
    conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json", **headers})
    r = conn.getresponse()
    data = json.loads(r.read() or b"{}")
    conn.close()
    return r.status, data


def test_board_lists_tickets_in_workflow_columns(project, serve, page, shots):
    run(project, "create", "Write the parser", "-t", "feature", "-p", "1", "--tags", "core,parser", "--acceptance", "parses a", "--acceptance", "parses b")
    run(project, "create", "Fix crash on empty input", "-t", "bug", "-p", "0", "-a", "alice")
    a = run(project, "create", "Document the format", "-t", "chore", "-p", "3")
    dep = run(project, "create", "Blocked on the parser")
    run(project, "dep", dep["id"], a["id"])
    started = run(project, "create", "Speed up listing", "-p", "2", "--tags", "perf")
    run(project, "start", started["id"])
    s = serve()
    page.goto(s.url + "/")
    expect(page.locator(".column[data-status=open] .card")).to_have_count(4)
    expect(page.locator(".column[data-status=in_progress] .card")).to_have_count(1)
    statuses = page.locator(".column").evaluate_all("els => els.map(e => e.dataset.status)")
    assert statuses == ["open", "in_progress", "closed"]
    card = page.locator(".card", has_text="Write the parser")
    expect(card).to_contain_text("0/2")
    expect(card).to_contain_text("#parser")
    expect(page.locator(".card", has_text="Blocked on the parser")).to_contain_text("blocked")
    # Filters live in the URL.
    page.select_option("select[name=type]", "bug")
    expect(page).to_have_url(s.url + "/?type=bug")
    expect(page.locator(".card")).to_have_count(1)
    page.goto(s.url + "/")
    expect(page.locator(".card")).to_have_count(5)
    page.screenshot(path=str(shots / "board.png"))
    assert page.js_errors == []


def test_drag_allowed_by_the_guards_moves_the_file(project, serve, page):
    t = run(project, "create", "Drag me")
    s = serve()
    page.goto(s.url + "/")
    page.drag_and_drop(f".card[data-id='{t['id']}']", ".column[data-status=in_progress]")
    expect(page.locator(f".column[data-status=in_progress] .card[data-id='{t['id']}']")).to_be_visible()
    assert status_on_disk(s, t["id"]) == "in_progress"


def test_drag_refused_by_a_guard_shows_verdicts_and_changes_nothing(project, serve, page):
    t = run(project, "create", "Gated", "--acceptance", "tests pass")
    run(project, "start", t["id"])
    s = serve()
    before = s.ticket_file(t["id"]).read_bytes()
    page.goto(s.url + "/")
    page.drag_and_drop(f".card[data-id='{t['id']}']", ".column[data-status=closed]")
    box = page.locator("#verdicts")
    expect(box).to_be_visible()
    expect(box).to_contain_text("refused")
    expect(box.locator(".verdict.fail[data-guard=acceptance_complete]")).to_contain_text("tests pass")
    expect(page.locator(f".column[data-status=in_progress] .card[data-id='{t['id']}']")).to_be_visible()
    assert s.ticket_file(t["id"]).read_bytes() == before
    # The remedy is a button: check the criterion, then the same drag passes.
    box.get_by_role("button", name="check it").click()
    expect(page.locator(f".card[data-id='{t['id']}']")).to_contain_text("1/1")
    page.drag_and_drop(f".card[data-id='{t['id']}']", ".column[data-status=closed]")
    expect(page.locator(f".column[data-status=closed] .card[data-id='{t['id']}']")).to_be_visible()
    assert "archive" in str(s.ticket_file(t["id"]))


def test_create_form_makes_a_file(project, serve, page):
    s = serve()
    page.goto(s.url + "/")
    page.keyboard.press("c")
    expect(page).to_have_url(s.url + "/new")
    page.fill("input[name=title]", "Made in the browser")
    page.fill("input[name=tags]", "web, ui")
    page.fill("textarea[name=description]", "Some **bold** text")
    page.fill("textarea[name=acceptance]", "it exists\nit renders")
    page.click("#create-form button[type=submit]")
    expect(page.locator("#ticket-title")).to_have_text("Made in the browser")
    files = list((project / ".docket" / "tickets").glob("*.md"))
    assert len(files) == 1
    text = files[0].read_text()
    assert "Made in the browser" in text and "it renders" in text and "web" in text
    expect(page.locator(".md strong")).to_have_text("bold")
    # The edit form sends only what changed.
    page.fill("#edit-form input[name=title]", "Renamed in the browser")
    page.click("#edit-form button[type=submit]")
    expect(page.locator("#ticket-title")).to_have_text("Renamed in the browser")
    assert "title: Renamed in the browser" in files[0].parent.joinpath(next(files[0].parent.iterdir()).name).read_text()


def test_cli_change_appears_in_the_open_page_without_reload(project, serve, page):
    s = serve()
    page.goto(s.url + "/")
    expect(page.locator("#live.on")).to_be_visible()
    page.evaluate("window.__noReload = 42")
    t0 = time.monotonic()
    t = run(project, "create", "Created from the terminal")
    expect(page.locator(f".card[data-id='{t['id']}']")).to_be_visible(timeout=3000)
    elapsed = time.monotonic() - t0
    assert page.evaluate("window.__noReload") == 42, "the page reloaded"
    assert elapsed < 1.5, f"took {elapsed:.2f}s"
    # The ticket page follows the file too.
    page.click(f".card[data-id='{t['id']}'] a")
    expect(page.locator("#ticket-title")).to_have_text("Created from the terminal")
    page.evaluate("window.__noReload = 43")
    run(project, "add-note", t["id"], "noted from the CLI")
    expect(page.locator("#notes")).to_contain_text("noted from the CLI", timeout=3000)
    run(project, "update", t["id"], "--title", "Renamed in the terminal")
    expect(page.locator("#ticket-title")).to_have_text("Renamed in the terminal", timeout=3000)
    assert page.evaluate("window.__noReload") == 43


def test_script_in_ticket_text_renders_inert(project, serve, page):
    evil = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
    t = run(project, "create", evil, "--tags", "<b>tag</b>", "-d", "desc " + evil + " [x](javascript:window.__pwned=3)")
    run(project, "add-note", t["id"], evil)
    s = serve()
    page.goto(s.url + "/")
    card = page.locator(f".card[data-id='{t['id']}']")
    expect(card.locator("a.title")).to_have_text(evil)
    page.goto(s.url + "/t/" + t["id"])
    expect(page.locator("#ticket-title")).to_have_text(evil)
    expect(page.locator("#notes")).to_contain_text("<script>")
    assert page.locator("#main script").count() == 0
    assert page.locator("#main img").count() == 0
    assert page.locator("#main a[href^='javascript']").count() == 0
    for link in page.locator("#main .md a").all():
        link.click()
    assert page.evaluate("window.__pwned") is None
    assert page.js_errors == []


def test_writes_without_csrf_or_from_another_origin_or_with_paths_are_refused(project, serve, page):
    t = run(project, "create", "Target")
    s = serve()
    page.goto(s.url + "/")
    csrf = page.locator("meta[name=csrf-token]").get_attribute("content")
    # From the page itself, but without the token.
    res = page.evaluate("""async () => {
        const r = await fetch('/api/tickets', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({title: 'x'})});
        return [r.status, await r.json()];
    }""")
    assert res[0] == 403 and res[1]["error"]["code"] == "csrf"
    # A foreign origin, with the right token.
    status, body = raw_post(s, "/api/tickets", {"title": "x"}, {"Origin": "http://evil.example", "X-CSRF-Token": csrf})
    assert status == 403 and body["error"]["code"] == "bad_origin"
    # A path in the id.
    res = page.evaluate("""async (csrf) => {
        const r = await fetch('/api/tickets/..%2F..%2Fconfig/notes', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}, body: JSON.stringify({text: 'x'})});
        return [r.status, await r.json()];
    }""", csrf)
    assert res[0] == 400 and res[1]["error"]["code"] == "invalid_id"
    assert len(list((project / ".docket" / "tickets").glob("*.md"))) == 1
    assert "x" not in (s.ticket_file(t["id"]).read_text().split("## Log")[-1].split("\n")[-2:])
    # With the token, the same page write works.
    res = page.evaluate("""async (csrf) => {
        const r = await fetch('/api/tickets', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}, body: JSON.stringify({title: 'ok'})});
        return r.status;
    }""", csrf)
    assert res == 200


def test_readonly_refuses_writes(project, serve, page):
    t = run(project, "create", "Look, do not touch")
    s = serve("--readonly")
    before = s.ticket_file(t["id"]).read_bytes()
    page.goto(s.url + "/")
    expect(page.locator(".card")).to_have_count(1)
    expect(page.locator("#nav-new")).to_have_count(0)
    assert page.locator(".card").first.get_attribute("draggable") == "false"
    csrf = page.locator("meta[name=csrf-token]").get_attribute("content")
    res = page.evaluate("""async ([csrf, id]) => {
        const r = await fetch('/api/tickets/' + id + '/move', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}, body: JSON.stringify({to: 'closed'})});
        return [r.status, await r.json()];
    }""", [csrf, t["id"]])
    assert res[0] == 403 and res[1]["error"]["code"] == "readonly"
    page.goto(s.url + "/t/" + t["id"])
    expect(page.locator("#ticket-title")).to_have_text("Look, do not touch")
    expect(page.locator("#note-form")).to_have_count(0)
    assert s.ticket_file(t["id"]).read_bytes() == before


def test_ticket_page_plan_approval_and_screenshot(project, serve, page, shots):
    """A plan written by one session must be approved by another, in the page too."""
    import shutil
    shutil.rmtree(project / ".docket")
    run(project, "init", "--prefix", "w", "--preset", "plan-first", "--no-agents")
    dep = run(project, "create", "Announce the export format")
    t = run(project, "create", "Add the export command", "-t", "feature", "-p", "1", "--tags", "cli,export",
            "-d", "Export tickets as **JSON lines**.\n\n- one ticket per line\n- stable key order",
            "--acceptance", "exports every ticket", "--acceptance", "round-trips with import")
    run(project, "dep", dep["id"], t["id"])
    s = serve()
    page.goto(s.url + "/sessions")
    page.select_option("#session-form select[name=role]", "architect")
    page.fill("#session-form input[name=name]", "ada")
    page.click("#session-form button[type=submit]")
    expect(page.locator("#who")).to_contain_text("acting as ada (architect)")
    page.goto(s.url + "/t/" + t["id"])
    page.select_option("#move-to", "planning")
    page.click("#move-btn")
    expect(page.locator("#ticket-data")).to_contain_text("planning")
    page.fill("#plan-form textarea", "1. Add `docket export`\n2. Write one JSON object per line\n3. Test the round trip")
    page.click("#plan-form button[type=submit]")
    expect(page.locator("#plan")).to_contain_text("Plan v1")
    # The author cannot approve: the move is refused with every verdict.
    page.select_option("#move-to", "in_progress")
    page.click("#move-btn")
    box = page.locator("#verdicts")
    expect(box.locator(".verdict.fail[data-guard=plan_approved_by_other_session]")).to_be_visible()
    assert status_on_disk(s, t["id"]) == "planning"
    # Another session (started from the terminal) approves it.
    other = run(project, "session", "--role", "architect", "--name", "bob", "--detach")
    page.goto(s.url + "/sessions")
    page.click(f".item[data-id='{other['id']}'] button")
    expect(page.locator("#who")).to_contain_text("acting as bob")
    page.goto(s.url + "/t/" + t["id"])
    page.locator("#criteria input").first.check()
    expect(page.locator("#ticket-data")).to_contain_text("Acceptance 1/2")
    page.select_option("#move-to", "in_progress")
    page.click("#move-btn")
    expect(page.locator("#ticket-data .chip").first).to_have_text("in_progress")
    assert status_on_disk(s, t["id"]) == "in_progress"
    text = s.ticket_file(t["id"]).read_text()
    assert "approval" in text and "bob (architect)" in text
    page.fill("#note-form textarea", "Started; the CLI part is done.")
    page.click("#note-form button[type=submit]")
    expect(page.locator("#notes")).to_contain_text("the CLI part is done")
    expect(page.locator("#chain")).to_contain_text("chain intact")
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shots / "ticket.png"))
    page.goto(s.url + "/graph/" + t["id"])
    expect(page.locator("#graph .node")).to_have_count(2)
    page.goto(s.url + "/activity")
    expect(page.locator("#activity")).to_contain_text("plan")
    page.keyboard.press("t")
    expect(page).to_have_url(s.url + "/stats")
    expect(page.locator("#stats .panel").first).to_be_visible()
    expect(page.locator("#stats")).to_contain_text("overview")
    assert page.js_errors == []


def test_long_columns_are_capped_with_show_more_and_search_works(serve, page, tmp_path):
    import subprocess
    from conftest import DOCKET, Server
    big = tmp_path / "big"
    subprocess.run([DOCKET, "gen", "--count", "400", "--out", str(big), "--seed", "7"], check=True, capture_output=True)
    s = Server(big)
    try:
        page.goto(s.url + "/")
        cols = page.locator(".column")
        expect(cols.first.locator(".card").first).to_be_visible()
        counts = {c.get_attribute("data-status"): (c.locator(".card").count(), int(c.locator(".count").inner_text())) for c in cols.all()}
        capped = [st for st, (shown, total) in counts.items() if total > 100]
        assert capped, counts
        for st, (shown, total) in counts.items():
            assert shown == min(total, 100), (st, shown, total)
        col = page.locator(f".column[data-status='{capped[0]}']")
        col.locator("button.more").click()
        expect(col.locator(".card")).to_have_count(min(counts[capped[0]][1], 200))
        # `/` focuses search; Enter lists matches across all statuses.
        page.keyboard.press("/")
        page.keyboard.type("export")
        page.keyboard.press("Enter")
        expect(page).to_have_url(s.url + "/?q=export")
        expect(page.locator("#results .item[data-id]").first).to_be_visible()
        assert page.js_errors == []
    finally:
        s.stop()
