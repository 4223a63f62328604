//! The prompt an agent gets: a frame (`prompt.md`) with the ticket and how to
//! use docket, around the stage's rules (`<stage>.md`). Both are templates with
//! `{{name}}` placeholders; a file of the same name in `.docket/templates/`
//! replaces the default built into the binary.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::ticket::Ticket;

/// The built-in templates, by file name.
pub const DEFAULTS: &[(&str, &str)] = &[
    ("prompt.md", include_str!("templates/prompt.md")),
    ("backlog.md", include_str!("templates/backlog.md")),
    ("fix.md", include_str!("templates/fix.md")),
    ("plan.md", include_str!("templates/plan.md")),
    ("implement.md", include_str!("templates/implement.md")),
    ("review.md", include_str!("templates/review.md")),
    ("stage.md", include_str!("templates/stage.md")),
    (
        "plan-first-plan.md",
        include_str!("templates/plan-first-plan.md"),
    ),
    (
        "plan-first-approve.md",
        include_str!("templates/plan-first-approve.md"),
    ),
    (
        "plan-first-implement.md",
        include_str!("templates/plan-first-implement.md"),
    ),
    (
        "plan-first-verify.md",
        include_str!("templates/plan-first-verify.md"),
    ),
];

/// The frame template's name.
pub const FRAME: &str = "prompt.md";

/// A template name is a plain file name (no folders), so it stays inside
/// `.docket/templates/`.
pub fn valid_template_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The built-in text of a template.
pub fn builtin(name: &str) -> Option<&'static str> {
    DEFAULTS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The template file a stage uses: its `prompt`, else `<status>.md` when such a
/// template exists, else the generic `stage.md`.
pub fn stage_template_name(cfg: &Config, templates_dir: &Path, status: &str) -> String {
    if let Some(p) = cfg.stage(status).and_then(|s| s.prompt.clone()) {
        return p;
    }
    let own = format!("{status}.md");
    if valid_template_name(&own) && (builtin(&own).is_some() || templates_dir.join(&own).is_file())
    {
        own
    } else {
        "stage.md".into()
    }
}

/// The project's own copy of template `name` (a path relative to
/// `templates_dir`, normally a plain file name), resolved: `None` when the
/// project has none (the built-in default applies). A template is handed to
/// an agent that may act on it, so one resolving outside the project (an
/// absolute path, `..`, a symlink leading out, the templates folder itself
/// linked elsewhere) is refused with [`Error::TemplateOutside`]. The project
/// is the folder holding `.docket/`, two levels above `templates_dir`.
pub fn project_template(templates_dir: &Path, name: &str) -> Result<Option<PathBuf>> {
    use std::path::Component;
    let outside = |reason: &str| Error::TemplateOutside {
        name: name.to_string(),
        path: templates_dir.join(name),
        reason: reason.to_string(),
    };
    if name.trim().is_empty() {
        return Err(Error::invalid("a template name cannot be empty"));
    }
    let rel = Path::new(name);
    if rel.is_absolute() {
        return Err(outside("an absolute path"));
    }
    if rel
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(outside("a path with `..`"));
    }
    let path = templates_dir.join(rel);
    match std::fs::symlink_metadata(&path) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A folder on the way may itself be a link leading out; with no
            // file there, nothing is read from it.
            return Ok(None);
        }
        Err(e) => return Err(Error::io(path, e)),
    }
    let root = templates_dir
        .parent()
        .and_then(Path::parent)
        .unwrap_or(templates_dir);
    let root = std::fs::canonicalize(root).map_err(|e| Error::io(root, e))?;
    let real = match std::fs::canonicalize(&path) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(outside("a symlink to nothing"));
        }
        Err(e) => return Err(Error::io(path, e)),
    };
    if !real.starts_with(&root) {
        return Err(Error::TemplateOutside {
            name: name.to_string(),
            path,
            reason: format!("it leads to {}", real.display()),
        });
    }
    if !real.is_file() {
        return Err(Error::invalid(format!(
            "template `{name}` ({}) is not a file",
            path.display()
        )));
    }
    Ok(Some(real))
}

