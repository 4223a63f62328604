//! The hot index protocol and its client.
//!
//! A long-lived process (`docket watch`, crate `docket-hot`) keeps every
//! ticket's frontmatter current from file-system notifications and answers
//! listings over a Unix socket, `.docket/local/hot.sock`. The server answers
//! only when it can prove its view holds every change made before the
//! request: on each request it creates a *cookie* file in `.docket/local/hot/`
//! (watched by the same inotify instance as the ticket folders) and answers
//! once it has processed that cookie's notification, so every event queued
//! before it has been applied. Anything else — no server, a dead one (a
//! stale socket: connection refused), a hung one (timeout), a lost cookie
//! (queue overflow), a rescan in progress, a different config, a different
//! protocol or build, an interrupted move — makes the client scan the
//! folders, as without the index. Nothing is ever answered from a view that
//! might miss a change.
//!
//! Wire: the request is one JSON line ([`HotRequest`]); the reply is a
//! little-endian `u64` length and a postcard-encoded [`HotReply`].

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use docket_core::Project;
use docket_core::store::Entry;
use docket_core::ticket::Meta;
use serde::{Deserialize, Serialize};

use crate::query::{JsonListing, JsonRows, ListRequest, Listing, Source};
use crate::view::Listed;

/// The socket, in `.docket/local/`.
pub const SOCKET: &str = "hot.sock";
/// The folder of cookie files, in `.docket/local/`.
pub const COOKIE_DIR: &str = "hot";
/// Bumped whenever the wire format or the listing rules change.
pub const PROTOCOL: u32 = 3;
/// The build both sides must share: a server from another build could list
/// differently.
pub const BUILD: &str = concat!(env!("CARGO_PKG_VERSION"), "+hot3");
/// Longest a client waits for any read or write before scanning instead (the
/// server gives up on its cookie after 2 s and says so).
const CLIENT_TIMEOUT: Duration = Duration::from_secs(3);
/// Replies larger than this are refused (a corrupt length).
const MAX_REPLY: u64 = 1 << 32;

/// The socket path of a project.
pub fn socket_path(p: &Project) -> PathBuf {
    p.local_dir().join(SOCKET)
}

/// One listing request.
#[derive(Debug, Serialize, Deserialize)]
pub struct HotRequest {
    pub protocol: u32,
    pub build: String,
    /// The client's `.docket` folder, canonical: the server must be watching it.
    pub dir: PathBuf,
    /// The config text the client loaded: the server answers only with the same.
    pub config: String,
    pub req: ListRequest,
    /// Ids claimed by live sessions, judged by the client (its clock).
    pub claimed: Vec<String>,
    /// The form of the rows in the reply.
    pub form: Form,
}

/// How the rows of a reply come back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Form {
    /// Each row's frontmatter, for a face to render ([`WireListing`]).
    #[default]
    Rows,
    /// The rows already rendered as listing JSON ([`crate::view::ListRow`]),
    /// for a client that prints them as they are ([`WireJson`]): nothing to
    /// decode per row.
    Json,
    /// The human ticket table, laid out by the server for the client's
    /// width (`None`: never cut) and colour choice ([`WireText`]): the
    /// client prints it as it came, like JSON rows.
    Text { width: Option<u32>, color: bool },
}

/// The server's answer.
#[derive(Debug, Serialize, Deserialize)]
pub enum HotReply<'a> {
    /// Not provably current (or not this project): scan instead. Why.
    Unsure(String),
    /// The listing.
    Listing(WireListing),
    /// The listing as JSON rows ([`Form::Json`]).
    #[serde(borrow)]
    Json(WireJson<'a>),
    /// The listing as a laid-out table ([`Form::Text`]).
    Text(WireText),
}

