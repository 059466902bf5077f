//! `kordon audit`: check and export the service's audit trail. `verify` walks
//! the hash chain and names every edited or deleted row; `export` writes the
//! log as CSV or JSON lines.

use anyhow::Result;
use clap::{Args, Subcommand};
use kordon_audit::ExportFormat;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// The audit database: postgres://... (default: SQLite audit.db in the data dir).
    #[arg(
        long = "database",
        env = "KORDON_DATABASE_URL",
        global = true,
        value_name = "URL"
    )]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the hash chain; exit 1 and name the rows if any were edited or deleted.
    Verify {
        #[arg(long)]
        json: bool,
    },
    /// Write the log as CSV or JSON lines.
    Export {
        /// Only rows at or after this time: 2026-11-30 or 2026-11-30T06:00:00Z.
        #[arg(long)]
        since: Option<String>,
        #[arg(long, default_value = "jsonl")]
        format: ExportFormat,
        /// Output file (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

pub fn run(data_dir: &Path, args: AuditArgs) -> Result<ExitCode> {
    let mut store = kordon_audit::open(data_dir, args.database_url.as_deref())?;
    match args.command {
        AuditCommand::Verify { json } => {
            let report = kordon_audit::verify(store.as_mut())?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else if report.ok() {
                println!(
                    "Audit log intact: {} rows, hash chain verified.",
                    report.rows
                );
            } else {
                println!(
                    "Audit log TAMPERED: {} problem(s) in {} rows:",
                    report.problems.len(),
                    report.rows
                );
                for p in &report.problems {
                    println!("  {p}");
                }
            }
            Ok(if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        AuditCommand::Export {
            since,
            format,
            output,
        } => {
            let since = since
                .as_deref()
                .map(kordon_audit::parse_since)
                .transpose()?;
            let n = match output {
                Some(path) => {
                    let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
                    kordon_audit::export(store.as_mut(), since.as_deref(), format, &mut f)?
                }
                None => {
                    let stdout = std::io::stdout();
                    let mut lock = stdout.lock();
                    kordon_audit::export(store.as_mut(), since.as_deref(), format, &mut lock)?
                }
            };
            eprintln!("Exported {n} audit rows.");
            Ok(ExitCode::SUCCESS)
        }
    }
}
