//! The tamper-evident audit log: a hash chain of entries kept in the ticket file
//! itself, under `## Log`, so it stays readable markdown and merges with the ticket.
//!
//! Each entry is a `### <at> · <kind> · <actor>` heading, a one-line HTML comment
//! carrying its sequence number, session, role, kind-specific data, the hash of the
//! previous entry and its own hash, then free text. The hash covers every field
//! and the text, so editing, reordering or removing an entry in the middle breaks
//! the chain. It is not a signature: whoever can write the file can recompute the
//! whole chain; git history and review are what catch that (docs/ARCHITECTURE.md).

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::ticket::Ticket;

/// The body section holding the log.
pub const SECTION_LOG: &str = "Log";

/// `prev` of the first entry.
pub const GENESIS: &str = "00000000000000000000000000000000";

/// Marker that starts the metadata line of an entry.
const MARKER: &str = "<!-- log ";

/// Kinds of entries docket writes.
pub mod kind {
    pub const CREATED: &str = "created";
    pub const TRANSITION: &str = "transition";
    pub const NOTE: &str = "note";
    pub const COMMENT: &str = "comment";
    pub const PLAN: &str = "plan";
    pub const APPROVAL: &str = "approval";
    pub const VIOLATION: &str = "violation";
    pub const EDIT: &str = "edit";
    pub const CLAIM: &str = "claim";
    /// Token, tool, duration and cost figures of a piece of work (`docket log`).
    pub const USAGE: &str = "usage";
}

/// One log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// 1-based position in the chain.
    pub n: u64,
    pub at: String,
    pub kind: String,
    /// Display name: `name (role)` for a session, else the user.
    pub actor: String,
    pub session: Option<String>,
    pub role: Option<String>,
    /// Kind-specific facts (`from`/`to`, plan `version`/`hash`, `guards`, ...).
    pub data: BTreeMap<String, String>,
    pub text: String,
    pub prev: String,
    pub hash: String,
}

impl LogEntry {
    /// Who wrote the entry, as compared by the isolation guards: the session id,
    /// else the actor name.
    pub fn identity(&self) -> String {
        match &self.session {
            Some(s) => format!("session:{s}"),
            None => format!("user:{}", self.actor),
        }
    }

    /// A data value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.data.get(key).map(String::as_str)
    }

    /// The hash this entry should carry, recomputed from its fields.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        let mut field = |k: &str, v: &str| {
            h.update(k.as_bytes());
            h.update(b"=");
            h.update(v.as_bytes());
            h.update(b"\n");
        };
        field("docket-log", "1");
        field("n", &self.n.to_string());
        field("at", &self.at);
        field("kind", &self.kind);
        field("actor", &self.actor);
        field("session", self.session.as_deref().unwrap_or("-"));
        field("role", self.role.as_deref().unwrap_or("-"));
        field("prev", &self.prev);
        for (k, v) in &self.data {
            field(&format!("data.{k}"), v);
        }
        h.update(b"--\n");
        h.update(self.text.as_bytes());
        short_hex(&h.finalize())
    }

    fn render(&self) -> String {
        let mut meta = format!(
            "{MARKER}n={} session={} role={}",
            self.n,
            escape(self.session.as_deref().unwrap_or("-")),
            escape(self.role.as_deref().unwrap_or("-")),
        );
        for (k, v) in &self.data {
            meta.push_str(&format!(" {}={}", escape(k), escape(v)));
        }
        meta.push_str(&format!(" prev={} hash={} -->", self.prev, self.hash));
        let mut out = format!("### {} · {} · {}\n{meta}\n", self.at, self.kind, self.actor);
        if !self.text.is_empty() {
            out.push('\n');
            out.push_str(&self.text);
            out.push('\n');
        }
        out
    }
}

