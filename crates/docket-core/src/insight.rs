//! Insight: usage figures recorded in the audit log, and `stats` computed from
//! the logs. Everything is derived from the ticket files (the `## Log` of each
//! ticket), so the figures travel with the tickets through git and no separate
//! database can drift from them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;
use serde::Serialize;

use crate::audit::{self, LogEntry, kind};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::store::Project;

/// One usage record: the figures an agent run (or a person) reports against a
/// ticket. Only given figures are stored, so "not reported" stays distinct
/// from zero.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UsageFigures {
    /// Total tokens when given as one figure (else input + output).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cached: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools: Option<u64>,
    /// Wall time in whole seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<u64>,
    /// Cost in US dollars.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

impl UsageFigures {
    /// Whether at least one figure (not just a model name) is present.
    pub fn has_figure(&self) -> bool {
        self.tokens.is_some()
            || self.input.is_some()
            || self.output.is_some()
            || self.cached.is_some()
            || self.tools.is_some()
            || self.duration_s.is_some()
            || self.cost.is_some()
    }

    /// Refuse records that say nothing or carry impossible values.
    pub fn validate(&self) -> Result<()> {
        if !self.has_figure() {
            return Err(Error::invalid(
                "give at least one figure: --tokens, --input, --output, --cached, --tools, --duration or --cost",
            ));
        }
        if let Some(c) = self.cost
            && !(c.is_finite() && c >= 0.0)
        {
            return Err(Error::invalid(format!(
                "invalid cost {c}: use a number ≥ 0 (US dollars)"
            )));
        }
        if let Some(m) = &self.model
            && (m.trim().is_empty() || m.len() > 200)
        {
            return Err(Error::invalid("the model name must be 1 to 200 characters"));
        }
        Ok(())
    }

    /// Total tokens: the explicit figure, else input + output.
    pub fn total_tokens(&self) -> u64 {
        self.tokens
            .unwrap_or(self.input.unwrap_or(0) + self.output.unwrap_or(0))
    }

    /// The log entry's data pairs (keys sorted by the log itself).
    pub fn to_data(&self) -> Vec<(&'static str, String)> {
        let mut d = Vec::new();
        let mut num = |k: &'static str, v: Option<u64>| {
            if let Some(v) = v {
                d.push((k, v.to_string()));
            }
        };
        num("tokens", self.tokens);
        num("input", self.input);
        num("output", self.output);
        num("cached", self.cached);
        num("tools", self.tools);
        num("duration_s", self.duration_s);
        if let Some(c) = self.cost {
            d.push(("cost", format!("{c}")));
        }
        if let Some(m) = &self.model {
            d.push(("model", m.trim().to_string()));
        }
        d
    }

    /// Read a `usage` entry back (unparseable figures count as absent).
    pub fn from_entry(e: &LogEntry) -> UsageFigures {
        let num = |k: &str| e.get(k).and_then(|v| v.parse::<u64>().ok());
        UsageFigures {
            tokens: num("tokens"),
            input: num("input"),
            output: num("output"),
            cached: num("cached"),
            tools: num("tools"),
            duration_s: num("duration_s"),
            cost: e
                .get("cost")
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|c| c.is_finite() && *c >= 0.0),
            model: e.get("model").map(str::to_string),
        }
    }
}

/// Which tickets and which time span `stats` looks at. Filters apply to the
/// tickets' current fields; the span applies to when things happened.
#[derive(Debug, Clone)]
pub struct StatsQuery {
    pub since: Timestamp,
    pub until: Timestamp,
    pub types: Vec<String>,
    pub tiers: Vec<String>,
    pub statuses: Vec<String>,
    pub assignees: Vec<String>,
}

/// Median and 90th percentile (nearest rank) of durations, in seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Spread {
    pub count: u64,
    pub median_s: Option<u64>,
    pub p90_s: Option<u64>,
}

impl Spread {
    fn of(mut v: Vec<u64>) -> Spread {
        v.sort_unstable();
        let rank = |q: f64| -> Option<u64> {
            if v.is_empty() {
                return None;
            }
            let i = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
            Some(v[i])
        };
        Spread {
            count: v.len() as u64,
            median_s: rank(0.5),
            p90_s: rank(0.9),
        }
    }
}