impl HotReply<'_> {
    /// The reply, owning what it borrowed from its bytes.
    pub fn into_owned(self) -> HotReply<'static> {
        match self {
            HotReply::Unsure(why) => HotReply::Unsure(why),
            HotReply::Listing(l) => HotReply::Listing(l),
            HotReply::Json(j) => HotReply::Json(WireJson {
                rows: std::borrow::Cow::Owned(j.rows.into_owned()),
                ..j
            }),
            HotReply::Text(t) => HotReply::Text(t),
        }
    }
}

/// A listing as the human table's text.
#[derive(Debug, Serialize, Deserialize)]
pub struct WireText {
    pub text: String,
    pub total: u64,
    pub next_cursor: Option<String>,
    pub skipped: Vec<(String, String)>,
    pub suspect: Vec<(String, String)>,
}

impl WireText {
    /// The text form of a page computed by the server: [`crate::query::Page::table`].
    pub fn from_page(l: &crate::query::Page<'_>, width: Option<u32>, color: bool) -> WireText {
        WireText {
            text: l.table(width.map(|w| w as usize), color),
            total: l.total as u64,
            next_cursor: l.next_cursor.clone(),
            skipped: l.skipped.clone(),
            suspect: l.suspect.clone(),
        }
    }
}

/// A listing whose rows are rendered JSON, comma-separated. A client reads
/// the rows in place, from the reply's bytes: a 100k listing is not copied.
#[derive(Debug, Serialize, Deserialize)]
pub struct WireJson<'a> {
    #[serde(borrow)]
    pub rows: std::borrow::Cow<'a, str>,
    pub count: u64,
    pub total: u64,
    pub next_cursor: Option<String>,
    pub skipped: Vec<(String, String)>,
    pub suspect: Vec<(String, String)>,
}

impl<'a> WireJson<'a> {
    /// The wire form of a listing the server rendered as JSON.
    pub fn from_json(j: JsonListing<'_>) -> WireJson<'static> {
        WireJson {
            rows: std::borrow::Cow::Owned(j.rows.into_string()),
            count: j.count as u64,
            total: j.total as u64,
            next_cursor: j.next_cursor,
            skipped: j.skipped,
            suspect: j.suspect,
        }
    }

    fn into_listing(self) -> JsonListing<'a> {
        JsonListing {
            rows: JsonRows::Rendered(self.rows),
            count: usize::try_from(self.count).unwrap_or(usize::MAX),
            total: usize::try_from(self.total).unwrap_or(usize::MAX),
            next_cursor: self.next_cursor,
            skipped: self.skipped,
            suspect: self.suspect,
            source: Source::Hot,
        }
    }
}

/// A [`Listing`] with paths relative to the ticket folders.
#[derive(Debug, Serialize, Deserialize)]
pub struct WireListing {
    pub rows: Vec<WireRow>,
    pub total: u64,
    pub next_cursor: Option<String>,
    pub skipped: Vec<(String, String)>,
    pub suspect: Vec<(String, String)>,
}

/// One listed ticket.
#[derive(Debug, Serialize, Deserialize)]
pub struct WireRow {
    pub archived: bool,
    pub name: String,
    pub meta: Meta,
    pub sequence: Option<f64>,
    pub short: String,
    pub blocked: bool,
}

impl WireListing {
    /// The wire form of a listing computed by the server.
    pub fn from_listing(l: Listing) -> WireListing {
        WireListing {
            rows: l
                .rows
                .into_iter()
                .map(|r| WireRow {
                    archived: r.entry.archived,
                    name: docket_core::store::name_in(&r.entry.path).to_string(),
                    meta: r.entry.meta,
                    sequence: r.entry.sequence,
                    short: r.short,
                    blocked: r.blocked,
                })
                .collect(),
            total: l.total as u64,
            next_cursor: l.next_cursor,
            skipped: l.skipped,
            suspect: l.suspect,
        }
    }

