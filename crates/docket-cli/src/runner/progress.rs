//! Live progress on stderr: on a terminal one status line redrawn in place
//! (ticket n of m, stage, elapsed, last activity); otherwise one line when a
//! ticket starts and one when it ends, so logs of unattended runs stay readable.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub struct Progress {
    live: bool,
    quiet: bool,
    events: bool,
    head: String,
    started: Instant,
    activity: String,
    activity_at: Instant,
    drawn: Instant,
}

fn clock(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}:{:02}", s / 60, s % 60)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

impl Progress {
    /// `quiet` silences everything (tests of `--json` still get stderr lines
    /// unless asked otherwise).
    /// `events`: print each agent activity as a line (not on a terminal).
    pub fn new(quiet: bool, events: bool) -> Progress {
        let now = Instant::now();
        Progress {
            live: std::io::stderr().is_terminal() && !quiet,
            quiet,
            events,
            head: String::new(),
            started: now,
            activity: String::new(),
            activity_at: now,
            drawn: now,
        }
    }

    fn width() -> usize {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .filter(|&c: &usize| c >= 40)
            .unwrap_or(100)
    }

    /// A ticket starts: `[n/m] stage id title`.
    pub fn start(&mut self, head: String) {
        self.head = head;
        self.started = Instant::now();
        self.activity = "starting".into();
        self.activity_at = self.started;
        if self.quiet {
            return;
        }
        if self.live {
            self.draw();
        } else {
            let _ = writeln!(std::io::stderr(), "{} …", self.head);
        }
    }

    /// The agent said something.
    pub fn activity(&mut self, what: &str) {
        self.activity = what.to_string();
        self.activity_at = Instant::now();
        if self.events && !self.live && !self.quiet {
            let _ = writeln!(std::io::stderr(), "  · {what}");
        }
    }

    /// Redraw the live line (at most four times a second).
    pub fn tick(&mut self) {
        if self.live && self.drawn.elapsed() >= Duration::from_millis(250) {
            self.draw();
        }
    }

    fn draw(&mut self) {
        self.drawn = Instant::now();
        let line = format!(
            "{} · {} · {} ago: {}",
            self.head,
            clock(self.started.elapsed()),
            clock(self.activity_at.elapsed()),
            self.activity
        );
        let mut e = std::io::stderr().lock();
        let _ = write!(e, "\r\x1b[2K{}", truncate(&line, Self::width()));
        let _ = e.flush();
    }

    /// A ticket ended: replace the live line with a permanent one.
    pub fn finish(&mut self, result: &str) {
        if self.quiet {
            return;
        }
        let mut e = std::io::stderr().lock();
        if self.live {
            let _ = write!(e, "\r\x1b[2K");
        }
        let _ = writeln!(
            e,
            "{} · {} · {result}",
            self.head,
            clock(self.started.elapsed())
        );
    }

    /// A line between tickets (deferrals, stop, commits).
    pub fn note(&mut self, text: &str) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr(), "{text}");
        }
    }
}
