//! docket's typed operations layer: the one API every face calls.
//!
//! Each face (CLI, MCP, web, TUI, runner) maps its own input to a request type
//! from this crate, calls the operation with a [`Context`] (project, clock, actor,
//! session: no process globals), and renders the typed response in its own terms.
//! Errors come back as [`ApiError`]: a stable code, a message and structured
//! [`Remedy`] values that each face renders as flags, tool calls or buttons.
//!
//! Request types derive `schemars::JsonSchema`, so a face that needs a schema (MCP
//! tool inputs) derives it from the same type the operation takes: a field added to
//! a request cannot be missing from a schema.

// Errors are the cold path and carry remedies for every face; boxing them would
// only add noise at every call site.
#![allow(clippy::result_large_err)]

pub mod context;
pub mod error;
pub mod graph;
pub mod guides;
pub mod hot;
pub mod insight;
pub mod interop;
pub mod knowledge;
pub mod moves;
pub mod notes;
pub mod project;
pub mod query;
pub mod sessions;
pub mod text;
pub mod tickets;
pub mod view;

pub use context::Context;
pub use error::{ApiError, ApiResult, Op, Remedy, Who};