/// Largest prompt template read (templates are a few KB).
pub const MAX_TEMPLATE_BYTES: u64 = 1 << 20;

/// Load a template: the project's copy (inside the project, see
/// [`project_template`]), else the built-in default.
pub fn load(templates_dir: &Path, name: &str) -> Result<String> {
    match project_template(templates_dir, name)? {
        // Regular files only: a FIFO must not hang the runner.
        Some(path) => {
            crate::store::read_user_text(&path, MAX_TEMPLATE_BYTES).map_err(|e| Error::io(path, e))
        }
        None => builtin(name).map(String::from).ok_or_else(|| {
            Error::invalid(format!(
                "no template `{name}`: create {} (built in: {})",
                templates_dir.join(name).display(),
                DEFAULTS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }),
    }
}

/// Every template a run of `cfg` may load, with the stages using it: the
/// frame, then each runnable stage's own (see [`stage_template_name`]).
pub fn referenced(cfg: &Config, templates_dir: &Path) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = vec![(FRAME.to_string(), Vec::new())];
    for status in cfg.runnable_stages() {
        let name = stage_template_name(cfg, templates_dir, status);
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, stages)) => stages.push(status.to_string()),
            None => out.push((name, vec![status.to_string()])),
        }
    }
    out
}

/// Replace every `{{name}}` whose name is in `vars`; others stay as written.
pub fn render(template: &str, vars: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                match vars.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => out.push_str(&rest[start..start + 2 + end + 2]),
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Everything a prompt is built from.
#[derive(Debug, Clone)]
pub struct PromptInput<'a> {
    pub ticket: &'a Ticket,
    /// The ticket file's text as on disk.
    pub file_text: &'a str,
    pub role: &'a str,
    /// The shell command that advances the ticket.
    pub advance: String,
    /// A note about an earlier, interrupted or timed-out attempt.
    pub resume: Option<String>,
}

/// The variables templates can use.
pub fn variables(cfg: &Config, input: &PromptInput) -> Vec<(&'static str, String)> {
    let t = input.ticket;
    let status = t.meta.status.as_str();
    let next = cfg
        .next_status(status)
        .unwrap_or_else(|| "the next stage".to_string());
    let parked = cfg
        .workflow
        .statuses
        .iter()
        .find(|s| cfg.is_parked(s))
        .cloned();
    let stuck = match &parked {
        Some(p) => format!(
            "If you cannot finish (a question only a person can answer, a missing decision), add a note saying exactly what is needed and park the ticket with `docket status {} {p}` instead of advancing it.",
            t.meta.id
        ),
        None => "If you cannot finish (a question only a person can answer, a missing decision), add a note saying exactly what is needed and leave the ticket where it is.".to_string(),
    };
    let log = t
        .notes()
        .iter()
        .map(|n| match &n.author {
            Some(a) => format!("- {} ({a}): {}", n.at, n.text),
            None => format!("- {}: {}", n.at, n.text),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let plan = {
        let p = t.section("Plan");
        if p.is_empty() { t.section("Design") } else { p }
    };
    vec![
        ("id", t.meta.id.to_string()),
        ("title", t.meta.title.clone()),
        ("stage", status.to_string()),
        ("status", status.to_string()),
        ("role", input.role.to_string()),
        ("next", next),
        ("advance", input.advance.clone()),
        ("stuck", stuck),
        ("description", t.section("Description")),
        ("plan", plan),
        ("log", log),
        (
            "ticket",
            strip_log_hashes(input.file_text).trim_end().to_string(),
        ),
        (
            "resume",
            input
                .resume
                .as_ref()
                .map(|r| format!("\n## Resume\n\n{}\n", r.trim()))
                .unwrap_or_default(),
        ),
    ]
}

/// Render the whole prompt: the stage rules inside the frame.
pub fn build(cfg: &Config, templates_dir: &Path, input: &PromptInput) -> Result<String> {
    let vars = variables(cfg, input);
    let stage_name = stage_template_name(cfg, templates_dir, &input.ticket.meta.status);
    let rules = render(load(templates_dir, &stage_name)?.trim(), &vars);
    let frame = load(templates_dir, FRAME)?;
    let mut all = vars;
    all.push(("rules", rules));
    Ok(render(&frame, &all))
}

/// The ticket file without its audit-chain comments (`<!-- log n=… hash=… -->`):
/// they cost an agent tokens and tell it nothing about the work.
pub fn strip_log_hashes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let l = line.trim();
        if l.starts_with("<!-- log ") && l.ends_with("-->") {
            continue;
        }
        out.push_str(line);
    }
    out
}

