//! The prompts, in MCP terms: every call they show is a `<tool> <json>` line
//! that succeeds as written once its `<placeholders>` are filled in (a test
//! executes them).

use docket_core::config::Config;

/// Work one ticket (or the first ready one) to done.
pub fn work_next(cfg: &Config, id: Option<&str>) -> String {
    let mut loop_text = crate::prime::work_loop(cfg);
    let head = match id {
        Some(id) => {
            loop_text = loop_text.replace("<id>", id);
            format!("Work ticket {id} to done with the docket tools.\n")
        }
        None => "Pick the first ticket the ready query returns and work it to done with the docket tools.\n"
            .to_string(),
    };
    format!(
        "{head}Read the project first:\nproject {{\"action\":\"prime\"}}\n\n{loop_text}\
         Record decisions and findings with note as you go; check each acceptance criterion only once it holds."
    )
}

/// File a well-formed ticket for a request.
pub fn file_ticket(cfg: &Config, request: &str) -> String {
    let types = &cfg.workflow.types;
    let kind = if types.iter().any(|t| t == "task") {
        "task".to_string()
    } else {
        types.first().cloned().unwrap_or_else(|| "task".into())
    };
    format!(
        "File a docket ticket for this request:\n\n{request}\n\n\
         1. Look for a duplicate first:\n\
         query {{\"action\":\"search\",\"text\":\"<two or three key words>\",\"all\":true}}\n\
         2. Create it (types: {types}; priority 0 is highest, 4 lowest):\n\
         create {{\"title\":\"<short imperative title>\",\"type\":\"{kind}\",\"priority\":2,\"description\":\"<what and why>\",\"acceptance\":[\"<a checkable criterion>\"]}}\n\
         3. If it waits on other tickets:\n\
         graph {{\"action\":\"depends\",\"id\":\"<new id>\",\"on\":[\"<id it waits on>\"]}}\n\
         Reply with the new id.",
        types = types.join(", "),
    )
}
