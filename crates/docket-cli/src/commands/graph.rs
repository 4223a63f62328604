//! The graph family: dep, dep tree, undep, depends, link, unlink.

use clap::{Args, Subcommand};
use docket_api::graph;
use docket_core::graph::TreeNode;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::{Printer, paint, style};
use crate::render;

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct DepArgs {
    #[command(subcommand)]
    pub sub: Option<DepSub>,
    /// The ticket that waits
    #[arg(required = true, add = crate::complete::tickets())]
    pub from: Option<String>,
    /// The ticket it waits on (an unknown id is kept as a forward reference, with a warning)
    #[arg(required = true, add = crate::complete::tickets())]
    pub to: Option<String>,
    /// Refuse an id that matches no ticket (nothing is written)
    #[arg(long)]
    pub strict: bool,
}

#[derive(Subcommand, Debug)]
pub enum DepSub {
    /// Show what a ticket waits on, recursively
    Tree(TreeArgs),
}

#[derive(Args, Debug)]
pub struct TreeArgs {
    /// Ticket id
    #[arg(add = crate::complete::tickets())]
    pub id: String,
    /// Expand subtrees that were already shown
    #[arg(long)]
    pub full: bool,
}

#[derive(Args, Debug)]
pub struct UndepArgs {
    /// The ticket that waits
    #[arg(add = crate::complete::tickets())]
    pub from: String,
    /// The dependency to remove
    #[arg(add = crate::complete::tickets())]
    pub to: String,
}

#[derive(Args, Debug)]
#[command(group = clap::ArgGroup::new("change").required(true).multiple(true).args(["on", "remove"]))]
pub struct DependsArgs {
    /// The ticket that waits
    #[arg(add = crate::complete::tickets())]
    pub id: String,
    /// Add dependencies (comma-separated or repeated ids)
    #[arg(long, value_delimiter = ',', value_name = "IDS", add = crate::complete::tickets())]
    pub on: Vec<String>,
    /// Remove dependencies (comma-separated or repeated ids)
    #[arg(long, value_delimiter = ',', value_name = "IDS", add = crate::complete::tickets())]
    pub remove: Vec<String>,
    /// Refuse --on ids that match no ticket (nothing is written)
    #[arg(long)]
    pub strict: bool,
}

#[derive(Args, Debug)]
pub struct LinkArgs {
    /// Two or more ticket ids
    #[arg(num_args = 2.., required = true, add = crate::complete::tickets())]
    pub ids: Vec<String>,
}

pub fn dep(g: &GlobalArgs, a: DepArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    if let Some(DepSub::Tree(t)) = a.sub {
        let tree = graph::tree(
            &cx,
            &graph::TreeRequest {
                id: t.id,
                full: t.full,
            },
        )?;
        printer.success(&tree, None, || {
            let mut s = String::new();
            render_tree(&tree, "", true, true, &mut s);
            s
        });
        return Ok(0);
    }
    let (Some(from), Some(to)) = (a.from, a.to) else {
        return Err(docket_core::Error::invalid(
            "usage: docket dep <from> <to> | docket dep tree <id>",
        )
        .into());
    };
    let c = graph::depends(
        &cx,
        &graph::DepsRequest {
            id: from,
            on: vec![to],
            remove: vec![],
            strict: a.strict,
        },
    )?;
    let verb = if c.changed.is_empty() {
        "dependency already present:"
    } else {
        "dependency added:"
    };
    super::print_changed(printer, verb, &c);
    Ok(0)
}

fn render_tree(n: &TreeNode, prefix: &str, last: bool, root: bool, out: &mut String) {
    let branch = if root {
        ""
    } else if last {
        "└── "
    } else {
        "├── "
    };
    let label = match (&n.title, &n.status) {
        (Some(t), Some(s)) => format!("{}  {t}  [{s}]", paint(style::ID, &n.id)),
        _ => format!(
            "{}  {}",
            paint(style::ID, &n.id),
            paint(style::WARN, "(missing)")
        ),
    };
    let seen = if n.seen {
        paint(style::DIM, "  (shown above)")
    } else {
        String::new()
    };
    out.push_str(&format!("{prefix}{branch}{label}{seen}\n"));
    let child_prefix = if root {
        String::new()
    } else {
        format!("{prefix}{}", if last { "    " } else { "│   " })
    };
    for (i, c) in n.deps.iter().enumerate() {
        render_tree(c, &child_prefix, i + 1 == n.deps.len(), false, out);
    }
}

pub fn undep(g: &GlobalArgs, a: UndepArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let req = graph::DepsRequest {
        id: a.from,
        on: vec![],
        remove: vec![a.to],
        strict: false,
    };
    super::print_changed(printer, "dependency removed:", &graph::depends(&cx, &req)?);
    Ok(0)
}

pub fn depends(g: &GlobalArgs, a: DependsArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let req = graph::DepsRequest {
        id: a.id,
        on: a.on,
        remove: a.remove,
        strict: a.strict,
    };
    super::print_changed(
        printer,
        "dependencies updated:",
        &graph::depends(&cx, &req)?,
    );
    Ok(0)
}

pub fn link(g: &GlobalArgs, a: LinkArgs, printer: &mut Printer, add: bool) -> CliResult<u8> {
    let cx = context::api(g)?;
    let req = graph::LinkRequest {
        ids: a.ids,
        remove: !add,
    };
    let tickets = graph::link(&cx, &req)?;
    let p = &cx.project;
    let rows: Vec<render::TicketRow> = tickets.iter().map(|l| render::row(p, l)).collect();
    printer.success(&rows, None, || {
        let ids: Vec<&str> = tickets.iter().map(|t| t.entry.meta.id.as_str()).collect();
        format!(
            "{} {}",
            if add { "linked" } else { "unlinked" },
            ids.join(" ↔ ")
        )
    });
    Ok(0)
}
