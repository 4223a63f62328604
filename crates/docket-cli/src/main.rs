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

/// mimalloc's `mi_option_purge_delay` (the 16th option of its v3 header),
/// which the crate does not name; a test checks it is the one that defaults
/// to 1,000 ms.
const MI_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// For faces that live long (`watch`, `serve`, `monitor`): give freed memory
/// back to the system at once. By default mimalloc keeps it a second for
/// reuse, which a one-shot command wants; a server that scanned 100k tickets
/// would otherwise hold the scan's peak (180 MB) for good instead of its
/// index (120 MB). A `MIMALLOC_PURGE_DELAY` the user set wins.
///
/// # Safety
/// mimalloc's options are not thread safe: call before the face starts any
/// thread.
pub unsafe fn return_freed_memory_at_once() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: one integer option of the allocator, set while no other
        // thread runs (the caller's contract).
        unsafe { libmimalloc_sys::mi_option_set(MI_PURGE_DELAY, 0) }
    }
}

/// From this many tickets (as the project's cache counts them), a command
/// that reads every ticket gives freed memory back at once too. A scan of
/// 100k tickets frees tens of MB of walk and decode buffers on its way to its
/// peak; kept for reuse, they lifted `list --json` to 127 MB instead of 100.
/// Returning them costs a few percent of time, so smaller projects (the 40 ms
/// listings of 10k tickets) and the commands that touch one ticket (a
/// `create` at 100k was 3 ms slower with it) keep mimalloc's default.
const LARGE_PROJECT: u64 = 50_000;

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
            if cli.command.reads_every_ticket()
                && context::project_size_hint(&cli.global.dir).is_some_and(|n| n >= LARGE_PROJECT)
            {
                // SAFETY: no thread has started yet.
                unsafe { return_freed_memory_at_once() }
            }
            match cli::dispatch(cli, &mut printer) {
                Ok(code) => code,
                Err(err) => printer.error(&err),
            }
        }
        Err(err) => printer.error(&err),
    };
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_purge_delay_option_is_the_one_defaulting_to_a_second() {
        // SAFETY: reads one option; no other test changes allocator options.
        let ms = unsafe { libmimalloc_sys::mi_option_get(super::MI_PURGE_DELAY) };
        let set = std::env::var("MIMALLOC_PURGE_DELAY").ok();
        assert_eq!(ms, set.and_then(|v| v.parse().ok()).unwrap_or(1000));
    }
}
