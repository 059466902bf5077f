//! `kordon watch`: the counterparties (customers, suppliers) kept under
//! continuous screening, stored in `watch.db` in the data directory. New and
//! changed counterparties are screened on import; after every list change only
//! the added and changed entities are screened against all of them.
//!
//! Webhook delivery of new alerts is configured with `KORDON_WEBHOOK_URL` and
//! `KORDON_WEBHOOK_SECRET` (HMAC-SHA256 signature in `X-Kordon-Signature`).
//!
//! `--database postgres://...` (or `KORDON_DATABASE_URL`, as for `kordon
//! audit`) keeps the watch data in PostgreSQL instead of `watch.db`; the
//! re-screening after `kordon update` and `kordon lists import` follows the
//! same variable.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use kordon_store::Store;
use kordon_watch::{
    import_counterparties, read_file, rescreen, rescreen_after_lists_change, ColumnMap,
    RescreenReport, WatchDb, WatchOptions, WebhookConfig,
};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct WatchArgs {
    /// The watch database: postgres://... (default: SQLite watch.db in the data dir).
    #[arg(
        long = "database",
        env = "KORDON_DATABASE_URL",
        global = true,
        value_name = "URL"
    )]
    pub database_url: Option<String>,
    #[command(subcommand)]
    command: WatchCommand,
}

#[derive(Subcommand)]
enum WatchCommand {
    /// Store counterparties from a CSV (with header) or JSON-lines file and
    /// screen the new and changed ones against every current entity. Rows are
    /// upserted by the `key` column when mapped, else by line number.
    #[command(
        after_help = "Examples:\n  kordon watch import customers.csv --map name=Company,country=Country,key=CustomerNo\n  \
        kordon watch import people.jsonl --map name=full_name,dob=birth_date,country=nationality,schema=type,id=passport"
    )]
    Import {
        file: PathBuf,
        /// FIELD=COLUMN pairs: name (required), key, country, dob, id, schema.
        /// Several countries or identifiers in one cell are separated by ';'.
        /// Default: columns named name, country, dob, id, schema.
        #[arg(long)]
        map: Option<String>,
        /// Minimum score for an alert (default: the screening threshold).
        #[arg(long)]
        threshold: Option<f64>,
        #[arg(long)]
        json: bool,
    },
    /// Re-screen all counterparties against what changed in the lists since the last pass.
    Rescreen {
        #[arg(long)]
        json: bool,
    },
    /// Counterparties stored, list versions last screened against, alerts.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Retry webhook delivery of alerts not yet delivered.
    Deliver,
}

