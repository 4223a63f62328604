//! Tool input schemas, generated from the API's request types with schemars and
//! trimmed for `tools/list`, which every agent conversation pays for: subschemas
//! inline, no `title`/`format`/`default`/bounds noise, `Option<T>` as plain `T`,
//! documented enums as a plain `enum` list.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

/// The properties (in declared order) and required names of `T`'s schema.
pub fn object_of<T: JsonSchema>() -> (Map<String, Value>, Vec<String>) {
    let generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .into_generator();
    let mut v = serde_json::to_value(generator.into_root_schema_for::<T>()).unwrap_or_default();
    lean(&mut v);
    let props = v
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let required = v
        .get("required")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    (props, required)
}

/// Trim one (sub)schema in place.
pub fn lean(v: &mut Value) {
    let Value::Object(m) = v else {
        if let Value::Array(a) = v {
            a.iter_mut().for_each(lean);
        }
        return;
    };
    for k in [
        "title",
        "format",
        "default",
        "minimum",
        "maximum",
        "$schema",
        "additionalProperties",
    ] {
        m.remove(k);
    }
    // `["string", "null"]` → `"string"`: absent and null mean the same here.
    if let Some(Value::Array(types)) = m.get("type") {
        let non_null: Vec<Value> = types
            .iter()
            .filter(|t| t.as_str() != Some("null"))
            .cloned()
            .collect();
        if non_null.len() == 1 {
            m.insert("type".into(), non_null[0].clone());
        }
    }
    // `anyOf: [X, {type: null}]` → X.
    if let Some(Value::Array(any)) = m.get("anyOf") {
        let non_null: Vec<Value> = any
            .iter()
            .filter(|s| s.get("type").and_then(Value::as_str) != Some("null"))
            .cloned()
            .collect();
        if non_null.len() == 1 {
            let inner = non_null[0].clone();
            m.remove("anyOf");
            if let Value::Object(im) = inner {
                for (k, val) in im {
                    m.entry(k).or_insert(val);
                }
            }
        }
    }
    // Documented unit variants come as `oneOf` of consts: a plain enum is leaner.
    if let Some(Value::Array(one)) = m.get("oneOf") {
        let consts: Option<Vec<Value>> = one
            .iter()
            .map(|s| s.get("const").or_else(|| s.get("enum")?.get(0)).cloned())
            .collect();
        if let Some(consts) = consts {
            m.remove("oneOf");
            m.insert("type".into(), Value::String("string".into()));
            m.insert("enum".into(), Value::Array(consts));
        }
    }
    if let Some(Value::String(d)) = m.get_mut("description") {
        *d = terse(d);
    }
    for (k, sub) in m.iter_mut() {
        // The keys of `properties` are field names (`title`, `format`, …), not
        // keywords: trim each property's schema, never the map itself.
        match (k.as_str(), sub) {
            ("properties", Value::Object(props)) => props.values_mut().for_each(lean),
            (_, sub) => lean(sub),
        }
    }
}

/// A request field's doc comment cut to its first clause: the API documents
/// defaults and edge cases for Rust readers; an agent needs the gist, and the
/// error for a wrong value says the rest.
pub fn terse(d: &str) -> String {
    let mut t = d.trim();
    // Cut at the first `; ` outside parentheses.
    let mut depth = 0i32;
    let mut cut = None;
    for (i, c) in t.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ';' if depth == 0 && t[i..].starts_with("; ") => {
                cut = Some(i);
                break;
            }
            _ => {}
        }
    }
    if let Some(i) = cut {
        t = &t[..i];
    }
    let t = t.trim_end_matches('.');
    let t = match t
        .strip_suffix(')')
        .and_then(|x| x.rfind(" (").map(|i| &x[..i]))
    {
        Some(head) if head.len() >= 12 => head,
        _ => t,
    };
    t.trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::terse;

    #[test]
    fn terse_keeps_the_gist() {
        assert_eq!(
            terse("Rows per section (default 10; recently closed shows half)."),
            "Rows per section"
        );
        assert_eq!(
            terse("Runner order within a stage; `null` leaves it."),
            "Runner order within a stage"
        );
        assert_eq!(
            terse("Id prefix (default: the folder)."),
            "Id prefix (default: the folder)"
        );
        assert_eq!(terse("0 (highest) to 4."), "0 (highest) to 4");
    }
}
