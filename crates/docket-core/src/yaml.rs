//! The only module that touches YAML: splits a ticket file into frontmatter and
//! body, maps frontmatter to [`Meta`] (keeping unknown keys in order) and back.

use std::path::Path;

use indexmap::IndexMap;
use serde_json::Value;

use crate::ticket::{Criterion, Extra, Meta, Ticket};

/// Why a ticket file could not be loaded; `code` is a `check` issue code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFailure {
    pub code: &'static str,
    pub message: String,
}

impl ParseFailure {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        ParseFailure {
            code,
            message: message.into(),
        }
    }
}

/// Known keys, in the order they are written.
const KEY_ORDER: &[&str] = &[
    "id",
    "title",
    "status",
    "type",
    "priority",
    "mode",
    "tier",
    "attention",
    "assignee",
    "parent",
    "created",
    "updated",
    "closed",
    "tags",
    "external_refs",
    "deps",
    "links",
    "acceptance",
];

/// Split `---\n<yaml>---\n<body>` into its two parts.
fn split(text: &str) -> Result<(&str, &str), ParseFailure> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
        .ok_or_else(|| {
            ParseFailure::new(
                "frontmatter_parse_error",
                "file does not start with a `---` frontmatter line",
            )
        })?;
    let mut pos = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Ok((&rest[..pos], &rest[pos + line.len()..]));
        }
        pos += line.len();
    }
    Err(ParseFailure::new(
        "frontmatter_parse_error",
        "frontmatter has no closing `---` line",
    ))
}

/// Parse only the frontmatter (enough for listings and the cache).
pub fn parse_meta(text: &str) -> Result<Meta, ParseFailure> {
    let (fm, _) = split(text)?;
    let mut map = parse_map(fm)?;
    take_meta(&mut map)
}

/// Parse a whole ticket file.
/// The markdown body of a ticket file, without parsing its frontmatter (for
/// scans that only need the body, such as `check`'s audit pass).
pub fn body_of(text: &str) -> Result<&str, ParseFailure> {
    split(text).map(|(_, body)| body)
}

pub fn parse_ticket(text: &str, path: &Path) -> Result<Ticket, ParseFailure> {
    let (fm, body) = split(text)?;
    let mut map = parse_map(fm)?;
    let meta = take_meta(&mut map)?;
    Ok(Ticket {
        meta,
        extra: map,
        body: body.to_string(),
        path: path.to_path_buf(),
        source: crate::ticket::Source(Some(fm.into())),
    })
}

fn parse_map(fm: &str) -> Result<IndexMap<String, Value>, ParseFailure> {
    if fm.trim().is_empty() {
        return Err(ParseFailure::new(
            "missing_required_field",
            "frontmatter is empty (id, title and status are required)",
        ));
    }
    // YAML 1.2 booleans only: a hand-written `y`, `no` or `on` stays text.
    let opts = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options::<IndexMap<String, Value>>(fm, opts).map_err(|e| {
        let msg = e.to_string();
        let first = msg.lines().next().unwrap_or("invalid YAML").to_string();
        ParseFailure::new("frontmatter_parse_error", first)
    })
}

