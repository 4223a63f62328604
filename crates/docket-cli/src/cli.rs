//! The command line: global flags, the command enum and the one dispatch `match`.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::commands::{
    agents, check, claim, create, delete, demo, edit, gen_cmd, graph, info, init, interop,
    knowledge, lifecycle, listing, man, merge_driver, monitor, note, plan, prime, run, serve,
    session, show, stats, trust, update, usage, watch,
};
use crate::error::{CliError, CliResult};
use crate::output::Printer;

/// docket: plain-markdown tickets in your repository, for humans and coding agents.
#[derive(Parser, Debug)]
#[command(name = "docket", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Run `docket <command> --help` for a command's flags. Agents: start with `docket prime`."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Print one JSON envelope on stdout (see docs/JSON.md)
    #[arg(long, global = true)]
    pub json: bool,
    /// Run as if started in DIR
    #[arg(short = 'C', long = "dir", global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Act as this session (id, id prefix or name); overrides DOCKET_SESSION
    #[arg(long, global = true, value_name = "SESSION", add = crate::complete::sessions())]
    pub session: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a project (.docket/) in the current folder
    Init(init::InitArgs),
    /// Show the project's paths, workflow and allowed values
    Info(info::InfoArgs),
    /// Create a ticket
    #[command(visible_alias = "new")]
    Create(create::CreateArgs),
    /// Show one ticket (partial ids work, archived too)
    Show(show::ShowArgs),
    /// List open tickets (add --status or --all to include others)
    #[command(visible_alias = "ls")]
    List(listing::ListArgs),
    /// Tickets that can be worked on now: open, every dependency done; by priority, then oldest
    Ready(listing::ReadyArgs),
    /// Open tickets waiting on an open or missing dependency
    Blocked(listing::QueueArgs),
    /// Closed tickets, most recent first
    Closed(listing::QueueArgs),
    /// The board: every status with its tickets in run order, side by side on a wide terminal
    Board(listing::BoardArgs),
    /// Find tickets by words in their title, body, plan or log (--all for closed)
    Search(listing::SearchArgs),
    /// Move a ticket to the next status (or --to S) through the workflow's guards
    Advance(lifecycle::AdvanceArgs),
    /// Write, revise (versioned) or --show a ticket's plan; frozen once approved
    Plan(plan::PlanArgs),
    /// Append a comment (deviations from a frozen plan are recorded this way)
    Comment(plan::CommentArgs),
    /// Move a ticket to the active status, claiming it for the acting session
    Start(lifecycle::StartArgs),
    /// Claim a ticket, or --next ready one, for the acting session (atomic)
    Claim(claim::ClaimArgs),
    /// Move a ticket to any status
    Status(lifecycle::StatusArgs),
    /// Move a ticket to the first terminal status (archives it)
    Close(lifecycle::CloseArgs),
    /// Move a closed ticket back to the first open status
    Reopen(lifecycle::StartArgs),
    /// Append a timestamped note (text argument or stdin)
    AddNote(note::AddNoteArgs),
    /// Set or replace fields and body sections without an editor
    Update(update::UpdateArgs),
    /// Open a ticket in $EDITOR (interactive terminals only)
    Edit(edit::EditArgs),
    /// Delete a ticket (refused while other tickets reference it)
    Delete(delete::DeleteArgs),
    /// Add a dependency (FROM waits on TO), or `dep tree <id>`
    Dep(graph::DepArgs),
    /// Remove a dependency
    Undep(graph::UndepArgs),
    /// Add (--on a,b) or remove (--remove a,b) several dependencies at once
    Depends(graph::DependsArgs),
    /// Set a ticket's tier: critical, standard, low (none clears)
    Tier(update::TierArgs),
    /// Link tickets to each other (symmetric "see also")
    Link(graph::LinkArgs),
    /// Remove links between tickets
    Unlink(graph::LinkArgs),
    /// Import tickets from knot, tess, ticket/tk, Backlog.md, beads or JSON lines (idempotent)
    Import(interop::ImportArgs),
    /// Export tickets as JSON lines, or knot/tess folders
    Export(interop::ExportArgs),
    /// The git merge driver for ticket files (`merge-driver install` registers it)
    MergeDriver(merge_driver::MergeDriverArgs),
    /// Turn files dropped into .docket/inbox/ into tickets (also done before every write)
    Inbox(interop::InboxArgs),
    /// Record token, tool, duration and cost figures against a ticket (audit log)
    Log(usage::LogArgs),
    /// Activity report from the audit logs: counts, cycle time, throughput, burn
    Stats(stats::StatsArgs),
    /// Project context entries every agent must know (.docket/context/)
    Context(knowledge::ContextArgs),
    /// Long-form project documents: ADRs, specs (.docket/docs/)
    Doc(knowledge::DocArgs),
    /// Read-only terminal dashboard: board, work in progress, activity, stats (q quits)
    Monitor(monitor::MonitorArgs),
    /// Check project integrity (exit 0 clean, 1 errors, 2 cannot scan)
    Check(check::CheckArgs),
    /// The agent primer: in progress, ready to close, ready, recently closed
    Prime(prime::PrimeArgs),
    /// Start (--role), show, end (--end) or list sessions
    Session(session::SessionArgs),
    /// Manage custom roles mapped to architect or implementer
    Role(session::RoleArgs),
    /// Expire idle sessions and do other housekeeping
    Cleanup(session::CleanupArgs),
    /// Drive coding agents through the runnable stages (see docs/RUNNER.md)
    Run(run::RunArgs),
    /// Trust this repository's runner commands and templates on this machine (`docket run` needs it)
    Trust(trust::TrustArgs),
    /// Serve every docket operation as MCP tools over stdio (for coding agents)
    Mcp(crate::mcp::McpArgs),
    /// Serve the web dashboard on 127.0.0.1 (board, tickets, live updates)
    Serve(serve::ServeArgs),
    /// Keep a hot index of this project for other docket commands (runs until stopped)
    Watch(watch::WatchArgs),
    /// Built-in manual pages (`docket man minimal` is the guide for LLMs)
    Man(man::ManArgs),
    /// Write agent instructions: AGENTS.md section, Claude Code skill and hook
    Agents(agents::AgentsArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell); --help says how to install it
    #[command(after_long_help = agents::COMPLETIONS_HELP)]
    Completions(agents::CompletionsArgs),
    /// Create a sample project in a temporary folder and print its board
    Demo(demo::DemoArgs),
    /// Generate a synthetic project for benchmarks
    #[command(hide = true)]
    Gen(gen_cmd::GenArgs),
}

