//! `kordon alerts`: what continuous re-screening found: each alert with the
//! counterparty, the listed entity, the score and why, and the list change
//! (source, versions, changed fields) that caused it. `--database` (or
//! `KORDON_DATABASE_URL`) reads them from PostgreSQL instead of `watch.db`.

use crate::output;
use anyhow::{Context, Result};
use clap::Args;
use kordon_watch::{AlertCause, WatchDb};
use std::path::Path;
use std::process::ExitCode;

#[derive(Args)]
#[command(
    after_help = "Examples:\n  kordon alerts\n  kordon alerts --since 7d --json\n  kordon alerts --since 2026-11-01"
)]
pub struct AlertsArgs {
    /// Only alerts created since: a duration back from now (24h, 7d), a date
    /// (2026-11-01) or Unix seconds.
    #[arg(long)]
    since: Option<String>,
    #[arg(long)]
    json: bool,
    /// The watch database: postgres://... (default: SQLite watch.db in the data dir).
    #[arg(long = "database", env = "KORDON_DATABASE_URL", value_name = "URL")]
    database_url: Option<String>,
}

fn parse_since(s: &str) -> Result<i64> {
    if let Ok(unix) = s.parse::<i64>() {
        return Ok(unix);
    }
    if let Ok(d) = humantime::parse_duration(s) {
        return Ok(kordon_store::now_unix() - d.as_secs() as i64);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(s, &format).with_context(|| {
        format!("--since {s:?}: use a duration (7d), a date (2026-11-01) or Unix seconds")
    })?;
    Ok(date.midnight().assume_utc().unix_timestamp())
}

pub fn run(data_dir: &Path, args: AlertsArgs) -> Result<ExitCode> {
    let since = args.since.as_deref().map(parse_since).transpose()?;
    let database_url = args.database_url.as_deref().filter(|u| !u.is_empty());
    if !WatchDb::exists_at(data_dir, database_url) {
        if args.json {
            println!("[]");
        } else {
            println!(
                "no counterparties are watched in {} (see `kordon watch import`)",
                data_dir.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let watch = WatchDb::open_url(data_dir, database_url)?;
    let alerts = watch.alerts(since)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&alerts)?);
        return Ok(ExitCode::SUCCESS);
    }
    if alerts.is_empty() {
        println!("no alerts");
    }
    for a in &alerts {
        let cause = match (a.cause, &a.list_change) {
            (AlertCause::ListChange, Some(c)) => format!(
                "entity {} in {} (version {} -> {})",
                c.change,
                c.source,
                c.old_version
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "none".into()),
                c.new_version
            ),
            (AlertCause::CounterpartyNew, _) => "new counterparty".into(),
            (AlertCause::CounterpartyChanged, _) => "counterparty data changed".into(),
            (AlertCause::ListChange, None) => "list change".into(),
        };
        println!(
            "#{} {}  {} [{}]  ->  {} [{}]  score {:.3}{}",
            a.alert_id,
            output::timestamp(a.created_at),
            a.counterparty_name,
            a.counterparty,
            a.entity_caption,
            a.entity_id,
            a.score,
            a.previous_score
                .map(|p| format!(" (was {p:.3})"))
                .unwrap_or_default()
        );
        println!("    cause: {cause}");
        if let Some(c) = &a.list_change {
            for f in &c.field_changes {
                println!("    {}: +{:?} -{:?}", f.field, f.added, f.removed);
            }
        }
        for line in &a.explanation {
            println!("    {line}");
        }
        if let Some(e) = &a.delivery_error {
            println!("    webhook: not delivered ({e})");
        }
    }
    Ok(ExitCode::SUCCESS)
}
