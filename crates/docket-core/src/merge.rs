//! The git merge driver's rules: a three-way merge of one ticket file.
//!
//! - Frontmatter merges key by key. A value changed on one side wins; lists of
//!   plain values (tags, deps, links, external refs, any unknown list) merge as
//!   sets (an item added on either side is kept, one removed on either side
//!   goes); acceptance criteria merge by title; `updated` takes the later time.
//!   Both sides changing one value differently is a conflict confined to that
//!   key: standard markers around the two renderings of that key alone.
//! - Body sections merge the same way, section by section; legacy `## Notes`
//!   entries are unioned in time order.
//! - The `## Log` chains: the entries both sides share stay; one side's new
//!   entries follow verbatim, the other side's are re-chained after them, and a
//!   `merge` entry names both heads, the common base and how many entries were
//!   re-chained, so `docket check` verifies the chain and recomputes the
//!   re-chained entries' original hashes against the head their branch had
//!   (`audit::verify`). The side kept verbatim is the one whose new entries
//!   include an earlier merge entry, so such an entry is never re-chained; when
//!   both do, the log is a conflict.

use serde_json::Value;

use crate::audit::{self, Author, GENESIS, LogEntry, kind};
use crate::error::{Error, Result};
use crate::interop::split_sections;
use crate::ticket::{SECTION_LOG, SECTION_NOTES};
use crate::yaml;

/// The merged file and what could not be merged.
#[derive(Debug, Clone)]
pub struct Merged {
    pub text: String,
    /// Conflicting keys and sections (`title`, `## Description`, `## Log`).
    pub conflicts: Vec<String>,
    /// Whether the logs were joined with a `merge` entry.
    pub joined: bool,
}

const OURS: &str = "<<<<<<< ours";
const SEP: &str = "=======";
const THEIRS: &str = ">>>>>>> theirs";

enum Pick<T> {
    Take(Option<T>),
    Conflict(Option<T>, Option<T>),
}

/// Three-way choice of one value (`None` = absent).
fn pick3<T: PartialEq + Clone>(o: Option<&T>, a: Option<&T>, b: Option<&T>) -> Pick<T> {
    if a == b || b == o {
        Pick::Take(a.cloned())
    } else if a == o {
        Pick::Take(b.cloned())
    } else {
        Pick::Conflict(a.cloned(), b.cloned())
    }
}

fn is_scalar_list(v: &Value) -> bool {
    v.as_array()
        .is_some_and(|a| a.iter().all(|i| !i.is_array() && !i.is_object()))
}

/// Set merge of lists: kept when on both sides or added by either; removed
/// when either side removed it. Order: ours, then theirs' additions.
fn merge_set(o: &[Value], a: &[Value], b: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for x in a {
        let removed_by_b = o.contains(x) && !b.contains(x);
        if !removed_by_b && !out.contains(x) {
            out.push(x.clone());
        }
    }
    for x in b {
        let removed_by_a = o.contains(x) && !a.contains(x);
        if !removed_by_a && !out.contains(x) {
            out.push(x.clone());
        }
    }
    out
}

/// Acceptance criteria by title: the set rule for which exist, three-way for `done`.
fn merge_acceptance(o: &[Value], a: &[Value], b: &[Value]) -> Vec<Value> {
    let title = |v: &Value| v.get("title").cloned().unwrap_or(Value::Null);
    let titles = |l: &[Value]| l.iter().map(title).collect::<Vec<_>>();
    let find = |l: &[Value], t: &Value| l.iter().find(|v| title(v) == *t).cloned();
    merge_set(&titles(o), &titles(a), &titles(b))
        .into_iter()
        .map(|t| {
            let (vo, va, vb) = (find(o, &t), find(a, &t), find(b, &t));
            match pick3(vo.as_ref(), va.as_ref(), vb.as_ref()) {
                Pick::Take(Some(v)) => v,
                // Both flipped `done` differently cannot happen with booleans;
                // checked wins over unchecked otherwise.
                Pick::Take(None) | Pick::Conflict(..) => va
                    .filter(|v| v.get("done") == Some(&Value::Bool(true)))
                    .or(vb)
                    .unwrap_or(Value::Null),
            }
        })
        .filter(|v| !v.is_null())
        .collect()
}

fn as_list(v: Option<&Value>) -> Vec<Value> {
    v.and_then(Value::as_array).cloned().unwrap_or_default()
}

