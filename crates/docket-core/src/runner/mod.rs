//! The agent runner's rules, as pure data and pure functions: stage metadata,
//! runner configuration, which tickets a run takes and in which order
//! ([`plan`]), the prompt handed to an agent ([`prompt`]) and what an agent's
//! output says about its cost ([`adapter`]). Spawning processes, git and the
//! terminal live in the front-end (`docket run`); nothing here starts a process.

pub mod adapter;
pub mod backoff;
pub mod commit;
pub mod lanes;
pub mod plan;
pub mod prompt;
pub mod trust;

use std::path::PathBuf;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::store::Project;
use crate::ticket::Ticket;

/// Stage metadata for one status (`[workflow.stages.<status>]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageConfig {
    /// Pipeline order; equal ranks are peer stages. A dependency is satisfied for
    /// the runner when it is terminal or in a strictly higher rank.
    pub rank: Option<i64>,
    /// `docket run` may hand tickets in this status to an agent.
    #[serde(default)]
    pub runnable: bool,
    /// Only run this stage when `--stages` names it (e.g. backlog).
    #[serde(default)]
    pub manual: bool,
    /// Role of the agent's session (built-in or custom).
    pub role: Option<String>,
    /// Template file name in `.docket/templates/` (built-in default when absent).
    pub prompt: Option<String>,
    /// Where a finished stage goes (default: the first status of the next rank).
    pub next: Option<String>,
    /// Agent model for this stage.
    pub model: Option<String>,
    /// Agent effort / reasoning level for this stage.
    pub effort: Option<String>,
}

/// `[runner]`: defaults of `docket run`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunnerConfig {
    /// Adapter name (default `claude`).
    pub agent: Option<String>,
    /// `batch`, `chase` or `live` (default `batch`).
    pub strategy: Option<String>,
    /// Kill an agent silent this long, e.g. "10m" (default 10 minutes).
    pub idle_timeout: Option<String>,
    /// Refuse a per-ticket commit that deletes more files than this (default 5).
    pub max_deletions: Option<usize>,
    /// Commit once per ticket (default true).
    pub commit: Option<bool>,
    /// Chase: most stage moves for one ticket in one run (default 6).
    pub max_chain: Option<usize>,
    /// Only tickets in these modes run (default: every mode).
    #[serde(default)]
    pub modes: Vec<String>,
    /// Default model and effort for every stage.
    pub model: Option<String>,
    pub effort: Option<String>,
    /// Model/effort by ticket tier (difficulty), over the stage's own.
    #[serde(default)]
    pub tiers: IndexMap<String, ModelChoice>,
    /// Adapters: overrides of the built-in ones, or new generic ones.
    #[serde(default)]
    pub agents: IndexMap<String, AgentConfig>,
}

/// A model and effort pair.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelChoice {
    pub model: Option<String>,
    pub effort: Option<String>,
}

/// One agent adapter: how to start it and how to read its output.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// Program and arguments; placeholders `{prompt_file}`, `{prompt}`,
    /// `{model}`, `{effort}`, `{ticket}`, `{stage}`.
    #[serde(default)]
    pub command: Vec<String>,
    /// Pipe the prompt to the agent's stdin.
    #[serde(default)]
    pub stdin: bool,
    /// Appended when a model is chosen, e.g. `["--model", "{model}"]`.
    #[serde(default)]
    pub model_args: Vec<String>,
    /// Appended when an effort is chosen.
    #[serde(default)]
    pub effort_args: Vec<String>,
    /// Output format: `text`, `claude` (stream-json) or `codex` (exec --json).
    pub format: Option<String>,
    /// Replace the built-in adapter of this name on purpose: without it a
    /// `[runner.agents.<built-in>]` table is refused (`agent_redefined`), so
    /// a repository cannot quietly change what `claude` means.
    #[serde(default, rename = "override")]
    pub override_builtin: bool,
}

/// Default idle timeout: ten minutes without output.
pub const DEFAULT_IDLE_TIMEOUT_SECS: u64 = 600;
/// Default deletion guard.
pub const DEFAULT_MAX_DELETIONS: usize = 5;
/// Default chase cap on stage moves per ticket.
pub const DEFAULT_MAX_CHAIN: usize = 6;

/// Traversal strategies of `docket run`.
pub const STRATEGIES: &[&str] = &["batch", "chase", "live"];

