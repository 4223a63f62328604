//! The `docket` binary: parse, dispatch, print, map errors to exit codes.

// Errors carry the API's remedies; they are the cold path, and boxing them
// would only add noise at every call site.
#![allow(clippy::result_large_err)]

mod cli;
mod commands;
mod complete;
mod context;
mod error;
mod git_user;
mod mcp;
mod output;
mod render;
mod runner;

use std::process::ExitCode;

/// Listings build and drop hundreds of thousands of small strings per run;
/// mimalloc reuses freed memory instead of faulting in fresh pages.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // `COMPLETE=<shell> docket …` is the shell asking for completions: answer
    // and exit before anything else is printed.
    clap_complete::CompleteEnv::with_factory(<cli::Cli as clap::CommandFactory>::command)
        .complete();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let json = args.iter().any(|a| a == "--json");
    let mut printer = output::Printer::new(json);
    let code = match cli::parse(&args) {
        Ok(cli) => {
            printer = output::Printer::new(cli.global.json);
            match cli::dispatch(cli, &mut printer) {
                Ok(code) => code,
                Err(err) => printer.error(&err),
            }
        }
        Err(err) => printer.error(&err),
    };
    ExitCode::from(code)
}
