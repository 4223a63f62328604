//! Insight: recording usage against a ticket (`log`) and the activity report
//! (`stats`). Both read and write only the tickets' audit logs.

use docket_core::insight::{self, Activity, Stats, StatsQuery, UsageFigures};
use docket_core::ops;
use docket_core::runner::InFlight;
use jiff::Timestamp;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::query::need_id;
use crate::view::Changed;

/// Usage figures of one piece of work on a ticket. At least one figure is
/// required; `model` and `note` alone say nothing.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageRequest {
    pub id: String,
    /// Total tokens (when not split into input/output).
    #[serde(default)]
    pub tokens: Option<u64>,
    #[serde(default)]
    pub input: Option<u64>,
    #[serde(default)]
    pub output: Option<u64>,
    /// Cached (cache-read) input tokens.
    #[serde(default)]
    pub cached: Option<u64>,
    /// Tool calls made.
    #[serde(default)]
    pub tools: Option<u64>,
    /// Wall time: `3m20s`, `1h 5m`, `PT5M` or plain seconds.
    #[serde(default)]
    pub duration: Option<String>,
    /// Cost in US dollars.
    #[serde(default)]
    pub cost: Option<f64>,
    #[serde(default)]
    pub model: Option<String>,
    /// Free text stored with the entry.
    #[serde(default)]
    pub note: Option<String>,
}

/// A duration as whole seconds: jiff's friendly (`3m20s`, `2h 30m`) or ISO
/// 8601 (`PT5M`) formats, or a bare number of seconds.
pub fn parse_duration(s: &str) -> ApiResult<u64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<u64>() {
        return Ok(n);
    }
    let bad = || {
        ApiError::invalid(format!(
            "invalid duration `{s}`: use e.g. 90s, 3m20s, 1h 5m, 2d or PT5M"
        ))
    };
    let span: jiff::Span = s.parse().map_err(|_| bad())?;
    let d = span
        .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .map_err(|_| bad())?;
    if d.is_negative() {
        return Err(ApiError::invalid(format!(
            "invalid duration `{s}`: it must not be negative"
        )));
    }
    u64::try_from(d.as_secs()).map_err(|_| bad())
}

/// Record one `usage` entry in the ticket's audit log.
pub fn log_usage(cx: &Context, req: UsageRequest) -> ApiResult<Changed> {
    let id = need_id(&req.id)?;
    let figures = UsageFigures {
        tokens: req.tokens,
        input: req.input,
        output: req.output,
        cached: req.cached,
        tools: req.tools,
        duration_s: req.duration.as_deref().map(parse_duration).transpose()?,
        cost: req.cost,
        model: req.model.filter(|m| !m.trim().is_empty()),
    };
    figures.validate()?;
    let o = cx.write(|c| ops::log_usage(&cx.project, c, id, &figures, req.note.as_deref()))?;
    Ok(Changed::of(&cx.project, o))
}

/// Which activity to report on. The span is `[since, until)`; by default the
/// `window` (24h) before now. Filters match the tickets' current fields.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatsRequest {
    /// How far back from `until`: `24h`, `7d`, `30d`, `2w`, … (default 24h).
    #[serde(default)]
    pub window: Option<String>,
    /// Start: a date (`2026-04-01`, UTC midnight) or a time (RFC 3339).
    #[serde(default)]
    pub since: Option<String>,
    /// End: a date (that whole day included) or a time (default now).
    #[serde(default)]
    pub until: Option<String>,
    #[serde(default, rename = "type")]
    pub types: Vec<String>,
    #[serde(default)]
    pub tier: Vec<String>,
    #[serde(default)]
    pub status: Vec<String>,
    #[serde(default)]
    pub assignee: Vec<String>,
}

/// Parse a `since`/`until` bound. A bare date means its midnight (UTC); as an
/// end bound it means the next midnight, so the day itself is included.
pub fn parse_bound(s: &str, end: bool) -> ApiResult<Timestamp> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        let d = if end {
            d.tomorrow()
                .map_err(|_| ApiError::invalid(format!("date `{s}` is out of range")))?
        } else {
            d
        };
        return d
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|_| ApiError::invalid(format!("date `{s}` is out of range")));
    }
    if let Ok(dt) = s.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|_| ApiError::invalid(format!("time `{s}` is out of range")));
    }
    Err(ApiError::invalid(format!(
        "invalid date or time `{s}`: use 2026-04-01, 2026-04-01T09:30 or 2026-04-01T09:30:00Z"
    )))
}

