//! Back-off for tickets whose agent run failed: a failing ticket with a low
//! sequence would otherwise run first, and fail, on every run, spending the
//! budget before any other ticket is reached. Each failure is recorded (in
//! `.docket/local/run/failures.json`, git-ignored: it is this machine's
//! experience, not project history) and the ticket rests for a delay that
//! doubles with each consecutive failure; `docket run --retry-failed` ignores
//! the rest. A success, or the ticket leaving the stage it failed in, forgets it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The first rest after a failure: 30 minutes.
pub const BASE_SECS: i64 = 30 * 60;
/// The longest rest: one day.
pub const MAX_SECS: i64 = 24 * 60 * 60;

/// The failures of one ticket in one stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The stage it failed in; the record lapses once the ticket is elsewhere.
    pub stage: String,
    /// Consecutive failures.
    pub count: u32,
    /// When the last failure ended (RFC 3339).
    pub last: String,
}

/// Every recorded failure, by ticket id.
pub type Failures = BTreeMap<String, Failure>;

/// How long a ticket rests after `count` consecutive failures (seconds).
pub fn rest_secs(count: u32) -> i64 {
    if count == 0 {
        return 0;
    }
    let shift = (count - 1).min(16);
    BASE_SECS.saturating_mul(1i64 << shift).min(MAX_SECS)
}

/// When a ticket with record `f` may run again, or `None` when it may run now
/// (`now` and the answer are RFC 3339 timestamps).
pub fn resting_until(f: &Failure, stage: &str, now: &str) -> Option<String> {
    if f.stage != stage {
        return None;
    }
    let last: jiff::Timestamp = f.last.parse().ok()?;
    let now: jiff::Timestamp = now.parse().ok()?;
    let until = last
        .checked_add(jiff::SignedDuration::from_secs(rest_secs(f.count)))
        .ok()?;
    (until > now).then(|| until.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// Record one agent run's outcome: a failure counts up, anything else forgets.
pub fn record(all: &mut Failures, ticket: &str, stage: &str, failed: bool, now: &str) {
    if !failed {
        all.remove(ticket);
        return;
    }
    let count = match all.get(ticket) {
        Some(f) if f.stage == stage => f.count + 1,
        _ => 1,
    };
    all.insert(
        ticket.to_string(),
        Failure {
            stage: stage.to_string(),
            count,
            last: now.to_string(),
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_doubles_and_is_capped() {
        assert_eq!(rest_secs(0), 0);
        assert_eq!(rest_secs(1), 1800);
        assert_eq!(rest_secs(2), 3600);
        assert_eq!(rest_secs(3), 7200);
        assert_eq!(rest_secs(40), MAX_SECS);
    }

    #[test]
    fn failures_rest_then_lapse() {
        let mut all = Failures::new();
        record(&mut all, "a", "fix", true, "2026-01-01T00:00:00Z");
        let f = all["a"].clone();
        assert_eq!(
            resting_until(&f, "fix", "2026-01-01T00:10:00Z").as_deref(),
            Some("2026-01-01T00:30:00Z")
        );
        assert_eq!(resting_until(&f, "fix", "2026-01-01T00:31:00Z"), None);
        // Elsewhere now: the record does not apply.
        assert_eq!(resting_until(&f, "implement", "2026-01-01T00:10:00Z"), None);
        record(&mut all, "a", "fix", true, "2026-01-01T01:00:00Z");
        assert_eq!(all["a"].count, 2);
        assert_eq!(
            resting_until(&all["a"], "fix", "2026-01-01T01:59:00Z").as_deref(),
            Some("2026-01-01T02:00:00Z")
        );
        record(&mut all, "a", "implement", true, "2026-01-01T03:00:00Z");
        assert_eq!(all["a"].count, 1);
        record(&mut all, "a", "implement", false, "2026-01-01T04:00:00Z");
        assert!(all.is_empty());
    }
}