    /// Back to a [`Listing`] with the client's own paths.
    fn into_listing(self, p: &Project) -> Listing {
        let (live, archive) = (p.tickets_dir(), p.archive_dir());
        Listing {
            rows: self
                .rows
                .into_iter()
                .map(|r| Listed {
                    entry: Entry {
                        path: if r.archived { &archive } else { &live }.join(&r.name),
                        meta: r.meta,
                        archived: r.archived,
                        sequence: r.sequence,
                    },
                    short: r.short,
                    blocked: r.blocked,
                    line: None,
                })
                .collect(),
            total: usize::try_from(self.total).unwrap_or(usize::MAX),
            next_cursor: self.next_cursor,
            skipped: self.skipped,
            suspect: self.suspect,
            source: Source::Hot,
        }
    }
}

/// Ask the project's hot index for a listing. `Err` says why it did not
/// answer; the caller then scans.
pub fn list(p: &Project, req: &ListRequest, claimed: &HashSet<String>) -> Result<Listing, String> {
    match decode(&ask(p, req, claimed, Form::Rows)?)? {
        HotReply::Listing(l) => Ok(l.into_listing(p)),
        _ => Err("hot index: a reply of another form".into()),
    }
}

/// The listing in a reply to a [`Form::Json`] request ([`ask`]), its rows
/// borrowed from the reply's bytes.
pub fn json_listing(reply: &[u8]) -> Result<JsonListing<'_>, String> {
    match decode(reply)? {
        HotReply::Json(j) => Ok(j.into_listing()),
        _ => Err("hot index: a reply of another form".into()),
    }
}

/// Ask the project's hot index for a listing in the form `form`: the
/// reply's bytes, for [`decode`] (which may borrow from them).
pub fn ask(
    p: &Project,
    req: &ListRequest,
    claimed: &HashSet<String>,
    form: Form,
) -> Result<Vec<u8>, String> {
    let sock = socket_path(p);
    // No socket file: no server (the common case), without a connect attempt.
    if std::fs::symlink_metadata(&sock).is_err() {
        return Err("no hot index running".into());
    }
    let dir = std::fs::canonicalize(&p.dir).map_err(|e| format!("project folder: {e}"))?;
    let config = docket_core::store::read_user_text(&p.dir.join("config.toml"), 1 << 20)
        .map_err(|e| format!("config.toml: {e}"))?;
    let mut claimed: Vec<String> = claimed.iter().cloned().collect();
    claimed.sort();
    let request = HotRequest {
        protocol: PROTOCOL,
        build: BUILD.to_string(),
        dir,
        config,
        req: req.clone(),
        claimed,
        form,
    };
    let mut stream = UnixStream::connect(&sock).map_err(|e| format!("hot index: {e}"))?;
    let io = |e: std::io::Error| format!("hot index: {e}");
    stream.set_read_timeout(Some(CLIENT_TIMEOUT)).map_err(io)?;
    stream.set_write_timeout(Some(CLIENT_TIMEOUT)).map_err(io)?;
    let mut line = serde_json::to_vec(&request).map_err(|e| e.to_string())?;
    line.push(b'\n');
    stream.write_all(&line).map_err(io)?;
    read_reply(&mut stream).map_err(io)
}

/// A reply's bytes decoded; `Err` when the server was unsure (why) or the
/// bytes are not a reply.
pub fn decode(bytes: &[u8]) -> Result<HotReply<'_>, String> {
    match postcard::from_bytes(bytes).map_err(|e| format!("hot index: {e}"))? {
        HotReply::Unsure(why) => Err(format!("hot index unsure: {why}")),
        reply => Ok(reply),
    }
}

/// Server side: read one request line (at most `cap` bytes).
pub fn read_request(stream: &mut UnixStream, cap: u64) -> Result<HotRequest, String> {
    let mut line = Vec::new();
    BufReader::new(stream.take(cap))
        .read_until(b'\n', &mut line)
        .map_err(|e| e.to_string())?;
    serde_json::from_slice(&line).map_err(|e| format!("bad request: {e}"))
}

