//! `docket demo`: a sample project in a temporary folder, then its board.

use std::path::PathBuf;

use clap::Args;
use docket_core::ops::{self, MoveOptions, NewTicket, Target, Update};
use docket_core::store::InitOptions;
use docket_core::{Error, Project};

use crate::cli::GlobalArgs;
use crate::commands::listing;
use crate::context;
use crate::error::CliResult;
use crate::output::{Printer, paint, style};

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Folder for the sample project (default: a new temporary folder)
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

fn new(title: &str, kind: &str, priority: i64, desc: &str) -> NewTicket {
    NewTicket {
        title: title.into(),
        kind: Some(kind.into()),
        priority: Some(priority),
        description: Some(desc.into()),
        ..Default::default()
    }
}

pub fn run(g: &GlobalArgs, a: DemoArgs, printer: &mut Printer) -> CliResult<u8> {
    let root = match a.dir {
        Some(d) => {
            std::fs::create_dir_all(&d).map_err(|e| Error::io(&d, e))?;
            d
        }
        None => tempfile::Builder::new()
            .prefix("docket-demo-")
            .tempdir()
            .map_err(|e| Error::io(std::env::temp_dir(), e))?
            .keep(),
    };
    let p = Project::init(
        &root,
        &InitOptions {
            prefix: "demo".into(),
            preset: "simple".into(),
            force: false,
        },
    )?;
    let ctx = context::ctx(&p, g)?;
    let mk = |t: NewTicket| ops::create(&p, &ctx, t).map(|o| o.ticket.meta.id);
    let epic = mk(new(
        "Ship user accounts",
        "epic",
        1,
        "Sign-up, login and sessions for the web app.",
    ))?;
    let schema = mk(NewTicket {
        parent: Some(epic.to_string()),
        acceptance: vec![
            "migration runs on an empty database".into(),
            "rollback tested".into(),
        ],
        tags: vec!["db".into()],
        mode: Some("afk".into()),
        ..new(
            "Design the users table",
            "task",
            1,
            "Columns, indexes and the migration.",
        )
    })?;
    let signup = mk(NewTicket {
        parent: Some(epic.to_string()),
        deps: vec![schema.to_string()],
        tags: vec!["api".into()],
        ..new(
            "Sign-up endpoint",
            "feature",
            1,
            "POST /signup with email verification.",
        )
    })?;
    let login = mk(NewTicket {
        parent: Some(epic.to_string()),
        deps: vec![signup.to_string()],
        tags: vec!["api".into()],
        ..new(
            "Login endpoint",
            "feature",
            2,
            "POST /login issuing a session cookie.",
        )
    })?;
    let bug = mk(NewTicket {
        mode: Some("afk".into()),
        tags: vec!["ui".into()],
        ..new(
            "Footer overlaps content on mobile",
            "bug",
            0,
            "Seen on 375px wide screens.",
        )
    })?;
    let docs = mk(new(
        "Write the contributor guide",
        "chore",
        3,
        "Setup, tests, code style.",
    ))?;
    let ci = mk(NewTicket {
        mode: Some("afk".into()),
        ..new(
            "Cache cargo builds in CI",
            "chore",
            2,
            "Cut CI time in half.",
        )
    })?;
    let _ = mk(NewTicket {
        links: vec![login.to_string()],
        ..new(
            "Rate-limit login attempts",
            "feature",
            2,
            "Five attempts per minute per IP.",
        )
    })?;
    ops::transition(&p, &ctx, &schema, Target::Start, MoveOptions::default())?;
    ops::add_note(&p, &ctx, &schema, "Chose ULIDs for primary keys.")?;
    for ac in ["migration runs on an empty database", "rollback tested"] {
        ops::update(
            &p,
            &ctx,
            &schema,
            Update {
                flip_ac: vec![(ac.into(), true)],
                ..Default::default()
            },
        )?;
    }
    ops::transition(&p, &ctx, &bug, Target::Start, MoveOptions::default())?;
    ops::transition(
        &p,
        &ctx,
        &ci,
        Target::Close,
        MoveOptions {
            summary: Some("sccache enabled".into()),
            ..Default::default()
        },
    )?;
    let _ = docs;
    printer.text(&format!(
        "{} sample project created in {}\n",
        paint(style::BOLD, "docket demo:"),
        root.display()
    ));
    let cx = docket_api::Context::new(p.clone(), context::now(), ctx.actor.clone());
    listing::print_board(&cx, crate::output::term_width(), printer)?;
    let short = crate::render::short_ids(&p, &[schema.as_str(), login.as_str()]);
    if let Some(line) = where_docket_is() {
        printer.text(&line);
    }
    printer.text(&format!(
        "Try: cd {} && docket ready && docket show {} && docket dep tree {}",
        root.display(),
        short[0],
        short[1]
    ));
    Ok(0)
}

/// Where the running binary is and, unless `docket` on PATH is this same
/// binary, the line that puts it there: the demo's build is the one to use,
/// with no second build by `cargo install`.
fn where_docket_is() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let exe = exe.canonicalize().unwrap_or(exe);
    let dir = exe.parent()?;
    let on_path = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|d| {
            d.join("docket")
                .canonicalize()
                .is_ok_and(|found| found == exe)
        })
    });
    Some(if on_path {
        format!("docket is on your PATH: {}", exe.display())
    } else {
        format!(
            "docket is built at {}\nPut it on your PATH (no second build): export PATH=\"{}:$PATH\"",
            exe.display(),
            dir.display()
        )
    })
}
