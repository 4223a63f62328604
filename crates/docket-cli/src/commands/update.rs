//! `docket update`: non-interactive set/replace.

use clap::Args;
use docket_api::tickets::{self, UpdateRequest};

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::Printer;

#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// Ticket id
    #[arg(add = crate::complete::tickets())]
    pub id: String,
    /// New title (the file name keeps its slug)
    #[arg(long, allow_hyphen_values = true)]
    pub title: Option<String>,
    /// New type
    #[arg(short = 't', long = "type")]
    pub kind: Option<String>,
    /// New priority, 0 (highest) to 4
    #[arg(short = 'p', long, allow_negative_numbers = true)]
    pub priority: Option<i64>,
    /// afk or hitl
    #[arg(long)]
    pub mode: Option<String>,
    /// Assignee ("" clears)
    #[arg(short = 'a', long)]
    pub assignee: Option<String>,
    /// Parent id ("" clears)
    #[arg(long, add = crate::complete::tickets())]
    pub parent: Option<String>,
    /// Tier: critical, standard or low ("" clears)
    #[arg(long)]
    pub tier: Option<String>,
    /// Attention level 0-99
    #[arg(long, allow_negative_numbers = true)]
    pub attention: Option<i64>,
    /// Replace all tags (comma-separated; "" clears)
    #[arg(long, conflicts_with_all = ["add_tag", "remove_tag"])]
    pub tags: Option<String>,
    /// Add one tag (repeatable)
    #[arg(long, add = crate::complete::tags())]
    pub add_tag: Vec<String>,
    /// Remove one tag (repeatable)
    #[arg(long, add = crate::complete::tags())]
    pub remove_tag: Vec<String>,
    /// Replace external refs (repeatable; with no value, clears them)
    #[arg(long = "external-ref", num_args = 0..=1)]
    pub external_ref: Option<Vec<String>>,
    /// Replace the Description section
    #[arg(short = 'd', long, allow_hyphen_values = true)]
    pub description: Option<String>,
    /// Replace the Design section
    #[arg(long, allow_hyphen_values = true)]
    pub design: Option<String>,
    /// Replace the whole body (destructive; git is the undo)
    #[arg(long, conflicts_with_all = ["description", "design"], allow_hyphen_values = true)]
    pub body: Option<String>,
    /// Acceptance criterion to flip (exact title; repeatable), with --done or --undone
    #[arg(long, requires = "flip", allow_hyphen_values = true)]
    pub ac: Vec<String>,
    /// Mark the --ac criterion done
    #[arg(long, group = "flip", requires = "ac")]
    pub done: bool,
    /// Mark the --ac criterion not done
    #[arg(long, group = "flip", requires = "ac")]
    pub undone: bool,
    /// Add an acceptance criterion (repeatable)
    #[arg(long, allow_hyphen_values = true)]
    pub add_ac: Vec<String>,
    /// Remove an acceptance criterion by exact title (repeatable)
    #[arg(long, allow_hyphen_values = true)]
    pub remove_ac: Vec<String>,
    /// Move to this status (after the acceptance changes, through the guards)
    #[arg(long, add = crate::complete::statuses())]
    pub status: Option<String>,
    /// Pass failing guards of --status; needs --summary
    #[arg(long)]
    pub force: bool,
    /// Why: recorded as a note on a status change
    #[arg(long, allow_hyphen_values = true)]
    pub summary: Option<String>,
    /// Runner order within a stage, lower runs sooner ("" clears)
    #[arg(long)]
    pub sequence: Option<String>,
    /// Refer to a project document by slug (repeatable)
    #[arg(long = "doc", value_name = "SLUG")]
    pub docs: Vec<String>,
    /// Stop referring to a document (repeatable)
    #[arg(long = "remove-doc", value_name = "SLUG")]
    pub remove_docs: Vec<String>,
}

pub fn run(g: &GlobalArgs, a: UpdateArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let split = |s: &str| -> Vec<String> {
        s.split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect()
    };
    let (sequence, clear_sequence) = match a.sequence.as_deref().map(str::trim) {
        None => (None, false),
        Some("") => (None, true),
        Some(text) => (
            Some(text.parse::<f64>().map_err(|_| {
                docket_core::Error::invalid(format!(
                    "invalid sequence `{text}`: use a number (lower runs sooner) or \"\" to clear"
                ))
            })?),
            false,
        ),
    };
    let mut titles = a.ac.into_iter();
    let (ac, done) = match titles.next() {
        Some(t) => (Some(t), Some(a.done)),
        None => (None, None),
    };
    let more_ac: Vec<String> = titles.collect();
    let u = UpdateRequest {
        id: a.id,
        title: a.title,
        kind: a.kind,
        priority: a.priority,
        mode: a.mode,
        assignee: a.assignee,
        parent: a.parent,
        tier: a.tier,
        attention: a.attention,
        tags: a.tags.as_deref().map(split),
        add_tags: a.add_tag,
        remove_tags: a.remove_tag,
        external_refs: a.external_ref,
        description: a.description,
        design: a.design,
        body: a.body,
        add_ac: a.add_ac,
        ac,
        done,
        more_ac,
        remove_ac: a.remove_ac,
        status: a.status,
        force: a.force,
        summary: a.summary,
        sequence,
        clear_sequence,
        add_docs: a.docs,
        remove_docs: a.remove_docs,
    };
    let c = tickets::update(&cx, u)?;
    super::print_changed(printer, "updated", &c);
    Ok(0)
}

#[derive(Args, Debug)]
pub struct TierArgs {
    /// Ticket id
    #[arg(add = crate::complete::tickets())]
    pub id: String,
    /// The tier: critical, standard or low (`none` clears it)
    #[arg(value_parser = ["critical", "standard", "low", "none"])]
    pub tier: String,
}

/// `docket tier <id> <tier>`: tkt's name for `update --tier`.
pub fn tier(g: &GlobalArgs, a: TierArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let tier = if a.tier == "none" {
        String::new()
    } else {
        a.tier
    };
    let u = UpdateRequest {
        id: a.id,
        tier: Some(tier),
        ..Default::default()
    };
    let c = tickets::update(&cx, u)?;
    super::print_changed(printer, "tier set:", &c);
    Ok(0)
}
