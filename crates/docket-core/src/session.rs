//! Sessions and roles: who is acting. A session is a small file in the
//! git-ignored `.docket/local/sessions/`; several can be active at once, so each
//! agent in a shared checkout selects its own (by `--session` or `DOCKET_SESSION`),
//! and a person falls back to the folder's default session file.
//!
//! Roles are `architect` and `implementer`, plus custom roles mapped to one of them
//! in the committed `.docket/roles.toml`.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::{Project, write_atomic};

/// The roles every workflow knows.
pub const BUILTIN_ROLES: &[&str] = &["architect", "implementer"];

/// Idle time after which `cleanup` expires a session, unless configured.
pub const DEFAULT_IDLE_LIMIT_SECS: i64 = 4 * 3600;

/// One session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub id: String,
    pub name: String,
    /// The role as given (may be custom).
    pub role: String,
    /// The built-in role it maps to.
    pub base_role: String,
    pub started: String,
    pub last_seen: String,
}

impl Session {
    /// `name (role)`, the form recorded on changes.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.role)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct RolesFile {
    #[serde(default)]
    roles: BTreeMap<String, String>,
}

fn sessions_dir(p: &Project) -> PathBuf {
    p.shared_dir().join("sessions")
}

fn default_file(p: &Project) -> PathBuf {
    p.local_dir().join("session")
}

fn roles_path(p: &Project) -> PathBuf {
    p.dir.join("roles.toml")
}

