//! The primer and the work loop in MCP terms: tool calls, never CLI syntax.
//! Every call line is `<tool> <json arguments>` on a line of its own, so a test
//! can execute exactly what an agent reads.

use docket_api::project::{PrimeItem, Primer, Section};
use docket_core::config::Config;

/// The work loop for this project's workflow, one tool call a line.
/// `<id>` stands for a ticket id (or unique prefix).
pub fn work_loop(cfg: &Config) -> String {
    let mut s = String::from(
        "Work loop (tool calls; <id> is a ticket id or unique prefix):\n\
         query {\"action\":\"ready\",\"limit\":5}\n\
         show {\"id\":\"<id>\"}\n",
    );
    if let Some(planning) = &cfg.workflow.planning {
        s.push_str(&format!(
            "move {{\"action\":\"advance\",\"id\":\"<id>\",\"to\":\"{planning}\"}}\n\
             plan {{\"action\":\"write\",\"id\":\"<id>\",\"text\":\"<the plan>\"}}\n\
             Then a different session approves by advancing it to {active}; work starts there.\n",
            active = cfg.workflow.active
        ));
    } else {
        s.push_str("move {\"action\":\"start\",\"id\":\"<id>\"}\n");
    }
    s.push_str(
        "note {\"id\":\"<id>\",\"text\":\"<a finding or decision>\"}\n\
         update {\"id\":\"<id>\",\"ac\":\"<criterion title>\",\"done\":true}\n",
    );
    if cfg.workflow.planning.is_some() {
        s.push_str(
            "move {\"action\":\"advance\",\"id\":\"<id>\",\"note\":\"<one-line result>\"}\n",
        );
    } else {
        s.push_str("move {\"action\":\"close\",\"id\":\"<id>\",\"note\":\"<one-line result>\"}\n");
    }
    s.push_str(
        "A refused call answers isError with code, message and remedies (calls that would fix it); \
         try them in order, force only with a reason the user would accept.\n",
    );
    s
}

fn row(i: &PrimeItem) -> String {
    let b = &i.brief;
    let mut line = format!("  {}  P{} {}  {}", b.short, b.priority, b.kind, b.title);
    if let Some(ac) = &b.ac {
        line.push_str(&format!("  [{ac}]"));
    }
    if let Some(a) = &b.assignee {
        line.push_str(&format!("  @{a}"));
    }
    if i.stale {
        line.push_str("  (stale)");
    }
    line.push('\n');
    line
}

fn section(out: &mut String, title: &str, s: &Section) {
    let shown = s.items.len();
    if shown == 0 {
        out.push_str(&format!("{title}: none\n"));
        return;
    }
    if s.more > 0 {
        out.push_str(&format!("{title} ({shown} of {}):\n", shown + s.more));
    } else {
        out.push_str(&format!("{title} ({shown}):\n"));
    }
    for i in &s.items {
        out.push_str(&row(i));
    }
}

/// The primer as text: project facts, capped sections, the work loop.
pub fn text(p: &Primer, cfg: &Config) -> String {
    let mut out = format!(
        "docket project {} (prefix {}): {} open, {} closed. You act as {}.\n\
         Statuses: {} (active {}; terminal {}). Types: {}.\n\n",
        p.project.name,
        p.project.prefix,
        p.project.open,
        p.project.closed,
        p.you,
        p.schema.statuses.join(" → "),
        p.schema.active,
        p.schema.terminal.join(", "),
        p.schema.types.join(", "),
    );
    section(&mut out, "In progress", &p.in_progress);
    section(&mut out, "Ready to close", &p.ready_to_close);
    section(&mut out, "Ready", &p.ready);
    section(&mut out, "Recently closed", &p.recently_closed);
    out.push('\n');
    out.push_str(&work_loop(cfg));
    out
}
