//! `docket context` (short facts every agent must know) and `docket doc`
//! (long-form documents): committed markdown files under `.docket/`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use docket_api::knowledge::{
    self, ContextWriteRequest, DocAddRequest, DocListRequest, DocUpdateRequest, KeyRequest,
};
use docket_core::Error;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::{Printer, paint, style};

/// Where a body comes from: exactly one of `--body`, `--file`, `--stdin`.
#[derive(Args, Debug)]
pub struct BodyArgs {
    /// The text (markdown)
    #[arg(long, conflicts_with_all = ["file", "stdin"], allow_hyphen_values = true)]
    pub body: Option<String>,
    /// Read the text from a file
    #[arg(long, value_name = "FILE", conflicts_with = "stdin")]
    pub file: Option<PathBuf>,
    /// Read the text from stdin
    #[arg(long)]
    pub stdin: bool,
}

impl BodyArgs {
    fn text(self, what: &str) -> Result<String, Error> {
        super::text_input(self.body, self.file.as_deref(), self.stdin, what)?.ok_or_else(|| {
            Error::invalid(format!("no {what} given: pass --body, --file or --stdin"))
        })
    }
}

#[derive(Args, Debug)]
pub struct ContextArgs {
    #[command(subcommand)]
    pub sub: ContextSub,
}

#[derive(Subcommand, Debug)]
pub enum ContextSub {
    /// Print every context entry in full
    Readall,
    /// List the keys with their first lines
    List,
    /// Add an entry (refused when the key exists)
    Add {
        /// Key: 1-64 letters, digits, `-` or `_`
        key: String,
        #[command(flatten)]
        body: BodyArgs,
    },
    /// Replace an entry's text
    Update {
        /// Key of an existing entry
        key: String,
        #[command(flatten)]
        body: BodyArgs,
    },
    /// Delete an entry
    Delete {
        /// Key of an existing entry
        key: String,
    },
}