/// Merge three versions of a ticket file. `Err` when a version is not a
/// ticket file at all (the caller falls back to a line merge).
pub fn merge(base: &str, ours: &str, theirs: &str, now: &str, author: &Author) -> Result<Merged> {
    let parse = |t: &str, which: &str| {
        yaml::parse_docket_shaped(t).map_err(|f| Error::invalid(format!("{which}: {}", f.message)))
    };
    let a = parse(ours, "ours")?;
    let b = parse(theirs, "theirs")?;
    // A file added on both sides has an empty base.
    let o = if base.trim().is_empty() {
        None
    } else {
        Some(parse(base, "base")?)
    };
    let (mo, ma, mb) = (
        o.as_ref().map(yaml::meta_map).unwrap_or_default(),
        yaml::meta_map(&a),
        yaml::meta_map(&b),
    );
    let mut conflicts = Vec::new();
    let mut fm = String::new();
    let mut merged_ac: Vec<crate::ticket::Criterion> = Vec::new();
    let mut keys: Vec<&String> = ma.keys().collect();
    keys.extend(mb.keys().filter(|k| !ma.contains_key(*k)));
    for k in keys {
        let (vo, va, vb) = (mo.get(k), ma.get(k), mb.get(k));
        let chosen = if k == "updated" {
            // The later of the two times (RFC 3339 UTC compares as text).
            let later = match (va, vb) {
                (Some(x), Some(y)) if y.as_str() > x.as_str() => Some(y.clone()),
                (x, y) => x.or(y).cloned(),
            };
            Pick::Take(later)
        } else if k == "acceptance" {
            let l = merge_acceptance(&as_list(vo), &as_list(va), &as_list(vb));
            merged_ac = l
                .iter()
                .filter_map(|v| {
                    Some(crate::ticket::Criterion {
                        title: v.get("title")?.as_str()?.to_string(),
                        done: v.get("done").and_then(Value::as_bool).unwrap_or(false),
                    })
                })
                .collect();
            Pick::Take((!l.is_empty()).then_some(Value::Array(l)))
        } else if va.is_none_or(is_scalar_list)
            && vb.is_none_or(is_scalar_list)
            && (va.is_some_and(Value::is_array) || vb.is_some_and(Value::is_array))
        {
            let l = merge_set(&as_list(vo), &as_list(va), &as_list(vb));
            Pick::Take((!l.is_empty()).then_some(Value::Array(l)))
        } else {
            pick3(vo, va, vb)
        };
        match chosen {
            Pick::Take(Some(v)) => fm.push_str(&yaml::render_one_key(k, &v)),
            Pick::Take(None) => {}
            Pick::Conflict(x, y) => {
                conflicts.push(k.clone());
                let r =
                    |v: Option<Value>| v.map(|v| yaml::render_one_key(k, &v)).unwrap_or_default();
                fm.push_str(&format!("{OURS}\n{}{SEP}\n{}{THEIRS}\n", r(x), r(y)));
            }
        }
    }

    let (pre_o, so) = o
        .as_ref()
        .map(|t| split_sections(&t.body))
        .unwrap_or_default();
    let (pre_a, sa) = split_sections(&a.body);
    let (pre_b, sb) = split_sections(&b.body);
    let get =
        |s: &[(String, String)], n: &str| s.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let mut names: Vec<String> = sa.iter().map(|(k, _)| k.clone()).collect();
    for (k, _) in &sb {
        if !names.contains(k) {
            // Keep the Log last.
            let at = names
                .iter()
                .position(|n| n == SECTION_LOG)
                .unwrap_or(names.len());
            names.insert(at, k.clone());
        }
    }
    let mut body = String::new();
    match text3(Some(&pre_o), Some(&pre_a), Some(&pre_b)) {
        Ok(Some(t)) if !t.is_empty() => body.push_str(&format!("{t}\n")),
        Ok(_) => {}
        Err(t) => {
            conflicts.push("text before the first section".into());
            body.push_str(&format!("{t}\n"));
        }
    }
    let mut joined = false;
    for name in names {
        let (to, ta, tb) = (get(&so, &name), get(&sa, &name), get(&sb, &name));
        let text = if name == SECTION_LOG {
            // The merged criteria may be neither side's: the merge entry logs them.
            let ac = (!merged_ac.is_empty()).then(|| audit::criteria_hash(&merged_ac));
            match merge_logs(&a.body, &b.body, now, author, ac) {
                LogMerge::Text(t, j) => {
                    joined = j;
                    Some(t)
                }
                LogMerge::Conflict => {
                    conflicts.push(format!("## {SECTION_LOG}"));
                    Some(format!(
                        "{OURS}\n{}\n{SEP}\n{}\n{THEIRS}",
                        ta.unwrap_or_default(),
                        tb.unwrap_or_default()
                    ))
                }
            }
        } else if name == SECTION_NOTES {
            Some(union_notes(
                &ta.unwrap_or_default(),
                &tb.unwrap_or_default(),
                to.as_deref(),
            ))
        } else {
            match text3(to.as_ref(), ta.as_ref(), tb.as_ref()) {
                Ok(t) => t,
                Err(t) => {
                    conflicts.push(format!("## {name}"));
                    Some(t)
                }
            }
        };
        if let Some(t) = text.filter(|t| !t.trim().is_empty()) {
            body.push_str(&format!("\n## {name}\n\n{}\n", t.trim_end()));
        }
    }
    let text = format!("---\n{fm}---\n{body}");
    if conflicts.is_empty() {
        // Canonical form: the same bytes `docket` itself would write.
        let t = yaml::parse_docket_shaped(&text)
            .map_err(|f| Error::invalid(format!("merged ticket: {}", f.message)))?;
        return Ok(Merged {
            text: yaml::render_ticket(&t),
            conflicts,
            joined,
        });
    }
    Ok(Merged {
        text,
        conflicts,
        joined,
    })
}

