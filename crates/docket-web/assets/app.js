// docket dashboard: vanilla JS, no build step. Every ticket-provided string goes
// into the page through textContent (never innerHTML); the only HTML inserted is
// markdown the server rendered and sanitized (fields ending in `_html`).
"use strict";

const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const READONLY = document.querySelector('meta[name="docket-readonly"]').content === "true";
const main = document.getElementById("main");
let INFO = null;
let current = { view: null, refresh: null };

// ---------- small helpers ----------
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
function svg(tag, attrs, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children.flat()) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}
// Markdown the server already sanitized (ammonia); nothing else goes through here.
function sanitized(html) {
  const d = h("div", { class: "md" });
  d.innerHTML = html || "";
  return d;
}
function link(href, ...children) {
  return h("a", { href, "data-link": true }, ...children);
}
function ticketLink(id, label) { return link("/t/" + encodeURIComponent(id), label || id); }

async function api(method, path, body) {
  const opts = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.headers["X-CSRF-Token"] = CSRF;
    opts.body = JSON.stringify(body);
  }
  let res;
  try { res = await fetch(path, opts); } catch (e) {
    return { ok: false, error: { code: "network", message: "the server did not answer: " + e.message, remedies: [] } };
  }
  try { return await res.json(); } catch (e) {
    return { ok: false, error: { code: "bad_response", message: "HTTP " + res.status, remedies: [] } };
  }
}
const get = (path) => api("GET", path);
const post = (path, body) => api("POST", path, body || {});

let flashTimer = null;
function flash(msg, ok) {
  const f = document.getElementById("flash");
  f.textContent = msg;
  f.className = ok ? "ok" : "";
  f.hidden = false;
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => { f.hidden = true; }, ok ? 2500 : 8000);
}
function remedyText(r) {
  const args = Object.entries(r.args || {}).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ");
  const by = r.by ? ` (by ${r.by.kind === "role" ? "a " + r.by.value : r.by.kind.replace("_", " ")})` : "";
  return `${r.op}${args ? " " + args : ""}${by}: ${r.why || r.hint || ""}`.trim();
}
// A remedy the person can apply from here becomes a button; the rest stay text.
function remedyItem(r) {
  const li = h("li", {}, remedyText(r));
  const a = r.args || {};
  let act = null;
  if (r.by && r.by.kind !== "caller") act = null;
  else if (r.op === "update" && a.id && a.ac !== undefined && a.done !== undefined) {
    act = h("button", { type: "button", onclick: async () => {
      const res = await post("/api/tickets/" + encodeURIComponent(a.id) + "/criteria", { title: a.ac, done: !!a.done });
      if (!res.ok) flash(res.error.message); else flash("criterion updated", true);
      if (current.refresh) await current.refresh();
    } }, a.done ? "check it" : "uncheck it");
  } else if ((r.op === "show" || r.op === "close") && a.id && !a.force) {
    act = link("/t/" + encodeURIComponent(a.id), "open " + a.id);
  } else if (r.op === "plan_write" && a.id) {
    act = link("/t/" + encodeURIComponent(a.id), "write the plan");
  } else if (r.op === "session_start") {
    act = link("/sessions", "start a session");
  }
  if (act) li.append(" ", act);
  return li;
}
function errorBox(err) {
  const box = h("div", { class: "verdicts", "data-error": err.code },
    h("h3", {}, `Refused (${err.code}): `, err.message));
  const remedies = (err.remedies || []).filter(Boolean);
  if (remedies.length) box.append(h("ul", { class: "remedies" }, remedies.map(remedyItem)));
  return box;
}
function verdictBox(preview, err) {
  const allowed = preview && preview.allowed && !err;
  const title = preview ? `${preview.from} → ${preview.to}: ${allowed ? "allowed" : "refused"}` : "refused";
  const box = h("div", { class: "verdicts" + (allowed ? " allowed" : ""), id: "verdicts", "data-allowed": String(!!allowed) },
    h("h3", {}, title, err ? ` (${err.code})` : ""));
  for (const v of (preview && preview.verdicts) || []) {
    box.append(h("div", { class: "verdict " + (v.passed ? "pass" : "fail"), "data-guard": v.guard },
      h("span", { class: "mark" }, v.passed ? "✓" : "✗"),
      h("span", { class: "guard" }, v.guard + (v.forceable || v.passed ? "" : " (not forceable)")),
      h("span", {}, v.message, v.items && v.items.length ? " — " + v.items.join(", ") : "")));
  }
  if (err && !(preview && preview.verdicts && preview.verdicts.length)) box.append(h("div", {}, err.message));
  const remedies = (err && err.remedies) || [];
  if (remedies.length) box.append(h("ul", { class: "remedies" }, remedies.map(remedyItem)));
  return box;
}
function chips(c) {
  return [
    h("span", { class: "chip p" + c.priority }, "P" + c.priority),
    h("span", { class: "chip" }, c.type),
    c.blocked ? h("span", { class: "chip blocked", title: "waiting on an open dependency" }, "blocked") : null,
    c.assignee ? h("span", { class: "chip" }, "@" + c.assignee) : null,
    c.criteria_total ? h("span", { class: "chip", title: "acceptance criteria checked" }, `${c.criteria_done}/${c.criteria_total}`) : null,
    ...(c.tags || []).map((t) => h("span", { class: "chip tag" }, "#" + t)),
  ];
}
function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") u.set(k, v);
  const s = u.toString();
  return s ? "?" + s : "";
}