/// What happened in the span.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Overview {
    pub created: u64,
    /// First moves into the active status.
    pub started: u64,
    /// Moves into a terminal status other than a cancellation.
    pub closed: u64,
    /// Moves into a status named `verified`, when the workflow has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<u64>,
    /// Moves out of a terminal status back to an open one.
    pub reopened: u64,
    /// Moves back into the active status from a later open status (done → in progress).
    pub reworked: u64,
    /// Moves into a status named `cancelled` (or `canceled`).
    pub cancelled: u64,
    /// Forced guards (`violation` entries).
    pub violations: u64,
    /// Tickets with any log entry in the span.
    pub active_tickets: u64,
}

/// Time spent in one status, for stays that ended in the span.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusTime {
    pub status: String,
    #[serde(flatten)]
    pub spread: Spread,
}

/// Cycle times of tickets closed in the span.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CycleTime {
    /// Created → closed.
    pub end_to_end: Spread,
    /// First start (active status) → closed.
    pub active_to_close: Spread,
    /// Stays per status, in board order.
    pub per_status: Vec<StatusTime>,
}

/// One throughput bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    /// The bucket's first day (UTC).
    pub day: String,
    pub created: u64,
    pub closed: u64,
}

/// Closed (and created) tickets over time.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Throughput {
    /// Days per bucket (1 up to 90 days of span, wider beyond).
    pub bucket_days: u64,
    pub buckets: Vec<Bucket>,
    /// Closed tickets per day over the whole span.
    pub closed_per_day: f64,
}

/// Summed usage figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Usage entries summed.
    pub entries: u64,
    pub tokens: u64,
    pub input: u64,
    pub output: u64,
    pub cached: u64,
    pub tools: u64,
    pub duration_s: u64,
    pub cost: f64,
}

impl Totals {
    fn add(&mut self, u: &UsageFigures) {
        self.entries += 1;
        self.tokens += u.total_tokens();
        self.input += u.input.unwrap_or(0);
        self.output += u.output.unwrap_or(0);
        self.cached += u.cached.unwrap_or(0);
        self.tools += u.tools.unwrap_or(0);
        self.duration_s += u.duration_s.unwrap_or(0);
        self.cost += u.cost.unwrap_or(0.0);
    }
}

/// Usage summed under one key (a ticket, type, model or session).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Keyed {
    pub key: String,
    /// The ticket's title, for per-ticket rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(flatten)]
    pub totals: Totals,
}

/// Resource burn from `usage` entries in the span.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Burn {
    pub total: Totals,
    /// The tickets that burned the most tokens (at most 10).
    pub by_ticket: Vec<Keyed>,
    pub by_type: Vec<Keyed>,
    pub by_model: Vec<Keyed>,
    pub by_session: Vec<Keyed>,
}

/// A value and how many tickets have it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Count {
    pub key: String,
    pub count: u64,
}

/// Tickets in scope (open, or with activity in the span) by field.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Distribution {
    pub status: Vec<Count>,
    pub tier: Vec<Count>,
    #[serde(rename = "type")]
    pub kind: Vec<Count>,
    pub assignee: Vec<Count>,
}

/// Plan-first discipline, for workflows with a planning status.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlanFirst {
    /// Plans approved in the span.
    pub approvals: u64,
    /// Mean plan revisions written before approval.
    pub revisions_mean: f64,
    pub revisions_max: u64,
    /// Comments recorded as deviations from a frozen plan.
    pub deviations: u64,
    pub tickets_with_deviations: u64,
    /// Deviations per ticket worked in the span (started, submitted or closed).
    pub deviations_per_ticket: f64,
    /// Moves out of the active status to a later one (work handed in).
    pub submissions: u64,
    /// Reworks (done → in progress) per submission.
    pub rework_rate: f64,
}

