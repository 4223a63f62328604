//! `docket stats`: the activity report, computed from the audit logs.

use clap::Args;
use docket_api::insight::{self, StatsRequest};
use docket_core::insight::{Count, Keyed, Spread, Stats};

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::{Printer, count, paint, style};

#[derive(Args, Debug)]
pub struct StatsArgs {
    /// How far back to look: 24h, 7d, 30d, 2w, … (default 24h)
    #[arg(long, value_name = "SPAN", conflicts_with = "since")]
    pub window: Option<String>,
    /// Start of the span: a date (2026-04-01) or a time (2026-04-01T09:30:00Z)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// End of the span (a date includes that whole day; default now)
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Only tickets of this type (repeatable)
    #[arg(short = 't', long = "type")]
    pub kind: Vec<String>,
    /// Only tickets of this tier (repeatable)
    #[arg(long)]
    pub tier: Vec<String>,
    /// Only tickets now in this status (repeatable)
    #[arg(short = 's', long, add = crate::complete::statuses())]
    pub status: Vec<String>,
    /// Only tickets assigned to this name (repeatable)
    #[arg(short = 'a', long)]
    pub assignee: Vec<String>,
    /// Only verified tickets: shorthand for --status verified (plan-first)
    #[arg(long)]
    pub verified: bool,
}

pub fn run(g: &GlobalArgs, a: StatsArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let mut status = a.status;
    if a.verified && !status.iter().any(|s| s == "verified") {
        status.push("verified".into());
    }
    let req = StatsRequest {
        window: a.window,
        since: a.since,
        until: a.until,
        types: a.kind,
        tier: a.tier,
        status,
        assignee: a.assignee,
    };
    let s = insight::stats(&cx, &req)?;
    printer.success(&s, None, || report(&s));
    Ok(0)
}

/// A duration for people: the two largest units (`2h 10m`, `3d 4h`, `45s`).
pub fn human_secs(s: u64) -> String {
    let units = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let mut parts = Vec::new();
    let mut rest = s;
    for (size, name) in units {
        if rest >= size || (parts.is_empty() && size == 1) {
            parts.push(format!("{}{name}", rest / size));
            rest %= size;
        }
        if parts.len() == 2 {
            break;
        }
    }
    if parts.len() == 2 && parts[1].starts_with('0') {
        parts.pop();
    }
    parts.join(" ")
}

/// A count for people: 950, 12.3k, 4.1M.
pub fn human_num(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// A horizontal bar of `width` cells for `v` out of `max`, in eighths.
pub fn bar(v: u64, max: u64, width: usize) -> String {
    if max == 0 {
        return String::new();
    }
    let eighths = ((v as f64 / max as f64) * (width * 8) as f64).round() as usize;
    let mut s = "█".repeat(eighths / 8);
    let part = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8];
    s.push_str(part);
    if s.is_empty() && v > 0 {
        s.push('▏');
    }
    s
}

/// A sparkline of `values`, one cell each.
pub fn sparkline(values: &[u64]) -> String {
    const CELLS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|&v| {
            if max == 0 || v == 0 {
                ' '
            } else {
                CELLS[((v as f64 / max as f64) * 7.0).round() as usize]
            }
        })
        .collect::<String>()
        .replace(' ', "·")
}

fn spread(label: &str, s: &Spread, out: &mut String) {
    let (Some(m), Some(p)) = (s.median_s, s.p90_s) else {
        return;
    };
    out.push_str(&format!(
        "  {label:<20} {:>8} / {:<8} n={}\n",
        human_secs(m),
        human_secs(p),
        s.count
    ));
}

fn counts(title: &str, rows: &[Count], out: &mut String) {
    if rows.is_empty() {
        return;
    }
    let max = rows.iter().map(|c| c.count).max().unwrap_or(0);
    let w = 18;
    out.push_str(&format!("  {}\n", paint(style::BOLD, title)));
    for c in rows {
        out.push_str(&format!(
            "    {:<w$}  {:>5}  {}\n",
            c.key.chars().take(w).collect::<String>(),
            c.count,
            bar(c.count, max, 24)
        ));
    }
}

fn burn_rows(title: &str, rows: &[Keyed], out: &mut String) {
    if rows.is_empty() {
        return;
    }
    let max = rows.iter().map(|k| k.totals.tokens).max().unwrap_or(0);
    out.push_str(&format!("  {}\n", paint(style::BOLD, title)));
    for k in rows {
        let t = &k.totals;
        let name = match &k.title {
            Some(title) => format!("{} {}", k.key, title.chars().take(28).collect::<String>()),
            None => k.key.clone(),
        };
        out.push_str(&format!(
            "    {:<40} {:>7} tok {:>4} tools {:>8}  ${:<8.2} {}\n",
            name.chars().take(40).collect::<String>(),
            human_num(t.tokens),
            t.tools,
            human_secs(t.duration_s),
            t.cost,
            bar(t.tokens, max, 16)
        ));
    }
}