// ---------- header: who is acting ----------
async function loadInfo() {
  const r = await get("/api/info");
  if (r.ok) INFO = r.data;
  renderWho();
}
function renderWho() {
  const who = document.getElementById("who");
  who.replaceChildren();
  if (!INFO) return;
  if (READONLY) { who.append("read-only"); return; }
  const s = INFO.session;
  who.append(s ? `acting as ${s.name} (${s.role})` : `no session — as ${INFO.actor || "user"} `, " ", link("/sessions", "change"));
}

// ---------- board ----------
const FILTER_KEYS = ["type", "tag", "status", "assignee", "mode", "q"];
function filtersFromUrl() {
  const u = new URLSearchParams(location.search);
  const f = {};
  for (const k of FILTER_KEYS) f[k] = u.get(k) || "";
  return f;
}
function card(c) {
  const el = h("div", { class: "card", draggable: READONLY ? "false" : "true", "data-id": c.id, "data-status": c.status },
    h("span", { class: "id" }, c.handle),
    ticketLink(c.id, c.title),
    h("div", { class: "meta" }, chips(c)));
  el.querySelector("a").className = "title";
  el.addEventListener("dragstart", (e) => {
    e.dataTransfer.setData("text/plain", c.id);
    e.dataTransfer.effectAllowed = "move";
  });
  return el;
}
async function viewBoard() {
  const f = filtersFromUrl();
  const form = h("form", { class: "filters", id: "filters" });
  const sel = (name, values) => h("label", {}, name,
    h("select", { name }, h("option", { value: "" }, "any"), (values || []).map((v) => h("option", { value: v, selected: f[name] === v }, v))));
  const inp = (name, ph) => h("label", {}, name, h("input", { name, value: f[name], placeholder: ph, size: 12 }));
  form.append(sel("type", INFO && INFO.types), sel("status", INFO && INFO.workflow.statuses), sel("mode", INFO && INFO.modes),
    inp("tag", "tag"), inp("assignee", "name"), inp("q", "words"), h("button", { type: "submit" }, "Filter"),
    h("button", { type: "button", onclick: () => { history.pushState(null, "", "/"); route(); } }, "Clear"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    history.pushState(null, "", "/" + qs(data));
    route();
  });
  form.addEventListener("change", (e) => { if (e.target.tagName === "SELECT") form.requestSubmit(); });
  const verdictSlot = h("div", { id: "move-result" });
  const boardEl = h("div", { class: "board", id: "board" });
  main.replaceChildren(form, verdictSlot, boardEl);
  if (f.q) return renderSearch(boardEl, f);
  async function load() {
    const r = await get("/api/board" + qs({ type: f.type, tag: f.tag, status: f.status, assignee: f.assignee, mode: f.mode }));
    if (!r.ok) { boardEl.replaceChildren(errorBox(r.error)); return; }
    const cols = r.data.columns.map((col) => {
      const cards = h("div", { class: "cards" }, col.cards.map(card));
      const colEl = h("section", { class: "column" + (col.terminal ? " terminal" : ""), "data-status": col.status },
        h("h2", {}, h("span", {}, col.status), h("span", { class: "count" }, String(col.total))), cards);
      if (col.next_cursor) addMore(colEl, cards, col, f);
      colEl.addEventListener("dragover", (e) => { if (!READONLY) { e.preventDefault(); colEl.classList.add("drop"); } });
      colEl.addEventListener("dragleave", () => colEl.classList.remove("drop"));
      colEl.addEventListener("drop", (e) => {
        e.preventDefault();
        colEl.classList.remove("drop");
        const id = e.dataTransfer.getData("text/plain");
        // A drop back into the card's own column is no move.
        const from = boardEl.querySelector(`.card[data-id="${CSS.escape(id)}"]`);
        if (id && !(from && from.dataset.status === col.status)) dropMove(id, col.status, verdictSlot, load);
      });
      return colEl;
    });
    boardEl.replaceChildren(...cols);
    boardEl.dataset.loaded = String(Date.now());
  }
  await load();
  return load;
}
function addMore(colEl, cards, col, f) {
  let cursor = col.next_cursor;
  const btn = h("button", { class: "more", type: "button" }, `show more (${col.total - col.cards.length} left)`);
  btn.addEventListener("click", async () => {
    // An open column is in stage order (sequence first): page it the same way.
    const sort = col.terminal ? undefined : "sequence,priority,created";
    const r = await get("/api/tickets" + qs({ status: col.status, all: "true", cursor, limit: 100, type: f.type, tag: f.tag, assignee: f.assignee, mode: f.mode, sort }));
    if (!r.ok) { flash(r.error.message); return; }
    cards.append(...r.data.items.map(card));
    cursor = r.data.next_cursor;
    if (!cursor) btn.remove(); else btn.textContent = `show more (${col.total - cards.children.length} left)`;
  });
  colEl.append(btn);
}
async function dropMove(id, to, slot, reload) {
  const r = await post("/api/tickets/" + encodeURIComponent(id) + "/move", { to });
  if (r.ok) {
    slot.replaceChildren();
    flash(`${r.data.changed.handle} moved to ${r.data.changed.status}`, true);
  } else {
    const preview = r.error.details && r.error.details.preview;
    slot.replaceChildren(verdictBox(preview, r.error));
  }
  await reload();
}
async function renderSearch(el, f) {
  const r = await get("/api/tickets" + qs({ ...f, all: "true", limit: 200 }));
  if (!r.ok) { el.replaceChildren(errorBox(r.error)); return; }
  const list = h("div", { class: "list", id: "results" },
    h("div", { class: "item muted" }, `${r.data.total} match${r.data.total === 1 ? "" : "es"} for “${f.q}”`),
    r.data.items.map((c) => h("div", { class: "item", "data-id": c.id },
      h("span", { class: "id" }, c.handle), h("span", { class: "chip" }, c.status), ticketLink(c.id, c.title),
      c.line ? h("span", { class: "muted" }, c.line) : null)));
  el.replaceWith(list);
}