fn load_roles(p: &Project) -> Result<BTreeMap<String, String>> {
    let path = roles_path(p);
    match crate::store::read_user_text(&path, 1 << 20) {
        Ok(text) => toml::from_str::<RolesFile>(&text)
            .map(|f| f.roles)
            .map_err(|e| Error::ConfigInvalid {
                path,
                message: e.message().to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn save_roles(p: &Project, roles: &BTreeMap<String, String>) -> Result<()> {
    let mut text = String::from(
        "# Custom roles, each mapped to a built-in role (architect or implementer).\n# Managed by `docket role create/delete`.\n\n[roles]\n",
    );
    for (name, base) in roles {
        text.push_str(&format!("{name} = \"{base}\"\n"));
    }
    write_atomic(&roles_path(p), text.as_bytes())
}

/// A role as listed by `role list`.
#[derive(Debug, Clone, Serialize)]
pub struct RoleInfo {
    pub name: String,
    pub like: String,
    pub builtin: bool,
}

/// Built-in and custom roles.
pub fn roles(p: &Project) -> Result<Vec<RoleInfo>> {
    let mut out: Vec<RoleInfo> = BUILTIN_ROLES
        .iter()
        .map(|r| RoleInfo {
            name: r.to_string(),
            like: r.to_string(),
            builtin: true,
        })
        .collect();
    for (name, like) in load_roles(p)? {
        out.push(RoleInfo {
            name,
            like,
            builtin: false,
        });
    }
    Ok(out)
}

/// The built-in role `role` maps to.
pub fn base_role(p: &Project, role: &str) -> Result<String> {
    if BUILTIN_ROLES.contains(&role) {
        return Ok(role.to_string());
    }
    let custom = load_roles(p)?;
    custom.get(role).cloned().ok_or_else(|| Error::UnknownRole {
        role: role.to_string(),
        known: BUILTIN_ROLES
            .iter()
            .map(|s| s.to_string())
            .chain(custom.keys().cloned())
            .collect(),
    })
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Define a custom role like a built-in one.
pub fn create_role(p: &Project, name: &str, like: &str) -> Result<RoleInfo> {
    if !valid_name(name) {
        return Err(Error::invalid(format!(
            "invalid role name `{name}`: use letters, digits, - and _"
        )));
    }
    if BUILTIN_ROLES.contains(&name) {
        return Err(Error::invalid(format!("`{name}` is a built-in role")));
    }
    if !BUILTIN_ROLES.contains(&like) {
        return Err(Error::invalid(format!(
            "--like must be a built-in role ({}), not `{like}`",
            BUILTIN_ROLES.join(", ")
        )));
    }
    let _lock = p.lock()?;
    let mut roles = load_roles(p)?;
    if roles.contains_key(name) {
        return Err(Error::invalid(format!("role `{name}` already exists")));
    }
    roles.insert(name.to_string(), like.to_string());
    save_roles(p, &roles)?;
    Ok(RoleInfo {
        name: name.to_string(),
        like: like.to_string(),
        builtin: false,
    })
}

/// Remove a custom role; refused while an active session uses it.
pub fn delete_role(p: &Project, name: &str) -> Result<RoleInfo> {
    if BUILTIN_ROLES.contains(&name) {
        return Err(Error::invalid(format!(
            "`{name}` is a built-in role and cannot be deleted"
        )));
    }
    let _lock = p.lock()?;
    let mut roles = load_roles(p)?;
    let Some(like) = roles.get(name).cloned() else {
        return Err(base_role(p, name)
            .err()
            .unwrap_or_else(|| Error::invalid("unknown role")));
    };
    let users: Vec<String> = list(p)?
        .into_iter()
        .filter(|s| s.role == name)
        .map(|s| s.name)
        .collect();
    if !users.is_empty() {
        return Err(Error::RoleInUse {
            role: name.to_string(),
            sessions: users,
        });
    }
    roles.remove(name);
    save_roles(p, &roles)?;
    Ok(RoleInfo {
        name: name.to_string(),
        like,
        builtin: false,
    })
}

const ADJECTIVES: &[&str] = &[
    "brisk", "calm", "keen", "bold", "quiet", "swift", "steady", "bright", "clever", "patient",
    "sharp", "gentle", "eager", "lucid", "nimble", "sober",
];
const NOUNS: &[&str] = &[
    "otter", "falcon", "heron", "badger", "lynx", "marten", "raven", "wren", "ibex", "puffin",
    "gecko", "tapir", "koala", "finch", "stoat", "bison",
];

/// All active sessions, oldest first.
pub fn list(p: &Project) -> Result<Vec<Session>> {
    let dir = sessions_dir(p);
    let rd = match fs::read_dir(&dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut out = Vec::new();
    for ent in rd.flatten() {
        let path = ent.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        if let Ok(text) = crate::store::read_local_text(&path)
            && let Ok(s) = serde_json::from_str::<Session>(&text)
        {
            out.push(s);
        }
    }
    out.sort_by(|a, b| a.started.cmp(&b.started).then(a.id.cmp(&b.id)));
    Ok(out)
}

fn save(p: &Project, s: &Session) -> Result<()> {
    let dir = sessions_dir(p);
    fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let text = serde_json::to_string_pretty(s).unwrap_or_default();
    write_atomic(&dir.join(format!("{}.json", s.id)), text.as_bytes())
}

/// Start a session with `role`; it becomes the folder's default session.
pub fn start(p: &Project, now: &str, role: &str, name: Option<&str>) -> Result<Session> {
    start_with(p, now, role, name, true)
}

/// Start a session without touching the folder's default session: for an agent
/// the runner launches, which selects it through `DOCKET_SESSION`.
pub fn start_detached(p: &Project, now: &str, role: &str, name: Option<&str>) -> Result<Session> {
    start_with(p, now, role, name, false)
}

fn start_with(
    p: &Project,
    now: &str,
    role: &str,
    name: Option<&str>,
    make_default: bool,
) -> Result<Session> {
    let base = base_role(p, role)?;
    if let Some(n) = name
        && !valid_name(n)
    {
        return Err(Error::invalid(format!(
            "invalid session name `{n}`: use letters, digits, - and _"
        )));
    }
    if let Some(n) = name.filter(|n| n.to_ascii_lowercase().starts_with("s-")) {
        return Err(Error::invalid(format!(
            "invalid session name `{n}`: names starting with `s-` look like session ids"
        )));
    }
    let id = crate::id::generate("s");
    let seed = crate::id::suffix(&id)
        .bytes()
        .rev()
        .take(4)
        .fold(0usize, |a, b| a * 31 + b as usize);
    let name = name.map(String::from).unwrap_or_else(|| {
        format!(
            "{role}-{}-{}",
            ADJECTIVES[seed % ADJECTIVES.len()],
            NOUNS[(seed / ADJECTIVES.len()) % NOUNS.len()]
        )
    });
    let _lock = p.lock()?;
    if list(p)?.iter().any(|s| s.name == name) {
        return Err(Error::invalid(format!(
            "an active session is already named `{name}`"
        )));
    }
    let s = Session {
        id: id.clone(),
        name,
        role: role.to_string(),
        base_role: base,
        started: now.to_string(),
        last_seen: now.to_string(),
    };
    save(p, &s)?;
    if make_default {
        write_atomic(&default_file(p), id.as_bytes())?;
    }
    Ok(s)
}

/// Find an active session by id, unique id prefix or name.
pub fn find(p: &Project, key: &str) -> Result<Session> {
    let all = list(p)?;
    // An exact id wins over a name, and a name over an id prefix.
    if let Some(s) = all
        .iter()
        .find(|s| s.id == key)
        .or_else(|| all.iter().find(|s| s.name == key))
    {
        return Ok(s.clone());
    }
    let id = crate::id::resolve(key, all.iter().map(|s| s.id.as_str())).map_err(|e| match e {
        Error::NotFound { .. } => Error::NoSession {
            message: format!("no active session matches `{key}` (it may have ended or expired)"),
        },
        other => other,
    })?;
    all.into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| Error::NoSession {
            message: format!("no active session matches `{key}`"),
        })
}

/// The current session: `explicit` (from `--session`), then `DOCKET_SESSION`
/// (passed in by the caller), then the folder's default session file.
pub fn current(p: &Project, explicit: Option<&str>, env: Option<&str>) -> Result<Option<Session>> {
    if let Some(key) = explicit.or(env).filter(|k| !k.trim().is_empty()) {
        return find(p, key.trim()).map(Some);
    }
    match crate::store::read_local_text(&default_file(p)) {
        Ok(id) if !id.trim().is_empty() => Ok(find(p, id.trim()).ok()),
        _ => Ok(None),
    }
}

/// Record activity so `cleanup` does not expire a session in use.
pub fn touch(p: &Project, s: &mut Session, now: &str) -> Result<()> {
    s.last_seen = now.to_string();
    save(p, s)
}

/// End a session (and clear the default if it pointed there).
pub fn end(p: &Project, s: &Session) -> Result<()> {
    let path = sessions_dir(p).join(format!("{}.json", s.id));
    fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
    crate::claims::release_session(p, &s.id);
    if crate::store::read_local_text(&default_file(p)).is_ok_and(|d| d.trim() == s.id) {
        let _ = fs::remove_file(default_file(p));
    }
    Ok(())
}

/// Sessions idle longer than `idle_limit_secs`; removed unless `dry_run`.
pub fn cleanup(
    p: &Project,
    now: jiff::Timestamp,
    idle_limit_secs: i64,
    dry_run: bool,
) -> Result<Vec<Session>> {
    let expired: Vec<Session> = list(p)?
        .into_iter()
        .filter(|s| {
            s.last_seen
                .parse::<jiff::Timestamp>()
                .map(|t| now.duration_since(t).as_secs() > idle_limit_secs)
                .unwrap_or(true)
        })
        .collect();
    if !dry_run {
        for s in &expired {
            end(p, s)?;
        }
    }
    Ok(expired)
}