impl Command {
    /// Commands that read every ticket to answer (listings, the board,
    /// stats, check): on a large project their peak is the scan's.
    pub fn reads_every_ticket(&self) -> bool {
        matches!(
            self,
            Command::List(_)
                | Command::Ready(_)
                | Command::Blocked(_)
                | Command::Closed(_)
                | Command::Board(_)
                | Command::Search(_)
                | Command::Stats(_)
                | Command::Check(_)
                | Command::Export(_)
        )
    }

    /// Commands that change tickets adopt the inbox first, so a dropped file
    /// is a ticket before the write that might refer to it.
    fn adopts_inbox(&self) -> bool {
        matches!(
            self,
            Command::Create(_)
                | Command::Advance(_)
                | Command::Plan(_)
                | Command::Comment(_)
                | Command::Start(_)
                | Command::Claim(_)
                | Command::Status(_)
                | Command::Close(_)
                | Command::Reopen(_)
                | Command::AddNote(_)
                | Command::Update(_)
                | Command::Edit(_)
                | Command::Delete(_)
                | Command::Dep(_)
                | Command::Undep(_)
                | Command::Depends(_)
                | Command::Tier(_)
                | Command::Link(_)
                | Command::Unlink(_)
                | Command::Import(_)
                | Command::Log(_)
        )
    }
}

/// Parse arguments; help and version print here and exit 0.
pub fn parse(args: &[OsString]) -> CliResult<Cli> {
    match Cli::try_parse_from(args) {
        Ok(mut cli) => {
            cli.check_free_text(args)?;
            Ok(cli)
        }
        Err(e) => {
            use clap::error::ErrorKind;
            match e.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = e.print();
                    std::process::exit(0);
                }
                _ => Err(CliError::Usage(usage_text(&e.render().to_string()))),
            }
        }
    }
}

/// clap's rendering of a usage error without its leading `error: ` and its
/// closing "For more information, try '--help'." line: the printer adds the
/// one hint.
fn usage_text(rendered: &str) -> String {
    let text = rendered.trim_end();
    let text = match text.rfind('\n') {
        Some(i) if text[i..].contains("For more information, try") => text[..i].trim_end(),
        _ => text,
    };
    text.trim_start_matches("error: ").to_string()
}

