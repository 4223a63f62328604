//! docket's core library: the ticket model, storage, workflow engine, graph and
//! queries. It holds every rule; the CLI, MCP server, web dashboard, TUI and
//! runner are thin faces over it. No terminal, HTTP or MCP code lives here.

pub mod audit;
pub mod cache;
pub mod check;
pub mod claims;
pub mod config;
pub mod error;
pub mod graph;
pub mod id;
pub mod inbox;
pub mod index;
pub mod insight;
pub mod interop;
pub mod knowledge;
pub mod live;
pub mod merge;
pub mod ops;
pub mod plan;
pub mod prime;
pub mod query;
pub mod runner;
pub mod session;
pub mod store;
pub mod ticket;
pub mod verdicts;
pub mod workflow;
pub mod yaml;

pub use error::{Error, Result};
pub use store::Project;
pub use ticket::{Meta, Ticket};