/// Three-way merge of a section's text; `Err` holds the text with markers.
fn text3(
    o: Option<&String>,
    a: Option<&String>,
    b: Option<&String>,
) -> std::result::Result<Option<String>, String> {
    match pick3(o, a, b) {
        Pick::Take(t) => Ok(t),
        Pick::Conflict(x, y) => Err(format!(
            "{OURS}\n{}\n{SEP}\n{}\n{THEIRS}",
            x.unwrap_or_default(),
            y.unwrap_or_default()
        )),
    }
}

/// Legacy `## Notes` entries (`### <time>` blocks) of both sides, each once,
/// in time order; an entry removed on one side (present in the base) goes.
fn union_notes(a: &str, b: &str, o: Option<&str>) -> String {
    let blocks = |t: &str| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for line in t.lines() {
            if line.starts_with("### ") || out.is_empty() {
                out.push(String::new());
            }
            if let Some(last) = out.last_mut() {
                last.push_str(line);
                last.push('\n');
            }
        }
        out.into_iter()
            .map(|b| b.trim().to_string())
            .filter(|b| !b.is_empty())
            .collect()
    };
    let to_vals = |v: Vec<String>| v.into_iter().map(Value::String).collect::<Vec<_>>();
    let mut merged = merge_set(
        &to_vals(blocks(o.unwrap_or(""))),
        &to_vals(blocks(a)),
        &to_vals(blocks(b)),
    );
    let at = |v: &Value| {
        v.as_str()
            .and_then(|s| s.strip_prefix("### "))
            .map(|h| h.split(" — ").next().unwrap_or(h).trim().to_string())
            .unwrap_or_default()
    };
    merged.sort_by_key(at);
    merged
        .iter()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join("\n\n")
}

enum LogMerge {
    /// The merged section text, and whether a merge entry joined two tails.
    Text(String, bool),
    Conflict,
}

