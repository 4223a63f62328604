//! `docket check`: exit 0 (no errors), 1 (errors in the filtered view), 2 (cannot scan).

use clap::Args;
use docket_api::project::{self, CheckRequest};
use docket_core::check::Severity;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::{CliError, CliResult};
use crate::output::{Printer, count, paint, style};

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Only issues about these tickets
    #[arg(add = crate::complete::tickets())]
    pub ids: Vec<String>,
    /// Only issues with this code (repeatable)
    #[arg(long, value_delimiter = ',')]
    pub code: Vec<String>,
    /// Only issues of this severity (repeatable)
    #[arg(long, value_delimiter = ',', value_parser = ["error", "warning"])]
    pub severity: Vec<String>,
    /// Re-read and re-verify every ticket's log chain and plan, ignoring the
    /// verdict cache in .docket/local (which trusts file ctimes: someone able
    /// to reset the system clock could forge them)
    #[arg(long)]
    pub full: bool,
}

pub fn run(g: &GlobalArgs, a: CheckArgs, printer: &mut Printer) -> CliResult<u8> {
    let p = context::project(&g.dir).map_err(|e| CliError::exit(e, 2))?;
    for i in &a.ids {
        p.resolve(i)?;
    }
    let req = CheckRequest {
        ids: a.ids,
        code: a.code,
        severity: a.severity,
        full: a.full,
    };
    let report = project::check(&p, &req).map_err(|e| CliError::WithExit(e, 2))?;
    let (errors, warnings) = (report.summary.errors, report.summary.warnings);
    let issues = &report.issues;
    printer.verdict(report.healthy(), &report, || {
        let mut s = String::new();
        for i in issues {
            let sev = match i.severity {
                Severity::Error => paint(style::ERR, "error"),
                Severity::Warning => paint(style::WARN, "warning"),
            };
            let at = i.id.clone().or_else(|| i.path.clone()).unwrap_or_default();
            s.push_str(&format!(
                "{sev} {} {}: {}\n",
                i.code,
                paint(style::ID, &at),
                i.message
            ));
        }
        s.push_str(&format!(
            "{} checked: {}, {}",
            count(report.summary.scanned as u64, "ticket", "tickets"),
            count(errors as u64, "error", "errors"),
            count(warnings as u64, "warning", "warnings"),
        ));
        s
    });
    Ok(if errors == 0 { 0 } else { 1 })
}