/// Options from the environment: the webhook, if configured, and the
/// database (`KORDON_DATABASE_URL`, else `watch.db`).
pub fn watch_options() -> Result<WatchOptions> {
    let mut opts = WatchOptions {
        database_url: std::env::var("KORDON_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty()),
        ..WatchOptions::default()
    };
    if let Some(url) = std::env::var("KORDON_WEBHOOK_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        let secret = std::env::var("KORDON_WEBHOOK_SECRET")
            .ok()
            .filter(|s| !s.is_empty())
            .context(
                "KORDON_WEBHOOK_URL is set but KORDON_WEBHOOK_SECRET is not: alerts must be signed",
            )?;
        opts.webhook = Some(WebhookConfig::new(url, secret));
    }
    Ok(opts)
}

/// The hook for after a successful `kordon lists import` or `kordon update`:
/// re-screens watched counterparties against what changed (a no-op without a
/// `watch.db`). Prints a one-line summary to stderr.
pub fn after_lists_change(data_dir: &Path) -> Result<Option<RescreenReport>> {
    let report = rescreen_after_lists_change(data_dir, &watch_options()?)?;
    if let Some(r) = &report {
        if !r.sources.is_empty() {
            eprintln!(
                "watch: re-screened {} counterparties against {} added/changed entities in {:.2}s: {} new alert(s)",
                r.counterparties,
                r.changed_entities,
                r.seconds,
                r.alerts.len()
            );
        }
    }
    Ok(report)
}

fn open(data_dir: &Path, database_url: Option<&str>) -> Result<(Store, WatchDb)> {
    let store = Store::open(data_dir)
        .with_context(|| format!("opening the kordon store in {}", data_dir.display()))?;
    let watch = match database_url {
        None => WatchDb::open(data_dir)
            .with_context(|| format!("opening watch.db in {}", data_dir.display()))?,
        Some(url) => WatchDb::open_url(data_dir, Some(url))
            .context("opening the watch database (--database)")?,
    };
    Ok((store, watch))
}

/// The environment's options with `--database` applied.
fn options(database_url: Option<&str>) -> Result<WatchOptions> {
    let mut opts = watch_options()?;
    opts.database_url = database_url.map(str::to_string);
    Ok(opts)
}

pub fn run(data_dir: &Path, args: WatchArgs) -> Result<ExitCode> {
    let database_url = args.database_url.filter(|u| !u.is_empty());
    let db = database_url.as_deref();
    match args.command {
        WatchCommand::Import {
            file,
            map,
            threshold,
            json,
        } => {
            let map = match map {
                Some(spec) => ColumnMap::parse(&spec)?,
                None => ColumnMap::default(),
            };
            let people = read_file(&file, &map)?;
            let (store, mut watch) = open(data_dir, db)?;
            if store.current_versions()?.is_empty() {
                anyhow::bail!(
                    "no lists are imported in {}: import or update lists first (refusing to report \"no match\")",
                    data_dir.display()
                );
            }
            let mut opts = options(db)?;
            if let Some(t) = threshold {
                opts.screen.threshold = t;
            }
            let report = import_counterparties(&store, &mut watch, people, &opts)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "{}: {} read, {} new, {} changed, {} unchanged; screened {}: {} new alert(s) (see `kordon alerts`)",
                    file.display(),
                    report.read,
                    report.new,
                    report.changed,
                    report.unchanged,
                    report.screened,
                    report.alerts.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        WatchCommand::Rescreen { json } => {
            let (store, mut watch) = open(data_dir, db)?;
            let report = rescreen(&store, &mut watch, &options(db)?)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else if report.sources.is_empty() {
                println!("no list changed since the last pass");
            } else {
                for (s, old, new) in &report.sources {
                    println!(
                        "{s}: version {} -> {new}",
                        old.map(|o| o.to_string())
                            .unwrap_or_else(|| "(none)".into())
                    );
                }
                println!(
                    "re-screened {} counterparties against {} added/changed entities ({} removed) in {:.2}s: {} new alert(s)",
                    report.counterparties,
                    report.changed_entities,
                    report.removed_entities,
                    report.seconds,
                    report.alerts.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        WatchCommand::Status { json } => {
            let (store, watch) = open(data_dir, db)?;
            let alerts = watch.alerts(None)?;
            let undelivered = alerts.iter().filter(|a| a.delivered_at.is_none()).count();
            let status = serde_json::json!({
                "counterparties": watch.counterparty_count()?,
                "alerts": alerts.len(),
                "undelivered_alerts": undelivered,
                "lists": store.current_versions()?.iter().map(|v| serde_json::json!({
                    "source": v.source, "current_version": v.version_id,
                })).collect::<Vec<_>>(),
            });
            if json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                println!(
                    "{} counterparties under watch, {} alert(s)",
                    status["counterparties"], status["alerts"]
                );
                if options(db)?.webhook.is_some() {
                    println!("{undelivered} alert(s) not yet delivered to the webhook (retry: `kordon watch deliver`)");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        WatchCommand::Deliver => {
            let opts = options(db)?;
            let Some(hook) = opts.webhook else {
                anyhow::bail!("set KORDON_WEBHOOK_URL and KORDON_WEBHOOK_SECRET to deliver alerts");
            };
            let (_, watch) = open(data_dir, db)?;
            let r = kordon_watch::webhook::deliver_pending(&watch, &hook)?;
            println!(
                "{} delivered, {} failed ({} attempts)",
                r.delivered, r.failed, r.attempts
            );
            Ok(if r.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}