// ---------- ticket page ----------
function refList(title, items) {
  if (!items || !items.length) return null;
  return h("div", {}, h("strong", {}, title),
    h("ul", { class: "refs" }, items.map((r) => h("li", {}, r.missing
      ? h("span", { class: "muted" }, r.id + " (missing)")
      : h("span", { class: r.done ? "done-ref" : "" }, ticketLink(r.id, r.handle || r.id), " ", r.title, " ", h("span", { class: "chip" }, r.status))))));
}
async function viewTicket(id) {
  const data = h("div", { id: "ticket-data" });
  const moveSlot = h("div", { id: "move-result" });
  const forms = h("div", { id: "ticket-forms" });
  main.replaceChildren(moveSlot, data, forms);
  let t = null;
  async function load() {
    const r = await get("/api/tickets/" + encodeURIComponent(id));
    if (!r.ok) { data.replaceChildren(errorBox(r.error)); forms.replaceChildren(); return; }
    t = r.data;
    renderTicket(t, data, moveSlot, load);
    if (!forms.dataset.id) { forms.dataset.id = t.meta.id; renderForms(t, forms, load); }
    data.dataset.loaded = String(Date.now());
  }
  await load();
  return async (change) => {
    if (!t || !change || !change.ids || !change.ids.length || change.ids.includes(t.meta.id)) await load();
  };
}
function renderTicket(t, el, moveSlot, reload) {
  const m = t.meta;
  document.title = `${t.handle} ${m.title} · docket`;
  const statuses = (INFO && INFO.workflow.statuses) || [m.status];
  const toSel = h("select", { id: "move-to" }, statuses.map((s) => h("option", { value: s, selected: s === (t.next || m.status) }, s)));
  const doMove = async (dry) => {
    const r = await post("/api/tickets/" + encodeURIComponent(m.id) + "/move", { to: toSel.value, dry_run: dry });
    if (r.ok) {
      moveSlot.replaceChildren(dry ? verdictBox(r.data.preview) : h("div"));
      if (!dry) flash(`moved to ${r.data.changed.status}`, true);
    } else {
      moveSlot.replaceChildren(verdictBox(r.error.details && r.error.details.preview, r.error));
    }
    if (!dry) await reload();
  };
  const actions = READONLY ? null : h("div", { class: "row" },
    h("label", {}, "move to "), toSel,
    h("button", { type: "button", onclick: () => doMove(true) }, "Explain"),
    h("button", { type: "button", class: "primary", id: "move-btn", onclick: () => doMove(false) }, "Move"),
    link("/graph/" + encodeURIComponent(m.id), "dependency graph"));
  const fields = h("dl", { class: "fields" },
    [["status", m.status], ["type", m.type], ["priority", "P" + m.priority], ["mode", m.mode], ["tier", m.tier],
    ["assignee", m.assignee], ["tags", (m.tags || []).map((x) => "#" + x).join(" ")], ["created", m.created],
    ["updated", m.updated], ["closed", m.closed], ["file", t.path]]
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))]));
  const ac = h("ul", { class: "checklist", id: "criteria" }, (m.acceptance || []).map((c) => {
    const box = h("input", { type: "checkbox", checked: c.done, disabled: READONLY });
    box.addEventListener("change", async () => {
      const r = await post("/api/tickets/" + encodeURIComponent(m.id) + "/criteria", { title: c.title, done: box.checked });
      if (!r.ok) { flash(r.error.message); box.checked = !box.checked; }
      await reload();
    });
    return h("li", {}, h("label", {}, box, " ", c.title));
  }));
  const left = [
    h("div", { class: "panel" },
      h("div", { class: "row" }, h("span", { class: "id" }, t.handle), h("span", { class: "chip" }, m.status),
        t.blocked ? h("span", { class: "chip blocked" }, "blocked") : null),
      h("h1", { id: "ticket-title" }, m.title), actions),
    t.description ? h("div", { class: "panel" }, h("h2", {}, "Description"), sanitized(t.description_html)) : null,
    t.design ? h("div", { class: "panel" }, h("h2", {}, "Design"), sanitized(t.design_html)) : null,
    (m.acceptance || []).length ? h("div", { class: "panel" }, h("h2", {}, `Acceptance ${m.acceptance.filter((c) => c.done).length}/${m.acceptance.length}`), ac) : null,
    planPanel(t),
    notesPanel(t),
    logPanel(t),
  ];
  const right = [
    h("div", { class: "panel" }, h("h2", {}, "Fields"), fields),
    h("div", { class: "panel" }, h("h2", {}, "Relations"),
      t.parent ? refList("parent", [t.parent]) : null,
      refList("waits on", t.deps), refList("needed by", t.dependents),
      refList("children", t.children), refList("links", t.links),
      !t.parent && !t.deps.length && !t.dependents.length && !t.children.length && !t.links.length ? h("span", { class: "muted" }, "none") : null),
  ];
  el.replaceChildren(h("div", { class: "ticket" }, h("div", {}, left), h("div", {}, right)));
}
function planPanel(t) {
  const p = t.plan;
  if (!p) return null;
  const frozen = p.frozen;
  const head = h("h2", {}, `Plan v${p.version}`, frozen ? ` — frozen (approved v${frozen.version} by ${frozen.approver})` : "",
    p.intact ? "" : h("span", { class: "chain-bad" }, " — edited after approval!"));
  if (!frozen) return h("div", { class: "panel", id: "plan" }, head, sanitized(p.html));
  const devs = (p.deviations || []).map((d) => h("div", { class: "item" }, h("span", { class: "muted" }, `${d.at} ${d.actor}: `), d.text));
  return h("div", { class: "panel", id: "plan" }, head,
    h("div", { class: "plan-cols" },
      h("div", {}, h("strong", {}, "Frozen plan"), sanitized(p.frozen_html || p.html)),
      h("div", {}, h("strong", {}, `Deviations (${devs.length})`), devs.length ? h("div", { class: "list" }, devs) : h("p", { class: "muted" }, "none recorded"))));
}
function notesPanel(t) {
  const notes = (t.log || []).filter((e) => e.kind === "note" || e.kind === "comment");
  // Notes from the legacy `## Notes` section that the log does not already hold.
  const inLog = new Set(notes.map((e) => e.at + "\u0000" + e.text.trim()));
  const legacy = (t.notes || []).filter((n) => !inLog.has(n.at + "\u0000" + String(n.text).trim()));
  if (!notes.length && !legacy.length) return null;
  return h("div", { class: "panel", id: "notes" }, h("h2", {}, "Notes and comments"),
    legacy.map((n) => h("div", { class: "item" }, h("span", { class: "muted" }, `${n.at} ${n.author || ""}: `), n.text)),
    notes.map((e) => h("div", { class: "item note" }, h("span", { class: "muted" }, `${e.at} · ${e.kind} · ${e.actor}: `), h("span", { class: "log-text" }, e.text))));
}
function logPanel(t) {
  const chain = t.chain || {};
  return h("div", { class: "panel", id: "history" },
    h("h2", {}, "History ", chain.intact
      ? h("span", { class: "chain-ok", id: "chain" }, `✓ chain intact (${chain.entries} entries)`)
      : h("span", { class: "chain-bad", id: "chain" }, "✗ " + (chain.problem || "chain broken"))),
    h("table", { class: "log" }, h("tbody", {}, (t.log || []).slice().reverse().map((e) => h("tr", {},
      h("td", {}, String(e.n)), h("td", {}, e.at), h("td", {}, e.kind), h("td", {}, e.actor),
      h("td", { class: "text" }, e.text))))));
}
function renderForms(t, el, reload) {
  if (READONLY) { el.replaceChildren(); return; }
  const id = t.meta.id;
  const noteForm = h("form", { class: "stack panel", id: "note-form" },
    h("h2", {}, "Add a note"),
    h("textarea", { name: "text", required: true, placeholder: "What happened, what is next" }),
    h("label", { class: "row" }, h("input", { type: "checkbox", name: "comment" }), "record as a comment (a deviation while in progress against a frozen plan)"),
    h("div", {}, h("button", { class: "primary", type: "submit" }, "Add")));
  noteForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const fd = new FormData(noteForm);
    const r = await post("/api/tickets/" + encodeURIComponent(id) + "/notes", { text: fd.get("text"), comment: fd.get("comment") === "on" });
    if (!r.ok) { flash(r.error.message); return; }
    noteForm.reset();
    await reload();
  });
  const planForm = h("form", { class: "stack panel", id: "plan-form" },
    h("h2", {}, "Write or revise the plan"),
    h("textarea", { name: "text", required: true, rows: 6 }, (t.plan && t.plan.text) || ""),
    h("div", {}, h("button", { type: "submit" }, "Save plan")));
  planForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const r = await post("/api/tickets/" + encodeURIComponent(id) + "/plan", { text: new FormData(planForm).get("text") });
    if (!r.ok) { flash(`${r.error.code}: ${r.error.message}`); return; }
    flash("plan saved", true);
    await reload();
  });
  const m = t.meta;
  const editForm = h("form", { class: "stack panel", id: "edit-form" },
    h("h2", {}, "Edit fields"),
    h("label", {}, "title", h("input", { name: "title", value: m.title })),
    h("div", { class: "row" },
      h("label", {}, "priority", h("select", { name: "priority" }, [0, 1, 2, 3, 4].map((p) => h("option", { value: p, selected: p === m.priority }, "P" + p)))),
      h("label", {}, "type", h("select", { name: "type" }, ((INFO && INFO.types) || [m.type]).map((x) => h("option", { value: x, selected: x === m.type }, x)))),
      h("label", {}, "assignee", h("input", { name: "assignee", value: m.assignee || "" })),
      h("label", {}, "tags", h("input", { name: "tags", value: (m.tags || []).join(", ") }))),
    h("div", {}, h("button", { type: "submit" }, "Save")));
  const formValues = (f) => {
    const fd = new FormData(f);
    return { title: fd.get("title"), priority: Number(fd.get("priority")), type: fd.get("type"),
      assignee: fd.get("assignee"), tags: String(fd.get("tags")).split(",").map((x) => x.trim()).filter(Boolean) };
  };
  let initial = formValues(editForm);
  editForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    // Send only what the person changed, so a field another writer changed
    // since the form was drawn is not overwritten with the old value.
    const now = formValues(editForm);
    const body = {};
    for (const k of Object.keys(now)) if (JSON.stringify(now[k]) !== JSON.stringify(initial[k])) body[k] = now[k];
    if (!Object.keys(body).length) { flash("nothing changed", true); return; }
    const r = await post("/api/tickets/" + encodeURIComponent(id), body);
    if (!r.ok) { flash(r.error.message); return; }
    flash("saved", true);
    initial = formValues(editForm);
    await reload();
  });
  el.replaceChildren(noteForm, planForm, editForm);
}

