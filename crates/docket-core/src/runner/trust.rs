//! Trusted runner config. `docket run` starts programs a repository names
//! (`[runner.agents.*]` commands) and hands agents that may edit and run
//! anything prompts the repository wrote (`.docket/templates/`). A freshly
//! cloned repository must not do that unasked, so — as direnv and mise do for
//! `.envrc` and `mise.toml` — the runner only uses them after the user trusted
//! them on this machine (`docket trust`). What is trusted is a hash of the
//! [`Material`]: the repository-defined adapters, the settings that end up on
//! an agent's command line, and the content of every project template a run
//! may read. Any change to those needs trust again. The hashes live in the
//! user's config folder ([`TrustStore`]), keyed by the project's canonical
//! path; the folder is chosen by the face (the CLI reads the environment).
//!
//! Built-in adapters without overrides and the built-in templates ship with
//! the binary and need no trust.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{AgentConfig, RunnerConfig, adapter, prompt};
use crate::config::Config;
use crate::error::{Error, Result};

/// The trust store's file name inside the user's docket config folder.
pub const STORE_FILE: &str = "trusted.toml";
/// Serializes read-modify-write of the store between processes.
const LOCK_FILE: &str = "trusted.lock";
/// Bumped when what the hash covers changes, so old trust does not carry over.
const MATERIAL_VERSION: &str = "docket-trust-v1";

/// One repository-defined adapter, as the user is asked to trust it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrustedAgent {
    pub name: String,
    /// Replaces the built-in adapter of this name (`override = true`).
    pub overrides_builtin: bool,
    /// Program and arguments with placeholders unexpanded; an override's
    /// missing parts come from the built-in adapter.
    pub command: Vec<String>,
    pub stdin: bool,
    pub model_args: Vec<String>,
    pub effort_args: Vec<String>,
    pub format: Option<String>,
}

impl TrustedAgent {
    fn from_config(name: &str, a: &AgentConfig) -> TrustedAgent {
        TrustedAgent {
            name: name.to_string(),
            overrides_builtin: a.override_builtin,
            command: a.command.clone(),
            stdin: a.stdin,
            model_args: a.model_args.clone(),
            effort_args: a.effort_args.clone(),
            format: a.format.clone(),
        }
    }

    /// The command as one shell-quoted line, with how the prompt and the
    /// optional arguments are passed.
    pub fn line(&self) -> String {
        let mut s = format!(
            "agent `{}`{}: {}",
            self.name,
            if self.overrides_builtin {
                " (overrides the built-in)"
            } else {
                ""
            },
            shell_line(&self.command)
        );
        if self.stdin {
            s.push_str("  [prompt on stdin]");
        }
        if !self.model_args.is_empty() {
            s.push_str(&format!(
                "  [with a model: {}]",
                shell_line(&self.model_args)
            ));
        }
        if !self.effort_args.is_empty() {
            s.push_str(&format!(
                "  [with an effort: {}]",
                shell_line(&self.effort_args)
            ));
        }
        s
    }
}

/// One project template a run may hand to an agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrustedTemplate {
    /// The name the config or stage refers to.
    pub name: String,
    /// Where it is, relative to the project root.
    pub path: String,
    /// Its content's sha256 (hex).
    pub sha256: String,
    /// The stages rendering it; empty for the frame every prompt uses.
    pub stages: Vec<String>,
}

impl TrustedTemplate {
    /// `template <path> (<stages>) sha256 <first 12>`.
    pub fn line(&self) -> String {
        let used = if self.stages.is_empty() {
            "every prompt's frame".to_string()
        } else {
            format!("stage {}", self.stages.join(", "))
        };
        format!(
            "template {} ({used}) sha256 {}",
            self.path,
            &self.sha256[..self.sha256.len().min(12)]
        )
    }
}

