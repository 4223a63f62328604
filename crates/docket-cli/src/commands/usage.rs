//! `docket log`: record token, tool, duration and cost figures against a ticket.

use clap::Args;
use docket_api::insight::{self, UsageRequest};

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::Printer;

#[derive(Args, Debug)]
pub struct LogArgs {
    /// Ticket id
    #[arg(add = crate::complete::tickets())]
    pub id: String,
    /// Total tokens (when not split into --input/--output)
    #[arg(long, value_name = "N")]
    pub tokens: Option<u64>,
    /// Input tokens
    #[arg(long, value_name = "N")]
    pub input: Option<u64>,
    /// Output tokens
    #[arg(long, value_name = "N")]
    pub output: Option<u64>,
    /// Cached (cache-read) input tokens
    #[arg(long, value_name = "N")]
    pub cached: Option<u64>,
    /// Tool calls made
    #[arg(long, value_name = "N")]
    pub tools: Option<u64>,
    /// Wall time: 3m20s, 1h 5m, PT5M or seconds
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Cost in US dollars, e.g. 0.12
    #[arg(long, value_name = "USD")]
    pub cost: Option<f64>,
    /// Model name
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// Text stored with the entry
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub note: Option<String>,
}

pub fn run(g: &GlobalArgs, a: LogArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api(g)?;
    let c = insight::log_usage(
        &cx,
        UsageRequest {
            id: a.id,
            tokens: a.tokens,
            input: a.input,
            output: a.output,
            cached: a.cached,
            tools: a.tools,
            duration: a.duration,
            cost: a.cost,
            model: a.model,
            note: a.note,
        },
    )?;
    super::print_changed(printer, "logged usage on", &c);
    Ok(0)
}
