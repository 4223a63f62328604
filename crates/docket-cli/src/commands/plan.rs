//! The plan family: `plan` (write, revise or show the plan) and `comment`.

use std::path::PathBuf;

use clap::Args;
use docket_core::plan::Revision;
use docket_core::{Error, audit, ops};
use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::Printer;

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// Ticket id
    pub id: String,
    /// The plan text
    #[arg(long, conflicts_with_all = ["file", "stdin", "show"])]
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
    pub id: String,
    /// Comment text (read from stdin when omitted and no --body-file)
    pub text: Vec<String>,
    /// Read the comment from a file
    #[arg(long, value_name = "FILE", conflicts_with = "text")]
    pub body_file: Option<PathBuf>,
}

/// `plan --show` output.
#[derive(Serialize)]
struct PlanShow<'a> {
    id: &'a str,
    version: u64,
    frozen: bool,
    revision: &'a Revision,
}

pub fn plan(g: &GlobalArgs, a: PlanArgs, printer: &mut Printer) -> CliResult<u8> {
    let p = context::project(&g.dir)?;
    if a.show {
        let t = p.get(&a.id)?;
        let (entries, _) = audit::parse(&t);
        let st = docket_core::plan::state(&t, &entries);
        let want = a.revision.unwrap_or(st.version());
        let rev = st
            .revisions
            .iter()
            .find(|r| r.version == want)
            .ok_or_else(|| {
                Error::invalid(if st.revisions.is_empty() {
                    format!("{} has no plan yet", t.meta.id)
                } else {
                    format!(
                        "{} has no plan revision {want} (latest is {})",
                        t.meta.id,
                        st.version()
                    )
                })
            })?;
        let frozen = st.frozen.as_ref().is_some_and(|f| f.version == rev.version);
        let out = PlanShow {
            id: &t.meta.id,
            version: rev.version,
            frozen,
            revision: rev,
        };
        printer.success(&out, None, || {
            format!(
                "plan v{} of {} by {} at {}{}\n\n{}",
                rev.version,
                t.meta.id,
                rev.author,
                rev.at,
                if frozen { " (frozen)" } else { "" },
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
            let t = p.get(&a.id)?;
            super::edit::edit_text(
                &t.section(docket_core::ticket::SECTION_PLAN),
                "docket-plan-",
            )?
        }
    };
    let o = ops::write_plan(&p, &context::ctx(&p, g)?, &a.id, &text)?;
    super::print_outcome(&p, printer, "planned", &o);
    Ok(0)
}

pub fn comment(g: &GlobalArgs, a: CommentArgs, printer: &mut Printer) -> CliResult<u8> {
    let p = context::project(&g.dir)?;
    let inline = (!a.text.is_empty()).then(|| a.text.join(" "));
    let stdin = inline.is_none() && a.body_file.is_none();
    let text = super::text_input(inline, a.body_file.as_deref(), stdin, "comment text")?
        .unwrap_or_default();
    let o = ops::comment(&p, &context::ctx(&p, g)?, &a.id, &text)?;
    super::print_outcome(&p, printer, "commented", &o);
    Ok(0)
}