impl RunnerConfig {
    /// The idle timeout in milliseconds.
    pub fn idle_timeout_ms(&self) -> Result<u64, String> {
        match &self.idle_timeout {
            None => Ok(DEFAULT_IDLE_TIMEOUT_SECS * 1000),
            Some(text) => parse_duration_ms(text).ok_or_else(|| {
                format!("runner.idle_timeout: `{text}` is not a duration like \"10m\"")
            }),
        }
    }
}

/// Parse a positive duration such as "10m", "2s", "500ms" or "1h30m" into ms.
pub fn parse_duration_ms(text: &str) -> Option<u64> {
    let d: jiff::SignedDuration = text.trim().parse().ok()?;
    let ms = d.as_millis();
    (ms > 0).then(|| u64::try_from(ms).unwrap_or(u64::MAX))
}

/// Check `[workflow.stages]` and `[runner]` against the rest of the config.
pub(crate) fn validate_config(c: &Config) -> Result<(), String> {
    let wf = &c.workflow;
    for (status, stage) in &wf.stages {
        if !wf.statuses.contains(status) {
            return Err(format!(
                "workflow.stages.{status}: `{status}` is not in workflow.statuses"
            ));
        }
        if stage.runnable && stage.rank.is_none() {
            return Err(format!(
                "workflow.stages.{status}: a runnable stage needs a `rank`"
            ));
        }
        if stage.runnable && c.is_terminal(status) {
            return Err(format!(
                "workflow.stages.{status}: a terminal status cannot be runnable"
            ));
        }
        if let Some(next) = &stage.next
            && !wf.statuses.contains(next)
        {
            return Err(format!(
                "workflow.stages.{status}.next: `{next}` is not in workflow.statuses"
            ));
        }
        // Where a prompt resolves is checked when it is read (`docket run`,
        // `docket trust`): one leading outside the project is refused there
        // with its own code (`template_outside`), not by every command.
        if let Some(p) = &stage.prompt
            && p.trim().is_empty()
        {
            return Err(format!(
                "workflow.stages.{status}.prompt: give a file name like \"implement.md\""
            ));
        }
    }
    let r = &c.runner;
    r.idle_timeout_ms()?;
    if let Some(s) = &r.strategy
        && !STRATEGIES.contains(&s.as_str())
    {
        return Err(format!(
            "runner.strategy: `{s}` is not one of {}",
            STRATEGIES.join(", ")
        ));
    }
    for m in &r.modes {
        if !wf.modes.contains(m) {
            return Err(format!("runner.modes: `{m}` is not in workflow.modes"));
        }
    }
    for (name, a) in &r.agents {
        if a.command.is_empty() && adapter::builtin(name).is_none() {
            return Err(format!(
                "runner.agents.{name}: a new adapter needs a `command`"
            ));
        }
        if let Some(f) = &a.format
            && !adapter::FORMATS.contains(&f.as_str())
        {
            return Err(format!(
                "runner.agents.{name}.format: `{f}` is not one of {}",
                adapter::FORMATS.join(", ")
            ));
        }
    }
    if let Some(a) = &r.agent
        && adapter::resolve(r, a).is_none()
    {
        return Err(format!(
            "runner.agent: unknown adapter `{a}` (built in: {})",
            adapter::BUILTIN.join(", ")
        ));
    }
    Ok(())
}

impl Config {
    /// Stage metadata of `status`, when it has any.
    pub fn stage(&self, status: &str) -> Option<&StageConfig> {
        self.workflow.stages.get(status)
    }

    /// Pipeline rank of `status`; `None` for statuses outside the stage order.
    pub fn stage_rank(&self, status: &str) -> Option<i64> {
        self.stage(status).and_then(|s| s.rank)
    }

    /// Whether agents may work tickets in `status`.
    pub fn is_runnable(&self, status: &str) -> bool {
        self.stage(status).is_some_and(|s| s.runnable)
    }

