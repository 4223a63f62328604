//! `docket create`

use clap::Args;
use docket_api::tickets::{self, CreateRequest};

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::Printer;

#[derive(Args, Debug)]
pub struct CreateArgs {
    /// Ticket title
    pub title: String,
    /// Type (see `docket info`; default from config)
    #[arg(short = 't', long = "type")]
    pub kind: Option<String>,
    /// Priority 0 (highest) to 4
    #[arg(short = 'p', long, allow_negative_numbers = true)]
    pub priority: Option<i64>,
    /// Assignee
    #[arg(short = 'a', long)]
    pub assignee: Option<String>,
    /// afk (an agent may run it alone) or hitl (needs a human)
    #[arg(long)]
    pub mode: Option<String>,
    /// Comma-separated tags
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
    /// Parent ticket id
    #[arg(long, add = crate::complete::tickets())]
    pub parent: Option<String>,
    /// External reference (repeatable), e.g. a PR or issue URL
    #[arg(long = "external-ref")]
    pub external_ref: Vec<String>,
    /// Description section
    #[arg(
        short = 'd',
        long,
        conflicts_with = "description_file",
        allow_hyphen_values = true
    )]
    pub description: Option<String>,
    /// Read the description section from a file
    #[arg(long, value_name = "FILE")]
    pub description_file: Option<std::path::PathBuf>,
    /// Design section
    #[arg(long, allow_hyphen_values = true)]
    pub design: Option<String>,
    /// Acceptance criterion (repeatable)
    #[arg(long, allow_hyphen_values = true)]
    pub acceptance: Vec<String>,
    /// Dependency (repeatable; an unknown id is kept as a forward reference, with a warning)
    #[arg(long, add = crate::complete::tickets())]
    pub dep: Vec<String>,
    /// Refuse --dep ids that match no ticket (nothing is written)
    #[arg(long)]
    pub strict: bool,
    /// Link (repeatable; every id must exist or nothing is written)
    #[arg(long)]
    pub link: Vec<String>,
    /// Tier: critical, standard or low
    #[arg(long)]
    pub tier: Option<String>,
    /// Runner order within a stage (lower runs sooner; see `docket run`)
    #[arg(long)]
    pub sequence: Option<f64>,
    /// How much human attention it needs, 0 to 99
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub attention: Option<i64>,
    /// Refer to a project document by slug (repeatable; see `docket doc list`)
    #[arg(long = "doc", value_name = "SLUG")]
    pub docs: Vec<String>,
    /// Print only the new ticket's id, for scripts: `id=$(docket create "…" -q)`
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

pub fn run(g: &GlobalArgs, a: CreateArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let description = super::text_input(
        a.description,
        a.description_file.as_deref(),
        false,
        "description",
    )?;
    let c = tickets::create(
        &cx,
        CreateRequest {
            title: a.title,
            kind: a.kind,
            priority: a.priority,
            mode: a.mode,
            assignee: a.assignee,
            parent: a.parent,
            tier: a.tier,
            tags: a.tags,
            external_refs: a.external_ref,
            description,
            design: a.design,
            acceptance: a.acceptance,
            deps: a.dep,
            strict: a.strict,
            links: a.link,
            sequence: a.sequence,
            attention: a.attention,
            docs: a.docs,
        },
    )?;
    if a.quiet && !g.json {
        printer.text(&c.id);
    } else {
        super::print_changed(printer, "created", &c);
    }
    Ok(0)
}