fn scalar_string(v: Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn take_meta(map: &mut IndexMap<String, Value>) -> Result<Meta, ParseFailure> {
    let mut required = |key: &str| -> Result<String, ParseFailure> {
        match map.shift_remove(key) {
            None | Some(Value::Null) => Err(ParseFailure::new(
                "missing_required_field",
                format!("required field `{key}` is missing"),
            )),
            Some(v) => scalar_string(v)
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| {
                    ParseFailure::new(
                        "missing_required_field",
                        format!("required field `{key}` must be a non-empty text"),
                    )
                }),
        }
    };
    let id = required("id")?;
    let title = required("title")?;
    let status = required("status")?;
    let mut optional = |key: &str| -> Result<Option<String>, ParseFailure> {
        match map.shift_remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => scalar_string(v).map(Some).ok_or_else(|| {
                ParseFailure::new(
                    "frontmatter_parse_error",
                    format!("field `{key}` must be a text value"),
                )
            }),
        }
    };
    let kind = optional("type")?.unwrap_or_else(|| "task".into());
    let mode = optional("mode")?.unwrap_or_else(|| "hitl".into());
    let tier = optional("tier")?;
    let assignee = optional("assignee")?;
    let parent = optional("parent")?;
    let created = optional("created")?.unwrap_or_default();
    let updated = optional("updated")?.unwrap_or_else(|| created.clone());
    let closed = optional("closed")?;
    let priority = match map.shift_remove("priority") {
        None | Some(Value::Null) => 2,
        Some(Value::Number(n)) if n.is_i64() => n.as_i64().unwrap_or(2),
        Some(other) => {
            return Err(ParseFailure::new(
                "invalid_priority",
                format!("priority must be an integer 0-4, found {other}"),
            ));
        }
    };
    let attention = match map.shift_remove("attention") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.is_i64() => n.as_i64(),
        Some(other) => {
            return Err(ParseFailure::new(
                "frontmatter_parse_error",
                format!("attention must be an integer 0-99, found {other}"),
            ));
        }
    };
    let mut list = |key: &str| -> Result<Vec<String>, ParseFailure> {
        match map.shift_remove(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|v| {
                    scalar_string(v).ok_or_else(|| {
                        ParseFailure::new(
                            "frontmatter_parse_error",
                            format!("`{key}` must be a list of text values"),
                        )
                    })
                })
                .collect(),
            Some(Value::String(s)) => Ok(s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()),
            Some(_) => Err(ParseFailure::new(
                "frontmatter_parse_error",
                format!("`{key}` must be a list"),
            )),
        }
    };
    let tags = list("tags")?;
    let external_refs = list("external_refs")?;
    let deps = list("deps")?;
    let links = list("links")?;
    let acceptance = match map.shift_remove("acceptance") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(parse_criterion)
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(ParseFailure::new(
                "acceptance_invalid",
                "`acceptance` must be a list of {title, done} entries",
            ));
        }
    };
    Ok(Meta {
        id: id.into(),
        title,
        status: status.into(),
        kind: kind.into(),
        priority,
        mode: mode.into(),
        tier: tier.map(Into::into),
        attention,
        assignee: assignee.map(Into::into),
        parent: parent.map(Into::into),
        created: created.into(),
        updated: updated.into(),
        closed: closed.map(Into::into),
        tags: crate::ticket::texts(tags),
        external_refs: crate::ticket::texts(external_refs),
        deps: crate::ticket::texts(deps),
        links: crate::ticket::texts(links),
        acceptance: acceptance.into(),
    })
}

fn parse_criterion(v: Value) -> Result<Criterion, ParseFailure> {
    let bad = || {
        ParseFailure::new(
            "acceptance_invalid",
            "each acceptance entry needs a text `title` and a boolean `done`",
        )
    };
    match v {
        Value::Object(mut o) => {
            let title = o
                .shift_remove("title")
                .and_then(scalar_string)
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(bad)?;
            let done = match o.shift_remove("done") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => b,
                Some(_) => return Err(bad()),
            };
            if !o.is_empty() {
                return Err(bad());
            }
            Ok(Criterion { title, done })
        }
        _ => Err(bad()),
    }
}

/// The frontmatter as an ordered map: known keys first (empty optional ones
/// omitted), then unknown keys in their original order.
pub fn meta_map(t: &Ticket) -> IndexMap<String, Value> {
    let m = &t.meta;
    let mut map: IndexMap<String, Value> = IndexMap::with_capacity(KEY_ORDER.len() + t.extra.len());
    let s = |v: &str| Value::String(v.to_string());
    let list = |v: &[crate::ticket::Text]| Value::Array(v.iter().map(|x| s(x)).collect());
    map.insert("id".into(), s(&m.id));
    map.insert("title".into(), s(&m.title));
    map.insert("status".into(), s(&m.status));
    map.insert("type".into(), s(&m.kind));
    map.insert("priority".into(), Value::from(m.priority));
    map.insert("mode".into(), s(&m.mode));
    let opt = |map: &mut IndexMap<String, Value>, k: &str, v: &Option<crate::ticket::Text>| {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            map.insert(k.into(), s(v));
        }
    };
    opt(&mut map, "tier", &m.tier);
    if let Some(a) = m.attention {
        map.insert("attention".into(), Value::from(a));
    }
    opt(&mut map, "assignee", &m.assignee);
    opt(&mut map, "parent", &m.parent);
    if !m.created.is_empty() {
        map.insert("created".into(), s(&m.created));
    }
    if !m.updated.is_empty() {
        map.insert("updated".into(), s(&m.updated));
    }
    opt(&mut map, "closed", &m.closed);
    for (k, v) in [
        ("tags", &m.tags),
        ("external_refs", &m.external_refs),
        ("deps", &m.deps),
        ("links", &m.links),
    ] {
        if !v.is_empty() {
            map.insert(k.into(), list(v));
        }
    }
    if !m.acceptance.is_empty() {
        let items = m
            .acceptance
            .iter()
            .map(|c| {
                let mut o = serde_json::Map::new();
                o.insert("title".into(), s(&c.title));
                o.insert("done".into(), Value::Bool(c.done));
                Value::Object(o)
            })
            .collect();
        map.insert("acceptance".into(), Value::Array(items));
    }
    for (k, v) in &t.extra {
        if !KEY_ORDER.contains(&k.as_str()) {
            map.insert(k.clone(), v.clone());
        }
    }
    map
}

