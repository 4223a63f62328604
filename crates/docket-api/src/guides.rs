//! The hand-written guides, embedded once so every face serves the same text:
//! the CLI's `docket man` and the MCP server's `man` tool. Command reference
//! pages are a face's own business (the CLI generates them from its clap
//! definitions), so they are not here.

/// One guide page.
#[derive(Debug, Clone, Copy)]
pub struct Guide {
    pub name: &'static str,
    pub title: &'static str,
    pub text: &'static str,
}

/// Every guide, in the order an index lists them.
pub const GUIDES: &[Guide] = &[
    Guide {
        name: "minimal",
        title: "Compact workflow guide for LLM agents (alias: llm)",
        text: include_str!("../guides/minimal.md"),
    },
    Guide {
        name: "workflow",
        title: "Statuses, transitions and guards",
        text: include_str!("../guides/workflow.md"),
    },
    Guide {
        name: "states",
        title: "The state machine of each preset (alias: state-machine)",
        text: include_str!("../guides/states.md"),
    },
    Guide {
        name: "stats",
        title: "Usage logging (docket log) and the stats report",
        text: include_str!("../guides/stats.md"),
    },
    Guide {
        name: "json",
        title: "The --json envelope and error codes",
        text: include_str!("../guides/json.md"),
    },
    Guide {
        name: "mcp",
        title: "The MCP server: tools, example calls, client set-up",
        text: include_str!("../guides/mcp.md"),
    },
    Guide {
        name: "agents",
        title: "AGENTS.md, Claude Code skill and hook, completions",
        text: include_str!("../guides/agents.md"),
    },
    Guide {
        name: "runner",
        title: "docket run: driving coding agents through the stages",
        text: include_str!("../../../docs/RUNNER.md"),
    },
];

/// A guide by name (`llm` is an alias of `minimal`, `state-machine` of `states`).
pub fn find(name: &str) -> Option<&'static Guide> {
    let name = match name {
        "llm" => "minimal",
        "state-machine" => "states",
        other => other,
    };
    GUIDES.iter().find(|g| g.name == name)
}