/// Everything a run takes from the repository that decides what is executed
/// or what agents are told, and its hash.
#[derive(Debug, Clone, Serialize)]
pub struct Material {
    /// Every `[runner.agents.*]` adapter, by name.
    pub agents: Vec<TrustedAgent>,
    /// The project's own templates a run may read (built-in ones are left out).
    pub templates: Vec<TrustedTemplate>,
    /// Settings substituted into command lines: default agent, models,
    /// efforts, tiers, and each stage's template, model and effort.
    pub settings: serde_json::Value,
    /// `sha256:<hex>` of all of the above.
    pub hash: String,
}

impl Material {
    /// Whether the repository defines anything to trust. Built-in adapters
    /// and templates alone run without `docket trust`.
    pub fn required(&self) -> bool {
        !self.agents.is_empty() || !self.templates.is_empty()
    }

    /// Whether a run with adapter `agent` uses anything repository-defined:
    /// that adapter's own table, or any project template. A built-in adapter
    /// without override, or an executable given on the command line, with
    /// the built-in templates, runs without trust.
    pub fn required_for(&self, agent: &str) -> bool {
        !self.templates.is_empty() || self.agents.iter().any(|a| a.name == agent)
    }

    /// The commands, one line each ([`TrustedAgent::line`]).
    pub fn command_lines(&self) -> Vec<String> {
        self.agents.iter().map(TrustedAgent::line).collect()
    }

    /// The templates' paths, relative to the project.
    pub fn template_paths(&self) -> Vec<String> {
        self.templates.iter().map(|t| t.path.clone()).collect()
    }

    /// Commands then templates, one line each, as people are shown them.
    pub fn lines(&self) -> Vec<String> {
        self.agents
            .iter()
            .map(TrustedAgent::line)
            .chain(self.templates.iter().map(TrustedTemplate::line))
            .map(|l| format!("  {l}"))
            .collect()
    }
}

/// Refuse `[runner.agents.<built-in>]` tables that do not say
/// `override = true`: a repository must not quietly change what `claude`
/// runs. `override` on a name that is not built in is a mistake too.
pub fn check_agents(r: &RunnerConfig) -> Result<()> {
    for (name, a) in &r.agents {
        let builtin = adapter::builtin(name).is_some();
        if builtin && !a.override_builtin {
            return Err(Error::AgentRedefined { name: name.clone() });
        }
        if !builtin && a.override_builtin {
            return Err(Error::invalid(format!(
                "[runner.agents.{name}]: `override = true` only applies to built-in adapters ({}); remove it",
                adapter::BUILTIN.join(", ")
            )));
        }
    }
    Ok(())
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The trust material of `cfg` for the project whose templates folder is
/// `templates_dir` (`<root>/.docket/templates`). Refuses redefined built-in
/// adapters ([`check_agents`]) and templates outside the project
/// ([`prompt::project_template`]).
pub fn material(cfg: &Config, templates_dir: &Path) -> Result<Material> {
    let r = &cfg.runner;
    check_agents(r)?;
    let mut names: Vec<&String> = r.agents.keys().collect();
    names.sort();
    let agents: Vec<TrustedAgent> = names
        .into_iter()
        .filter_map(|n| adapter::resolve(r, n).map(|a| TrustedAgent::from_config(n, &a)))
        .collect();
    let root = templates_dir
        .parent()
        .and_then(Path::parent)
        .unwrap_or(templates_dir);
    let mut templates = Vec::new();
    for (name, stages) in prompt::referenced(cfg, templates_dir) {
        let Some(real) = prompt::project_template(templates_dir, &name)? else {
            continue;
        };
        let bytes = crate::store::read_user_text(&real, prompt::MAX_TEMPLATE_BYTES)
            .map_err(|e| Error::io(&real, e))?
            .into_bytes();
        let shown = templates_dir.join(&name);
        let rel = shown.strip_prefix(root).unwrap_or(&shown);
        templates.push(TrustedTemplate {
            name,
            path: rel.to_string_lossy().into_owned(),
            sha256: sha256_hex(&bytes),
            stages,
        });
    }
    templates.sort_by(|a, b| a.path.cmp(&b.path));
    let tiers: BTreeMap<&String, &super::ModelChoice> = r.tiers.iter().collect();
    let stages: BTreeMap<&str, serde_json::Value> = cfg
        .runnable_stages()
        .into_iter()
        .map(|s| {
            let st = cfg.stage(s).cloned().unwrap_or_default();
            (
                s,
                serde_json::json!({
                    "prompt": prompt::stage_template_name(cfg, templates_dir, s),
                    "model": st.model,
                    "effort": st.effort,
                }),
            )
        })
        .collect();
    let settings = serde_json::json!({
        "agent": r.agent,
        "model": r.model,
        "effort": r.effort,
        "tiers": tiers,
        "stages": stages,
    });
    let canonical = serde_json::json!({
        "version": MATERIAL_VERSION,
        "agents": agents,
        "templates": templates,
        "settings": settings,
    });
    let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
    Ok(Material {
        agents,
        templates,
        settings,
        hash: format!("sha256:{}", sha256_hex(&bytes)),
    })
}

/// Where a project stands against the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustState {
    /// Nothing repository-defined: runs without trust.
    NotRequired,
    /// Trusted with this very hash.
    Trusted,
    /// Never trusted (or revoked).
    Untrusted,
    /// Trusted once, but the material changed since.
    Changed,
}