    /// Runnable statuses in pipeline order (rank, then board order).
    pub fn runnable_stages(&self) -> Vec<&str> {
        let mut out: Vec<(i64, usize, &str)> = self
            .workflow
            .statuses
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let st = self.stage(s)?;
                (st.runnable).then_some((st.rank.unwrap_or(0), i, s.as_str()))
            })
            .collect();
        out.sort();
        out.into_iter().map(|(_, _, s)| s).collect()
    }

    /// Non-terminal statuses outside the stage order (e.g. `blocked`): a ticket
    /// there is parked, and its dependents wait.
    pub fn is_parked(&self, status: &str) -> bool {
        !self.is_terminal(status) && self.stage_rank(status).is_none()
    }

    /// The next stage after `status`: the stage's `next`, else the first status
    /// (board order) of the next higher rank. `Config::next_status` (what
    /// `advance` uses) prefers this when the workflow has stages.
    pub fn stage_next(&self, status: &str) -> Option<&str> {
        let st = self.stage(status)?;
        if let Some(n) = &st.next {
            return Some(n.as_str());
        }
        let rank = st.rank?;
        let higher = self
            .workflow
            .statuses
            .iter()
            .filter_map(|s| Some((self.stage_rank(s)?, s.as_str())))
            .filter(|(r, _)| *r > rank);
        let best = higher.clone().map(|(r, _)| r).min()?;
        higher.filter(|(r, _)| *r == best).map(|(_, s)| s).next()
    }
}

/// The model and effort of one agent run: the ticket's tier's
/// (`[runner.tiers.<tier>]`), else the stage's, else `[runner]`'s. One
/// function, so `--dry-run` shows the command line the real run starts.
pub fn model_choice(cfg: &Config, stage: &str, tier: Option<&str>) -> ModelChoice {
    let tier = tier.and_then(|t| cfg.runner.tiers.get(t));
    let st = cfg.stage(stage);
    ModelChoice {
        model: tier
            .and_then(|c| c.model.clone())
            .or_else(|| st.and_then(|s| s.model.clone()))
            .or_else(|| cfg.runner.model.clone()),
        effort: tier
            .and_then(|c| c.effort.clone())
            .or_else(|| st.and_then(|s| s.effort.clone()))
            .or_else(|| cfg.runner.effort.clone()),
    }
}

