//! The lifecycle family: advance, start, status, close, reopen. All go through
//! the workflow engine's guards.

use std::path::PathBuf;

use clap::Args;
use docket_api::moves::{self, MoveKind, MoveRequest};
use docket_core::ops::MovePreview;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::{Printer, paint, style};

/// Override flags shared by every move.
#[derive(Args, Debug, Clone)]
pub struct MoveArgs {
    /// Pass failing forceable guards, recording a violation; needs --summary or --reason
    #[arg(long)]
    pub force: bool,
    /// Recorded as a timestamped note after the move (and as the reason of --force)
    #[arg(long, allow_hyphen_values = true)]
    pub summary: Option<String>,
    /// Why a guard is forced or a claim taken over (recorded on the violation entry)
    #[arg(long, allow_hyphen_values = true)]
    pub reason: Option<String>,
    /// Take over another live session's claim (recorded as a violation); needs --reason
    #[arg(long, requires = "reason")]
    pub steal: bool,
}

#[derive(Args, Debug)]
pub struct AdvanceArgs {
    /// Ticket id
    #[arg(add = crate::complete::tickets())]
    pub id: String,
    /// Target status (default: the next status in the workflow)
    #[arg(long, value_name = "STATUS", add = crate::complete::statuses())]
    pub to: Option<String>,
    /// A note recorded with the move (the result, the hand-over)
    #[arg(long, conflicts_with_all = ["note_file", "note_stdin"], allow_hyphen_values = true)]
    pub note: Option<String>,
    /// Read the note from a file
    #[arg(long, value_name = "FILE", conflicts_with = "note_stdin")]
    pub note_file: Option<PathBuf>,
    /// Read the note from stdin
    #[arg(long)]
    pub note_stdin: bool,
    /// Say whether the move would pass, without making it (exit 1 if not)
    #[arg(long, conflicts_with = "explain")]
    pub dry_run: bool,
    /// List every guard with its verdict and what would satisfy it (exit 1 if refused)
    #[arg(long)]
    pub explain: bool,
    /// Pass failing forceable guards (role, isolation, gates), recording a violation
    #[arg(long, requires = "reason")]
    pub force: bool,
    /// Why the guards are forced; required with --force
    #[arg(long, requires = "force", allow_hyphen_values = true)]
    pub reason: Option<String>,
}

#[derive(Args, Debug)]
pub struct StartArgs {
    /// Ticket id
    #[arg(add = crate::complete::tickets())]
    pub id: String,
    #[command(flatten)]
    pub mv: MoveArgs,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Ticket id
    #[arg(add = crate::complete::tickets())]
    pub id: String,
    /// New status (see `docket info`)
    #[arg(add = crate::complete::statuses())]
    pub status: String,
    #[command(flatten)]
    pub mv: MoveArgs,
}

#[derive(Args, Debug)]
pub struct CloseArgs {
    /// Ticket id
    #[arg(add = crate::complete::tickets())]
    pub id: String,
    #[command(flatten)]
    pub mv: MoveArgs,
}

/// `--force` with only `--summary` keeps its old meaning: the summary is the reason.
fn move_request(id: String, kind: MoveKind, to: Option<String>, mv: MoveArgs) -> MoveRequest {
    let reason = match (&mv.reason, mv.force) {
        (Some(r), _) => Some(r.clone()),
        (None, true) => mv.summary.clone(),
        (None, false) => None,
    };
    MoveRequest {
        id,
        kind,
        to,
        note: mv.summary,
        force: mv.force,
        reason,
        steal: mv.steal,
        claim: false,
    }
}

fn go(g: &GlobalArgs, req: MoveRequest, verb: &str, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let c = moves::move_ticket(&cx, req)?;
    super::print_changed(printer, verb, &c);
    Ok(0)
}

pub fn start(g: &GlobalArgs, a: StartArgs, printer: &mut Printer) -> CliResult<u8> {
    go(
        g,
        move_request(a.id, MoveKind::Start, None, a.mv),
        "started",
        printer,
    )
}

pub fn status(g: &GlobalArgs, a: StatusArgs, printer: &mut Printer) -> CliResult<u8> {
    let req = move_request(a.id, MoveKind::Status, Some(a.status), a.mv);
    go(g, req, "moved", printer)
}

pub fn close(g: &GlobalArgs, a: CloseArgs, printer: &mut Printer) -> CliResult<u8> {
    go(
        g,
        move_request(a.id, MoveKind::Close, None, a.mv),
        "closed",
        printer,
    )
}

/// `reopen` says what happened: a closed ticket is reopened; an open one (in
/// progress, say) is only moved back, and the line says it was not closed.
pub fn reopen(g: &GlobalArgs, a: StartArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let was = cx.project.get(&a.id)?.meta.status;
    let c = moves::move_ticket(&cx, move_request(a.id, MoveKind::Reopen, None, a.mv))?;
    let verb = if cx.project.config.is_terminal(&was) {
        "reopened".to_string()
    } else {
        format!("not closed; moved back from {was}:")
    };
    super::print_changed(printer, &verb, &c);
    Ok(0)
}

pub fn advance(g: &GlobalArgs, a: AdvanceArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    if a.dry_run || a.explain {
        // Judged as the acting session, but nothing (not even the session) is touched.
        let req = MoveRequest {
            id: a.id.clone(),
            to: a.to.clone(),
            ..Default::default()
        };
        let preview = moves::explain(&cx, &req)?;
        let explain = a.explain;
        printer.verdict(preview.allowed, &preview, || {
            render_preview(&preview, explain)
        });
        return Ok(if preview.allowed { 0 } else { 1 });
    }
    let note = super::text_input(a.note, a.note_file.as_deref(), a.note_stdin, "note")?;
    let c = moves::move_ticket(
        &cx,
        MoveRequest {
            id: a.id,
            kind: MoveKind::Advance,
            to: a.to,
            note,
            force: a.force,
            reason: a.reason,
            steal: false,
            claim: false,
        },
    )?;
    super::print_changed(printer, "advanced", &c);
    Ok(0)
}

/// Human form of `--dry-run` / `--explain`.
fn render_preview(pv: &MovePreview, explain: bool) -> String {
    let head = format!(
        "{} {} → {}: {}",
        paint(style::ID, &pv.id),
        pv.from,
        pv.to,
        if pv.allowed {
            paint(style::OK, "would pass")
        } else {
            paint(style::ERR, "would be refused")
        }
    );
    let mut out = vec![head];
    for v in &pv.verdicts {
        if !explain && v.passed {
            continue;
        }
        let mark = if v.passed {
            paint(style::OK, "pass")
        } else {
            paint(style::ERR, "FAIL")
        };
        let mut line = format!("  {mark} {}: {}", v.guard, v.message);
        if !v.items.is_empty() {
            line.push_str(&format!(" [{}]", v.items.join(", ")));
        }
        if !v.passed && !v.forceable {
            line.push_str(" (cannot be forced)");
        }
        out.push(line);
    }
    if explain && pv.verdicts.is_empty() {
        out.push("  no guards protect this move".into());
    }
    out.join("\n")
}