/// The state of `m` given the store's entry for its project.
pub fn state(m: &Material, entry: Option<&TrustEntry>) -> TrustState {
    match entry {
        _ if !m.required() => TrustState::NotRequired,
        Some(e) if e.hash == m.hash => TrustState::Trusted,
        Some(_) => TrustState::Changed,
        None => TrustState::Untrusted,
    }
}

/// Refuse to run untrusted material: [`Error::RunnerUntrusted`] listing the
/// exact commands and templates. `verified` is a hash the caller already
/// checked against the store (a `--parallel` lane in its own worktree gets
/// its orchestrator's; a run re-checking before each ticket, its own).
pub fn require(
    m: &Material,
    root: &Path,
    entry: Option<&TrustEntry>,
    verified: Option<&str>,
) -> Result<()> {
    let st = state(m, entry);
    if matches!(st, TrustState::NotRequired | TrustState::Trusted) || verified == Some(&m.hash) {
        return Ok(());
    }
    Err(Error::RunnerUntrusted {
        project: root.to_path_buf(),
        hash: m.hash.clone(),
        changed: st == TrustState::Changed || verified.is_some(),
        commands: m.command_lines(),
        templates: m.template_paths(),
        listing: m.lines(),
    })
}

/// One trusted project in the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustEntry {
    /// The [`Material::hash`] the user trusted.
    pub hash: String,
    /// When (RFC 3339).
    pub trusted_at: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct StoreFile {
    /// By canonical project path.
    #[serde(default)]
    projects: BTreeMap<String, TrustEntry>,
}

/// The user's trusted projects: `<dir>/trusted.toml`, written atomically
/// under a lock file so two `docket trust` calls never lose an entry.
#[derive(Debug, Clone)]
pub struct TrustStore {
    pub dir: PathBuf,
}

