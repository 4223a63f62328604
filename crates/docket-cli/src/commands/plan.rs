//! The plan family: `plan` (write, revise or show the plan) and `comment`.

use std::path::PathBuf;

use clap::Args;
use docket_api::notes;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::Printer;

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// Ticket id
    #[arg(add = crate::complete::tickets())]
    pub id: String,
    /// The plan text
    #[arg(long, conflicts_with_all = ["file", "stdin", "show"], allow_hyphen_values = true)]
    pub body: Option<String>,
    /// Read the plan from a file
    #[arg(long, value_name = "FILE", conflicts_with_all = ["stdin", "show"])]
    pub file: Option<PathBuf>,
    /// Read the plan from stdin
    #[arg(long, conflicts_with = "show")]
    pub stdin: bool,
    /// Print the plan instead of writing it (the latest, or --revision N)
    #[arg(long)]
    pub show: bool,
    /// With --show: print this revision number
    #[arg(long, requires = "show", value_name = "N")]
    pub revision: Option<u64>,
}

#[derive(Args, Debug)]
pub struct CommentArgs {
    /// Ticket id
    #[arg(add = crate::complete::tickets())]
    pub id: String,
    /// Comment text (read from stdin when omitted and no --body-file)
    #[arg(allow_hyphen_values = true)]
    pub text: Vec<String>,
    /// Read the comment from a file
    #[arg(long, value_name = "FILE", conflicts_with = "text")]
    pub body_file: Option<PathBuf>,
}

pub fn plan(g: &GlobalArgs, a: PlanArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    if a.show {
        let shown = notes::show_plan(
            &cx,
            &notes::PlanShowRequest {
                id: a.id,
                revision: a.revision,
            },
        )?;
        printer.success(&shown, None, || {
            let rev = &shown.revision;
            format!(
                "plan v{} of {} by {} at {}{}\n\n{}",
                rev.version,
                shown.id,
                rev.author,
                rev.at,
                if shown.frozen { " (frozen)" } else { "" },
                rev.text
            )
        });
        return Ok(0);
    }
    let text = match super::text_input(a.body, a.file.as_deref(), a.stdin, "plan")? {
        Some(t) => t,
        None => {
            super::edit::require_terminal(
                "no plan given: pass --body, --file or --stdin (an editor needs a terminal)",
            )?;
            let t = cx.project.get(&a.id)?;
            super::edit::edit_text(
                &t.section(docket_core::ticket::SECTION_PLAN),
                "docket-plan-",
            )?
        }
    };
    let c = notes::write_plan(&cx, &notes::TextRequest { id: a.id, text })?;
    super::print_changed(printer, "planned", &c);
    Ok(0)
}

pub fn comment(g: &GlobalArgs, a: CommentArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let inline = (!a.text.is_empty()).then(|| a.text.join(" "));
    let stdin = inline.is_none() && a.body_file.is_none();
    let text = super::text_input(inline, a.body_file.as_deref(), stdin, "comment text")?
        .unwrap_or_default();
    let c = notes::comment(&cx, &notes::TextRequest { id: a.id, text })?;
    super::print_changed(printer, "commented", &c);
    Ok(0)
}
