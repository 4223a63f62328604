//! `docket import` and `docket export`: other tools' ticket files in and out.

use std::path::PathBuf;

use clap::Args;
use docket_api::interop::{self, ExportRequest, ImportRequest};

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::{Printer, SCHEMA_V2, count, paint, style};

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Source format: knot, jsonl, tess, ticket (tk), backlog, beads
    pub format: String,
    /// The source: a project root, the format's folder, or a JSONL file [default: the project root]
    pub path: Option<PathBuf>,
    /// Show what would be created or updated; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Rename source statuses: from=to,… (e.g. review=in_progress,wontfix=closed)
    #[arg(long, value_name = "MAP")]
    pub status_map: Option<String>,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Output format: jsonl (every field), knot or tess
    #[arg(long, default_value = "jsonl")]
    pub format: String,
    /// Include archived (terminal) tickets
    #[arg(long)]
    pub all: bool,
    /// Folder to write into, or - for stdout (jsonl only) [default: - for jsonl]
    #[arg(long, value_name = "DIR|-")]
    pub out: Option<String>,
}

/// A path as the user typed it, made absolute against the start folder (`-C`).
fn absolute(g: &GlobalArgs, p: PathBuf) -> CliResult<String> {
    let p = if p.is_absolute() {
        p
    } else {
        context::start_dir(&g.dir)?.join(p)
    };
    Ok(p.to_string_lossy().into_owned())
}

pub fn import(g: &GlobalArgs, a: ImportArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let path = match a.path {
        Some(p) => Some(absolute(g, p)?),
        None => None,
    };
    let r = interop::import(
        &cx,
        &ImportRequest {
            format: a.format,
            path,
            dry_run: a.dry_run,
            status_map: a.status_map,
        },
    )?;
    for w in &r.warnings {
        printer.warn(w);
    }
    printer.schema(SCHEMA_V2).success(&r, None, || {
        let mut s = String::new();
        for i in &r.items {
            let verb = match (i.action, r.dry_run) {
                ("created", true) => "would create",
                ("updated", true) => "would update",
                (a, _) => a,
            };
            s.push_str(&format!(
                "{verb:<12} {}  {}  [{}]  ({})\n",
                paint(style::ID, &i.id),
                i.title,
                i.status,
                i.source
            ));
        }
        s.push_str(&format!(
            "{}{} created, {} updated, {} skipped, {}",
            if r.dry_run { "dry run: " } else { "" },
            r.created,
            r.updated,
            r.skipped,
            count(r.warnings.len() as u64, "warning", "warnings")
        ));
        s
    });
    Ok(0)
}

pub fn export(g: &GlobalArgs, a: ExportArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let out = match a.out {
        Some(o) if o.trim() == "-" => Some(o),
        Some(o) => Some(absolute(g, PathBuf::from(o))?),
        None => None,
    };
    let r = interop::export(
        &cx,
        &ExportRequest {
            format: Some(a.format),
            all: a.all,
            out,
        },
    )?;
    for w in &r.exported.warnings {
        printer.warn(w);
    }
    printer.schema(SCHEMA_V2).success(&r, None, || {
        if r.exported.out == "-" {
            // Plain JSON lines: one ticket per line, ready for jq or `import jsonl`.
            return r
                .lines
                .iter()
                .filter_map(|l| serde_json::to_string(l).ok())
                .collect::<Vec<_>>()
                .join("\n");
        }
        format!(
            "exported {} as {} to {} ({})",
            count(r.exported.tickets as u64, "ticket", "tickets"),
            r.exported.format,
            r.exported.out,
            count(r.exported.files.len() as u64, "file", "files")
        )
    });
    Ok(0)
}

#[derive(Args, Debug)]
pub struct InboxArgs {
    /// List what would be adopted; write nothing
    #[arg(long)]
    pub dry_run: bool,
}

fn print_inbox_warnings(r: &docket_core::inbox::Report, printer: &mut Printer) {
    for w in &r.warnings {
        printer.warn(w);
    }
    for k in &r.kept {
        printer.warn(&format!("inbox/{} stays in the inbox: {}", k.file, k.why));
    }
}

pub fn inbox(g: &GlobalArgs, a: InboxArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let r = interop::inbox(&cx, &interop::InboxRequest { dry_run: a.dry_run })?;
    print_inbox_warnings(&r, printer);
    printer.schema(SCHEMA_V2).success(&r, None, || {
        let mut s = String::new();
        for x in &r.adopted {
            if r.dry_run {
                s.push_str(&format!("would adopt inbox/{}  {}\n", x.file, x.title));
            } else {
                s.push_str(&format!(
                    "adopted inbox/{} as {}  {}\n",
                    x.file,
                    paint(style::ID, &x.id),
                    x.title
                ));
            }
        }
        s.push_str(&format!(
            "{} adopted, {} kept in the inbox",
            r.adopted.len(),
            r.kept.len()
        ));
        s
    });
    Ok(0)
}

/// Before a mutating command: adopt whatever was dropped into the inbox.
/// Best effort and quiet on stdout (adoptions and problems go to stderr), so
/// the command's own output and JSON envelope are unchanged.
pub fn adopt_before(g: &GlobalArgs, printer: &mut Printer) {
    let Ok(cx) = context::api(g) else { return };
    match interop::adopt_pending(&cx) {
        Ok(Some(r)) => {
            for x in &r.adopted {
                printer.warn(&format!(
                    "adopted inbox/{} as {}  {}",
                    x.file, x.id, x.title
                ));
            }
            print_inbox_warnings(&r, printer);
        }
        Ok(None) => {}
        Err(e) => printer.warn(&format!("inbox not adopted: {e}")),
    }
}
