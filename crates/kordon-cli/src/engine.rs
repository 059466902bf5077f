//! Loading the screening engine from the store, failing closed: with no lists,
//! or lists older than the allowed age, kordon refuses to screen rather than
//! report "no match".

use anyhow::{Context, Result};
use kordon_screen::PartyScreener;
use kordon_store::{now_unix, SourceVersion, Store};
use std::path::Path;
use std::time::Duration;

/// Why screening was refused. Mapped to exit code 3.
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    #[error("no lists are imported in {0}: run `kordon lists import PATH...` first (refusing to report \"no match\")")]
    NoLists(String),
    #[error("lists are stale (older than --max-age {max_age}): {stale}; re-import or update them, or raise --max-age (refusing to report \"no match\")")]
    Stale { max_age: String, stale: String },
}

pub struct LoadedEngine {
    pub screener: PartyScreener,
    pub versions: Vec<SourceVersion>,
    pub load_seconds: f64,
}

/// Check the store's freshness and load every current entity into the screener.
pub fn load(data_dir: &Path, max_age: Duration) -> Result<LoadedEngine> {
    let started = std::time::Instant::now();
    let store = Store::open(data_dir)
        .with_context(|| format!("opening the kordon store in {}", data_dir.display()))?;
    let versions = check_ready(&store, data_dir, max_age)?;
    let entities = store.current_entities()?;
    let screener = PartyScreener::build(entities);
    Ok(LoadedEngine {
        screener,
        versions,
        load_seconds: started.elapsed().as_secs_f64(),
    })
}

pub fn check_ready(
    store: &Store,
    data_dir: &Path,
    max_age: Duration,
) -> Result<Vec<SourceVersion>> {
    let versions = store.current_versions()?;
    if versions.is_empty() {
        return Err(NotReady::NoLists(data_dir.display().to_string()).into());
    }
    let now = now_unix();
    // Freshness is the later of the import and the last update check that
    // found the publisher's list unchanged: an unchanged list confirmed this
    // morning is fresh even if its content was imported last month.
    let mut stale = Vec::new();
    for v in &versions {
        let confirmed = store
            .last_checked(&v.source)?
            .unwrap_or(v.imported_at)
            .max(v.imported_at);
        if (now - confirmed) as u64 > max_age.as_secs() {
            stale.push(format!(
                "{} last confirmed {} ago",
                v.source,
                crate::output::age(now - confirmed)
            ));
        }
    }
    if !stale.is_empty() {
        return Err(NotReady::Stale {
            max_age: humantime::format_duration(max_age).to_string(),
            stale: stale.join(", "),
        }
        .into());
    }
    for v in &versions {
        if let Some((at, err)) = store.last_failure(&v.source)? {
            eprintln!(
                "warning: the last import of {} failed at {} ({err}); screening uses version {} imported {}",
                v.source,
                crate::output::timestamp(at),
                v.version_id,
                crate::output::timestamp(v.imported_at)
            );
        }
    }
    Ok(versions)
}

pub fn parse_max_age(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (use forms like 6h, 7d, 30days)"))
}