// ---------- dependency graph ----------
async function viewGraph(id) {
  const r = await get("/api/tickets/" + encodeURIComponent(id) + "/graph");
  if (!r.ok) { main.replaceChildren(errorBox(r.error)); return; }
  const g = r.data;
  const levels = {};
  for (const n of g.nodes) (levels[n.level] = levels[n.level] || []).push(n);
  const keys = Object.keys(levels).map(Number).sort((a, b) => a - b);
  const W = 200, H = 44, GX = 70, GY = 16;
  const pos = {};
  keys.forEach((lv, ci) => levels[lv].forEach((n, ri) => { pos[n.id] = { x: 20 + ci * (W + GX), y: 20 + ri * (H + GY) }; }));
  const width = 40 + keys.length * (W + GX);
  const height = 40 + Math.max(1, ...keys.map((k) => levels[k].length)) * (H + GY);
  const s = svg("svg", { class: "graph", width, height, viewBox: `0 0 ${width} ${height}`, id: "graph" },
    svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto" }, svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#9aa6b8" }))));
  for (const e of g.edges) {
    const a = pos[e.from], b = pos[e.to];
    if (!a || !b) continue;
    // An edge points from the waiting ticket to what it waits on.
    const [x1, x2] = a.x > b.x ? [a.x, b.x + W] : [a.x + W, b.x];
    s.append(svg("line", { x1, y1: a.y + H / 2, x2, y2: b.y + H / 2, "marker-end": "url(#arrow)" }));
  }
  for (const n of g.nodes) {
    const p = pos[n.id];
    const cls = "node" + (n.root ? " root" : "") + (n.done ? " done" : "") + (n.missing ? " missing" : "");
    const a = svg("a", { href: "/graph/" + encodeURIComponent(n.id), "data-link": "" },
      svg("g", { class: cls }, svg("rect", { x: p.x, y: p.y, width: W, height: H }),
        svg("text", { x: p.x + 6, y: p.y + 16 }, `${n.handle || n.id} · ${n.status || "missing"}`),
        svg("text", { x: p.x + 6, y: p.y + 32 }, (n.title || "").slice(0, 30))));
    s.append(a);
  }
  main.replaceChildren(h("div", { class: "row" }, h("h2", {}, "Dependencies around "), ticketLink(g.root)),
    h("p", { class: "muted" }, "Left: what it waits on. Right: what waits on it. Click a node to center it."), s);
}

