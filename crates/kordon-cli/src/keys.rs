//! `kordon keys`: create, list and revoke the API keys the service accepts.
//! Keys are stored hashed (SHA-256) next to the audit log; the key itself is
//! shown once, at creation.

use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use std::path::Path;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct KeysArgs {
    /// The audit/key database: postgres://... (default: SQLite audit.db in the data dir).
    #[arg(
        long = "database",
        env = "KORDON_DATABASE_URL",
        global = true,
        value_name = "URL"
    )]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: KeysCommand,
}

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Create a key and print it (once: it is stored only as a hash).
    Create {
        /// Who or what the key is for ("ci-robot", "payments-team").
        name: String,
    },
    /// List keys (ids, names, creation and revocation times; never the keys).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key by id; the service stops accepting it within seconds.
    Revoke { id: String },
}

pub fn run(data_dir: &Path, args: KeysArgs) -> Result<ExitCode> {
    let mut store = kordon_audit::open(data_dir, args.database_url.as_deref())?;
    match args.command {
        KeysCommand::Create { name } => {
            let k = store.create_key(&name)?;
            eprintln!(
                "Created API key {} ({}). Store it now: it is not shown again.",
                k.info.id, k.info.name
            );
            println!("{}", k.secret);
        }
        KeysCommand::List { json } => {
            let keys = store.list_keys()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&keys)?);
            } else if keys.is_empty() {
                println!("No API keys. Create one with `kordon keys create NAME`.");
            } else {
                let rows: Vec<Vec<String>> = keys
                    .iter()
                    .map(|k| {
                        vec![
                            k.id.clone(),
                            k.name.clone(),
                            k.created_at.clone(),
                            k.revoked_at
                                .clone()
                                .map(|r| format!("revoked {r}"))
                                .unwrap_or_else(|| "active".into()),
                        ]
                    })
                    .collect();
                crate::output::table(&["ID", "NAME", "CREATED", "STATUS"], &rows);
            }
        }
        KeysCommand::Revoke { id } => {
            if !store.revoke_key(&id, &kordon_audit::now_timestamp())? {
                bail!("no active key with id {id:?} (see `kordon keys list`)");
            }
            println!("Revoked {id}.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
