//! Running one agent: a child process in its own process group, its output
//! streamed line by line into a log file, an idle deadline reset by every
//! line, and the whole group killed on timeout or interruption.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use docket_core::Error;
use docket_core::runner::adapter::{OutputReader, Usage};

use super::progress::Progress;

/// Set by SIGINT/SIGTERM/SIGHUP: kill the agent and stop the run.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_sig: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Route SIGINT, SIGTERM and SIGHUP to [`INTERRUPTED`], so an interrupted run
/// kills its agent's process group instead of leaving it running.
pub fn install_signal_handlers() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            libc::signal(sig, on_signal as *const () as libc::sighandler_t);
        }
    }
}

/// What to run and where.
pub struct AgentSpec {
    pub argv: Vec<String>,
    /// Piped to stdin, then closed.
    pub stdin: Option<String>,
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
    pub log: PathBuf,
    pub idle: Duration,
    pub format: Option<String>,
    /// First lines of the log file.
    pub header: String,
}

/// How the agent ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    /// Killed by a signal it did not get from us.
    Signal(i32),
    /// No output for the idle timeout; its process group was killed.
    TimedOut,
    /// The runner was interrupted; the agent's process group was killed.
    Interrupted,
}

/// One finished agent run.
#[derive(Debug, Clone)]
pub struct AgentResult {
    pub exit: Exit,
    pub usage: Usage,
    pub duration: Duration,
}

enum Msg {
    Line(bool, Vec<u8>),
    Eof,
}

fn pump(reader: impl Read, stderr: bool, tx: mpsc::Sender<Msg>) {
    let mut r = BufReader::new(reader);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match r.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                if tx.send(Msg::Line(stderr, buf.clone())).is_err() {
                    return;
                }
            }
        }
    }
    let _ = tx.send(Msg::Eof);
}

fn kill_group(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: kill(2) with a negative pid signals the process group we created.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

/// Run the agent to completion, timeout or interruption.
pub fn run(spec: &AgentSpec, progress: &mut Progress) -> Result<AgentResult, Error> {
    let Some((program, args)) = spec.argv.split_first() else {
        return Err(Error::RunnerFailed {
            message: "the agent adapter has an empty command".into(),
        });
    };
    if let Some(dir) = spec.log.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let mut log = File::create(&spec.log).map_err(|e| Error::io(&spec.log, e))?;
    let _ = log.write_all(spec.header.as_bytes());
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(&spec.cwd)
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .stdin(if spec.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|e| Error::RunnerFailed {
        message: if e.kind() == std::io::ErrorKind::NotFound {
            format!("cannot start the agent: `{program}` is not on PATH (install it, or choose another with --agent)")
        } else {
            format!("cannot start the agent `{program}`: {e}")
        },
    })?;
    let pid = child.id();
    if let (Some(text), Some(mut stdin)) = (spec.stdin.clone(), child.stdin.take()) {
        std::thread::spawn(move || {
            let _ = stdin.write_all(text.as_bytes());
        });
    }
    let (tx, rx) = mpsc::channel();
    if let Some(out) = child.stdout.take() {
        let tx = tx.clone();
        std::thread::spawn(move || pump(out, false, tx));
    }
    if let Some(err) = child.stderr.take() {
        let tx = tx.clone();
        std::thread::spawn(move || pump(err, true, tx));
    }
    drop(tx);

    let mut reader = OutputReader::new(spec.format.as_deref());
    let mut last_output = Instant::now();
    let mut open_streams = 2;
    let mut exited: Option<(std::process::ExitStatus, Instant)> = None;
    let tick = Duration::from_millis(100);
    let grace = Duration::from_millis(500);
    let outcome = loop {
        if INTERRUPTED.load(Ordering::SeqCst) {
            kill_group(pid);
            break Exit::Interrupted;
        }
        match rx.recv_timeout(tick) {
            Ok(Msg::Line(is_err, bytes)) => {
                last_output = Instant::now();
                if is_err {
                    let _ = log.write_all(b"[stderr] ");
                }
                let _ = log.write_all(&bytes);
                if !bytes.ends_with(b"\n") {
                    let _ = log.write_all(b"\n");
                }
                let text = String::from_utf8_lossy(&bytes);
                if let Some(activity) = reader.line(&text) {
                    progress.activity(&activity);
                }
            }
            Ok(Msg::Eof) => open_streams -= 1,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => open_streams = 0,
        }
        progress.tick();
        if exited.is_none()
            && let Ok(Some(status)) = child.try_wait()
        {
            exited = Some((status, Instant::now()));
        }
        if let Some((status, at)) = exited {
            // Done once both pipes closed; a stray grandchild holding them open
            // gets a short grace, then the whole group is killed.
            if open_streams <= 0 || at.elapsed() > grace {
                if open_streams > 0 {
                    kill_group(pid);
                }
                use std::os::unix::process::ExitStatusExt;
                break match (status.code(), status.signal()) {
                    (Some(c), _) => Exit::Code(c),
                    (None, Some(s)) => Exit::Signal(s),
                    (None, None) => Exit::Code(-1),
                };
            }
        } else if last_output.elapsed() > spec.idle {
            kill_group(pid);
            break Exit::TimedOut;
        }
    };
    let _ = child.wait();
    // Drain what is already buffered, without waiting on stray holders.
    while let Ok(msg) = rx.try_recv() {
        if let Msg::Line(is_err, bytes) = msg {
            if is_err {
                let _ = log.write_all(b"[stderr] ");
            }
            let _ = log.write_all(&bytes);
            reader.line(&String::from_utf8_lossy(&bytes));
        }
    }
    let duration = started.elapsed();
    let _ = writeln!(
        log,
        "\n# docket run: agent ended ({}) after {:.1}s",
        describe(&outcome),
        duration.as_secs_f64()
    );
    Ok(AgentResult {
        exit: outcome,
        usage: reader.usage,
        duration,
    })
}

/// Human words for an exit.
pub fn describe(e: &Exit) -> String {
    match e {
        Exit::Code(c) => format!("exit code {c}"),
        Exit::Signal(s) => format!("killed by signal {s}"),
        Exit::TimedOut => "idle timeout".into(),
        Exit::Interrupted => "interrupted".into(),
    }
}