/// The whole report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    pub since: String,
    pub until: String,
    /// Tickets matching the filters (any status, any time).
    pub tickets: u64,
    pub overview: Overview,
    pub cycle_time: CycleTime,
    pub throughput: Throughput,
    pub burn: Burn,
    pub distribution: Distribution,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_first: Option<PlanFirst>,
}

/// One ticket's current fields and its log, as `stats` reads them.
#[derive(Debug, Clone)]
pub struct TicketLog {
    pub meta: crate::Meta,
    pub entries: Vec<LogEntry>,
}

fn matches(q: &StatsQuery, m: &crate::Meta) -> bool {
    let any = |list: &[String], v: Option<&str>| {
        list.is_empty() || v.is_some_and(|v| list.iter().any(|x| x == v))
    };
    any(&q.types, Some(&m.kind))
        && any(&q.tiers, m.tier.as_deref())
        && any(&q.statuses, Some(&m.status))
        && any(&q.assignees, m.assignee.as_deref())
}

fn is_cancel(status: &str) -> bool {
    status == "cancelled" || status == "canceled"
}

/// Compute the report for `q` over the project: metadata from the scan (cached),
/// logs read only for tickets updated within the span (every log entry bumps
/// `updated`, so older tickets cannot have activity in it), on all cores.
pub fn stats(p: &Project, q: &StatsQuery) -> Result<Stats> {
    if q.since >= q.until {
        return Err(Error::invalid(format!(
            "--since ({}) must be before --until ({})",
            crate::ops::format_ts(q.since),
            crate::ops::format_ts(q.until)
        )));
    }
    let scan = p.scan()?;
    let since = crate::ops::format_ts(q.since);
    let mut quiet = Vec::new();
    let mut busy = Vec::new();
    for e in scan.entries {
        if !matches(q, &e.meta) {
            continue;
        }
        // Timestamps are fixed-width RFC 3339 UTC, so text order is time order.
        if e.meta.updated.as_str() >= since.as_str() {
            busy.push(e);
        } else {
            quiet.push(e.meta);
        }
    }
    let logs: Vec<TicketLog> = crate::store::parallel_map(&busy, |e| {
        let entries = crate::store::read_listed_text(&e.path)
            .and_then(|text| {
                crate::yaml::body_of(&text)
                    .ok()
                    .map(|b| audit::parse_body(b).0)
            })
            .unwrap_or_default();
        TicketLog {
            meta: e.meta.clone(),
            entries,
        }
    });
    Ok(compute(&p.config, q, &logs, &quiet))
}

fn ts(s: &str) -> Option<Timestamp> {
    s.parse::<Timestamp>().ok()
}

fn secs(a: Timestamp, b: Timestamp) -> u64 {
    u64::try_from(b.as_second() - a.as_second()).unwrap_or(0)
}

fn counts(map: BTreeMap<String, u64>, order: Option<&[String]>) -> Vec<Count> {
    let mut v: Vec<Count> = map
        .into_iter()
        .map(|(key, count)| Count { key, count })
        .collect();
    match order {
        Some(o) => v.sort_by_key(|c| o.iter().position(|s| *s == c.key).unwrap_or(usize::MAX)),
        None => v.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key))),
    }
    v
}

fn keyed(map: HashMap<String, (Option<String>, Totals)>, limit: usize) -> Vec<Keyed> {
    let mut v: Vec<Keyed> = map
        .into_iter()
        .map(|(key, (title, totals))| Keyed { key, title, totals })
        .collect();
    v.sort_by(|a, b| {
        b.totals
            .tokens
            .cmp(&a.totals.tokens)
            .then(b.totals.entries.cmp(&a.totals.entries))
            .then(a.key.cmp(&b.key))
    });
    v.truncate(limit);
    v
}

