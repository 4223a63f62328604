//! A scripted stand-in for a coding agent, built for the runner's end-to-end
//! tests (`tests/runner.rs`). It reads its prompt (the file named by its first
//! argument, else stdin), finds the ticket id, stage and advance command in it,
//! and acts on the `fake: <action>` lines of the ticket text
//! (`fake@<stage>: <action>` applies in one stage only). Without any, it
//! advances. Actions:
//!
//! - `advance` — run the prompt's advance command
//! - `stay` — do nothing
//! - `fail <code>` — exit with that code
//! - `stall <secs>` — sleep without output; `stall-once <secs>` only when the
//!   prompt has no resume note
//! - `print <n>` — print n lines, 50 ms apart
//! - `write <path> <text…>` / `rm <path>` — change the working tree
//! - `split <n>` — create n new tickets
//! - `docket <args…>` — run docket (`{id}` is the ticket id)
//! - `record <path>` — append `<id> <stage> <role>` to a file
//! - `claude-usage` — print claude stream-json events with usage
//! - `pid <path>` — write its process id to a file
//! - `env <path>` — write the `DOCKET_*` variables and the first `PATH` entry
//!   it was given, one `KEY=value` a line
//! - `wait-for <path>` — wait (up to 20 s) until the path exists

use std::io::{Read, Write};
use std::process::Command;
use std::time::Duration;

fn docket(args: &[String]) -> i32 {
    let bin = std::env::var("DOCKET_BIN").unwrap_or_else(|_| "docket".into());
    match Command::new(bin).args(args).status() {
        Ok(s) => s.code().unwrap_or(1),
        Err(e) => {
            eprintln!("fake-agent: cannot run docket: {e}");
            1
        }
    }
}

fn after<'a>(prompt: &'a str, prefix: &str) -> Option<&'a str> {
    prompt
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .map(str::trim)
}

fn main() {
    let mut prompt = String::new();
    match std::env::args().nth(1) {
        Some(path) => {
            prompt = std::fs::read_to_string(&path).unwrap_or_default();
        }
        None => {
            let _ = std::io::stdin().read_to_string(&mut prompt);
        }
    }
    let id = after(&prompt, "Ticket: ").unwrap_or("").to_string();
    let stage_line = after(&prompt, "Stage: ").unwrap_or("");
    let stage = stage_line
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string();
    let role = stage_line
        .split("role: ")
        .nth(1)
        .unwrap_or("")
        .trim_end_matches(')')
        .to_string();
    let resumed = prompt.contains("\n## Resume\n");
    let advance: Vec<String> = after(&prompt, "Advance command: ")
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .map(String::from)
        .collect();
    let mut actions: Vec<String> = Vec::new();
    for line in prompt.lines() {
        let line = line.trim();
        if let Some(a) = line.strip_prefix("fake: ") {
            actions.push(a.trim().to_string());
        } else if let Some(rest) = line.strip_prefix("fake@")
            && let Some((st, a)) = rest.split_once(": ")
            && st == stage
        {
            actions.push(a.trim().to_string());
        }
    }
    if actions.is_empty() {
        actions.push("advance".into());
    }
    println!("fake-agent: {id} in {stage} as {role}; actions: {actions:?}");
    let _ = std::io::stdout().flush();
    for action in actions {
        let words: Vec<&str> = action.split_whitespace().collect();
        let arg = |i: usize| words.get(i).copied().unwrap_or("");
        match arg(0) {
            "advance" => {
                let code = docket(&advance);
                if code != 0 {
                    std::process::exit(code);
                }
            }
            "stay" => {}
            "fail" => std::process::exit(arg(1).parse().unwrap_or(1)),
            "stall" => std::thread::sleep(Duration::from_secs_f64(arg(1).parse().unwrap_or(60.0))),
            "stall-once" if !resumed => {
                std::thread::sleep(Duration::from_secs_f64(arg(1).parse().unwrap_or(60.0)))
            }
            "stall-once" => println!("fake-agent: resuming after a timeout"),
            "print" => {
                for i in 0..arg(1).parse::<u32>().unwrap_or(1) {
                    println!("fake-agent: working {i}");
                    let _ = std::io::stdout().flush();
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
            "write" => {
                let text = words.get(2..).map(|w| w.join(" ")).unwrap_or_default();
                let _ = std::fs::write(arg(1), format!("{text}\n"));
            }
            "rm" => {
                let _ = std::fs::remove_file(arg(1));
            }
            "split" => {
                for i in 1..=arg(1).parse::<u32>().unwrap_or(2) {
                    let title = format!("Split {i} of {id}");
                    docket(&["create".into(), title, "--dep".into(), id.clone()]);
                }
            }
            "docket" => {
                let args: Vec<String> = words[1..].iter().map(|w| w.replace("{id}", &id)).collect();
                let code = docket(&args);
                if code != 0 {
                    std::process::exit(code);
                }
            }
            "record" => {
                if let Ok(mut f) = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(arg(1))
                {
                    let _ = writeln!(f, "{id} {stage} {role}");
                }
            }
            "claude-usage" => {
                println!(
                    r#"{{"type":"assistant","message":{{"content":[{{"type":"tool_use","name":"Bash","input":{{}}}}]}}}}"#
                );
                println!(
                    r#"{{"type":"assistant","message":{{"content":[{{"type":"tool_use","name":"Edit","input":{{}}}}]}}}}"#
                );
                println!(
                    r#"{{"type":"result","subtype":"success","total_cost_usd":0.5,"usage":{{"input_tokens":1000,"output_tokens":234}}}}"#
                );
            }
            "wait-for" => {
                let start = std::time::Instant::now();
                while !std::path::Path::new(arg(1)).exists()
                    && start.elapsed() < Duration::from_secs(20)
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            "env" => {
                let mut out = String::new();
                for key in [
                    "DOCKET_SESSION",
                    "DOCKET_TICKET",
                    "DOCKET_STAGE",
                    "DOCKET_RUN_LOG",
                    "DOCKET_PROMPT_FILE",
                    "DOCKET_BIN",
                ] {
                    let v = std::env::var(key).unwrap_or_default();
                    out.push_str(&format!("{key}={v}\n"));
                }
                let path = std::env::var_os("PATH").unwrap_or_default();
                let first = std::env::split_paths(&path).next().unwrap_or_default();
                out.push_str(&format!("PATH0={}\n", first.display()));
                let _ = std::fs::write(arg(1), out);
            }
            "pid" => {
                let _ = std::fs::write(arg(1), std::process::id().to_string());
            }
            other => {
                eprintln!("fake-agent: unknown action `{other}`");
                std::process::exit(2);
            }
        }
    }
}