/// The resolved span of a request, at `now`.
pub fn span(req: &StatsRequest, now: Timestamp) -> ApiResult<(Timestamp, Timestamp)> {
    if req.window.is_some() && req.since.is_some() {
        return Err(ApiError::invalid(
            "give --window or --since, not both (--window counts back from --until)",
        ));
    }
    // The span is half-open; without --until it ends just after `now`, so what
    // happened this very second counts, and a window counts back from `now`.
    let (until, back_from) = match &req.until {
        Some(u) => {
            let u = parse_bound(u, true)?;
            (u, u)
        }
        None => (now + jiff::SignedDuration::from_secs(1), now),
    };
    let since = match (&req.since, &req.window) {
        (Some(s), _) => parse_bound(s, false)?,
        (None, w) => {
            let w = w.as_deref().unwrap_or("24h");
            let secs = parse_duration(w).map_err(|_| {
                ApiError::invalid(format!("invalid window `{w}`: use e.g. 24h, 7d, 30d or 2w"))
            })?;
            if secs == 0 {
                return Err(ApiError::invalid("the window must be longer than zero"));
            }
            back_from
                .checked_sub(jiff::SignedDuration::from_secs(
                    i64::try_from(secs).unwrap_or(i64::MAX),
                ))
                .map_err(|_| ApiError::invalid(format!("window `{w}` is too long")))?
        }
    };
    if since >= until {
        return Err(ApiError::invalid(format!(
            "the span is empty: since {} is not before until {}",
            ops::format_ts(since),
            ops::format_ts(until)
        )));
    }
    Ok((since, until))
}

/// The activity report over the span.
pub fn stats(cx: &Context, req: &StatsRequest) -> ApiResult<Stats> {
    let (since, until) = span(req, cx.now)?;
    let cfg = &cx.project.config;
    let check = |what: &str, vals: &[String], allowed: &[String]| -> ApiResult<()> {
        match vals.iter().find(|v| !allowed.contains(v)) {
            Some(v) => Err(ApiError::invalid(format!(
                "unknown {what} `{v}`: use one of {}",
                allowed.join(", ")
            ))),
            None => Ok(()),
        }
    };
    check("type", &req.types, &cfg.workflow.types)?;
    check("status", &req.status, &cfg.workflow.statuses)?;
    let tiers: Vec<String> = ["critical", "standard", "low"].map(String::from).to_vec();
    check("tier", &req.tier, &tiers)?;
    let q = StatsQuery {
        since,
        until,
        types: req.types.clone(),
        tiers: req.tier.clone(),
        statuses: req.status.clone(),
        assignees: req.assignee.clone(),
    };
    Ok(insight::stats(&cx.project, &q)?)
}

/// How much of the activity feed to read.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityRequest {
    /// Entries to return, newest first (default 50, at most 500).
    #[serde(default)]
    pub limit: Option<usize>,
    /// How far back to look (default 7d).
    #[serde(default)]
    pub window: Option<String>,
}

/// The latest log entries across the project, newest first.
pub fn activity(cx: &Context, req: &ActivityRequest) -> ApiResult<Vec<Activity>> {
    let w = req.window.as_deref().unwrap_or("7d");
    let secs = parse_duration(w)?;
    let since = cx
        .now
        .checked_sub(jiff::SignedDuration::from_secs(
            i64::try_from(secs).unwrap_or(i64::MAX),
        ))
        .unwrap_or(Timestamp::MIN);
    Ok(insight::activity(
        &cx.project,
        since,
        req.limit.unwrap_or(50).clamp(1, 500),
    )?)
}

/// The ticket a `docket run` is working on now (or left behind when it was
/// interrupted), if any.
pub fn current_run(cx: &Context) -> Option<InFlight> {
    let path = docket_core::runner::RunPaths::new(&cx.project).current_file;
    let text = docket_core::store::read_local_text(&path).ok()?;
    serde_json::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("3m20s").unwrap(), 200);
        assert_eq!(parse_duration("PT5M").unwrap(), 300);
        assert_eq!(parse_duration("1h 5m").unwrap(), 3900);
        assert_eq!(parse_duration("45").unwrap(), 45);
        assert_eq!(parse_duration("7d").unwrap(), 7 * 86_400);
        assert_eq!(parse_duration("2w").unwrap(), 14 * 86_400);
        assert!(parse_duration("-5m").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn spans() {
        let now: Timestamp = "2026-11-27T12:00:00Z".parse().unwrap();
        let (s, u) = span(&StatsRequest::default(), now).unwrap();
        assert_eq!(ops::format_ts(s), "2026-11-26T12:00:00Z");
        assert_eq!(
            ops::format_ts(u),
            "2026-11-27T12:00:01Z",
            "now itself counts"
        );
        let req = StatsRequest {
            since: Some("2026-04-01".into()),
            until: Some("2026-04-25".into()),
            ..Default::default()
        };
        let (s, u) = span(&req, now).unwrap();
        assert_eq!(ops::format_ts(s), "2026-04-01T00:00:00Z");
        assert_eq!(ops::format_ts(u), "2026-04-26T00:00:00Z");
        let bad = StatsRequest {
            since: Some("2026-05-01".into()),
            until: Some("2026-04-01".into()),
            ..Default::default()
        };
        assert!(span(&bad, now).is_err());
    }
}