// ---------- activity, sessions, runs, create ----------
async function viewActivity() {
  const r = await get("/api/activity?limit=100");
  if (!r.ok) { main.replaceChildren(errorBox(r.error)); return; }
  main.replaceChildren(h("h2", {}, "Recent activity"), h("div", { class: "list", id: "activity" },
    r.data.items.length ? r.data.items.map((it) => h("div", { class: "item" },
      h("span", { class: "muted" }, it.entry.at), h("span", { class: "chip" }, it.entry.kind),
      ticketLink(it.ticket, it.handle), h("span", {}, it.title), h("span", { class: "muted" }, `${it.entry.actor}: ${it.entry.text.slice(0, 160)}`)))
      : h("div", { class: "item muted" }, "nothing yet")));
}
async function viewSessions() {
  const r = await get("/api/sessions");
  if (!r.ok) { main.replaceChildren(errorBox(r.error)); return; }
  const act = async (sid) => {
    const res = await post("/api/session", { id: sid });
    if (!res.ok) { flash(res.error.message); return; }
    await loadInfo();
    await viewSessions();
  };
  const mine = INFO && INFO.session && INFO.session.id;
  const list = h("div", { class: "list", id: "sessions" }, r.data.items.length ? r.data.items.map((s) => h("div", { class: "item", "data-id": s.id },
    h("strong", {}, s.name), h("span", { class: "chip" }, s.role), h("span", { class: "id" }, s.id), h("span", { class: "muted" }, "last seen " + s.last_seen),
    READONLY ? null : s.id === mine ? h("span", { class: "chip" }, "acting") : h("button", { type: "button", onclick: () => act(s.id) }, "Act as this session"),
    READONLY ? null : h("button", { type: "button", class: "end", onclick: async () => {
      const res = await post("/api/session/end", { id: s.id });
      if (!res.ok) { flash(res.error.message); return; }
      flash(`session ${s.name} ended`, true);
      await loadInfo();
      await viewSessions();
    } }, "End")))
    : h("div", { class: "item muted" }, "no active session"));
  const roles = (INFO && INFO.roles) || [{ name: "architect" }, { name: "implementer" }];
  const form = h("form", { class: "stack panel", id: "session-form" }, h("h2", {}, "Start a session"),
    h("label", {}, "role", h("select", { name: "role" }, roles.map((x) => h("option", { value: x.name }, x.name)))),
    h("label", {}, "name (optional)", h("input", { name: "name" })),
    h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, "Start and act as it"),
      mine ? h("button", { type: "button", onclick: () => act(null) }, "Act without a session") : null));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    const res = await post("/api/sessions", { role: fd.get("role"), name: fd.get("name") || null });
    if (!res.ok) { flash(res.error.message); return; }
    flash(`session ${res.data.name} started`, true);
    await loadInfo();
    await viewSessions();
  });
  main.replaceChildren(h("h2", {}, "Active sessions"),
    h("p", { class: "muted" }, "Changes you make here are recorded as the session you act as. A plan must be approved by a different session than the one that wrote it."),
    list, READONLY ? null : form);
}
// Any JSON value as escaped DOM: objects as definition lists, arrays of objects as tables.
function jsonView(v) {
  if (v === null || v === undefined) return h("span", { class: "muted" }, "—");
  if (Array.isArray(v)) {
    if (!v.length) return h("span", { class: "muted" }, "none");
    if (typeof v[0] !== "object" || v[0] === null) return h("span", {}, v.join(", "));
    const cols = [...new Set(v.flatMap((o) => Object.keys(o)))];
    return h("table", { class: "log" }, h("thead", {}, h("tr", {}, cols.map((c) => h("th", {}, c.replace(/_/g, " "))))),
      h("tbody", {}, v.map((o) => h("tr", {}, cols.map((c) => h("td", {}, typeof o[c] === "object" && o[c] !== null ? jsonView(o[c]) : String(o[c] ?? "")))))));
  }
  if (typeof v === "object") {
    return h("dl", { class: "fields" }, Object.entries(v).flatMap(([k, x]) => [h("dt", {}, k.replace(/_/g, " ")), h("dd", {}, jsonView(x))]));
  }
  return h("span", {}, typeof v === "number" && !Number.isInteger(v) ? v.toFixed(2) : String(v));
}
async function viewStats() {
  const u = new URLSearchParams(location.search);
  const win = u.get("window") || "7d";
  const r = await get("/api/stats" + qs({ window: win }));
  const pick = h("div", { class: "row" }, "window:", ["24h", "7d", "30d", "90d", "365d"].map((w) =>
    w === win ? h("strong", {}, w) : link("/stats?window=" + w, w)));
  if (!r.ok) { main.replaceChildren(pick, errorBox(r.error)); return; }
  const d = r.data;
  const panels = Object.entries(d).filter(([k]) => !["since", "until"].includes(k)).map(([k, v]) =>
    h("div", { class: "panel" }, h("h2", {}, k.replace(/_/g, " ")), jsonView(v)));
  main.replaceChildren(h("h2", {}, "Stats"), pick, h("p", { class: "muted", id: "stats-span" }, `${d.since} → ${d.until}`),
    h("div", { id: "stats" }, panels));
}
async function viewRuns() {
  const r = await get("/api/runs");
  if (!r.ok) { main.replaceChildren(errorBox(r.error)); return; }
  main.replaceChildren(h("h2", {}, "Runner"),
    h("h3", {}, "Current run"), r.data.current ? h("div", { class: "panel", id: "current-run" }, r.data.current.ticket ? ticketLink(r.data.current.ticket) : null, jsonView(r.data.current)) : h("p", { class: "muted" }, "no run in progress"),
    h("h3", {}, "Logs"), h("div", { class: "list" }, r.data.logs.length ? r.data.logs.map((l) => h("div", { class: "item" }, h("span", {}, l.name), h("span", { class: "muted" }, `${l.size} bytes · ${l.modified}`))) : h("div", { class: "item muted" }, "none")));
}
function viewCreate() {
  if (READONLY) { main.replaceChildren(h("p", { class: "muted" }, "read-only dashboard: creating is disabled")); return; }
  const types = (INFO && INFO.types) || ["task"];
  const form = h("form", { class: "stack panel", id: "create-form" }, h("h2", {}, "New ticket"),
    h("label", {}, "title", h("input", { name: "title", required: true, autofocus: true })),
    h("div", { class: "row" },
      h("label", {}, "type", h("select", { name: "type" }, types.map((x) => h("option", { value: x, selected: INFO && INFO.defaults && INFO.defaults.type === x }, x)))),
      h("label", {}, "priority", h("select", { name: "priority" }, [0, 1, 2, 3, 4].map((p) => h("option", { value: p, selected: p === ((INFO && INFO.defaults && INFO.defaults.priority) ?? 2) }, "P" + p)))),
      h("label", {}, "assignee", h("input", { name: "assignee" })),
      h("label", {}, "tags (comma-separated)", h("input", { name: "tags" }))),
    h("label", {}, "description (markdown)", h("textarea", { name: "description" })),
    h("label", {}, "acceptance criteria (one per line)", h("textarea", { name: "acceptance" })),
    h("div", {}, h("button", { class: "primary", type: "submit" }, "Create")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    const lines = (k) => String(fd.get(k) || "").split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
    const body = { title: fd.get("title"), type: fd.get("type"), priority: Number(fd.get("priority")),
      assignee: fd.get("assignee") || null, tags: lines("tags"), description: fd.get("description") || null,
      acceptance: String(fd.get("acceptance") || "").split("\n").map((s) => s.trim()).filter(Boolean) };
    const r = await post("/api/tickets", body);
    if (!r.ok) { flash(r.error.message); return; }
    navigate("/t/" + encodeURIComponent(r.data.id));
  });
  main.replaceChildren(form);
}