fn merge_logs(
    a_body: &str,
    b_body: &str,
    now: &str,
    author: &Author,
    ac: Option<String>,
) -> LogMerge {
    let (ea, _) = audit::parse_body(a_body);
    let (eb, _) = audit::parse_body(b_body);
    let common = ea
        .iter()
        .zip(&eb)
        .take_while(|(x, y)| x.hash == y.hash)
        .count();
    let (ta, tb) = (&ea[common..], &eb[common..]);
    let render = |es: &[LogEntry]| {
        es.iter()
            .map(|e| e.render().trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n\n")
    };
    if tb.is_empty() {
        return LogMerge::Text(render(&ea), false);
    }
    if ta.is_empty() {
        return LogMerge::Text(render(&eb), false);
    }
    let has_merge = |t: &[LogEntry]| t.iter().any(|e| e.kind == kind::MERGE);
    // Keep verbatim the side holding an earlier merge entry (it must not move).
    let (kept, joined, rechained) = match (has_merge(ta), has_merge(tb)) {
        (true, true) => return LogMerge::Conflict,
        (false, true) => (tb, ta, "ours"),
        _ => (ta, tb, "theirs"),
    };
    let mut out: Vec<LogEntry> = ea[..common].to_vec();
    out.extend(kept.iter().cloned());
    let head = |t: &[LogEntry]| t.last().map(|e| e.hash.clone()).unwrap_or_default();
    let mut prev = out.last().map(|e| e.hash.clone()).unwrap_or(GENESIS.into());
    for e in joined {
        let mut e = e.clone();
        e.n = out.len() as u64 + 1;
        e.prev = prev;
        e.hash = e.compute_hash();
        prev = e.hash.clone();
        out.push(e);
    }
    let mut m = LogEntry {
        n: out.len() as u64 + 1,
        at: now.to_string(),
        kind: kind::MERGE.to_string(),
        actor: author.actor.clone(),
        session: author.session.clone(),
        role: author.role.clone(),
        data: [
            ("base", common.to_string()),
            ("count", joined.len().to_string()),
            ("ours", head(ta)),
            ("theirs", head(tb)),
            ("rechained", rechained.to_string()),
        ]
        .into_iter()
        .chain(ac.map(|h| ("ac", h)))
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
        text: format!(
            "merged {} entries of ours and {} of theirs after entry {common}",
            ta.len(),
            tb.len()
        ),
        prev,
        hash: String::new(),
    };
    m.hash = m.compute_hash();
    out.push(m);
    LogMerge::Text(render(&out), true)
}

/// Render a conflict report line for people: `title, ## Description`.
pub fn describe(conflicts: &[String]) -> String {
    conflicts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::Ticket;

    fn author(n: &str) -> Author {
        Author {
            actor: n.into(),
            session: None,
            role: None,
        }
    }

    fn base() -> Ticket {
        let mut t = crate::ticket::tests_support::ticket("\n## Description\n\nbase text\n");
        t.meta.created = "2026-01-01T00:00:00Z".into();
        t.meta.updated = "2026-01-01T00:00:00Z".into();
        t.meta.tags = vec!["a".into()].into();
        audit::append(
            &mut t,
            "2026-01-01T00:00:00Z",
            &author("x"),
            kind::CREATED,
            &[],
            "",
        );
        t
    }

    fn text(t: &Ticket) -> String {
        yaml::render_ticket(t)
    }

    #[test]
    fn one_sided_changes_and_sets_merge_and_logs_join() {
        let o = base();
        let mut a = o.clone();
        a.meta.status = "in_progress".into();
        a.meta.tags.push("ours".into());
        a.meta.updated = "2026-01-02T00:00:00Z".into();
        audit::append(
            &mut a,
            "2026-01-02T00:00:00Z",
            &author("ada"),
            kind::NOTE,
            &[],
            "from ours",
        );
        let mut b = o.clone();
        b.meta.priority = 0;
        b.meta.tags = vec!["theirs".into()].into();
        b.meta.updated = "2026-01-03T00:00:00Z".into();
        b.set_section("Design", "their design");
        audit::append(
            &mut b,
            "2026-01-01T12:00:00Z",
            &author("bob"),
            kind::NOTE,
            &[],
            "from theirs",
        );
        let m = merge(
            &text(&o),
            &text(&a),
            &text(&b),
            "2026-01-04T00:00:00Z",
            &author("git"),
        )
        .unwrap();
        assert!(m.conflicts.is_empty(), "{:?}", m.conflicts);
        assert!(m.joined);
        let t = yaml::parse_docket_shaped(&m.text).unwrap();
        assert_eq!(t.meta.status, "in_progress");
        assert_eq!(t.meta.priority, 0);
        // `a` removed by theirs, `ours` and `theirs` added.
        assert_eq!(t.meta.tags, ["ours", "theirs"]);
        assert_eq!(t.meta.updated, "2026-01-03T00:00:00Z");
        assert_eq!(t.section("Design"), "their design");
        let (entries, defects) = audit::parse(&t);
        assert!(defects.is_empty());
        assert_eq!(audit::verify(&entries), None);
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[3].kind, "merge");
        let notes: Vec<_> = t.notes().into_iter().map(|n| n.text).collect();
        assert_eq!(notes, ["from theirs", "from ours"]);

        // Tampering with a re-chained entry, even with the chain re-hashed
        // from there on, is caught by the merge entry.
        let mut forged = entries.clone();
        forged[2].text = "forged".into();
        let mut prev = forged[1].hash.clone();
        for e in forged.iter_mut().skip(2) {
            e.prev = prev;
            e.hash = e.compute_hash();
            prev = e.hash.clone();
        }
        assert!(audit::verify(&forged).is_some());
    }

    #[test]
    fn a_scalar_changed_on_both_sides_is_confined_to_its_key() {
        let o = base();
        let mut a = o.clone();
        a.meta.title = "ours title".into();
        a.meta.tags.push("x".into());
        let mut b = o.clone();
        b.meta.title = "theirs title".into();
        let m = merge(
            &text(&o),
            &text(&a),
            &text(&b),
            "2026-01-04T00:00:00Z",
            &author("git"),
        )
        .unwrap();
        assert_eq!(m.conflicts, ["title"]);
        assert!(
            m.text.contains(
                "<<<<<<< ours\ntitle: ours title\n=======\ntitle: theirs title\n>>>>>>> theirs\n"
            ),
            "{}",
            m.text
        );
        assert_eq!(m.text.matches("<<<<<<<").count(), 1);
    }

    #[test]
    fn legacy_notes_union_in_time_order() {
        let n = union_notes(
            "### 2026-01-02T00:00:00Z\n\nb",
            "### 2026-01-01T00:00:00Z — x\n\na",
            Some(""),
        );
        assert!(n.starts_with("### 2026-01-01"), "{n}");
        assert!(n.contains("### 2026-01-02"));
    }
}
