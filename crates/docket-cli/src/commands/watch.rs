//! `docket watch`: keep the project's hot index (crate `docket-hot`) until
//! stopped. Other docket processes' listings ask it first over
//! `.docket/local/hot.sock` and scan the folders whenever it cannot prove its
//! view is current.

use clap::Args;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::Printer;

/// Flags of `docket watch`.
#[derive(Args, Debug)]
pub struct WatchArgs {}

/// Start the index and answer until the process is stopped.
pub fn run(g: &GlobalArgs, _a: WatchArgs, printer: &mut Printer) -> CliResult<u8> {
    // SAFETY: the first thing the command does; its threads start later.
    unsafe { crate::return_freed_memory_at_once() };
    let p = context::project(&g.dir)?;
    let display = p.display_path(&docket_api::hot::socket_path(&p));
    let server = docket_hot::start(p)
        .map_err(|e| docket_core::Error::invalid(format!("{e} ({})", e.code())))?;
    printer.debug(&format!("hot index ready on {display} (Ctrl-C stops it)"));
    server.serve();
    Ok(0)
}

/// Keep the hot index beside another long-running face (`serve`, `monitor`)
/// on a background thread, unless `DOCKET_HOT_INDEX=0` or one already runs
/// for this project (then that one serves). Best effort: the face works the
/// same without it.
pub fn beside(p: &docket_core::Project) {
    if !context::hot_index() {
        return;
    }
    if let Ok(server) = docket_hot::start(p.clone()) {
        let _ = std::thread::Builder::new()
            .name("docket-hot".into())
            .spawn(move || server.serve());
    }
}
