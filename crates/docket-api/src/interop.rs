//! Import from and export to other ticket tools (knot, tess, ticket/tk,
//! Backlog.md, beads, docket's own JSON lines). The formats and the import
//! rules live in `docket_core::interop`; this maps requests to them.

use std::path::PathBuf;

use docket_core::interop::{Format, export, import, jsonl};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::error::{ApiError, ApiResult};

/// Import tickets from another tool's files.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// knot, jsonl, tess, ticket (tk), backlog or beads.
    pub format: String,
    /// Where the source is (a project root, the format's folder, or a JSONL
    /// file); absolute, or relative to the project root. Default: the project root.
    #[serde(default)]
    pub path: Option<String>,
    /// Report what would happen without writing.
    #[serde(default)]
    pub dry_run: bool,
    /// `from=to,…` renames of source statuses to this project's statuses.
    #[serde(default)]
    pub status_map: Option<String>,
}

/// Import: counts, warnings, one item per source ticket.
pub fn import(cx: &Context, req: &ImportRequest) -> ApiResult<import::Report> {
    let format = Format::parse(&req.format)?;
    let status_map = match req.status_map.as_deref() {
        Some(m) => import::parse_status_map(m)?,
        None => Vec::new(),
    };
    let path = resolve_path(cx, req.path.as_deref());
    if !path.exists() {
        return Err(ApiError::invalid(format!(
            "{} does not exist (give the folder holding the {} tickets)",
            path.display(),
            format.name()
        )));
    }
    let src = format.read(&path)?;
    let opts = import::Options {
        status_map,
        dry_run: req.dry_run,
    };
    if req.dry_run {
        Ok(import::import(&cx.project, &cx.ops(), format, src, &opts)?)
    } else {
        cx.write(|c| import::import(&cx.project, c, format, src, &opts))
    }
}

/// Export tickets in another format.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    /// jsonl (default), knot or tess.
    #[serde(default)]
    pub format: Option<String>,
    /// Include archived (terminal) tickets.
    #[serde(default)]
    pub all: bool,
    /// A folder to write into, or `-` for stdout (jsonl only; the default for jsonl).
    #[serde(default)]
    pub out: Option<String>,
}

/// What `export` produced: the files written, or the lines for stdout.
#[derive(Debug, Clone, Serialize)]
pub struct ExportResponse {
    #[serde(flatten)]
    pub exported: export::Exported,
    /// The exported tickets when writing to stdout (`--out -`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<jsonl::Line>,
}

/// Export: JSON lines to stdout or `<out>/docket.jsonl`; knot and tess folders under `out`.
pub fn export(cx: &Context, req: &ExportRequest) -> ApiResult<ExportResponse> {
    let format = Format::parse(req.format.as_deref().unwrap_or("jsonl"))?;
    if !matches!(format, Format::Jsonl | Format::Knot | Format::Tess) {
        return Err(ApiError::invalid(format!(
            "export writes jsonl, knot or tess, not {}",
            format.name()
        )));
    }
    let out = req.out.as_deref().map(str::trim).filter(|o| !o.is_empty());
    let to_stdout = match out {
        None | Some("-") if format == Format::Jsonl => true,
        None | Some("-") => {
            return Err(ApiError::invalid(format!(
                "{} export writes a folder: pass --out DIR",
                format.name()
            )));
        }
        Some(_) => false,
    };
    let p = &cx.project;
    let (chosen, all, warnings) = export::select(p, req.all)?;
    let mut exported = export::Exported {
        format: format.name().into(),
        tickets: chosen.len(),
        out: "-".into(),
        warnings,
        ..Default::default()
    };
    if to_stdout {
        let lines = chosen
            .iter()
            .map(|t| jsonl::line(t, p.config.is_terminal(&t.meta.status)))
            .collect();
        return Ok(ExportResponse { exported, lines });
    }
    let dir = resolve_path(cx, out);
    if dir.starts_with(p.root.join(docket_core::store::DIR_NAME)) {
        return Err(ApiError::invalid(
            "--out must not be inside .docket/ (the export would become tickets)",
        ));
    }
    exported.files = match format {
        Format::Jsonl => export::write_jsonl(p, &chosen, &dir)?,
        Format::Knot => export::write_knot(p, &chosen, &dir)?,
        _ => export::write_tess(p, &chosen, &all, &dir)?,
    };
    exported.out = dir.display().to_string();
    Ok(ExportResponse {
        exported,
        lines: Vec::new(),
    })
}

/// A path as given (absolute), else relative to the project root.
fn resolve_path(cx: &Context, path: Option<&str>) -> PathBuf {
    match path.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) if PathBuf::from(p).is_absolute() => PathBuf::from(p),
        Some(p) => cx.project.root.join(p),
        None => cx.project.root.clone(),
    }
}

/// Adopt the files of `.docket/inbox/` as tickets.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InboxRequest {
    /// List what would be adopted; write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Adopt the inbox now (`docket inbox`).
pub fn inbox(cx: &Context, req: &InboxRequest) -> ApiResult<docket_core::inbox::Report> {
    if req.dry_run {
        Ok(docket_core::inbox::adopt(&cx.project, &cx.ops(), true)?)
    } else {
        cx.write(|c| docket_core::inbox::adopt(&cx.project, c, false))
    }
}

/// Adopt the inbox when it holds files (the check every mutating command
/// makes first: one `read_dir`, only when `.docket/inbox/` exists).
pub fn adopt_pending(cx: &Context) -> ApiResult<Option<docket_core::inbox::Report>> {
    if !docket_core::inbox::pending(&cx.project) {
        return Ok(None);
    }
    inbox(cx, &InboxRequest { dry_run: false }).map(Some)
}

/// One run of the git merge driver: three versions of a ticket file.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The common ancestor's version (`%O`).
    pub base: String,
    /// Our version (`%A`); the merged result is written here.
    pub ours: String,
    /// Their version (`%B`).
    pub theirs: String,
    /// The ticket's path in the repository (`%P`), for messages.
    #[serde(default)]
    pub path: Option<String>,
}

/// What the merge driver did.
#[derive(Debug, Clone, Serialize)]
pub struct MergeResponse {
    pub path: String,
    /// Conflicting keys and sections; empty when the merge is clean.
    pub conflicts: Vec<String>,
    /// Whether the two audit logs were joined with a `merge` entry.
    pub joined: bool,
}

/// Merge `theirs` into `ours` (both files on disk, as git hands them over) and
/// write the result to `ours`. A version that is not a docket ticket file is an
/// `invalid_argument` error (the face falls back to a line merge).
pub fn merge_driver(
    req: &MergeRequest,
    now: jiff::Timestamp,
    actor: Option<String>,
) -> ApiResult<MergeResponse> {
    let read = |p: &str| {
        std::fs::read_to_string(p).map_err(|e| ApiError::from(docket_core::Error::io(p, e)))
    };
    let (base, ours, theirs) = (read(&req.base)?, read(&req.ours)?, read(&req.theirs)?);
    let author = docket_core::audit::Author {
        actor: actor.unwrap_or_else(|| "git merge".into()),
        session: None,
        role: None,
    };
    let m = docket_core::merge::merge(
        &base,
        &ours,
        &theirs,
        &docket_core::ops::format_ts(now),
        &author,
    )?;
    docket_core::store::write_atomic(std::path::Path::new(&req.ours), m.text.as_bytes())?;
    Ok(MergeResponse {
        path: req.path.clone().unwrap_or_else(|| req.ours.clone()),
        conflicts: m.conflicts,
        joined: m.joined,
    })
}
