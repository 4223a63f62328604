//! The only module that touches YAML: splits a ticket file into frontmatter and
//! body, maps frontmatter to [`Meta`] (keeping unknown keys in order) and back.

use std::path::Path;

use indexmap::IndexMap;
use serde_json::Value;

use crate::ticket::{Criterion, Meta, Ticket};

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
        id,
        title,
        status,
        kind,
        priority,
        mode,
        tier,
        attention,
        assignee,
        parent,
        created,
        updated,
        closed,
        tags,
        external_refs,
        deps,
        links,
        acceptance,
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
    let list = |v: &[String]| Value::Array(v.iter().map(|x| Value::String(x.clone())).collect());
    map.insert("id".into(), s(&m.id));
    map.insert("title".into(), s(&m.title));
    map.insert("status".into(), s(&m.status));
    map.insert("type".into(), s(&m.kind));
    map.insert("priority".into(), Value::from(m.priority));
    map.insert("mode".into(), s(&m.mode));
    let opt = |map: &mut IndexMap<String, Value>, k: &str, v: &Option<String>| {
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
pub fn render_key(key: &str, value: &Value) -> String {
    let mut m: IndexMap<String, Value> = IndexMap::new();
    m.insert(key.to_string(), value.clone());
    let mut s = serde_saphyr::to_string(&m).unwrap_or_else(|e| format!("# {key}: {e}\n"));
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// Render a ticket back to file text.
pub fn render_ticket(t: &Ticket) -> String {
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
            t.meta.tags = tags.clone();
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
}