/// Server side: one reply, encoded (a server may keep it for the same
/// request while nothing changes).
pub fn encode_reply(reply: &HotReply<'_>) -> std::io::Result<Vec<u8>> {
    // Sized first: a full listing at 100k is 29 MB, and a buffer grown by
    // doubling would hold twice that while it is copied.
    let size = postcard::experimental::serialized_size(reply).map_err(std::io::Error::other)?;
    postcard::to_io(reply, Vec::with_capacity(size)).map_err(std::io::Error::other)
}

/// Server side: a listing rendered as JSON rows, encoded as
/// `HotReply::Json` straight from the rows as they are written: the same
/// bytes as [`encode_reply`] of [`WireJson::from_json`], without holding the
/// rows twice (a full listing at 100k is 29 MB of rows).
pub fn encode_json_reply(j: JsonListing<'_>) -> std::io::Result<Vec<u8>> {
    let mut out = match j.rows {
        JsonRows::Rendered(s) => s.into_owned().into_bytes(),
        rows => rows.into_string().into_bytes(),
    };
    let other = std::io::Error::other;
    // The reply's variant and the rows' length, then the rows, then the
    // rest of `WireJson`'s fields in order: postcard's encoding of the enum
    // (a test checks it against postcard's own).
    let head = postcard::to_allocvec(&(JSON_VARIANT, out.len())).map_err(other)?;
    let tail = (
        j.count as u64,
        j.total as u64,
        &j.next_cursor,
        &j.skipped,
        &j.suspect,
    );
    let tail = postcard::to_allocvec(&tail).map_err(other)?;
    // Exactly: a buffer without that much room to spare would double.
    out.reserve_exact(head.len() + tail.len());
    out.splice(0..0, head);
    out.extend_from_slice(&tail);
    Ok(out)
}

/// `HotReply::Json`'s place among the reply's variants.
const JSON_VARIANT: u32 = 2;

/// Server side: write one encoded reply.
pub fn write_encoded(stream: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    stream.write_all(&(bytes.len() as u64).to_le_bytes())?;
    stream.write_all(bytes)?;
    stream.flush()
}

/// Server side: write one reply.
pub fn write_reply(stream: &mut impl Write, reply: &HotReply<'_>) -> std::io::Result<()> {
    write_encoded(stream, &encode_reply(reply)?)
}

fn read_reply(stream: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 8];
    stream.read_exact(&mut len)?;
    let len = u64::from_le_bytes(len);
    if len > MAX_REPLY {
        return Err(std::io::Error::other("reply too large"));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    stream.take(len).read_to_end(&mut bytes)?;
    if bytes.len() as u64 != len {
        return Err(std::io::Error::other("reply cut short"));
    }
    Ok(bytes)
}

/// Whether `path` is inside the cookie folder of the project folder `dir`.
pub fn is_cookie(dir: &Path, path: &Path) -> bool {
    path.parent() == Some(&dir.join("local").join(COOKIE_DIR))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON reply encoded from its rows in place is exactly postcard's
    /// encoding of the reply, whatever the rows' length (one- to
    /// three-byte length prefixes) and the other fields.
    #[test]
    fn a_json_reply_encoded_in_place_is_postcards_own() {
        for len in [0, 5, 127, 128, 20_000] {
            let rows = "r".repeat(len);
            let listing = || JsonListing {
                rows: JsonRows::Rendered(std::borrow::Cow::Owned(rows.clone())),
                count: len,
                total: len * 3 + 200,
                next_cursor: (len % 2 == 1).then(|| "40".to_string()),
                skipped: vec![("a.md".into(), "bad".into())],
                suspect: vec![],
                source: Source::Hot,
            };
            let want = encode_reply(&HotReply::Json(WireJson::from_json(listing()))).unwrap();
            assert_eq!(
                encode_json_reply(listing()).unwrap(),
                want,
                "{len} bytes of rows"
            );
            match decode(&want).unwrap() {
                HotReply::Json(j) => assert_eq!(j.rows.len(), len),
                other => panic!("decoded as {other:?}"),
            }
        }
    }
}
