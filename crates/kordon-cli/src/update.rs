//! `kordon update`: refresh lists from their official publishers (see
//! `kordon-update`'s `data/sources.toml`), fail-safe, then re-screen watched
//! counterparties against what changed.

use crate::output;
use anyhow::{Context, Result};
use clap::Args;
use kordon_store::Store;
use kordon_update::{update_all, UpdateConfig, UpdateOptions, UpdateStatus};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
#[command(
    after_help = "Examples:\n  kordon update\n  kordon update --source us_ofac_sdn --source un_sc\n  \
    kordon update --list\n  kordon update --config my-sources.toml --force\n\n\
    Exit codes: 0 every source up to date, 1 at least one source failed or was refused \
    (its previous version stays current and `kordon lists` shows it as STALE)."
)]
pub struct UpdateArgs {
    /// Only this source (repeatable; disabled sources can be named). Default: every enabled source.
    #[arg(long = "source", value_name = "KEY")]
    sources: Vec<String>,
    /// A sources.toml overriding the built-in official sources.
    /// Default: <data-dir>/sources.toml when it exists.
    #[arg(long, env = "KORDON_SOURCES", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Import a new version even when it lost more entities than `max_loss_share` allows.
    #[arg(long)]
    force: bool,
    /// Print the outcomes as JSON.
    #[arg(long)]
    json: bool,
    /// Print the configured sources and exit.
    #[arg(long)]
    list: bool,
    /// Do not re-screen watched counterparties after a list changed.
    #[arg(long)]
    no_rescreen: bool,
}

pub fn load_config(data_dir: &Path, explicit: Option<&Path>) -> Result<UpdateConfig> {
    let user = explicit.map(Path::to_path_buf).or_else(|| {
        let p = data_dir.join("sources.toml");
        p.is_file().then_some(p)
    });
    Ok(match user {
        Some(p) => UpdateConfig::with_user_file(&p)?,
        None => UpdateConfig::built_in(),
    })
}

pub fn run(data_dir: &Path, args: UpdateArgs) -> Result<ExitCode> {
    let config = load_config(data_dir, args.config.as_deref())?;
    if args.list {
        let rows: Vec<Vec<String>> = config
            .sources
            .iter()
            .map(|s| {
                vec![
                    s.key.clone(),
                    if s.enabled { "yes".into() } else { "no".into() },
                    s.format
                        .map(|f| f.as_str().to_string())
                        .unwrap_or_else(|| "any".into()),
                    format!(
                        "{}{}",
                        s.licence,
                        if s.non_commercial {
                            " [NON-COMMERCIAL]"
                        } else {
                            ""
                        }
                    ),
                    s.files
                        .iter()
                        .map(|f| f.url.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                ]
            })
            .collect();
        output::table(&["SOURCE", "ENABLED", "FORMAT", "LICENCE", "URLS"], &rows);
        return Ok(ExitCode::SUCCESS);
    }
    for key in &args.sources {
        if !config.sources.iter().any(|s| &s.key == key) {
            anyhow::bail!(
                "no source {key:?} is configured (configured: {})",
                config
                    .sources
                    .iter()
                    .map(|s| s.key.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let mut store = Store::open(data_dir)
        .with_context(|| format!("opening the kordon store in {}", data_dir.display()))?;
    let opts = UpdateOptions {
        force: args.force,
        only: (!args.sources.is_empty()).then(|| args.sources.clone()),
    };
    let outcomes = update_all(&mut store, data_dir, &config, &opts);
    drop(store);
    let changed = outcomes.iter().any(|o| o.status == UpdateStatus::Updated);
    let rescreen = if changed && !args.no_rescreen {
        crate::watch::after_lists_change(data_dir)?
    } else {
        None
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "sources": outcomes, "rescreen": rescreen })
            )?
        );
    } else {
        let rows: Vec<Vec<String>> = outcomes
            .iter()
            .map(|o| {
                let status = match o.status {
                    UpdateStatus::NotModified => "not modified",
                    UpdateStatus::Unchanged => "unchanged",
                    UpdateStatus::Updated => "UPDATED",
                    UpdateStatus::Refused => "REFUSED",
                    UpdateStatus::Failed => "FAILED",
                };
                let version = match (o.old_version, o.new_version) {
                    (Some(a), Some(b)) if a != b => format!("{a} -> {b}"),
                    (_, Some(b)) => b.to_string(),
                    _ => "-".into(),
                };
                vec![
                    o.source.clone(),
                    status.to_string(),
                    version,
                    o.entities
                        .map(|e| e.to_string())
                        .unwrap_or_else(|| "-".into()),
                    format!("{} ({} not modified)", o.requests, o.not_modified),
                    format!("{:.1}s", o.seconds),
                ]
            })
            .collect();
        output::table(
            &[
                "SOURCE", "STATUS", "VERSION", "ENTITIES", "REQUESTS", "TIME",
            ],
            &rows,
        );
        for o in outcomes.iter().filter(|o| !o.is_ok()) {
            eprintln!(
                "{}: {} (the previous version stays current)",
                o.source,
                o.error.as_deref().unwrap_or("failed")
            );
        }
        if let Some(r) = &rescreen {
            eprintln!(
                "re-screened {} counterparties against {} changed entities: {} new alert(s) (see `kordon alerts`)",
                r.counterparties,
                r.changed_entities,
                r.alerts.len()
            );
        }
    }
    Ok(if outcomes.iter().all(|o| o.is_ok()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