pub fn context(g: &GlobalArgs, a: ContextArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api_bare(g)?;
    match a.sub {
        ContextSub::Readall | ContextSub::List => {
            let full = matches!(a.sub, ContextSub::Readall);
            let all = knowledge::context_list(&cx)?;
            if full {
                printer.success(&all, None, || {
                    if all.items.is_empty() {
                        return "no context entries (`docket context add <key> --body TEXT`)"
                            .into();
                    }
                    all.items
                        .iter()
                        .map(|e| {
                            format!(
                                "{}\n{}\n",
                                paint(style::BOLD, &format!("## {}", e.key)),
                                e.body
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            } else {
                let rows: Vec<serde_json::Value> = all
                    .items
                    .iter()
                    .map(|e| serde_json::json!({ "key": e.key, "summary": e.summary }))
                    .collect();
                let data = serde_json::json!({ "items": rows, "total": all.total });
                printer.success(&data, None, || {
                    if all.items.is_empty() {
                        return "no context entries".into();
                    }
                    let w = all.items.iter().map(|e| e.key.len()).max().unwrap_or(0);
                    all.items
                        .iter()
                        .map(|e| {
                            format!(
                                "{}  {}",
                                paint(style::ID, &format!("{:<w$}", e.key)),
                                e.summary
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            }
        }
        ContextSub::Add { key, body } => {
            let body = body.text("context text")?;
            let c = knowledge::context_add(&cx, &ContextWriteRequest { key, body })?;
            printer.success(&c, None, || format!("added context {} ({})", c.key, c.path));
        }
        ContextSub::Update { key, body } => {
            let body = body.text("context text")?;
            let c = knowledge::context_update(&cx, &ContextWriteRequest { key, body })?;
            printer.success(&c, None, || {
                format!("updated context {} ({})", c.key, c.path)
            });
        }
        ContextSub::Delete { key } => {
            let c = knowledge::context_delete(&cx, &KeyRequest { key })?;
            printer.success(&c, None, || format!("deleted context {}", c.key));
        }
    }
    Ok(0)
}

#[derive(Args, Debug)]
pub struct DocArgs {
    #[command(subcommand)]
    pub sub: DocSub,
}

#[derive(Subcommand, Debug)]
pub enum DocSub {
    /// Add a document (refused when a live one has the slug)
    Add {
        /// Slug: 1-64 letters, digits, `-` or `_` (tickets refer to it with --doc)
        slug: String,
        /// One-line title (default: the slug)
        #[arg(long, allow_hyphen_values = true)]
        title: Option<String>,
        #[command(flatten)]
        body: BodyArgs,
    },
    /// Replace a document's title and/or text (without an editor)
    Update {
        /// Slug of a live document
        slug: String,
        /// New one-line title
        #[arg(long, allow_hyphen_values = true)]
        title: Option<String>,
        #[command(flatten)]
        body: BodyArgs,
    },
    /// Open a document in $EDITOR (interactive terminals only)
    Edit {
        /// Slug of a live document
        slug: String,
    },
    /// List documents
    List {
        /// Include archived documents
        #[arg(long)]
        archived: bool,
    },
    /// Print a document
    Read {
        /// Slug
        slug: String,
    },
    /// Move a document to .docket/docs/archive/
    Archive {
        /// Slug
        slug: String,
    },
}

pub fn doc(g: &GlobalArgs, a: DocArgs, printer: &mut Printer) -> CliResult<u8> {
    let cx = context::api_bare(g)?;
    match a.sub {
        DocSub::Add { slug, title, body } => {
            let body = body.text("document text")?;
            let d = knowledge::doc_add(&cx, &DocAddRequest { slug, title, body })?;
            printer.success(&d, None, || {
                format!("added doc {}  {}  ({})", d.slug, d.title, d.path)
            });
        }
        DocSub::Update { slug, title, body } => {
            let body =
                super::text_input(body.body, body.file.as_deref(), body.stdin, "document text")?;
            let d = knowledge::doc_update(&cx, &DocUpdateRequest { slug, title, body })?;
            printer.success(&d, None, || {
                let verb = if d.changed { "updated" } else { "unchanged" };
                format!("{verb} doc {}  {}", d.info.slug, d.info.title)
            });
        }
        DocSub::Edit { slug } => {
            let text = docket_core::knowledge::doc_text(&cx.project, &slug)?;
            super::edit::require_terminal(
                "doc edit needs an interactive terminal; use `docket doc update <slug> --body|--file|--stdin`",
            )?;
            let edited = super::edit::edit_text(&text, "docket-doc-")?;
            let (title, body) = docket_core::knowledge::split_doc_text(&slug, &edited);
            let d = knowledge::doc_update(
                &cx,
                &DocUpdateRequest {
                    slug,
                    title: Some(title),
                    body: Some(body),
                },
            )?;
            printer.success(&d, None, || {
                let verb = if d.changed { "edited" } else { "unchanged" };
                format!("{verb} doc {}  {}", d.info.slug, d.info.title)
            });
        }
        DocSub::List { archived } => {
            let docs = knowledge::doc_list(&cx, &DocListRequest { archived })?;
            printer.success(&docs, None, || {
                if docs.items.is_empty() {
                    return "no documents (`docket doc add <slug> --body TEXT`)".into();
                }
                let w = docs.items.iter().map(|d| d.slug.len()).max().unwrap_or(0);
                docs.items
                    .iter()
                    .map(|d| {
                        format!(
                            "{}  {}{}",
                            paint(style::ID, &format!("{:<w$}", d.slug)),
                            d.title,
                            if d.archived { "  (archived)" } else { "" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        DocSub::Read { slug } => {
            let d = knowledge::doc_read(&cx, &KeyRequest { key: slug })?;
            printer.success(&d, None, || {
                format!(
                    "{}{}\n\n{}",
                    paint(style::BOLD, &format!("# {}", d.info.title)),
                    if d.info.archived { "  (archived)" } else { "" },
                    d.body
                )
            });
        }
        DocSub::Archive { slug } => {
            let d = knowledge::doc_archive(&cx, &KeyRequest { key: slug })?;
            printer.success(&d, None, || {
                format!("archived doc {} to {}", d.slug, d.path)
            });
        }
    }
    Ok(0)
}