// ---------- routing, live updates, keys ----------
async function route() {
  const path = location.pathname;
  let view = "board", run;
  let m;
  if ((m = path.match(/^\/t\/([^/]+)$/))) { view = "ticket"; run = () => viewTicket(decodeURIComponent(m[1])); }
  else if ((m = path.match(/^\/graph\/([^/]+)$/))) { view = "graph"; run = () => viewGraph(decodeURIComponent(m[1])); }
  else if (path === "/activity") { view = "activity"; run = viewActivity; }
  else if (path === "/sessions") { view = "sessions"; run = viewSessions; }
  else if (path === "/runs") { view = "runs"; run = viewRuns; }
  else if (path === "/stats") { view = "stats"; run = viewStats; }
  else if (path === "/new") { view = "new"; run = viewCreate; }
  else { run = viewBoard; }
  document.querySelectorAll("[data-nav]").forEach((a) => a.classList.toggle("active", a.dataset.nav === view));
  if (view !== "ticket") document.title = "docket";
  document.getElementById("search").value = view === "board" ? (new URLSearchParams(location.search).get("q") || "") : "";
  current = { view, refresh: null };
  const refresher = await run();
  if (current.view === view) {
    current.refresh = typeof refresher === "function" ? refresher : () => run();
  }
  main.dataset.view = view;
}
function navigate(url) { history.pushState(null, "", url); route(); }

