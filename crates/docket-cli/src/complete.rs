//! Dynamic shell completion (`COMPLETE=<shell> docket`, see `docket completions
//! --help`): the shell asks the binary, which offers ticket handles, statuses,
//! tags and session names read from the project in the current folder through
//! docket-api. Completion never fails loudly: no project (or any error) means
//! no candidates.

use std::collections::BTreeSet;

use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use docket_api::query::{ListKind, ListRequest};

/// The API context of the project in the current folder, if there is one.
fn context() -> Option<docket_api::Context> {
    let dir = std::env::current_dir().ok()?;
    let project = docket_core::Project::discover(&dir).ok()?;
    Some(docket_api::Context::new(
        project,
        crate::context::now(),
        None,
    ))
}

/// A candidate's help text: one line, control characters made harmless.
fn help(text: &str) -> Option<clap::builder::StyledStr> {
    let line = text.lines().next().unwrap_or_default();
    Some(
        crate::render::escape_controls(line, false)
            .into_owned()
            .into(),
    )
}

/// Ticket handles (shortest unique prefixes), open tickets first, each with
/// its title.
pub fn tickets() -> ArgValueCandidates {
    ArgValueCandidates::new(|| {
        let Some(cx) = context() else {
            return Vec::new();
        };
        let req = ListRequest {
            kind: ListKind::List,
            all: true,
            ..Default::default()
        };
        let Ok(listing) = docket_api::query::list(&cx, &req) else {
            return Vec::new();
        };
        listing
            .rows
            .iter()
            .map(|r| CompletionCandidate::new(&r.short).help(help(&r.entry.meta.title)))
            .collect()
    })
}

/// The workflow's statuses, in board order.
pub fn statuses() -> ArgValueCandidates {
    ArgValueCandidates::new(|| {
        let Some(cx) = context() else {
            return Vec::new();
        };
        cx.project
            .config
            .workflow
            .statuses
            .iter()
            .map(CompletionCandidate::new)
            .collect()
    })
}

/// Every tag used by a ticket, live or archived.
pub fn tags() -> ArgValueCandidates {
    ArgValueCandidates::new(|| {
        let Some(cx) = context() else {
            return Vec::new();
        };
        let Ok(scan) = cx.project.scan() else {
            return Vec::new();
        };
        let tags: BTreeSet<&str> = scan
            .entries
            .iter()
            .flat_map(|e| e.meta.tags.iter().map(|t| t.as_str()))
            .collect();
        tags.into_iter().map(CompletionCandidate::new).collect()
    })
}

/// The names of the active sessions, each with its role.
pub fn sessions() -> ArgValueCandidates {
    ArgValueCandidates::new(|| {
        let Some(cx) = context() else {
            return Vec::new();
        };
        let Ok(list) = docket_api::sessions::list(&cx) else {
            return Vec::new();
        };
        list.iter()
            .map(|s| CompletionCandidate::new(&s.name).help(help(&s.role)))
            .collect()
    })
}
