//! `docket check`: exit 0 (no errors), 1 (errors in the filtered view), 2 (cannot scan).

use clap::Args;
use docket_core::check::{self, Issue, Severity};
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::{CliError, CliResult};
use crate::output::{Printer, paint, style};

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Only issues about these tickets
    pub ids: Vec<String>,
    /// Only issues with this code (repeatable)
    #[arg(long, value_delimiter = ',')]
    pub code: Vec<String>,
    /// Only issues of this severity (repeatable)
    #[arg(long, value_delimiter = ',', value_parser = ["error", "warning"])]
    pub severity: Vec<String>,
}

pub fn run(g: &GlobalArgs, a: CheckArgs, printer: &mut Printer) -> CliResult<u8> {
    let p = context::project(&g.dir).map_err(|e| CliError::WithExit(e, 2))?;
    let mut ids = Vec::new();
    for i in &a.ids {
        ids.push(p.resolve(i)?.id);
    }
    let all = check::run(&p).map_err(|e| CliError::WithExit(e, 2))?;
    let scanned = p.files().map(|f| f.len()).unwrap_or(0);
    let severities: Vec<Severity> = a
        .severity
        .iter()
        .filter_map(|s| Severity::parse(s))
        .collect();
    let issues: Vec<&Issue> = all
        .iter()
        .filter(|i| a.code.is_empty() || a.code.iter().any(|c| c == i.code))
        .filter(|i| severities.is_empty() || severities.contains(&i.severity))
        .filter(|i| ids.is_empty() || i.id.as_ref().is_some_and(|id| ids.contains(id)))
        .collect();
    let errors = issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .count();
    let warnings = issues.len() - errors;
    let data = json!({
        "issues": issues,
        "summary": { "errors": errors, "warnings": warnings, "scanned": scanned },
    });
    printer.verdict(errors == 0, &data, || {
        let mut s = String::new();
        for i in &issues {
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
            "{scanned} tickets checked: {errors} error(s), {warnings} warning(s)"
        ));
        s
    });
    Ok(if errors == 0 { 0 } else { 1 })
}