/// Parse a foreign file's `---` frontmatter into an ordered map and return it
/// with the body (import and inbox formats: knot, ticket/tk, Backlog.md).
/// Without a leading `---` line the whole text is the body and the map is empty.
pub fn parse_foreign(text: &str) -> Result<(IndexMap<String, Value>, String), ParseFailure> {
    let trimmed = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !(trimmed.starts_with("---\n") || trimmed.starts_with("---\r\n")) {
        return Ok((IndexMap::new(), trimmed.to_string()));
    }
    let (fm, body) = split(trimmed)?;
    if fm.trim().is_empty() {
        return Ok((IndexMap::new(), body.to_string()));
    }
    let opts = serde_saphyr::options! { strict_booleans: true };
    let map =
        serde_saphyr::from_str_with_options::<IndexMap<String, Value>>(fm, opts).map_err(|e| {
            let msg = e.to_string();
            let first = msg.lines().next().unwrap_or("invalid YAML").to_string();
            ParseFailure::new("frontmatter_parse_error", first)
        })?;
    Ok((map, body.to_string()))
}

/// Render an ordered map as `---` frontmatter followed by `body` (export formats).
pub fn render_foreign(map: &IndexMap<String, Value>, body: &str) -> String {
    let yaml =
        serde_saphyr::to_string(map).unwrap_or_else(|e| format!("# serialization error: {e}\n"));
    let mut out = String::from("---\n");
    out.push_str(&yaml);
    if !yaml.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("---\n");
    out.push_str(body);
    out
}

/// Parse a whole knot/docket-shaped ticket file: the same keys as docket's.
pub fn parse_docket_shaped(text: &str) -> Result<Ticket, ParseFailure> {
    parse_ticket(text, Path::new(""))
}

/// One frontmatter key as YAML text (`key: value\n`, lists on their own
/// lines): the merge driver renders key by key so a conflict stays on its key.
pub fn render_one_key(key: &str, value: &Value) -> String {
    render_key(key, value).unwrap_or_else(|| format!("# {key}: cannot be written as YAML\n"))
}

/// Render a ticket back to file text. A ticket read from a file keeps its
/// frontmatter text: only the keys whose values changed are rewritten
/// ([`splice`]), so comments, key order, quoting, anchors, aliases, merge
/// keys, tags and unknown keys survive byte for byte. A new ticket, or a
/// frontmatter the splice cannot edit provably right, is written whole in
/// the canonical form.
pub fn render_ticket(t: &Ticket) -> String {
    if let Some(yaml) = t.source.0.as_deref().and_then(|fm| splice(fm, t)) {
        let mut out = String::with_capacity(yaml.len() + t.body.len() + 8);
        out.push_str("---\n");
        out.push_str(&yaml);
        out.push_str("---\n");
        out.push_str(&t.body);
        return out;
    }
    render_canonical(t)
}

/// The canonical form: known keys in [`KEY_ORDER`], then unknown ones.
fn render_canonical(t: &Ticket) -> String {
    let yaml = serde_saphyr::to_string(&meta_map(t)).unwrap_or_else(|e| {
        // Serializing strings, numbers and lists cannot fail; keep a loud marker
        // rather than a panic if the YAML crate ever disagrees.
        format!("# serialization error: {e}\n")
    });
    let mut out = String::with_capacity(yaml.len() + t.body.len() + 8);
    out.push_str("---\n");
    out.push_str(&yaml);
    if !yaml.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("---\n");
    out.push_str(&t.body);
    out
}

/// One top-level key's lines in a frontmatter text: `start..end` byte
/// range from its key line through its value's continuation lines (blank
/// and comment lines after the value belong to what follows).
#[derive(Debug)]
struct Block {
    key: String,
    start: usize,
    end: usize,
}

