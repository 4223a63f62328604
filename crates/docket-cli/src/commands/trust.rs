//! `docket trust`: let `docket run` use this repository's own agent commands
//! and prompt templates on this machine (see docs/RUNNER.md, *Trust*).

use clap::Args;
use docket_core::Error;
use docket_core::runner::RunPaths;
use docket_core::runner::trust::{self, Material, TrustEntry, TrustState};
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::context;
use crate::error::CliResult;
use crate::output::Printer;

#[derive(Args, Debug)]
#[command(
    after_help = "`docket run` starts the commands in [runner.agents.*] and hands agents the project's own\ntemplates (.docket/templates/) only once you trusted them here. The hash of those commands,\nthe settings on their command lines and every template's content is stored in your config\nfolder ($DOCKET_CONFIG_DIR, else $XDG_CONFIG_HOME/docket, else ~/.config/docket), keyed by the\nproject's path. Any change needs `docket trust` again.\n\nExamples:\n  docket trust --show     what `docket run` would execute, and whether it is trusted\n  docket trust            trust it (prints the exact commands and templates first)\n  docket trust --revoke   forget it\n\nSee docs/RUNNER.md."
)]
pub struct TrustArgs {
    /// Show the commands, templates, hash and trust state; record nothing
    #[arg(long, visible_alias = "status", conflicts_with = "revoke")]
    pub show: bool,
    /// Forget this project's trust: `docket run` refuses its commands again
    #[arg(long)]
    pub revoke: bool,
}

fn state_text(st: TrustState, entry: Option<&TrustEntry>) -> String {
    match (st, entry) {
        (TrustState::NotRequired, _) => {
            "nothing to trust: built-in adapters and templates only".into()
        }
        (TrustState::Trusted, Some(e)) => format!("trusted on this machine since {}", e.trusted_at),
        (TrustState::Changed, Some(e)) => format!(
            "CHANGED since you trusted it on {}: `docket run` refuses it until `docket trust`",
            e.trusted_at
        ),
        _ => "not trusted on this machine: `docket run` refuses it until `docket trust`".into(),
    }
}

/// The JSON shape every action answers with.
fn data(
    action: &str,
    root: &str,
    store: &str,
    m: Option<&Material>,
    st: TrustState,
    entry: Option<&TrustEntry>,
) -> serde_json::Value {
    json!({
        "action": action,
        "project": root,
        "store": store,
        "state": st,
        "required": m.map(Material::required),
        "hash": m.map(|m| m.hash.clone()),
        "trusted_hash": entry.map(|e| e.hash.clone()),
        "trusted_at": entry.map(|e| e.trusted_at.clone()),
        "agents": m.map(|m| m.agents.clone()).unwrap_or_default(),
        "templates": m.map(|m| m.templates.clone()).unwrap_or_default(),
        "settings": m.map(|m| m.settings.clone()),
    })
}

pub fn run(g: &GlobalArgs, a: TrustArgs, printer: &mut Printer) -> CliResult<u8> {
    let p = context::project(&g.dir)?;
    let store = context::trust_store()?;
    let root = trust::TrustStore::key(&p.root)?;
    let store_file = store.file().to_string_lossy().into_owned();
    let templates_dir = RunPaths::new(&p).templates_dir;

    if a.revoke {
        // Revoking works whatever state the config is in.
        let m = trust::material(&p.config, &templates_dir).ok();
        let old = store.revoke(&p.root)?;
        let st = match &m {
            Some(m) => trust::state(m, None),
            None => TrustState::Untrusted,
        };
        let action = if old.is_some() {
            "revoked"
        } else {
            "not_trusted"
        };
        let d = data(action, &root, &store_file, m.as_ref(), st, None);
        printer.success(&d, None, || match &old {
            Some(e) => format!(
                "Revoked trust in the runner config of {root} (trusted since {}, {}).\n`docket run` refuses its commands and templates until `docket trust`.",
                e.trusted_at, e.hash
            ),
            None => format!("The runner config of {root} was not trusted; nothing to revoke."),
        });
        return Ok(0);
    }

    let m = trust::material(&p.config, &templates_dir)?;
    let entry = store.get(&p.root)?;
    let st = trust::state(&m, entry.as_ref());
    let listing = m.lines().join("\n");

    if a.show {
        let d = data("shown", &root, &store_file, Some(&m), st, entry.as_ref());
        printer.success(&d, None, || {
            let mut s = format!(
                "Runner config of {root}: {}\n",
                state_text(st, entry.as_ref())
            );
            if m.required() {
                s.push_str(&format!("hash: {}\n", m.hash));
                s.push_str("`docket run` would run:\n");
                s.push_str(&listing);
                s.push('\n');
                if st != TrustState::Trusted {
                    s.push_str("Review them, then `docket trust`.\n");
                }
            }
            s
        });
        return Ok(0);
    }

    if std::env::var_os("DOCKET_RUN_LOG").is_some() {
        // An agent started by `docket run` must not vouch for commands on
        // its person's behalf.
        return Err(Error::invalid(
            "`docket trust` is for people: it is refused inside an agent started by `docket run`",
        )
        .into());
    }
    if !m.required() {
        let d = data(
            "nothing_to_trust",
            &root,
            &store_file,
            Some(&m),
            st,
            entry.as_ref(),
        );
        printer.success(&d, None, || {
            format!(
                "Nothing to trust in {root}: no [runner.agents.*] commands and no project templates; `docket run` uses the built-in adapters and templates as they are."
            )
        });
        return Ok(0);
    }
    let now = jiff::Timestamp::from_second(context::now().as_second())
        .unwrap_or_else(|_| context::now())
        .to_string();
    let already = st == TrustState::Trusted;
    if !already {
        store.trust(&p.root, &m.hash, &now)?;
    }
    let entry = store.get(&p.root)?;
    let action = if already {
        "already_trusted"
    } else {
        "trusted"
    };
    let d = data(
        action,
        &root,
        &store_file,
        Some(&m),
        TrustState::Trusted,
        entry.as_ref(),
    );
    printer.success(&d, None, || {
        let head = if already {
            format!("Already trusted: the runner config of {root} ({})", m.hash)
        } else if st == TrustState::Changed {
            format!(
                "Trusted the changed runner config of {root} ({})",
                m.hash
            )
        } else {
            format!("Trusted the runner config of {root} ({})", m.hash)
        };
        format!(
            "{head}.\n`docket run` may now run:\n{listing}\nStored in {store_file}. Any change to these needs `docket trust` again; `docket trust --revoke` forgets it."
        )
    });
    Ok(0)
}
