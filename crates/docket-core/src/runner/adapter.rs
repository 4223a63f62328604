//! Agent adapters as data: the command line for each built-in agent CLI, the
//! substitution of placeholders, and reading usage (tokens, tool calls) and a
//! short "last activity" out of the agent's output lines.

use serde::Serialize;

use super::{AgentConfig, RunnerConfig};

/// Built-in adapter names.
pub const BUILTIN: &[&str] = &["claude", "codex", "cursor", "auggie"];

/// The argument handed to agents that take their prompt as an argument: short,
/// whatever the size of the ticket (the prompt itself is in the file).
pub const POINTER: &str = "Read the file {prompt_file} and follow the instructions in it exactly.";

/// An adapter for `--agent /path/to/executable` (a name with a `/`): the
/// program gets the prompt file's path as its only argument and the prompt on
/// stdin (it may read either); its output is read as text.
pub fn for_executable(path: &str) -> AgentConfig {
    AgentConfig {
        command: vec![path.to_string(), "{prompt_file}".to_string()],
        stdin: true,
        model_args: Vec::new(),
        effort_args: Vec::new(),
        format: Some("text".into()),
        override_builtin: false,
    }
}

/// Whether an `--agent` value names an executable by path rather than an adapter.
pub fn is_path(name: &str) -> bool {
    name.contains('/')
}

/// Output formats an adapter can declare.
pub const FORMATS: &[&str] = &["text", "claude", "codex"];

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The built-in adapter `name`. Unattended runs cannot answer permission
/// prompts, so the defaults let the agent edit files and run commands in the
/// project; override `command` in `[runner.agents.<name>]` (with
/// `override = true`, then `docket trust`) to restrict them.
pub fn builtin(name: &str) -> Option<AgentConfig> {
    let a = match name {
        "claude" => AgentConfig {
            command: strings(&[
                "claude",
                "-p",
                "--output-format",
                "stream-json",
                "--verbose",
                "--dangerously-skip-permissions",
            ]),
            stdin: true,
            model_args: strings(&["--model", "{model}"]),
            effort_args: Vec::new(),
            format: Some("claude".into()),
            override_builtin: false,
        },
        "codex" => AgentConfig {
            command: strings(&["codex", "exec", "--json", "--full-auto", "-"]),
            stdin: true,
            model_args: strings(&["--model", "{model}"]),
            effort_args: strings(&["-c", "model_reasoning_effort={effort}"]),
            format: Some("codex".into()),
            override_builtin: false,
        },
        // A whole ticket as one argument can pass the system's limit on the
        // argument list (a 140 KB ticket did), so cursor and auggie get a
        // short instruction naming the prompt file instead.
        "cursor" => AgentConfig {
            command: strings(&["cursor-agent", "--print", "--force", POINTER]),
            stdin: false,
            model_args: strings(&["--model", "{model}"]),
            effort_args: Vec::new(),
            format: Some("text".into()),
            override_builtin: false,
        },
        "auggie" => AgentConfig {
            command: strings(&["auggie", "--print", POINTER]),
            stdin: false,
            model_args: strings(&["--model", "{model}"]),
            effort_args: Vec::new(),
            format: Some("text".into()),
            override_builtin: false,
        },
        _ => return None,
    };
    Some(a)
}

/// The adapter `name`: the built-in one with config overrides laid over it, or
/// a generic one from `[runner.agents.<name>]`.
pub fn resolve(r: &RunnerConfig, name: &str) -> Option<AgentConfig> {
    let base = builtin(name);
    match (base, r.agents.get(name)) {
        (None, None) => None,
        (Some(b), None) => Some(b),
        (None, Some(c)) => Some(c.clone()),
        (Some(b), Some(c)) => {
            // A list given in config replaces the built-in one; an empty one keeps it.
            let pick = |own: &Vec<String>, base: Vec<String>| {
                if own.is_empty() { base } else { own.clone() }
            };
            let own_command = !c.command.is_empty();
            Some(AgentConfig {
                command: pick(&c.command, b.command),
                stdin: if own_command { c.stdin } else { b.stdin },
                model_args: pick(&c.model_args, b.model_args),
                effort_args: pick(&c.effort_args, b.effort_args),
                format: c.format.clone().or(b.format),
                override_builtin: c.override_builtin,
            })
        }
    }
}

/// Values substituted into an adapter's command.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    pub prompt: String,
    pub prompt_file: String,
    pub model: Option<String>,
    pub effort: Option<String>,
    pub ticket: String,
    pub stage: String,
}

fn substitute(arg: &str, inv: &Invocation) -> String {
    arg.replace("{prompt_file}", &inv.prompt_file)
        .replace("{prompt}", &inv.prompt)
        .replace("{model}", inv.model.as_deref().unwrap_or(""))
        .replace("{effort}", inv.effort.as_deref().unwrap_or(""))
        .replace("{ticket}", &inv.ticket)
        .replace("{stage}", &inv.stage)
}