/// A ticket's runner sequence (frontmatter `sequence`, lower runs sooner); kept
/// as an unknown frontmatter key so files stay readable by older versions.
pub fn sequence(t: &Ticket) -> Option<f64> {
    match t.extra.get("sequence")? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

/// Format a sequence without a trailing `.0`.
pub fn format_sequence(s: f64) -> String {
    if s.fract() == 0.0 && s.abs() < 1e15 {
        format!("{}", s as i64)
    } else {
        format!("{s}")
    }
}

/// The progress label of one agent run: `[n/total]`. In chase the total
/// counts tickets (chains), so a chain's later moves read `[n/total +k]`
/// instead of counting past the total.
pub fn progress_label(chain: usize, total: &str, moves_before: usize) -> String {
    if moves_before == 0 {
        format!("[{chain}/{total}]")
    } else {
        format!("[{chain}/{total} +{moves_before}]")
    }
}

/// Where the runner keeps its state: `.docket/local/run/` and `.docket/local/logs/`.
pub struct RunPaths {
    /// `docket run --stop` creates it; the runner stops before the next ticket.
    pub stop_file: PathBuf,
    /// The ticket in flight, for resuming after an interruption.
    pub current_file: PathBuf,
    /// Agent logs, one folder per run.
    pub logs_dir: PathBuf,
    /// One JSON line per agent run: tokens, tool calls, duration.
    pub stats_file: PathBuf,
    /// Users' prompt templates (committed).
    pub templates_dir: PathBuf,
    /// Failed tickets and their back-off ([`backoff`]).
    pub failures_file: PathBuf,
    /// Lanes of `docket run --parallel`: one git worktree per ticket.
    pub lanes_dir: PathBuf,
}

impl RunPaths {
    pub fn new(p: &Project) -> RunPaths {
        RunPaths::for_dir(&p.dir)
    }

    /// The paths of the project whose `.docket/` folder is `docket_dir`
    /// (e.g. inside a lane's worktree).
    pub fn for_dir(docket_dir: &std::path::Path) -> RunPaths {
        let local = docket_dir.join("local");
        RunPaths {
            stop_file: local.join("run").join("stop"),
            current_file: local.join("run").join("current.json"),
            logs_dir: local.join("logs"),
            stats_file: local.join("stats.jsonl"),
            templates_dir: docket_dir.join("templates"),
            failures_file: local.join("run").join("failures.json"),
            lanes_dir: local.join(lanes::LANES_DIR),
        }
    }
}

/// The ticket a run was working on, saved before the agent starts and removed
/// once its outcome is recorded; left behind by an interrupted run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlight {
    pub ticket: String,
    pub stage: String,
    pub agent: String,
    pub started: String,
    /// Log of the interrupted attempt, relative to the project root.
    pub log: String,
    /// Paths already dirty before the agent started: after a crash, every
    /// other dirty path is the interrupted attempt's work.
    #[serde(default)]
    pub baseline: Vec<String>,
    /// The agent's session: a run killed hard never ended it, and its claim
    /// must not keep the resuming run off the ticket.
    #[serde(default)]
    pub session: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::preset_template;
    use std::path::Path;

    fn pipeline() -> Config {
        let text = preset_template("pipeline", "dk").unwrap();
        Config::parse(&text, Path::new("c")).unwrap()
    }

    #[test]
    fn the_default_idle_timeout_is_ten_minutes_in_milliseconds() {
        assert_eq!(RunnerConfig::default().idle_timeout_ms(), Ok(600_000));
        assert_eq!(pipeline().runner.idle_timeout_ms(), Ok(600_000), "10m");
    }

    #[test]
    fn pipeline_preset_stages() {
        let c = pipeline();
        assert_eq!(c.initial_status(), "backlog");
        assert_eq!(
            c.runnable_stages(),
            vec!["backlog", "fix", "plan", "implement", "review"]
        );
        assert_eq!(c.stage_rank("fix"), c.stage_rank("plan"));
        assert!(c.is_parked("blocked"));
        assert!(!c.is_parked("complete"));
        assert_eq!(c.stage_next("fix"), Some("implement"));
        assert_eq!(c.stage_next("review"), Some("complete"));
        assert_eq!(c.runner.idle_timeout_ms().unwrap(), 600_000);
    }

    #[test]
    fn next_status_defaults_to_next_rank() {
        let text = preset_template("pipeline", "dk")
            .unwrap()
            .replace("next = \"implement\"\n", "");
        let c = Config::parse(&text, Path::new("c")).unwrap();
        assert_eq!(c.stage_next("fix"), Some("implement"));
    }

    #[test]
    fn unknown_stage_status_rejected() {
        let text = preset_template("pipeline", "dk")
            .unwrap()
            .replace("[workflow.stages.review]", "[workflow.stages.nope]");
        let err = Config::parse(&text, Path::new("c")).unwrap_err();
        assert_eq!(err.code(), "config_invalid");
        assert!(err.to_string().contains("nope"), "{err}");
    }

    #[test]
    fn bad_runner_values_rejected() {
        for (from, to) in [
            ("strategy = \"batch\"", "strategy = \"zigzag\""),
            ("idle_timeout = \"10m\"", "idle_timeout = \"soon\""),
            ("agent = \"claude\"", "agent = \"nobody\""),
            ("modes = [\"afk\"]", "modes = [\"sometimes\"]"),
        ] {
            let text = preset_template("pipeline", "dk").unwrap().replace(from, to);
            let err = Config::parse(&text, Path::new("c")).unwrap_err();
            assert_eq!(err.code(), "config_invalid", "{to}");
        }
    }

    #[test]
    fn simple_preset_has_no_stages() {
        let text = preset_template("simple", "dk").unwrap();
        let c = Config::parse(&text, Path::new("c")).unwrap();
        assert!(c.runnable_stages().is_empty());
        assert!(c.runner.agents.is_empty());
    }

    #[test]
    fn chase_labels_never_count_past_the_total() {
        assert_eq!(progress_label(3, "3", 0), "[3/3]");
        assert_eq!(progress_label(3, "3", 1), "[3/3 +1]");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("2s"), Some(2000));
        assert_eq!(parse_duration_ms("500ms"), Some(500));
        assert_eq!(parse_duration_ms("0s"), None);
        assert_eq!(parse_duration_ms("x"), None);
        assert_eq!(format_sequence(3.0), "3");
        assert_eq!(format_sequence(3.5), "3.5");
        assert_eq!(format_sequence(-7.0), "-7");
        assert_eq!(format_sequence(1e20), "100000000000000000000");
        // A negative zero (`sequence: -0`) reads as 0, not "-0".
        assert_eq!(format_sequence(-0.0), "0");
    }
}