/// The resume note for a ticket an earlier attempt did not finish.
pub fn resume_note(why: &str, when: &str, agent: &str, log: &str) -> String {
    format!(
        "A previous attempt at this ticket ({why}, {when}, agent {agent}) did not finish. Its output is in `{log}`. Read that log and the ticket's notes first, check what is already done in the working tree, and resume the work rather than starting over."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::preset_template;

    #[test]
    fn render_replaces_known_and_keeps_unknown() {
        let vars = [("a", "1".to_string()), ("b", "two".to_string())];
        assert_eq!(render("x{{a}}y{{ b }}z{{c}}{{", &vars), "x1ytwoz{{c}}{{");
        assert_eq!(render("no vars", &vars), "no vars");
    }

    #[test]
    fn builds_prompt_with_rules_and_ticket() {
        let cfg =
            Config::parse(&preset_template("pipeline", "dk").unwrap(), Path::new("c")).unwrap();
        let text = "---\nid: dk-1\ntitle: Fix it\nstatus: fix\n---\n\n## Description\n\nBroken.\n\n## Notes\n\n### 2026-01-01T00:00:00Z — ann\n\nseen twice\n";
        let t = crate::yaml::parse_ticket(text, Path::new("x.md")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let input = PromptInput {
            ticket: &t,
            file_text: text,
            role: "implementer",
            advance: "docket advance dk-1".into(),
            resume: Some("look at the log".into()),
        };
        let p = build(&cfg, dir.path(), &input).unwrap();
        assert!(p.contains("Ticket: dk-1"), "{p}");
        assert!(p.contains("Stage: fix (your role: implementer)"));
        assert!(p.contains("Reproduce it"));
        assert!(p.contains("advance this ticket to implement"));
        assert!(p.contains("Advance command: docket advance dk-1"));
        assert!(p.contains("## Resume\n\nlook at the log"));
        assert!(p.contains("docket status dk-1 blocked"));
        assert!(p.contains("seen twice"));
        assert!(!p.contains("{{"), "{p}");
        // A project template replaces the built-in one.
        std::fs::write(dir.path().join("fix.md"), "Custom rules for {{id}}.").unwrap();
        let p = build(&cfg, dir.path(), &input).unwrap();
        assert!(p.contains("Custom rules for dk-1."));
        let v = variables(&cfg, &input);
        let log = &v.iter().find(|(k, _)| *k == "log").unwrap().1;
        assert_eq!(log, "- 2026-01-01T00:00:00Z (ann): seen twice");
    }

    #[test]
    fn prompts_leave_out_log_hashes() {
        let text = "## Log\n\n### 2026 · note · ann\n<!-- log n=1 session=- prev=00 hash=ab -->\n\nhello\n";
        assert_eq!(
            strip_log_hashes(text),
            "## Log\n\n### 2026 · note · ann\n\nhello\n"
        );
    }

    #[test]
    fn template_names() {
        assert!(valid_template_name("implement.md"));
        assert!(!valid_template_name("../x.md"));
        assert!(!valid_template_name(".hidden"));
        let cfg = Config::parse(&preset_template("simple", "dk").unwrap(), Path::new("c")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            stage_template_name(&cfg, dir.path(), "in_progress"),
            "stage.md"
        );
        assert_eq!(
            stage_template_name(&cfg, dir.path(), "implement"),
            "implement.md"
        );
        assert!(load(dir.path(), "nope.md").is_err());
    }
}