/// The program and arguments for one agent run.
pub fn command_line(a: &AgentConfig, inv: &Invocation) -> Vec<String> {
    let mut out: Vec<String> = a.command.iter().map(|s| substitute(s, inv)).collect();
    if inv.model.as_deref().is_some_and(|m| !m.is_empty()) {
        out.extend(a.model_args.iter().map(|s| substitute(s, inv)));
    }
    if inv.effort.as_deref().is_some_and(|m| !m.is_empty()) {
        out.extend(a.effort_args.iter().map(|s| substitute(s, inv)));
    }
    out
}

/// What an agent's output said about its cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub tool_calls: u64,
    pub cost_usd: Option<f64>,
    /// Some usage figure was reported at all.
    pub reported: bool,
}

impl Usage {
    /// Input plus output tokens.
    pub fn tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }
}

/// Reads an agent's output line by line.
#[derive(Debug, Clone, Default)]
pub struct OutputReader {
    format: String,
    pub usage: Usage,
}

fn num(v: &serde_json::Value, key: &str) -> u64 {
    v.get(key).and_then(serde_json::Value::as_u64).unwrap_or(0)
}

fn one_line(s: &str, max: usize) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

impl OutputReader {
    pub fn new(format: Option<&str>) -> OutputReader {
        OutputReader {
            format: format.unwrap_or("text").to_string(),
            usage: Usage::default(),
        }
    }

