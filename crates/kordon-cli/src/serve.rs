//! `kordon serve`: run the screening service (HTTP API, yente-compatible API,
//! audit trail, API keys). Settings come from a TOML file (`--config`), then
//! environment variables, then flags, each overriding the one before.

use anyhow::Result;
use clap::Args;
use kordon_server::ServerConfig;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  kordon keys create ci-robot        # prints the API key once\n  \
    kordon serve --port 8000\n  curl -H 'Authorization: Bearer KEY' -d '{\"parties\":[{\"name\":\"IEMZ Kupol\"}]}' \
    http://127.0.0.1:8000/v1/screen\n\n\
The service is ready (/readyz) only while the lists are imported and younger than --max-list-age; \
until then screening answers 503 with the reason. The data directory comes from --data-dir / KORDON_DATA_DIR; \
a config file's data_dir is ignored here."
)]
pub struct ServeArgs {
    /// TOML config file (keys: bind, port, max_list_age, max_body_bytes, max_batch, max_limit,
    /// request_timeout, database_url, no_auth, reload_interval, key_refresh_interval, max_concurrent_screens).
    #[arg(long, env = "KORDON_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on (default 127.0.0.1).
    #[arg(long, env = "KORDON_BIND")]
    pub bind: Option<IpAddr>,
    /// Port (default 8000; 0 picks a free one and prints it).
    #[arg(long, env = "KORDON_PORT")]
    pub port: Option<u16>,
    /// Not ready (503) when a list was imported longer ago than this (default 7d).
    #[arg(long, alias = "max-age", env = "KORDON_MAX_LIST_AGE", value_parser = parse_duration)]
    pub max_list_age: Option<Duration>,
    /// Largest request body in bytes (default 1 MiB); larger gets 413.
    #[arg(long, env = "KORDON_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Most parties or queries per request (default 100).
    #[arg(long, env = "KORDON_MAX_BATCH")]
    pub max_batch: Option<usize>,
    /// Time limit for one request's screening (default 10s).
    #[arg(long, env = "KORDON_REQUEST_TIMEOUT", value_parser = parse_duration)]
    pub request_timeout: Option<Duration>,
    /// Keep the audit log and API keys in PostgreSQL (postgres://...) instead of SQLite in the data dir.
    #[arg(long = "database", env = "KORDON_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// How often to pick up newly imported list versions (default 60s).
    #[arg(long, env = "KORDON_RELOAD_INTERVAL", value_parser = parse_duration)]
    pub reload_interval: Option<Duration>,
    /// Serve WITHOUT API keys. Development only: anyone who can connect can screen.
    #[arg(long)]
    pub no_auth: bool,
    /// Fetch every configured source from its publisher this often (e.g. 6h), with the same
    /// fail-safe checks as `kordon update`; new versions are swapped in while requests go on.
    #[arg(long, value_parser = crate::engine::parse_max_age, env = "KORDON_REFRESH_EVERY")]
    pub refresh_every: Option<Duration>,
    /// With --refresh-every: the sources file (default: built-in, or sources.toml in the data dir).
    #[arg(long, value_name = "FILE")]
    pub sources: Option<std::path::PathBuf>,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (use forms like 90s, 6h, 7d)"))
}

/// File, then environment and flags (clap already merged those two).
pub fn config(data_dir: &Path, args: &ServeArgs) -> Result<ServerConfig> {
    let mut c = match &args.config {
        Some(path) => ServerConfig::from_file(path)?,
        None => ServerConfig::default(),
    };
    c.data_dir = data_dir.to_path_buf();
    if let Some(v) = args.bind {
        c.bind = v;
    }
    if let Some(v) = args.port {
        c.port = v;
    }
    if let Some(v) = args.max_list_age {
        c.max_list_age = v;
    }
    if let Some(v) = args.max_body_bytes {
        c.max_body_bytes = v;
    }
    if let Some(v) = args.max_batch {
        c.max_batch = v;
    }
    if let Some(v) = args.request_timeout {
        c.request_timeout = v;
    }
    if let Some(v) = &args.database_url {
        c.database_url = Some(v.clone());
    }
    if let Some(v) = args.reload_interval {
        c.reload_interval = v;
    }
    if args.no_auth {
        c.no_auth = true;
    }
    c.validate()?;
    Ok(c)
}

pub fn run(data_dir: &Path, args: ServeArgs) -> Result<ExitCode> {
    let config = config(data_dir, &args)?;
    if let Some(every) = args.refresh_every {
        // Load the sources now so a bad file fails at start, not in six hours.
        let sources = crate::update::load_config(data_dir, args.sources.as_deref())?;
        spawn_scheduled_updates(data_dir.to_path_buf(), sources, every);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("kordon-http")
        .build()?;
    runtime.block_on(kordon_server::serve(config))?;
    Ok(ExitCode::SUCCESS)
}

/// Run the fail-safe updater every `every` on its own thread. It writes new
/// versions to the store; the server's reload loop notices them, builds the new
/// engine beside the old one and swaps it in, so requests never wait on a
/// download. A failed update keeps the last good version and is recorded.
fn spawn_scheduled_updates(
    data_dir: std::path::PathBuf,
    sources: kordon_update::UpdateConfig,
    every: Duration,
) {
    std::thread::Builder::new()
        .name("kordon-refresh".into())
        .spawn(move || loop {
            std::thread::sleep(every);
            let mut store = match kordon_store::Store::open(&data_dir) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("kordon serve: scheduled update could not open the store: {e}");
                    continue;
                }
            };
            let outcomes = kordon_update::update_all(
                &mut store,
                &data_dir,
                &sources,
                &kordon_update::UpdateOptions::default(),
            );
            drop(store);
            for o in &outcomes {
                eprintln!(
                    "kordon serve: scheduled update {}: {:?}",
                    o.source, o.status
                );
            }
            if outcomes
                .iter()
                .any(|o| o.status == kordon_update::UpdateStatus::Updated)
            {
                if let Err(e) = crate::watch::after_lists_change(&data_dir) {
                    eprintln!("kordon serve: re-screening watched counterparties failed: {e:#}");
                }
            }
        })
        .map(drop)
        .unwrap_or_else(|e| eprintln!("kordon serve: could not start the refresh thread: {e}"));
}