/// The report from already-read logs (`busy`: tickets that may have activity
/// in the span) and the metadata of the others (`quiet`). Pure: unit-testable.
pub fn compute(cfg: &Config, q: &StatsQuery, busy: &[TicketLog], quiet: &[crate::Meta]) -> Stats {
    let wf = &cfg.workflow;
    let pos = |s: &str| wf.statuses.iter().position(|x| x == s);
    let active_pos = pos(&wf.active);
    let in_span = |t: Timestamp| t >= q.since && t < q.until;
    let span_days = ((q.until.as_second() - q.since.as_second()) as f64 / 86_400.0).max(1e-9);
    // Buckets are whole UTC calendar days from the span's first day to its last.
    let day_no = |t: Timestamp| t.as_second().div_euclid(86_400);
    let first_day = day_no(q.since);
    let last_day = day_no(q.until - jiff::SignedDuration::from_secs(1)).max(first_day);
    let whole_days = (last_day - first_day + 1) as u64;
    let bucket_days = whole_days.div_ceil(90).max(1);
    let n_buckets = whole_days.div_ceil(bucket_days) as usize;
    let mut buckets: Vec<Bucket> = (0..n_buckets)
        .map(|i| Bucket {
            day: Timestamp::from_second((first_day + (i as i64) * bucket_days as i64) * 86_400)
                .map(|t| t.strftime("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            created: 0,
            closed: 0,
        })
        .collect();
    let bucket_of = |t: Timestamp| -> Option<usize> {
        let d = day_no(t) - first_day;
        u64::try_from(d)
            .ok()
            .map(|d| (d / bucket_days) as usize)
            .filter(|i| *i < n_buckets)
    };

    let mut s = Stats {
        since: crate::ops::format_ts(q.since),
        until: crate::ops::format_ts(q.until),
        tickets: (busy.len() + quiet.len()) as u64,
        ..Stats::default()
    };
    let has_verified = wf.statuses.iter().any(|x| x == "verified");
    let mut verified = 0;
    let mut e2e = Vec::new();
    let mut a2c = Vec::new();
    let mut stays: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut by_ticket: HashMap<String, (Option<String>, Totals)> = HashMap::new();
    let mut by_type: HashMap<String, (Option<String>, Totals)> = HashMap::new();
    let mut by_model: HashMap<String, (Option<String>, Totals)> = HashMap::new();
    let mut by_session: HashMap<String, (Option<String>, Totals)> = HashMap::new();
    let mut dist_status = BTreeMap::new();
    let mut dist_tier = BTreeMap::new();
    let mut dist_type = BTreeMap::new();
    let mut dist_assignee = BTreeMap::new();
    let mut pf = PlanFirst::default();
    let mut revisions = Vec::new();
    let mut deviators = BTreeSet::new();
    let mut worked = BTreeSet::new();

    let mut tally = |m: &crate::Meta| {
        *dist_status.entry(m.status.to_string()).or_insert(0u64) += 1;
        *dist_tier
            .entry(m.tier.as_deref().unwrap_or("none").to_string())
            .or_insert(0u64) += 1;
        *dist_type.entry(m.kind.to_string()).or_insert(0u64) += 1;
        *dist_assignee
            .entry(m.assignee.as_deref().unwrap_or("unassigned").to_string())
            .or_insert(0u64) += 1;
    };
    for m in quiet {
        if !cfg.is_terminal(&m.status) {
            tally(m);
        }
    }

    for t in busy {
        let m = &t.meta;
        let created_at = ts(&m.created);
        let mut cur: Option<(String, Timestamp)> = None;
        let mut first_start: Option<Timestamp> = None;
        let mut any = false;
        for e in &t.entries {
            let Some(at) = ts(&e.at) else { continue };
            let here = in_span(at);
            any |= here;
            match e.kind.as_str() {
                kind::CREATED => {
                    if let Some(st) = e.get("status") {
                        cur = Some((st.to_string(), at));
                    }
                    if here {
                        s.overview.created += 1;
                        if let Some(b) = bucket_of(at) {
                            buckets[b].created += 1;
                        }
                    }
                }
                kind::TRANSITION => {
                    let (Some(from), Some(to)) = (e.get("from"), e.get("to")) else {
                        continue;
                    };
                    let (fp, tp) = (pos(from), pos(to));
                    let from_term = cfg.is_terminal(from);
                    let to_term = cfg.is_terminal(to);
                    if here
                        && let Some((st, since)) = &cur
                        && st == from
                    {
                        stays.entry(st.clone()).or_default().push(secs(*since, at));
                    }
                    cur = Some((to.to_string(), at));
                    let into_active = to == wf.active && from != wf.active;
                    let rework = into_active
                        && !from_term
                        && matches!((fp, active_pos), (Some(f), Some(a)) if f > a);
                    let first = into_active && first_start.is_none();
                    if first {
                        first_start = Some(at);
                    }
                    let submitted = from == wf.active
                        && matches!((tp, active_pos), (Some(t), Some(a)) if t > a)
                        && !is_cancel(to);
                    if !here {
                        continue;
                    }
                    if first {
                        s.overview.started += 1;
                        worked.insert(m.id.clone());
                    }
                    if rework {
                        s.overview.reworked += 1;
                    }
                    if submitted {
                        pf.submissions += 1;
                        worked.insert(m.id.clone());
                    }
                    if from_term && !to_term {
                        s.overview.reopened += 1;
                    }
                    if to == "verified" {
                        verified += 1;
                    }
                    if to_term && !from_term {
                        if is_cancel(to) {
                            s.overview.cancelled += 1;
                        } else {
                            s.overview.closed += 1;
                            worked.insert(m.id.clone());
                            if let Some(b) = bucket_of(at) {
                                buckets[b].closed += 1;
                            }
                            if let Some(c) = created_at {
                                e2e.push(secs(c, at));
                            }
                            if let Some(f) = first_start {
                                a2c.push(secs(f, at));
                            }
                        }
                    }
                }
                kind::VIOLATION if here => s.overview.violations += 1,
                kind::APPROVAL if here => {
                    pf.approvals += 1;
                    revisions.push(
                        e.get("version")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(1u64),
                    );
                }
                kind::COMMENT if here && e.get("deviation") == Some("true") => {
                    pf.deviations += 1;
                    deviators.insert(m.id.clone());
                }
                kind::USAGE if here => {
                    let u = UsageFigures::from_entry(e);
                    s.burn.total.add(&u);
                    let add = |map: &mut HashMap<String, (Option<String>, Totals)>,
                               key: String,
                               title: Option<String>| {
                        map.entry(key)
                            .or_insert_with(|| (title, Totals::default()))
                            .1
                            .add(&u);
                    };
                    add(&mut by_ticket, m.id.to_string(), Some(m.title.clone()));
                    add(&mut by_type, m.kind.to_string(), None);
                    add(
                        &mut by_model,
                        u.model.clone().unwrap_or_else(|| "unknown".into()),
                        None,
                    );
                    add(&mut by_session, e.actor.clone(), None);
                }
                _ => {}
            }
        }
        if any {
            s.overview.active_tickets += 1;
        }
        if any || !cfg.is_terminal(&m.status) {
            tally(m);
        }
    }

    s.overview.verified = has_verified.then_some(verified);
    s.cycle_time = CycleTime {
        end_to_end: Spread::of(e2e),
        active_to_close: Spread::of(a2c),
        per_status: wf
            .statuses
            .iter()
            .filter_map(|st| {
                stays.remove(st).map(|v| StatusTime {
                    status: st.clone(),
                    spread: Spread::of(v),
                })
            })
            .collect(),
    };
    s.throughput = Throughput {
        bucket_days,
        closed_per_day: round2(s.overview.closed as f64 / span_days),
        buckets,
    };
    s.burn.total.cost = round6(s.burn.total.cost);
    let fix = |mut v: Vec<Keyed>| {
        for k in &mut v {
            k.totals.cost = round6(k.totals.cost);
        }
        v
    };
    s.burn.by_ticket = fix(keyed(by_ticket, 10));
    s.burn.by_type = fix(keyed(by_type, usize::MAX));
    s.burn.by_model = fix(keyed(by_model, usize::MAX));
    s.burn.by_session = fix(keyed(by_session, 20));
    s.distribution = Distribution {
        status: counts(dist_status, Some(&wf.statuses)),
        tier: counts(dist_tier, None),
        kind: counts(dist_type, None),
        assignee: counts(dist_assignee, None),
    };
    if wf.planning.is_some() {
        pf.revisions_max = revisions.iter().copied().max().unwrap_or(0);
        pf.revisions_mean = if revisions.is_empty() {
            0.0
        } else {
            round2(revisions.iter().sum::<u64>() as f64 / revisions.len() as f64)
        };
        pf.tickets_with_deviations = deviators.len() as u64;
        pf.deviations_per_ticket = if worked.is_empty() {
            0.0
        } else {
            round2(pf.deviations as f64 / worked.len() as f64)
        };
        pf.rework_rate = if pf.submissions == 0 {
            0.0
        } else {
            round2(s.overview.reworked as f64 / pf.submissions as f64)
        };
        s.plan_first = Some(pf);
    }
    s
}

/// One log entry in the project-wide activity feed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    pub at: String,
    pub id: String,
    pub title: String,
    pub kind: String,
    pub actor: String,
    /// The entry's first text line (shortened).
    pub text: String,
}

/// The latest `limit` log entries across the project at or after `since`,
/// newest first. Reads only tickets updated since then, newest first, and
/// stops reading once `limit` tickets have been read (each has at least one
/// entry in the span, and every later ticket's entries are older).
pub fn activity(p: &Project, since: Timestamp, limit: usize) -> Result<Vec<Activity>> {
    let since_s = crate::ops::format_ts(since);
    let mut recent: Vec<crate::store::Entry> = p
        .scan()?
        .entries
        .into_iter()
        .filter(|e| e.meta.updated.as_str() >= since_s.as_str())
        .collect();
    recent.sort_by(|a, b| b.meta.updated.cmp(&a.meta.updated));
    recent.truncate(limit);
    let per = crate::store::parallel_map(&recent, |e| {
        let entries = crate::store::read_listed_text(&e.path)
            .and_then(|text| {
                crate::yaml::body_of(&text)
                    .ok()
                    .map(|b| audit::parse_body(b).0)
            })
            .unwrap_or_default();
        entries
            .into_iter()
            .filter(|x| x.at.as_str() >= since_s.as_str())
            .map(|x| Activity {
                text: {
                    let l = x.text.lines().next().unwrap_or_default();
                    if l.chars().count() > 100 {
                        let mut s: String = l.chars().take(99).collect();
                        s.push('…');
                        s
                    } else {
                        l.to_string()
                    }
                },
                at: x.at,
                id: e.meta.id.to_string(),
                title: e.meta.title.clone(),
                kind: x.kind,
                actor: x.actor,
            })
            .collect::<Vec<_>>()
    });
    let mut all: Vec<Activity> = per.into_iter().flatten().collect();
    all.sort_by(|a, b| b.at.cmp(&a.at).then(a.id.cmp(&b.id)));
    all.truncate(limit);
    Ok(all)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::List;

    #[test]
    fn nearest_rank_spread() {
        let s = Spread::of(vec![5, 1, 4, 2, 3]);
        assert_eq!((s.count, s.median_s, s.p90_s), (5, Some(3), Some(5)));
        let s = Spread::of((1..=10).collect());
        assert_eq!((s.median_s, s.p90_s), (Some(5), Some(9)));
        assert_eq!(Spread::of(vec![]).median_s, None);
    }

    fn meta(id: &str, status: &str, created: &str) -> crate::Meta {
        crate::Meta {
            id: id.into(),
            title: id.into(),
            status: status.into(),
            kind: "task".into(),
            priority: 2,
            mode: "afk".into(),
            tier: None,
            attention: None,
            assignee: None,
            parent: None,
            created: created.into(),
            updated: created.into(),
            closed: None,
            tags: List::new(),
            external_refs: List::new(),
            deps: List::new(),
            links: List::new(),
            acceptance: List::new(),
        }
    }

    /// One test event: time, kind, data.
    type Event<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

    /// A log from events, hash-chained like the real thing.
    fn log(m: &crate::Meta, events: &[Event]) -> TicketLog {
        let mut t = crate::Ticket {
            source: Default::default(),
            meta: m.clone(),
            extra: Default::default(),
            body: String::new(),
            path: Default::default(),
        };
        let who = audit::Author {
            actor: "ada".into(),
            session: None,
            role: None,
        };
        for (at, k, data) in events {
            audit::append(&mut t, at, &who, k, data, "");
        }
        TicketLog {
            meta: m.clone(),
            entries: audit::parse(&t).0,
        }
    }

    #[test]
    fn compute_replays_the_timeline() {
        let text = crate::config::preset_template("plan-first", "pf").unwrap();
        let cfg = Config::parse(&text, std::path::Path::new("config.toml")).unwrap();
        let m = meta("pf-a", "done", "2026-11-01T00:00:00Z");
        let a = log(
            &m,
            &[
                ("2026-11-01T00:00:00Z", kind::CREATED, &[("status", "todo")]),
                (
                    "2026-11-01T01:00:00Z",
                    kind::TRANSITION,
                    &[("from", "todo"), ("to", "planning")],
                ),
                ("2026-11-01T02:00:00Z", kind::APPROVAL, &[("version", "3")]),
                (
                    "2026-11-01T02:00:00Z",
                    kind::TRANSITION,
                    &[("from", "planning"), ("to", "in_progress")],
                ),
                (
                    "2026-11-01T03:00:00Z",
                    kind::COMMENT,
                    &[("deviation", "true")],
                ),
                (
                    "2026-11-01T05:00:00Z",
                    kind::TRANSITION,
                    &[("from", "in_progress"), ("to", "done")],
                ),
                (
                    "2026-11-01T06:00:00Z",
                    kind::TRANSITION,
                    &[("from", "done"), ("to", "in_progress")],
                ),
                (
                    "2026-11-01T07:00:00Z",
                    kind::TRANSITION,
                    &[("from", "in_progress"), ("to", "done")],
                ),
                (
                    "2026-11-01T08:00:00Z",
                    kind::USAGE,
                    &[("input", "10"), ("output", "5"), ("model", "m")],
                ),
            ],
        );
        let q = StatsQuery {
            since: "2026-11-01T00:00:00Z".parse().unwrap(),
            until: "2026-11-02T00:00:00Z".parse().unwrap(),
            types: vec![],
            tiers: vec![],
            statuses: vec![],
            assignees: vec![],
        };
        let s = compute(
            &cfg,
            &q,
            &[a],
            &[meta("pf-b", "todo", "2026-10-01T00:00:00Z")],
        );
        assert_eq!(s.tickets, 2);
        assert_eq!(
            (s.overview.created, s.overview.started, s.overview.reworked),
            (1, 1, 1)
        );
        assert_eq!((s.overview.closed, s.overview.verified), (0, Some(0)));
        let pf = s.plan_first.unwrap();
        assert_eq!((pf.approvals, pf.revisions_max, pf.deviations), (1, 3, 1));
        assert_eq!((pf.submissions, pf.rework_rate), (2, 0.5));
        let ip = s
            .cycle_time
            .per_status
            .iter()
            .find(|x| x.status == "in_progress")
            .unwrap();
        // Stays in progress: 3h, then 1h.
        assert_eq!(
            (ip.spread.count, ip.spread.median_s, ip.spread.p90_s),
            (2, Some(3600), Some(10800))
        );
        assert_eq!(s.burn.total.tokens, 15);
        assert_eq!(s.burn.by_model[0].key, "m");
        // The quiet open ticket counts in the distribution only.
        assert_eq!(
            s.distribution.status.iter().map(|c| c.count).sum::<u64>(),
            2
        );
        assert_eq!(s.overview.active_tickets, 1);
    }

    #[test]
    fn usage_needs_a_figure_and_sane_cost() {
        let mut u = UsageFigures {
            model: Some("m".into()),
            ..Default::default()
        };
        assert!(u.validate().is_err());
        u.cost = Some(-1.0);
        assert!(u.validate().is_err());
        u.cost = Some(f64::NAN);
        assert!(u.validate().is_err());
        u.cost = Some(0.12);
        assert!(u.validate().is_ok());
        u.input = Some(10);
        u.output = Some(5);
        assert_eq!(u.total_tokens(), 15);
        u.tokens = Some(100);
        assert_eq!(u.total_tokens(), 100);
    }
}
