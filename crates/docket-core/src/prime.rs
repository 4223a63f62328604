//! The agent primer's work loop in CLI terms. The primer itself is built by
//! `docket_api::project::prime` (capped sections); faces render it.

/// The work loop for a workflow: plan-first when it has a planning status.
pub fn work_loop(config: &crate::config::Config) -> Vec<String> {
    let wf = &config.workflow;
    match &wf.planning {
        Some(planning) => vec![
            "docket session --role implementer|architect (once; export DOCKET_SESSION=<id>)".into(),
            "docket ready, then docket show <id>".into(),
            format!("docket advance <id> (→ {planning}), then docket plan <id> --body \"…\""),
            format!(
                "another architect session approves: docket advance <id> (→ {}; the plan freezes)",
                wf.active
            ),
            "implement; record deviations from the plan with docket comment <id> \"…\"".into(),
            "docket advance <id> --note \"result\" (submit); an architect who did not implement verifies with docket advance <id>".into(),
            "refused? docket advance <id> --explain says which guard and what satisfies it".into(),
        ],
        None => vec![
            "docket ready, then docket show <id>".into(),
            "docket start <id>".into(),
            "docket add-note <id> \"…\" as you go".into(),
            "docket close <id> --summary \"…\"".into(),
        ],
    }
}
