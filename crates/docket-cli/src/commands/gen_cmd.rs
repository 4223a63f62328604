//! `docket gen` (hidden): a synthetic project of N tickets for benchmarks, with
//! realistic bodies, tags, statuses and dependency chains.

use std::collections::HashSet;
use std::path::PathBuf;

use clap::Args;
use docket_core::store::{self, InitOptions};
use docket_core::ticket::{Criterion, List, Meta, Ticket, texts};
use docket_core::{Error, Project, id};
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::error::CliResult;
use crate::output::Printer;

#[derive(Args, Debug)]
pub struct GenArgs {
    /// How many tickets
    #[arg(long, default_value_t = 1000)]
    pub count: usize,
    /// Project folder (created and initialised when needed)
    #[arg(long)]
    pub out: PathBuf,
    /// Random seed
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: &[&str] = &[
    "cache",
    "parser",
    "login",
    "session",
    "index",
    "query",
    "render",
    "export",
    "import",
    "queue",
    "worker",
    "schema",
    "migration",
    "token",
    "layout",
    "search",
    "billing",
    "report",
    "upload",
    "sync",
];
const VERBS: &[&str] = &[
    "Fix", "Add", "Refactor", "Speed up", "Document", "Test", "Remove", "Harden",
];
const TAGS: &[&str] = &["api", "ui", "db", "perf", "infra", "docs", "security", "p0"];

pub fn run(_g: &GlobalArgs, a: GenArgs, printer: &mut Printer) -> CliResult<u8> {
    std::fs::create_dir_all(&a.out).map_err(|e| Error::io(&a.out, e))?;
    let p = match Project::open(&a.out) {
        Ok(p) => p,
        Err(_) => Project::init(
            &a.out,
            &InitOptions {
                prefix: "bench".into(),
                preset: "simple".into(),
                force: false,
            },
        )?,
    };
    let mut rng = Rng(a.seed.max(1));
    let mut ids: Vec<String> = Vec::with_capacity(a.count);
    let mut seen = HashSet::new();
    let base = jiff::Timestamp::now().as_second() - 365 * 86_400;
    for i in 0..a.count {
        let mut tid = id::generate(&p.config.project.prefix);
        while !seen.insert(tid.clone()) {
            tid = id::generate(&p.config.project.prefix);
        }
        let created_s = base + (i as i64) * (365 * 86_400 / a.count.max(1) as i64);
        let ts = |s: i64| {
            jiff::Timestamp::from_second(s)
                .map(docket_core::ops::format_ts)
                .unwrap_or_default()
        };
        let roll = rng.below(100);
        let status = if roll < 40 {
            "closed"
        } else if roll < 50 {
            "in_progress"
        } else {
            "open"
        };
        let mut deps = Vec::new();
        if i > 0 && rng.below(100) < 40 {
            deps.push(ids[i - 1 - rng.below((i as u64).min(20)) as usize].clone());
            if i > 30 && rng.below(100) < 30 {
                deps.push(ids[rng.below(i as u64) as usize].clone());
            }
            deps.dedup();
        }
        let title = format!(
            "{} {} {} #{i}",
            VERBS[rng.below(VERBS.len() as u64) as usize],
            WORDS[rng.below(WORDS.len() as u64) as usize],
            WORDS[rng.below(WORDS.len() as u64) as usize]
        );
        let tags: Vec<String> = (0..rng.below(3))
            .map(|_| TAGS[rng.below(TAGS.len() as u64) as usize].to_string())
            .collect();
        let mut t = Ticket {
            source: Default::default(),
            meta: Meta {
                id: tid.clone().into(),
                title,
                status: status.into(),
                kind: ["task", "bug", "feature", "chore"][rng.below(4) as usize].into(),
                priority: rng.below(5) as i64,
                mode: if rng.below(2) == 0 {
                    "afk".into()
                } else {
                    "hitl".into()
                },
                tier: None,
                attention: None,
                assignee: (rng.below(3) == 0)
                    .then(|| ["ana", "bo", "cy"][rng.below(3) as usize].into()),
                parent: None,
                created: ts(created_s).into(),
                updated: ts(created_s + 3600).into(),
                closed: (status == "closed").then(|| ts(created_s + 7200).into()),
                tags: {
                    let mut t = tags;
                    t.sort();
                    t.dedup();
                    texts(t)
                },
                external_refs: List::new(),
                deps: texts(deps),
                links: List::new(),
                acceptance: (0..rng.below(3))
                    .map(|k| Criterion {
                        title: format!("criterion {k}"),
                        done: status == "closed",
                    })
                    .collect(),
            },
            extra: Default::default(),
            body: String::new(),
            path: PathBuf::new(),
        };
        let para = "The current behaviour is slow and surprising for users who hit it under load. \
                    We should measure first, then change the smallest thing that fixes it, and add a regression test.";
        t.set_section("Description", &format!("{para}\n\n{para}"));
        if rng.below(2) == 0 {
            t.set_section(
                "Design",
                "1. Reproduce with a failing test.\n2. Fix.\n3. Benchmark before and after.",
            );
        }
        // A realistic audit log: created, a note on a third, and the moves.
        let author = docket_core::audit::Author {
            actor: "bench (implementer)".into(),
            session: Some("s-bench".into()),
            role: Some("implementer".into()),
        };
        let created = t.meta.created.clone();
        let updated = t.meta.updated.clone();
        let log = |t: &mut Ticket, at: &str, kind: &str, data: &[(&str, &str)], text: &str| {
            docket_core::audit::append(t, at, &author, kind, data, text);
        };
        // Criteria are created unchecked and ticked before the close, each
        // change logged with its hash (`ac=`) as docket itself does, so a
        // generated project checks clean (no `criteria_not_logged`).
        let ac_of = |t: &Ticket, done: bool| {
            let mut c = t.meta.acceptance.clone();
            c.iter_mut().for_each(|c| c.done = done);
            docket_core::audit::criteria_hash(&c)
        };
        let ac_open = ac_of(&t, false);
        let mut data = vec![("status", "open")];
        if !t.meta.acceptance.is_empty() {
            data.push(("ac", &ac_open));
        }
        log(&mut t, &created, "created", &data, "");
        if rng.below(3) == 0 {
            log(&mut t, &updated, "note", &[], "Looked into it; see design.");
        }
        if status != "open" {
            let to = "in_progress";
            log(
                &mut t,
                &updated,
                "transition",
                &[("from", "open"), ("to", to)],
                "open → in_progress",
            );
        }
        if status == "closed" {
            let at = t.meta.closed.clone().unwrap_or_default();
            if !t.meta.acceptance.is_empty() {
                let ac = ac_of(&t, true);
                log(&mut t, &at, "edit", &[("ac", &ac)], "changed acceptance");
            }
            log(
                &mut t,
                &at,
                "transition",
                &[("from", "in_progress"), ("to", "closed")],
                "in_progress → closed",
            );
        }
        let dir = if status == "closed" {
            p.archive_dir()
        } else {
            p.tickets_dir()
        };
        let path = dir.join(store::file_name(&tid, &t.meta.title));
        std::fs::write(&path, docket_core::yaml::render_ticket(&t))
            .map_err(|e| Error::io(&path, e))?;
        ids.push(tid);
    }
    printer.success(
        &json!({ "root": a.out.to_string_lossy(), "count": a.count }),
        None,
        || format!("generated {} tickets in {}", a.count, a.out.display()),
    );
    Ok(0)
}