impl TrustStore {
    /// The store in the user's docket config folder `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> TrustStore {
        TrustStore { dir: dir.into() }
    }

    /// The store's file.
    pub fn file(&self) -> PathBuf {
        self.dir.join(STORE_FILE)
    }

    /// The key of the project at `root`: its canonical path, so `-C ../x`,
    /// a symlinked checkout and the real path share one entry.
    pub fn key(root: &Path) -> Result<String> {
        let canon = std::fs::canonicalize(root).map_err(|e| Error::io(root, e))?;
        Ok(canon.to_string_lossy().into_owned())
    }

    fn read(&self) -> Result<StoreFile> {
        let path = self.file();
        match crate::store::read_user_text(&path, 1 << 24) {
            Ok(text) => toml::from_str(&text).map_err(|e| Error::ConfigInvalid {
                path,
                message: format!("the trust store is unreadable: {e}"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StoreFile::default()),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// The entry of the project at `root`, if it was trusted.
    pub fn get(&self, root: &Path) -> Result<Option<TrustEntry>> {
        let key = TrustStore::key(root)?;
        Ok(self.read()?.projects.remove(&key))
    }

    /// Read, change and write the store under its lock.
    fn update<R>(&self, f: impl FnOnce(&mut StoreFile) -> (R, bool)) -> Result<R> {
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        let lock_path = self.dir.join(LOCK_FILE);
        let lock = std::fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io(&lock_path, e))?;
        lock.lock().map_err(|e| Error::io(&lock_path, e))?;
        let mut file = self.read()?;
        let (out, dirty) = f(&mut file);
        if dirty {
            let body = toml::to_string(&file).map_err(|e| Error::ConfigInvalid {
                path: self.file(),
                message: format!("cannot write the trust store: {e}"),
            })?;
            let text = format!(
                "# docket: runner configs trusted on this machine (`docket trust`).\n# One entry per project: the hash of its runner commands and templates.\n\n{body}"
            );
            crate::store::write_atomic(&self.file(), text.as_bytes())?;
        }
        Ok(out)
    }

    /// Trust `hash` for the project at `root`; returns the entry it replaced.
    pub fn trust(&self, root: &Path, hash: &str, at: &str) -> Result<Option<TrustEntry>> {
        let key = TrustStore::key(root)?;
        self.update(|f| {
            let old = f.projects.get(&key).cloned();
            // The same hash again: keep the original date, write nothing.
            if old.as_ref().is_some_and(|o| o.hash == hash) {
                return (old, false);
            }
            let entry = TrustEntry {
                hash: hash.to_string(),
                trusted_at: at.to_string(),
            };
            f.projects.insert(key, entry);
            (old, true)
        })
    }

    /// Forget the project at `root`; returns the entry removed, if any.
    pub fn revoke(&self, root: &Path) -> Result<Option<TrustEntry>> {
        let key = TrustStore::key(root)?;
        self.update(|f| {
            let old = f.projects.remove(&key);
            let dirty = old.is_some();
            (old, dirty)
        })
    }
}

/// Quote one argument for a POSIX shell only when it needs it; `{name}`
/// placeholders stay readable (no brace expansion without `,` or `..`).
pub fn shell_quote(s: &str) -> String {
    let braces_ok = !s.contains(',') && !s.contains("..");
    let plain = !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || "._/:@=+-%".contains(c)
                || (braces_ok && (c == '{' || c == '}'))
        });
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// An argv as one shell line.
pub fn shell_line(argv: &[String]) -> String {
    argv.iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::preset_template;

    /// A project root with `.docket/templates/` and a pipeline config plus `extra`.
    fn project(extra: &str) -> (tempfile::TempDir, PathBuf, Config) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap().join("proj");
        let templates = root.join(".docket").join("templates");
        std::fs::create_dir_all(&templates).unwrap();
        let text = format!("{}\n{extra}", preset_template("pipeline", "dk").unwrap());
        let cfg = Config::parse(&text, Path::new("c")).unwrap();
        (tmp, templates, cfg)
    }

    const MINE: &str = "[runner.agents.mine]\ncommand = [\"my-agent\", \"{prompt_file}\"]\n";

    #[test]
    fn builtins_alone_need_no_trust() {
        let (_t, dir, cfg) = project("");
        let m = material(&cfg, &dir).unwrap();
        assert!(!m.required());
        assert_eq!(state(&m, None), TrustState::NotRequired);
        require(&m, Path::new("/p"), None, None).unwrap();
    }

    #[test]
    fn command_lines_show_each_repository_command() {
        let (_t, dir, cfg) = project(MINE);
        let m = material(&cfg, &dir).unwrap();
        let lines = m.command_lines();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("my-agent"), "{lines:?}");
        assert!(lines[0].contains("mine"), "{lines:?}");
    }

    #[test]
    fn hash_is_stable_and_covers_commands_and_templates() {
        let (_t, dir, cfg) = project(MINE);
        let a = material(&cfg, &dir).unwrap();
        let b = material(&cfg, &dir).unwrap();
        assert!(a.required());
        assert_eq!(a.hash, b.hash);
        assert!(a.hash.starts_with("sha256:") && a.hash.len() == 7 + 64);
        assert_eq!(a.agents[0].line(), "agent `mine`: my-agent {prompt_file}");
        // Settings that put nothing on a command line leave the hash alone.
        let (_t2, dir2, mut cfg2) = project(MINE);
        cfg2.runner.max_deletions = Some(9);
        cfg2.runner.idle_timeout = Some("1m".into());
        assert_eq!(material(&cfg2, &dir2).unwrap().hash, a.hash);
        // A changed command changes it.
        let (_t3, dir3, cfg3) = project(&MINE.replace("my-agent", "other-agent"));
        assert_ne!(material(&cfg3, &dir3).unwrap().hash, a.hash);
        // So does a model (it lands on the command line).
        let mut cfg4 = cfg.clone();
        cfg4.runner.model = Some("opus".into());
        assert_ne!(material(&cfg4, &dir).unwrap().hash, a.hash);
        // A project template, used by a stage, joins the material; editing
        // it, or the frame, changes the hash.
        std::fs::write(dir.join("fix.md"), "rules").unwrap();
        let with = material(&cfg, &dir).unwrap();
        assert_eq!(with.templates.len(), 1);
        assert_eq!(with.templates[0].path, ".docket/templates/fix.md");
        assert_eq!(with.templates[0].stages, vec!["fix"]);
        assert_ne!(with.hash, a.hash);
        std::fs::write(dir.join("fix.md"), "other rules").unwrap();
        let edited = material(&cfg, &dir).unwrap();
        assert_ne!(edited.hash, with.hash);
        std::fs::write(dir.join("prompt.md"), "frame").unwrap();
        let framed = material(&cfg, &dir).unwrap();
        assert_ne!(framed.hash, edited.hash);
        assert_eq!(framed.templates.len(), 2);
        assert_eq!(material(&cfg, &dir).unwrap().hash, framed.hash);
        // An unreferenced file in the folder is not read.
        std::fs::write(dir.join("notes.txt"), "x").unwrap();
        assert_eq!(material(&cfg, &dir).unwrap().hash, framed.hash);
    }

    #[test]
    fn templates_alone_need_trust() {
        let (_t, dir, cfg) = project("");
        std::fs::write(dir.join("implement.md"), "mine").unwrap();
        let m = material(&cfg, &dir).unwrap();
        assert!(m.required() && m.agents.is_empty());
        let err = require(&m, Path::new("/p"), None, None).unwrap_err();
        assert_eq!(err.code(), "runner_untrusted");
        assert!(err.to_string().contains(".docket/templates/implement.md"));
    }

    #[test]
    fn trust_states_and_refusal_lists_commands() {
        let (_t, dir, cfg) = project(MINE);
        let m = material(&cfg, &dir).unwrap();
        let root = Path::new("/p");
        let err = require(&m, root, None, None).unwrap_err();
        assert_eq!(err.code(), "runner_untrusted");
        let text = err.to_string();
        assert!(text.contains("not trusted"), "{text}");
        assert!(text.contains("my-agent {prompt_file}"), "{text}");
        let old = TrustEntry {
            hash: "sha256:old".into(),
            trusted_at: "t".into(),
        };
        assert_eq!(state(&m, Some(&old)), TrustState::Changed);
        let err = require(&m, root, Some(&old), None).unwrap_err();
        assert!(err.to_string().contains("changed since"), "{err}");
        let ok = TrustEntry {
            hash: m.hash.clone(),
            trusted_at: "t".into(),
        };
        assert_eq!(state(&m, Some(&ok)), TrustState::Trusted);
        require(&m, root, Some(&ok), None).unwrap();
        require(&m, root, None, Some(&m.hash)).unwrap();
        assert!(require(&m, root, None, Some("sha256:other")).is_err());
    }

    #[test]
    fn builtin_names_need_override() {
        let (_t, dir, cfg) = project("[runner.agents.claude]\ncommand = [\"evil\"]\n");
        let err = material(&cfg, &dir).unwrap_err();
        assert_eq!(err.code(), "agent_redefined");
        let (_t, dir, cfg) = project(
            "[runner.agents.claude]\noverride = true\ncommand = [\"mine\"]\nstdin = true\n",
        );
        let m = material(&cfg, &dir).unwrap();
        assert!(m.required());
        assert!(m.agents[0].overrides_builtin);
        assert_eq!(m.agents[0].command, vec!["mine"]);
        assert!(m.agents[0].line().contains("overrides the built-in"));
        let (_t, dir, cfg) =
            project("[runner.agents.mine]\noverride = true\ncommand = [\"mine\"]\n");
        assert_eq!(material(&cfg, &dir).unwrap_err().code(), "invalid_argument");
    }

    #[test]
    fn templates_outside_the_project_are_refused() {
        for prompt in ["/etc/passwd", "../../../x.md", "../config.toml"] {
            let (_t, dir, mut cfg) = project("");
            if let Some(st) = cfg.workflow.stages.get_mut("fix") {
                st.prompt = Some(prompt.to_string());
            }
            let err = material(&cfg, &dir).unwrap_err();
            assert_eq!(err.code(), "template_outside", "{prompt}: {err}");
        }
        // A symlink leading out of the project.
        let (t, dir, cfg) = project("");
        let secret = t.path().join("secret.md");
        std::fs::write(&secret, "secret").unwrap();
        std::os::unix::fs::symlink(&secret, dir.join("fix.md")).unwrap();
        let err = material(&cfg, &dir).unwrap_err();
        assert_eq!(err.code(), "template_outside");
        assert!(err.to_string().contains("leads to"), "{err}");
        assert_eq!(
            prompt::load(&dir, "fix.md").unwrap_err().code(),
            "template_outside"
        );
        // A symlink staying inside is fine.
        std::fs::remove_file(dir.join("fix.md")).unwrap();
        std::fs::write(dir.join("shared.md"), "shared").unwrap();
        std::os::unix::fs::symlink("shared.md", dir.join("fix.md")).unwrap();
        assert_eq!(material(&cfg, &dir).unwrap().templates.len(), 1);
        assert_eq!(prompt::load(&dir, "fix.md").unwrap(), "shared");
    }

    #[test]
    fn store_trusts_and_revokes() {
        let tmp = tempfile::tempdir().unwrap();
        let store = TrustStore::new(tmp.path().join("cfg"));
        let root = tmp.path().join("proj");
        std::fs::create_dir_all(&root).unwrap();
        assert_eq!(store.get(&root).unwrap(), None);
        assert_eq!(store.trust(&root, "sha256:a", "t1").unwrap(), None);
        assert_eq!(store.get(&root).unwrap().unwrap().hash, "sha256:a");
        // The same hash again keeps the first date.
        store.trust(&root, "sha256:a", "t2").unwrap();
        assert_eq!(store.get(&root).unwrap().unwrap().trusted_at, "t1");
        let old = store.trust(&root, "sha256:b", "t3").unwrap().unwrap();
        assert_eq!(old.hash, "sha256:a");
        // Another spelling of the same folder is the same project.
        let other = tmp.path().join("proj/../proj");
        assert_eq!(store.get(&other).unwrap().unwrap().hash, "sha256:b");
        assert!(store.revoke(&root).unwrap().is_some());
        assert_eq!(store.get(&root).unwrap(), None);
        assert!(store.revoke(&root).unwrap().is_none());
        let text = std::fs::read_to_string(store.file()).unwrap();
        assert!(text.starts_with("# docket"), "{text}");
    }

    #[test]
    fn another_project_is_not_trusted_by_this_ones_entry() {
        let tmp = tempfile::tempdir().unwrap();
        let store = TrustStore::new(tmp.path().join("cfg"));
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        store.trust(&a, "sha256:a", "t1").unwrap();
        assert_eq!(store.get(&b).unwrap(), None);
        assert_ne!(TrustStore::key(&a).unwrap(), TrustStore::key(&b).unwrap());
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("{prompt_file}"), "{prompt_file}");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("{a,b}"), "'{a,b}'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