/// The key a top-level line starts, if it is a plain `key:` / `"key":` /
/// `'key':` line (not a list item, comment, indentation or flow text).
fn key_of_line(line: &str) -> Option<String> {
    let first = line.chars().next()?;
    if first.is_whitespace() || matches!(first, '#' | '-' | '[' | '{' | '?' | '.' | '%') {
        return None;
    }
    let (key, rest) = if first == '"' || first == '\'' {
        let close = line[1..].find(first)? + 1;
        (&line[1..close], &line[close + 1..])
    } else {
        let colon = line.find(": ").or_else(|| {
            let t = line.trim_end();
            t.ends_with(':').then(|| t.len() - 1)
        })?;
        (&line[..colon], &line[colon..])
    };
    (rest.starts_with(':') && !key.is_empty()).then(|| key.to_string())
}

/// The top-level key blocks of `fm`, in order; `None` when a key appears
/// twice (ambiguous: leave it to the canonical writer).
fn blocks(fm: &str) -> Option<Vec<Block>> {
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut pos = 0;
    for l in fm.split_inclusive('\n') {
        lines.push((pos, l));
        pos += l.len();
    }
    let mut out: Vec<Block> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(key) = key_of_line(lines[i].1) else {
            i += 1;
            continue;
        };
        if out.iter().any(|b| b.key == key) {
            return None;
        }
        let start = lines[i].0;
        let mut last = i;
        let mut j = i + 1;
        while j < lines.len() {
            let l = lines[j].1;
            if key_of_line(l).is_some() {
                break;
            }
            let t = l.trim();
            if !(t.is_empty() || l.starts_with('#')) {
                last = j;
            }
            j += 1;
        }
        let end = lines[last].0 + lines[last].1.len();
        out.push(Block { key, start, end });
        i = j;
    }
    Some(out)
}

/// `key: value` in the canonical style, for one changed key.
fn render_key(key: &str, value: &Value) -> Option<String> {
    let mut one: IndexMap<&str, &Value> = IndexMap::new();
    one.insert(key, value);
    let s = serde_saphyr::to_string(&one).ok()?;
    Some(if s.ends_with('\n') { s } else { s + "\n" })
}

/// Rewrite in `fm` only the top-level keys whose values differ between what
/// `fm` says and `t`; `None` when that cannot be done provably right (the
/// result is re-parsed and must say exactly what `t` says).
fn splice(fm: &str, t: &Ticket) -> Option<String> {
    let mut map = parse_map(fm).ok()?;
    let meta = take_meta(&mut map).ok()?;
    let before = meta_map(&Ticket {
        meta,
        extra: map,
        body: String::new(),
        path: Default::default(),
        source: Default::default(),
    });
    let after = meta_map(t);
    if before == after {
        return Some(fm.to_string());
    }
    let blocks = blocks(fm)?;
    // (byte range to replace, new text), applied back to front.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for (k, old) in &before {
        let Some(b) = blocks.iter().find(|b| b.key == *k) else {
            // A key from a merge (`<<: *base`) that changed: overriding it
            // with an explicit key is right when it is still present.
            if after.get(k).is_some_and(|v| v != old) {
                let v = &after[k];
                edits.push((fm.len(), fm.len(), render_key(k, v)?));
                continue;
            }
            // A merged key cannot be removed by editing lines.
            after.get(k)?;
            continue;
        };
        match after.get(k) {
            Some(v) if v == old => {}
            Some(v) => edits.push((b.start, b.end, render_key(k, v)?)),
            None => edits.push((b.start, b.end, String::new())),
        }
    }
    // New keys go after the nearest earlier key (in canonical order) that
    // the text has, else at the end.
    let keys: Vec<&String> = after.keys().collect();
    for (i, k) in keys.iter().enumerate() {
        if before.contains_key(*k) {
            continue;
        }
        let at = keys[..i]
            .iter()
            .rev()
            .find_map(|p| blocks.iter().find(|b| b.key == **p))
            .map(|b| b.end)
            .unwrap_or(fm.len());
        edits.push((at, at, render_key(k, &after[*k])?));
    }
    // Stable order: by position, insertions after a replacement at the same
    // end; applied from the back so earlier offsets stay valid.
    let mut indexed: Vec<(usize, (usize, usize, String))> = edits.into_iter().enumerate().collect();
    indexed.sort_by_key(|(i, (s, e, _))| (*s, *e, *i));
    let mut out = fm.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    for (_, (s, e, text)) in indexed.into_iter().rev() {
        let (s, e) = (s.min(out.len()), e.min(out.len()));
        out.replace_range(s..e, &text);
    }
    // Proof: the spliced text must say exactly what the ticket says.
    let mut check = parse_map(&out).ok()?;
    let meta = take_meta(&mut check).ok()?;
    let spliced = meta_map(&Ticket {
        meta,
        extra: check,
        body: String::new(),
        path: Default::default(),
        source: Default::default(),
    });
    (spliced == after && extra_same(&spliced, &after)).then_some(out)
}

