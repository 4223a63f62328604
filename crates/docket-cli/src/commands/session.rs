//! The session family: session (start/show/end/list), role, cleanup.

use clap::{Args, Subcommand};
use docket_api::sessions;
use docket_core::session::Session;
use docket_core::{Error, Project};
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::{Printer, paint, style};
use crate::render;

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SessionArgs {
    #[command(subcommand)]
    pub sub: Option<SessionSub>,
    /// Start a new session with this role (architect, implementer or a custom role)
    #[arg(long, conflicts_with = "end")]
    pub role: Option<String>,
    /// Readable name for the new session (default: generated)
    #[arg(long, requires = "role")]
    pub name: Option<String>,
    /// End the current session
    #[arg(long)]
    pub end: bool,
    /// With --role: do not make the new session the folder's default (agents that pass --session)
    #[arg(long, requires = "role")]
    pub detach: bool,
}

#[derive(Subcommand, Debug)]
pub enum SessionSub {
    /// List the active sessions
    List,
}

#[derive(Args, Debug)]
pub struct RoleArgs {
    #[command(subcommand)]
    pub sub: RoleSub,
}

#[derive(Subcommand, Debug)]
pub enum RoleSub {
    /// Define a custom role that acts like a built-in one
    Create {
        /// Role name
        name: String,
        /// The built-in role it maps to
        #[arg(long, value_parser = ["architect", "implementer"])]
        like: String,
    },
    /// List built-in and custom roles
    List,
    /// Delete a custom role (refused while a session uses it)
    Delete {
        /// Role name
        name: String,
    },
}

#[derive(Args, Debug)]
pub struct CleanupArgs {
    /// Only report what would be expired
    #[arg(long)]
    pub dry_run: bool,
}

fn session_text(s: &Session) -> String {
    format!(
        "{}  {}  role: {}{}  started: {}  last seen: {}",
        paint(style::ID, &s.id),
        paint(style::BOLD, &s.name),
        s.role,
        if s.role != s.base_role {
            format!(" (like {})", s.base_role)
        } else {
            String::new()
        },
        s.started,
        s.last_seen
    )
}

fn idle_limit(p: &Project) -> CliResult<i64> {
    p.config.sessions.idle_limit_secs().map_err(|m| {
        Error::ConfigInvalid {
            path: p.dir.join("config.toml"),
            message: m,
        }
        .into()
    })
}

pub fn run(g: &GlobalArgs, a: SessionArgs, printer: &mut Printer) -> CliResult<u8> {
    let bare = context::api_bare(g)?;
    if let Some(SessionSub::List) = a.sub {
        let all = sessions::list(&bare)?;
        printer.success(&all, None, || {
            if all.is_empty() {
                return paint(style::DIM, "no active sessions");
            }
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|s| {
                    vec![
                        s.id.clone(),
                        s.name.clone(),
                        s.role.clone(),
                        s.last_seen.clone(),
                    ]
                })
                .collect();
            render::table(
                &["ID", "NAME", "ROLE", "LAST SEEN"],
                &rows,
                &[Some(style::ID), None, None, Some(style::DIM)],
            )
        });
        return Ok(0);
    }
    if let Some(role) = a.role {
        let req = sessions::StartRequest {
            role,
            name: a.name,
            detach: a.detach,
        };
        let s = sessions::start(&bare, &req)?;
        printer.success(&s, None, || {
            format!(
                "started session {}\n  agents in a shared checkout: export DOCKET_SESSION={}",
                session_text(&s),
                s.id
            )
        });
        return Ok(0);
    }
    let cx = context::api(g)?;
    if a.end {
        let current = sessions::end(&cx)?;
        printer.success(&current, None, || {
            format!("ended session {}", session_text(&current))
        });
    } else {
        let current = sessions::current(&cx)?;
        printer.success(&current, None, || session_text(&current));
    }
    Ok(0)
}

pub fn role(g: &GlobalArgs, a: RoleArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api_bare(g)?;
    match a.sub {
        RoleSub::Create { name, like } => {
            let r = sessions::create_role(&cx, &sessions::RoleRequest { name, like })?;
            printer.success(&r, None, || {
                format!("created role {} (like {})", r.name, r.like)
            });
        }
        RoleSub::Delete { name } => {
            let r = sessions::delete_role(&cx, &name)?;
            printer.success(&r, None, || format!("deleted role {}", r.name));
        }
        RoleSub::List => {
            let roles = sessions::roles(&cx)?;
            printer.success(&roles, None, || {
                let rows: Vec<Vec<String>> = roles
                    .iter()
                    .map(|r| {
                        vec![
                            r.name.clone(),
                            r.like.clone(),
                            if r.builtin { "built-in" } else { "custom" }.into(),
                        ]
                    })
                    .collect();
                render::table(
                    &["ROLE", "LIKE", "KIND"],
                    &rows,
                    &[Some(style::BOLD), None, Some(style::DIM)],
                )
            });
        }
    }
    Ok(0)
}

pub fn cleanup(g: &GlobalArgs, a: CleanupArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api_bare(g)?;
    let limit = idle_limit(&cx.project)?;
    let expired = sessions::cleanup(&cx, a.dry_run)?;
    let data = json!({ "expired": expired, "dry_run": a.dry_run, "idle_limit_secs": limit });
    printer.success(&data, None, || {
        let verb = if a.dry_run { "would expire" } else { "expired" };
        let mut s = format!(
            "{verb} {} session(s) idle for more than {}s",
            expired.len(),
            limit
        );
        for e in &expired {
            s.push_str(&format!("\n  {}", session_text(e)));
        }
        s
    });
    Ok(0)
}