impl Cli {
    /// A note's or comment's text accepts words that start with `-`
    /// (`add-note ID "- item"`), so clap takes the words after its first one
    /// as text even when they are flags. The global flags there (`--json`,
    /// `--session S`, `-C DIR`/`--dir DIR`, also `--flag=value`) are taken
    /// back as flags; any other `--word` is refused as an unknown flag, unless
    /// `--` marks the text as literal.
    fn check_free_text(&mut self, args: &[OsString]) -> CliResult<()> {
        let text = match &mut self.command {
            Command::AddNote(a) => &mut a.text,
            Command::Comment(a) => &mut a.text,
            _ => return Ok(()),
        };
        if args.iter().any(|a| a == "--") {
            return Ok(());
        }
        let g = &mut self.global;
        let mut words = std::mem::take(text).into_iter();
        while let Some(w) = words.next() {
            let (flag, inline) = match w.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ => (w.clone(), None),
            };
            match flag.as_str() {
                "--json" if inline.is_none() => g.json = true,
                "--session" | "--dir" | "-C" => match inline.or_else(|| words.next()) {
                    Some(v) if flag == "--session" => g.session = Some(v),
                    Some(v) => g.dir = Some(PathBuf::from(v)),
                    None => {
                        return Err(CliError::Usage(format!(
                            "a value is required for '{flag}' but none was supplied"
                        )));
                    }
                },
                _ => text.push(w),
            }
        }
        let looks_like_flag = |w: &str| {
            w.strip_prefix("--").is_some_and(|rest| {
                rest.starts_with(|c: char| c.is_ascii_alphabetic())
                    && rest
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '=')
            })
        };
        match text.iter().find(|w| looks_like_flag(w)) {
            Some(flag) => Err(CliError::Usage(format!(
                "unexpected argument '{flag}' found\n\n  \
                 tip: to pass '{flag}' as text, put '--' before the text: `-- {flag}`"
            ))),
            None => Ok(()),
        }
    }
}

/// Run the parsed command; returns the process exit code.
pub fn dispatch(cli: Cli, p: &mut Printer) -> CliResult<u8> {
    let g = &cli.global;
    if cli.command.adopts_inbox() {
        interop::adopt_before(g, p);
    }
    match cli.command {
        Command::Init(a) => init::run(g, a, p),
        Command::Info(a) => info::run(g, a, p),
        Command::Create(a) => create::run(g, a, p),
        Command::Show(a) => show::run(g, a, p),
        Command::List(a) => listing::list(g, a, p),
        Command::Ready(a) => listing::ready(g, a, p),
        Command::Blocked(a) => listing::blocked(g, a, p),
        Command::Closed(a) => listing::closed(g, a, p),
        Command::Board(a) => listing::board(g, a, p),
        Command::Search(a) => listing::search(g, a, p),
        Command::Advance(a) => lifecycle::advance(g, a, p),
        Command::Plan(a) => plan::plan(g, a, p),
        Command::Comment(a) => plan::comment(g, a, p),
        Command::Start(a) => lifecycle::start(g, a, p),
        Command::Claim(a) => claim::run(g, a, p),
        Command::Status(a) => lifecycle::status(g, a, p),
        Command::Close(a) => lifecycle::close(g, a, p),
        Command::Reopen(a) => lifecycle::reopen(g, a, p),
        Command::AddNote(a) => note::run(g, a, p),
        Command::Update(a) => update::run(g, a, p),
        Command::Edit(a) => edit::run(g, a, p),
        Command::Delete(a) => delete::run(g, a, p),
        Command::Dep(a) => graph::dep(g, a, p),
        Command::Undep(a) => graph::undep(g, a, p),
        Command::Depends(a) => graph::depends(g, a, p),
        Command::Tier(a) => update::tier(g, a, p),
        Command::Link(a) => graph::link(g, a, p, true),
        Command::Unlink(a) => graph::link(g, a, p, false),
        Command::Import(a) => interop::import(g, a, p),
        Command::Export(a) => interop::export(g, a, p),
        Command::Inbox(a) => interop::inbox(g, a, p),
        Command::MergeDriver(a) => merge_driver::run(g, a, p),
        Command::Log(a) => usage::run(g, a, p),
        Command::Stats(a) => stats::run(g, a, p),
        Command::Context(a) => knowledge::context(g, a, p),
        Command::Doc(a) => knowledge::doc(g, a, p),
        Command::Monitor(a) => monitor::run(g, a, p),
        Command::Check(a) => check::run(g, a, p),
        Command::Prime(a) => prime::run(g, a, p),
        Command::Session(a) => session::run(g, a, p),
        Command::Role(a) => session::role(g, a, p),
        Command::Cleanup(a) => session::cleanup(g, a, p),
        Command::Run(a) => run::run(g, a, p),
        Command::Trust(a) => trust::run(g, a, p),
        Command::Mcp(a) => crate::mcp::run(g, a, p),
        Command::Serve(a) => serve::run(g, a, p),
        Command::Watch(a) => watch::run(g, a, p),
        Command::Man(a) => man::run(g, a, p),
        Command::Agents(a) => agents::run(g, a, p),
        Command::Completions(a) => agents::completions(g, a, p),
        Command::Demo(a) => demo::run(g, a, p),
        Command::Gen(a) => gen_cmd::run(g, a, p),
    }
}