/// The logged state of a ticket's acceptance criteria (`ac=` on created and
/// edit entries): 16 hex digits over each criterion's state and title, so
/// `check` can tell a box ticked by hand from one ticked through docket.
pub fn criteria_hash(criteria: &[crate::ticket::Criterion]) -> String {
    let mut h = Sha256::new();
    for c in criteria {
        h.update(if c.done { b"x " } else { b"- " });
        h.update(c.title.as_bytes());
        h.update(b"\n");
    }
    short_hex(&h.finalize())[..16].to_string()
}

/// The first 32 hex digits (128 bits) of a SHA-256 digest.
fn short_hex(bytes: &[u8]) -> String {
    bytes.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Content hash of a plan text (trimmed, line endings normalised).
pub fn plan_hash(text: &str) -> String {
    let norm = normalize_text(text);
    short_hex(&Sha256::digest(norm.as_bytes()))
}

/// Trim and normalise line endings; what is stored and hashed.
pub fn normalize_text(text: &str) -> String {
    // No carriage return survives: a parsed entry is rebuilt line by line, so
    // the stored text must read back byte for byte.
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .to_string()
}

/// Percent-encode what would split or end the metadata line: `%`, `=`, `>`,
/// every whitespace and control character.
fn escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if c == '%' || c == '=' || c == '>' || c.is_whitespace() || c.is_control() {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Undo [`escape`]; a malformed escape is kept literally.
fn unescape(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Who is writing an entry.
#[derive(Debug, Clone, Default)]
pub struct Author {
    pub actor: String,
    pub session: Option<String>,
    pub role: Option<String>,
}

/// A parse problem in the log of one ticket (reported by `check`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogDefect {
    /// The entry number where the chain breaks (1-based position in the file).
    pub entry: u64,
    pub message: String,
}

/// Reject a `<!-- log` marker line in text stored outside the log.
pub fn validate_no_marker(text: &str) -> Result<()> {
    if text
        .lines()
        .any(|l| l.trim_start().starts_with(MARKER.trim_end()))
    {
        return Err(Error::invalid(
            "text must not contain a line starting with `<!-- log` (reserved for the audit log)",
        ));
    }
    Ok(())
}

/// Reject text that would be mistaken for log structure: a `<!-- log` marker
/// line, or a `## ` heading (which would end the section it is stored in).
pub fn validate_text(text: &str) -> Result<()> {
    validate_no_marker(text)?;
    if text
        .lines()
        .map(str::trim_start)
        .any(|l| l.starts_with("## ") || l == "##")
    {
        return Err(Error::invalid(
            "text must not contain `## ` headings (they would end the section); use `###` or deeper",
        ));
    }
    Ok(())
}

/// Parse the `## Log` section of a ticket. Unparseable structure is reported as
/// defects; entries are returned as found (hashes are not verified here).
pub fn parse(t: &Ticket) -> (Vec<LogEntry>, Vec<LogDefect>) {
    parse_body(&t.body)
}

/// [`parse`] on a markdown body.
pub fn parse_body(body: &str) -> (Vec<LogEntry>, Vec<LogDefect>) {
    parse_section(&crate::ticket::section_of(body, SECTION_LOG))
}

fn parse_section(text: &str) -> (Vec<LogEntry>, Vec<LogDefect>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut entries: Vec<LogEntry> = Vec::new();
    let mut defects = Vec::new();
    let is_start = |i: usize| {
        lines[i].starts_with("### ") && lines.get(i + 1).is_some_and(|l| l.starts_with(MARKER))
    };
    let mut i = 0;
    // Anything before the first entry is foreign text.
    let mut foreign = false;
    while i < lines.len() && !is_start(i) {
        foreign |= !lines[i].trim().is_empty();
        i += 1;
    }
    if foreign {
        defects.push(LogDefect {
            entry: 1,
            message: "text outside any log entry".into(),
        });
    }
    while i < lines.len() {
        let position = entries.len() as u64 + 1;
        let heading = &lines[i][4..];
        let marker = lines[i + 1];
        let mut j = i + 2;
        while j < lines.len() && !is_start(j) {
            j += 1;
        }
        let text = lines[i + 2..j].join("\n").trim().to_string();
        match parse_entry(heading, marker, text) {
            Some(e) => entries.push(e),
            None => defects.push(LogDefect {
                entry: position,
                message: "malformed log entry heading or metadata line".into(),
            }),
        }
        i = j;
    }
    (entries, defects)
}

fn parse_entry(heading: &str, marker: &str, text: String) -> Option<LogEntry> {
    let mut parts = heading.splitn(3, " · ");
    let at = parts.next()?.trim().to_string();
    let kind = parts.next()?.trim().to_string();
    let actor = parts.next()?.trim().to_string();
    let body = marker.strip_prefix(MARKER)?.strip_suffix("-->")?.trim();
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    for kv in body.split_whitespace() {
        let (k, v) = kv.split_once('=')?;
        fields.insert(unescape(k), unescape(v));
    }
    let n = fields.remove("n")?.parse().ok()?;
    let prev = fields.remove("prev")?;
    let hash = fields.remove("hash")?;
    let opt = |v: Option<String>| v.filter(|s| s != "-");
    let session = opt(fields.remove("session"));
    let role = opt(fields.remove("role"));
    Some(LogEntry {
        n,
        at,
        kind,
        actor,
        session,
        role,
        data: fields,
        text,
        prev,
        hash,
    })
}

/// Check the chain: numbering, links and every hash. Returns the first break.
pub fn verify(entries: &[LogEntry]) -> Option<LogDefect> {
    let mut prev = GENESIS.to_string();
    for (i, e) in entries.iter().enumerate() {
        let pos = i as u64 + 1;
        let defect = |message: String| LogDefect {
            entry: pos,
            message,
        };
        if e.n != pos {
            return Some(defect(format!("entry {pos} is numbered {}", e.n)));
        }
        if e.prev != prev {
            return Some(defect(format!(
                "entry {pos} does not link to the entry before it (prev {} != {})",
                e.prev, prev
            )));
        }
        if e.compute_hash() != e.hash {
            return Some(defect(format!(
                "entry {pos} ({} at {}) was modified: its hash no longer matches its content",
                e.kind, e.at
            )));
        }
        prev = e.hash.clone();
    }
    None
}

/// Append an entry to a ticket's log, chained to the last one.
pub fn append(
    t: &mut Ticket,
    at: &str,
    author: &Author,
    kind: &str,
    data: &[(&str, &str)],
    text: &str,
) -> LogEntry {
    debug_assert!(
        data.iter()
            .all(|(k, _)| !matches!(*k, "n" | "prev" | "hash" | "session" | "role")),
        "reserved log data key"
    );
    let section = t.section(SECTION_LOG);
    let (entries, _) = parse_section(&section);
    let prev = entries
        .last()
        .map(|e| e.hash.clone())
        .unwrap_or_else(|| GENESIS.to_string());
    let mut entry = LogEntry {
        n: entries.len() as u64 + 1,
        at: at.to_string(),
        kind: kind.to_string(),
        actor: one_line(&author.actor),
        session: author.session.clone(),
        role: author.role.clone(),
        data: data
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        text: normalize_text(text),
        prev,
        hash: String::new(),
    };
    entry.hash = entry.compute_hash();
    let mut new_section = section.trim_end().to_string();
    if !new_section.is_empty() {
        new_section.push_str("\n\n");
    }
    new_section.push_str(entry.render().trim_end());
    t.set_section(SECTION_LOG, &new_section);
    entry
}

fn one_line(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let s = s.replace(" · ", " - ");
    let s = s.trim();
    if s.is_empty() {
        "unknown".into()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::tests_support::ticket;

    fn author(name: &str) -> Author {
        Author {
            actor: format!("{name} (architect)"),
            session: Some(format!("s-{name}")),
            role: Some("architect".into()),
        }
    }

    #[test]
    fn append_parse_verify_round_trip() {
        let mut t = ticket("\n## Description\n\nhello\n");
        append(
            &mut t,
            "2026-01-01T00:00:00Z",
            &author("ada"),
            kind::CREATED,
            &[],
            "",
        );
        append(
            &mut t,
            "2026-01-01T00:00:01Z",
            &author("bob"),
            kind::TRANSITION,
            &[("from", "todo"), ("to", "in progress")],
            "a note\n### with a heading\nand more",
        );
        let (entries, defects) = parse(&t);
        assert!(defects.is_empty(), "{defects:?}");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].get("to"), Some("in progress"));
        assert_eq!(entries[1].text, "a note\n### with a heading\nand more");
        assert_eq!(verify(&entries), None);
        assert_eq!(t.section("Description"), "hello");
    }

    #[test]
    fn edits_are_detected() {
        let mut t = ticket("");
        append(
            &mut t,
            "2026-01-01T00:00:00Z",
            &author("ada"),
            kind::NOTE,
            &[],
            "first",
        );
        append(
            &mut t,
            "2026-01-01T00:00:01Z",
            &author("ada"),
            kind::NOTE,
            &[],
            "second",
        );
        append(
            &mut t,
            "2026-01-01T00:00:02Z",
            &author("ada"),
            kind::NOTE,
            &[],
            "third",
        );
        let original = t.body.clone();

        t.body = original.replace("second", "2nd");
        let (e, _) = parse(&t);
        assert_eq!(verify(&e).map(|d| d.entry), Some(2));

        // Removing an entry in the middle breaks the numbering.
        let (e, _) = parse(&Ticket {
            body: original.clone(),
            ..t.clone()
        });
        let mut without = e.clone();
        without.remove(1);
        assert_eq!(verify(&without).map(|d| d.entry), Some(2));

        t.body = original.replace("ada (architect)", "eve (architect)");
        let (e, _) = parse(&t);
        assert_eq!(verify(&e).map(|d| d.entry), Some(1));
    }

    #[test]
    fn stray_text_is_a_defect_not_a_panic() {
        for body in [
            "\n## Log\n\nab\n",
            "\n## Log\n\nonly line\n",
            "\n## Log\n\n#\n### x\n",
        ] {
            let (entries, defects) = parse(&ticket(body));
            assert!(entries.is_empty());
            assert_eq!(defects.len(), 1, "{body:?}");
        }
        let mut t = ticket("");
        append(
            &mut t,
            "2026-01-01T00:00:00Z",
            &author("ada"),
            kind::NOTE,
            &[],
            "x",
        );
        t.body = t.body.replace("## Log\n\n", "## Log\n\nab\n\n");
        let (entries, defects) = parse(&t);
        assert_eq!(entries.len(), 1);
        assert_eq!(defects.len(), 1);
    }

    #[test]
    fn odd_values_and_line_endings_round_trip() {
        let mut t = ticket("");
        let odd = "wait\u{a0}ing\ttab %20 a=b --> 数";
        append(
            &mut t,
            "2026-01-01T00:00:00Z",
            &author("ada"),
            kind::TRANSITION,
            &[("to", odd)],
            "a\r\r\nb\rc",
        );
        append(
            &mut t,
            "2026-01-01T00:00:01Z",
            &author("ada"),
            kind::NOTE,
            &[],
            "after",
        );
        let (e, d) = parse(&t);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].get("to"), Some(odd));
        assert_eq!(e[0].text, "a\n\nb\nc");
        assert_eq!(verify(&e), None);
        assert_eq!(unescape("100%"), "100%");
        assert_eq!(unescape("%2"), "%2");
    }

    #[test]
    fn marker_text_is_rejected() {
        assert!(validate_text("a\n## Evil\nb").is_err());
        assert!(validate_text("a\n   ## Evil").is_err());
        assert!(validate_text("a\n### fine").is_ok());
        assert!(validate_text("ok\n<!-- log n=1 -->").is_err());
        assert!(validate_text("ok <!-- log inline is fine").is_ok());
    }
}