/// The human report.
pub fn report(s: &Stats) -> String {
    let mut out = String::new();
    let o = &s.overview;
    out.push_str(&format!(
        "{} {} → {}  ·  {}, {} active in the span\n",
        paint(style::BOLD, "# docket stats"),
        s.since,
        s.until,
        count(s.tickets, "ticket", "tickets"),
        o.active_tickets
    ));
    out.push_str(&format!("\n{}\n", paint(style::BOLD, "Overview")));
    let mut line = format!(
        "  created {}  started {}  closed {}",
        o.created, o.started, o.closed
    );
    if let Some(v) = o.verified {
        line.push_str(&format!("  verified {v}"));
    }
    line.push_str(&format!(
        "  reopened {}  reworked {}  cancelled {}  violations {}\n",
        o.reopened, o.reworked, o.cancelled, o.violations
    ));
    out.push_str(&line);

    let ct = &s.cycle_time;
    out.push_str(&format!(
        "\n{}  (median / p90)\n",
        paint(style::BOLD, "Cycle time")
    ));
    if ct.end_to_end.count == 0 && ct.per_status.is_empty() {
        out.push_str("  nothing closed or moved in the span\n");
    }
    spread("created → closed", &ct.end_to_end, &mut out);
    spread("started → closed", &ct.active_to_close, &mut out);
    for st in &ct.per_status {
        spread(&format!("in {}", st.status), &st.spread, &mut out);
    }

    let tp = &s.throughput;
    let closed: Vec<u64> = tp.buckets.iter().map(|b| b.closed).collect();
    let created: Vec<u64> = tp.buckets.iter().map(|b| b.created).collect();
    let per = if tp.bucket_days == 1 {
        "day".to_string()
    } else {
        format!("{} days", tp.bucket_days)
    };
    out.push_str(&format!(
        "\n{}  ({} closed/day; one cell per {per})\n",
        paint(style::BOLD, "Throughput"),
        tp.closed_per_day
    ));
    out.push_str(&format!("  closed   {}\n", sparkline(&closed)));
    out.push_str(&format!("  created  {}\n", sparkline(&created)));

    let b = &s.burn;
    out.push_str(&format!("\n{}\n", paint(style::BOLD, "Resource burn")));
    if b.total.entries == 0 {
        out.push_str("  no usage logged in the span (`docket log <id> --tokens N`)\n");
    } else {
        let t = &b.total;
        out.push_str(&format!(
            "  {} tokens ({} in, {} out, {} cached) · {} · {} · ${:.2}  ({})\n",
            human_num(t.tokens),
            human_num(t.input),
            human_num(t.output),
            human_num(t.cached),
            count(t.tools, "tool call", "tool calls"),
            human_secs(t.duration_s),
            t.cost,
            count(t.entries, "entry", "entries")
        ));
        burn_rows("by model", &b.by_model, &mut out);
        burn_rows("by type", &b.by_type, &mut out);
        burn_rows("by session", &b.by_session, &mut out);
        burn_rows("top tickets", &b.by_ticket, &mut out);
    }

    let d = &s.distribution;
    out.push_str(&format!(
        "\n{}  (open tickets and those active in the span)\n",
        paint(style::BOLD, "Distribution")
    ));
    counts("status", &d.status, &mut out);
    counts("type", &d.kind, &mut out);
    counts("tier", &d.tier, &mut out);
    counts("assignee", &d.assignee, &mut out);

    if let Some(pf) = &s.plan_first {
        out.push_str(&format!("\n{}\n", paint(style::BOLD, "Plan-first")));
        out.push_str(&format!(
            "  approvals {}  ·  plan revisions before approval: mean {} max {}\n",
            pf.approvals, pf.revisions_mean, pf.revisions_max
        ));
        out.push_str(&format!(
            "  deviations {} on {} ({} per worked ticket)  ·  rework rate {} ({} of {} submissions)\n",
            pf.deviations,
            count(pf.tickets_with_deviations, "ticket", "tickets"),
            pf.deviations_per_ticket,
            pf.rework_rate,
            o.reworked,
            pf.submissions
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_units() {
        assert_eq!(human_secs(0), "0s");
        assert_eq!(human_secs(45), "45s");
        assert_eq!(human_secs(200), "3m 20s");
        assert_eq!(human_secs(7_200), "2h");
        assert_eq!(human_secs(93_600), "1d 2h");
        assert_eq!(human_num(12_345), "12.3k");
        assert_eq!(bar(8, 8, 3), "███");
        assert_eq!(bar(1, 16, 1), "▏");
        assert_eq!(sparkline(&[0, 1, 7]), "·▂█");
    }
}