    /// Account for one output line; returns a short description of the
    /// activity for progress display, when the line says something useful.
    pub fn line(&mut self, line: &str) -> Option<String> {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            return None;
        }
        let json = (self.format != "text")
            .then(|| serde_json::from_str::<serde_json::Value>(trimmed).ok())
            .flatten();
        match (self.format.as_str(), json) {
            ("claude", Some(v)) => self.claude(&v),
            ("codex", Some(v)) => self.codex(&v),
            _ => Some(one_line(trimmed, 80)),
        }
    }

    fn claude(&mut self, v: &serde_json::Value) -> Option<String> {
        match v.get("type").and_then(|t| t.as_str()) {
            Some("assistant") => {
                let content = v.pointer("/message/content")?.as_array()?;
                let mut last = None;
                for c in content {
                    match c.get("type").and_then(|t| t.as_str()) {
                        Some("tool_use") => {
                            self.usage.tool_calls += 1;
                            let name = c.get("name").and_then(|n| n.as_str()).unwrap_or("tool");
                            last = Some(format!("tool: {name}"));
                        }
                        Some("text") => {
                            let t = c.get("text").and_then(|t| t.as_str()).unwrap_or("");
                            last = Some(one_line(t, 80));
                        }
                        _ => {}
                    }
                }
                last
            }
            Some("result") => {
                if let Some(u) = v.get("usage") {
                    self.usage.input_tokens = num(u, "input_tokens")
                        + num(u, "cache_creation_input_tokens")
                        + num(u, "cache_read_input_tokens");
                    self.usage.cache_read_tokens = num(u, "cache_read_input_tokens");
                    self.usage.output_tokens = num(u, "output_tokens");
                    self.usage.reported = true;
                }
                self.usage.cost_usd = v.get("total_cost_usd").and_then(|c| c.as_f64());
                Some("finished".into())
            }
            _ => None,
        }
    }

    fn codex(&mut self, v: &serde_json::Value) -> Option<String> {
        match v.get("type").and_then(|t| t.as_str()) {
            Some("turn.completed") => {
                if let Some(u) = v.get("usage") {
                    self.usage.input_tokens += num(u, "input_tokens");
                    self.usage.cache_read_tokens += num(u, "cached_input_tokens");
                    self.usage.output_tokens += num(u, "output_tokens");
                    self.usage.reported = true;
                }
                Some("turn completed".into())
            }
            Some("item.started") | Some("item.completed") => {
                let item = v.get("item")?;
                let kind = item.get("type").and_then(|t| t.as_str()).unwrap_or("");
                let done = v.get("type").and_then(|t| t.as_str()) == Some("item.completed");
                match kind {
                    "command_execution" | "file_change" | "mcp_tool_call" | "web_search" => {
                        if done {
                            self.usage.tool_calls += 1;
                        }
                        let cmd = item.get("command").and_then(|c| c.as_str()).unwrap_or(kind);
                        Some(one_line(cmd, 80))
                    }
                    "agent_message" => item
                        .get("text")
                        .and_then(|t| t.as_str())
                        .map(|t| one_line(t, 80)),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_substitute_and_add_optional_args() {
        let a = builtin("codex").unwrap();
        let inv = Invocation {
            prompt: "do it".into(),
            model: Some("gpt-5".into()),
            effort: Some("high".into()),
            ..Default::default()
        };
        assert_eq!(
            command_line(&a, &inv),
            vec![
                "codex",
                "exec",
                "--json",
                "--full-auto",
                "-",
                "--model",
                "gpt-5",
                "-c",
                "model_reasoning_effort=high"
            ]
        );
        let c = builtin("cursor").unwrap();
        let inv = Invocation {
            prompt: "x".repeat(200_000),
            prompt_file: "/tmp/p.md".into(),
            ..Default::default()
        };
        let argv = command_line(&c, &inv);
        assert_eq!(argv[0], "cursor-agent");
        assert!(argv.iter().all(|a| a.len() < 200), "{argv:?}");
        assert!(argv[3].contains("/tmp/p.md"));
        let argv = command_line(&builtin("auggie").unwrap(), &inv);
        assert!(argv.iter().all(|a| a.len() < 200) && argv[2].contains("/tmp/p.md"));
        let e = for_executable("./bin/my-agent");
        assert_eq!(command_line(&e, &inv), vec!["./bin/my-agent", "/tmp/p.md"]);
        assert!(e.stdin && is_path("./x") && !is_path("claude"));
    }

    #[test]
    fn config_overrides_builtin_and_adds_generic() {
        let mut r = RunnerConfig::default();
        r.agents.insert(
            "claude".into(),
            AgentConfig {
                model_args: vec!["-m".into(), "{model}".into()],
                ..Default::default()
            },
        );
        r.agents.insert(
            "mine".into(),
            AgentConfig {
                command: vec!["mine".into(), "{prompt_file}".into()],
                ..Default::default()
            },
        );
        let c = resolve(&r, "claude").unwrap();
        assert_eq!(c.command[0], "claude");
        assert!(c.stdin);
        assert_eq!(c.model_args, vec!["-m", "{model}"]);
        assert_eq!(resolve(&r, "mine").unwrap().command[0], "mine");
        assert!(resolve(&r, "nobody").is_none());
    }

    #[test]
    fn claude_stream_json_usage() {
        let mut r = OutputReader::new(Some("claude"));
        let lines = [
            r#"{"type":"system","subtype":"init"}"#,
            r#"{"type":"assistant","message":{"content":[{"type":"text","text":"Looking   at\nthe code"}]}}"#,
            r#"{"type":"assistant","message":{"content":[{"type":"tool_use","name":"Bash","input":{}}]}}"#,
            r#"{"type":"assistant","message":{"content":[{"type":"tool_use","name":"Edit","input":{}}]}}"#,
            r#"{"type":"result","subtype":"success","total_cost_usd":0.25,"usage":{"input_tokens":100,"cache_read_input_tokens":1000,"output_tokens":50}}"#,
        ];
        let acts: Vec<Option<String>> = lines.iter().map(|l| r.line(l)).collect();
        assert_eq!(acts[0], None);
        assert_eq!(acts[1].as_deref(), Some("Looking at the code"));
        assert_eq!(acts[2].as_deref(), Some("tool: Bash"));
        assert_eq!(r.usage.tool_calls, 2);
        assert_eq!(r.usage.input_tokens, 1100);
        assert_eq!(r.usage.output_tokens, 50);
        assert_eq!(r.usage.tokens(), 1150);
        assert_eq!(r.usage.cost_usd, Some(0.25));
        assert!(r.usage.reported);
    }

    #[test]
    fn codex_agent_messages_are_progress_lines() {
        let mut r = OutputReader::new(Some("codex"));
        let line = r.line(
            r#"{"type":"item.completed","item":{"type":"agent_message","text":"all tests pass"}}"#,
        );
        assert_eq!(line.as_deref(), Some("all tests pass"));
        assert_eq!(r.usage.tool_calls, 0);
    }

    #[test]
    fn codex_json_usage() {
        let mut r = OutputReader::new(Some("codex"));
        r.line(
            r#"{"type":"item.started","item":{"type":"command_execution","command":"cargo test"}}"#,
        );
        r.line(r#"{"type":"item.completed","item":{"type":"command_execution","command":"cargo test"}}"#);
        r.line(r#"{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":4,"output_tokens":3}}"#);
        r.line(r#"{"type":"turn.completed","usage":{"input_tokens":1,"output_tokens":1}}"#);
        assert_eq!(r.usage.tool_calls, 1);
        assert_eq!(r.usage.input_tokens, 11);
        assert_eq!(r.usage.output_tokens, 4);
        assert_eq!(r.usage.cache_read_tokens, 4);
    }

    #[test]
    fn text_lines_are_activity() {
        let mut r = OutputReader::new(None);
        assert_eq!(r.line("  hello   world "), Some("hello world".into()));
        assert_eq!(r.line("   "), None);
        assert!(!r.usage.reported);
    }
}