/// Key order of unknown keys is part of what must survive.
fn extra_same(a: &IndexMap<String, Value>, b: &IndexMap<String, Value>) -> bool {
    a.keys().eq(b.keys())
}

/// For fuzzing and tests: parse frontmatter text into its known and unknown
/// keys (what [`render_ticket`] would splice against).
pub fn parse_frontmatter(fm: &str) -> Result<(Meta, Extra), ParseFailure> {
    let mut map = parse_map(fm)?;
    let meta = take_meta(&mut map)?;
    Ok((meta, map))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SAMPLE: &str = "---\nid: dk-01abc\ntitle: \"Fix: login\"\nstatus: open\ntype: bug\npriority: 1\nmode: afk\ncreated: \"2026-01-01T00:00:00Z\"\nupdated: \"2026-01-01T00:00:00Z\"\ntags:\n- a\n- b\nacceptance:\n- title: works\n  done: false\nzeta: 1\nalpha: keep me\n---\n\n## Description\n\nhello\n";

    #[test]
    fn round_trip_is_byte_identical() {
        let t = parse_ticket(SAMPLE, Path::new("x.md")).unwrap();
        assert_eq!(t.meta.title, "Fix: login");
        assert_eq!(t.extra.keys().collect::<Vec<_>>(), vec!["zeta", "alpha"]);
        assert_eq!(render_ticket(&t), SAMPLE);
    }

    #[test]
    fn failures_have_codes() {
        let code = |s: &str| parse_meta(s).unwrap_err().code;
        assert_eq!(code("no frontmatter"), "frontmatter_parse_error");
        assert_eq!(code("---\nid: [\n---\n"), "frontmatter_parse_error");
        assert_eq!(
            code("---\ntitle: x\nstatus: open\n---\n"),
            "missing_required_field"
        );
        assert_eq!(
            code("---\nid: a\ntitle: x\nstatus: open\npriority: high\n---\n"),
            "invalid_priority"
        );
        assert_eq!(
            code("---\nid: a\ntitle: x\nstatus: open\nacceptance: [1]\n---\n"),
            "acceptance_invalid"
        );
    }

    proptest! {
        #[test]
        fn any_fields_round_trip(
            title in "\\PC{1,60}",
            tags in proptest::collection::vec("[a-z0-9:#' -]{1,12}", 0..4),
            desc in "[a-zA-Z0-9 .,:#'\"-]{0,80}",
            ac in proptest::collection::vec(("\\PC{1,20}", any::<bool>()), 0..3),
            priority in 0i64..5,
        ) {
            prop_assume!(!title.trim().is_empty());
            prop_assume!(ac.iter().all(|(t, _)| !t.trim().is_empty()));
            let mut t = parse_ticket(SAMPLE, Path::new("x.md")).unwrap();
            t.meta.title = title.clone();
            t.meta.tags = crate::ticket::texts(tags.clone());
            t.meta.priority = priority;
            t.meta.acceptance = ac.iter().map(|(t, d)| Criterion { title: t.clone(), done: *d }).collect();
            t.set_section("Description", &desc);
            let text = render_ticket(&t);
            let back = parse_ticket(&text, Path::new("x.md")).unwrap();
            prop_assert_eq!(&back.meta, &t.meta);
            prop_assert_eq!(&back.extra, &t.extra);
            prop_assert_eq!(&back.body, &t.body);
            prop_assert_eq!(render_ticket(&back), text);
        }
    }

    /// Frontmatter as a person writes it: comments, odd quoting, flow
    /// lists, anchors, aliases, a merge key, tags and unknown keys.
    fn hand_written(
        order: &[usize],
        title_style: usize,
        comment_every: usize,
        merge_mode: bool,
        flow_tags: bool,
    ) -> String {
        let mut parts: Vec<String> = vec![
            "id: dk-01abc".into(),
            match title_style {
                0 => "title: Plain title   # trailing comment".into(),
                1 => "title: 'Single: quoted'".into(),
                _ => "title: \"Double \\\"quoted\\\"\"".into(),
            },
            "status: open".into(),
            "priority: 2 # how urgent".into(),
            "created: 2026-01-01T00:00:00Z".into(),
            "updated: \"2026-01-01T00:00:00Z\"".into(),
            if flow_tags {
                "tags: [a, 'b c']".into()
            } else {
                "tags:\n  - a   # first\n  - b c".into()
            },
            "base: &base\n  owner: ops\n  mode: afk".into(),
            "copy: *base".into(),
            "custom: !!str 0123".into(),
            "weird: ~".into(),
        ];
        if merge_mode {
            parts.push("<<: *base".into());
        } else {
            parts.push("mode: hitl".into());
        }
        // Anchors before aliases: keep `base` ahead of `copy` and the merge.
        let mut ordered: Vec<String> = Vec::new();
        for &k in order {
            if k < parts.len() && !ordered.contains(&parts[k]) {
                ordered.push(parts[k].clone());
            }
        }
        for p in &parts {
            if !ordered.contains(p) {
                ordered.push(p.clone());
            }
        }
        let base = ordered.iter().position(|p| p.starts_with("base:")).unwrap();
        let b = ordered.remove(base);
        ordered.insert(0, b);
        let mut out = String::from("# hand-edited\n");
        for (i, p) in ordered.iter().enumerate() {
            if comment_every > 0 && i % comment_every == 0 {
                out.push_str(&format!("# note {i}\n\n"));
            }
            out.push_str(p);
            out.push('\n');
        }
        out
    }

    /// `fm` without the lines of the given top-level keys.
    fn without(fm: &str, keys: &[&str]) -> String {
        let bs = blocks(fm).unwrap();
        let mut out = fm.to_string();
        let mut cut: Vec<&Block> = bs
            .iter()
            .filter(|b| keys.contains(&b.key.as_str()))
            .collect();
        cut.sort_by_key(|b| std::cmp::Reverse(b.start));
        for b in cut {
            out.replace_range(b.start..b.end, "");
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn one_changed_field_touches_only_its_lines(
            order in proptest::collection::vec(0usize..12, 0..12),
            title_style in 0usize..3,
            comment_every in 0usize..4,
            merge_mode in any::<bool>(),
            flow_tags in any::<bool>(),
            field in 0usize..6,
            value in "[a-z][a-z0-9 ]{0,10}[a-z0-9]",
        ) {
            let fm = hand_written(&order, title_style, comment_every, merge_mode, flow_tags);
            let text = format!("---\n{fm}---\n\nbody\n");
            let mut t = parse_ticket(&text, Path::new("x.md")).unwrap();
            t.meta.updated = "2026-11-27T12:00:00Z".into();
            let key = match field {
                0 => { t.meta.title = value.clone(); "title" }
                1 => { t.meta.status = value.replace(' ', "_").into(); "status" }
                2 => { t.meta.priority = (t.meta.priority + 1) % 5; "priority" }
                3 => { t.meta.tags.push(value.clone().into()); "tags" }
                4 => { t.meta.assignee = Some(value.clone().into()); "assignee" }
                _ => { t.meta.mode = if t.meta.mode == "afk" { "hitl".into() } else { "afk".into() }; "mode" }
            };
            let out = render_ticket(&t);
            let back = parse_ticket(&out, Path::new("x.md")).unwrap();
            prop_assert_eq!(&back.meta, &t.meta);
            prop_assert_eq!(&back.extra, &t.extra);
            prop_assert_eq!(&back.body, &t.body);
            let new_fm = split(&out).unwrap().0;
            prop_assert_eq!(without(new_fm, &[key, "updated"]), without(&fm, &[key, "updated"]),
                "changing {} touched other lines:\n{}\n--- became ---\n{}", key, fm, new_fm);
        }
    }

    #[test]
    fn comments_anchors_and_tags_survive_a_status_change() {
        let fm = "# keep me\nid: dk-1 # the id\ntitle: 'T'\nstatus: open\ndefaults: &d\n  x: 1\nother: *d\n<<: *d\ncustom: !!str 0123\nupdated: 2026-01-01T00:00:00Z\n";
        let text = format!("---\n{fm}---\nbody\n");
        let mut t = parse_ticket(&text, Path::new("x.md")).unwrap();
        t.meta.status = "closed".into();
        t.meta.closed = Some("2026-11-27T00:00:00Z".into());
        let out = render_ticket(&t);
        assert!(out.contains("# keep me\nid: dk-1 # the id\ntitle: 'T'\nstatus: closed\ndefaults: &d\n  x: 1\nother: *d\n<<: *d\ncustom: !!str 0123\n"), "{out}");
        assert!(out.contains("closed: "), "{out}");
    }
}