document.addEventListener("click", (e) => {
  const a = e.target.closest && e.target.closest("a[data-link]");
  if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(a.getAttribute("href"));
});
window.addEventListener("popstate", route);
document.getElementById("search-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const q = document.getElementById("search").value.trim();
  navigate("/" + qs({ q }));
});
document.addEventListener("keydown", (e) => {
  const t = e.target;
  const typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  if (e.key === "Escape") { if (typing) t.blur(); document.getElementById("flash").hidden = true; return; }
  if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === "/") { e.preventDefault(); document.getElementById("search").focus(); }
  else if (e.key === "c" && !READONLY) { e.preventDefault(); navigate("/new"); }
  else if (e.key === "b") navigate("/");
  else if (e.key === "a") navigate("/activity");
  else if (e.key === "s") navigate("/sessions");
  else if (e.key === "t") navigate("/stats");
});

let pending = null, pendingChange = null;
function onChange(change) {
  // Coalesce bursts; the page refreshes well within a second.
  pendingChange = pendingChange ? { kinds: [...new Set([...pendingChange.kinds, ...change.kinds])], ids: (pendingChange.ids.length && change.ids.length) ? [...new Set([...pendingChange.ids, ...change.ids])] : [] } : change;
  clearTimeout(pending);
  pending = setTimeout(async () => {
    const c = pendingChange;
    pendingChange = null;
    if (c.kinds.includes("sessions") || c.kinds.includes("config")) await loadInfo();
    const relevant = { board: ["tickets", "config"], ticket: ["tickets", "config"], activity: ["tickets"], sessions: ["sessions"], runs: ["runs"], graph: ["tickets"], stats: ["tickets"] }[current.view] || [];
    if (current.refresh && c.kinds.some((k) => relevant.includes(k))) await current.refresh(c);
  }, 120);
}
function connect() {
  const live = document.getElementById("live");
  const es = new EventSource("/events");
  es.addEventListener("hello", () => { live.classList.add("on"); live.title = "live updates: connected"; });
  es.addEventListener("change", (e) => { try { onChange(JSON.parse(e.data)); } catch (_) { /* ignore a bad event */ } });
  es.onerror = () => { live.classList.remove("on"); live.title = "live updates: reconnecting"; };
}

(async () => {
  if (READONLY) document.getElementById("nav-new").remove();
  await loadInfo();
  connect();
  await route();
})();
