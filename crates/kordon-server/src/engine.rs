//! The loaded screening engine and the service's readiness, which fails
//! closed: with no lists, lists older than the configured maximum age, or a
//! failed load, screening endpoints answer 503 with the reason, never "no match".

use crate::error::ApiError;
use axum::http::StatusCode;
use kordon_screen::PartyScreener;
use kordon_store::{now_unix, SourceVersion, Store};
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;

pub struct Engine {
    pub screener: PartyScreener,
    pub versions: Vec<SourceVersion>,
    /// Unix seconds when this engine was built.
    pub loaded_at: i64,
}

impl Engine {
    pub fn sources(&self) -> impl Iterator<Item = &str> {
        self.versions.iter().map(|v| v.source.as_str())
    }

    pub fn has_source(&self, source: &str) -> bool {
        self.sources().any(|s| s == source)
    }

    fn version_ids(&self) -> Vec<i64> {
        self.versions.iter().map(|v| v.version_id).collect()
    }
}

/// What the engine slot holds besides a loaded engine.
enum LoadState {
    Loading,
    NoLists(String),
    Failed(String),
}

pub struct EngineSlot {
    engine: RwLock<Option<Arc<Engine>>>,
    state: RwLock<LoadState>,
}

impl Default for EngineSlot {
    fn default() -> Self {
        EngineSlot {
            engine: RwLock::new(None),
            state: RwLock::new(LoadState::Loading),
        }
    }
}

/// Why the service is not ready.
#[derive(Debug, Clone)]
pub struct NotReady {
    pub code: &'static str,
    pub reason: String,
}

impl From<NotReady> for ApiError {
    fn from(n: NotReady) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, n.code, n.reason)
    }
}

impl EngineSlot {
    pub fn current(&self) -> Option<Arc<Engine>> {
        self.engine.read().ok().and_then(|g| g.clone())
    }

    /// The engine, if it is loaded and every list is younger than `max_age`.
    pub fn ready(&self, max_age: Duration) -> Result<Arc<Engine>, NotReady> {
        let Some(engine) = self.current() else {
            let reason = match self.state.read().as_deref() {
                Ok(LoadState::NoLists(r)) => {
                    return Err(NotReady {
                        code: "no_lists",
                        reason: r.clone(),
                    })
                }
                Ok(LoadState::Failed(r)) => {
                    format!("loading the lists failed: {r} (refusing to report \"no match\")")
                }
                _ => "the lists are still loading (refusing to report \"no match\")".to_string(),
            };
            return Err(NotReady {
                code: "not_ready",
                reason,
            });
        };
        let now = now_unix();
        let stale: Vec<String> = engine
            .versions
            .iter()
            .filter(|v| now.saturating_sub(v.imported_at) as u64 > max_age.as_secs())
            .map(|v| {
                format!(
                    "{} imported {} ago",
                    v.source,
                    humantime::format_duration(age(now, v.imported_at))
                )
            })
            .collect();
        if !stale.is_empty() {
            return Err(NotReady {
                code: "stale_lists",
                reason: format!(
                    "lists are older than the maximum age of {}: {}; re-import or update them (refusing to report \"no match\")",
                    humantime::format_duration(max_age),
                    stale.join(", ")
                ),
            });
        }
        Ok(engine)
    }

    /// Load the store's current lists if they differ from what is loaded.
    /// Blocking (SQLite reads and index building): call off the async executor.
    pub fn refresh(&self, data_dir: &Path) {
        match self.try_refresh(data_dir) {
            Ok(()) => {}
            Err(e) => {
                eprintln!(
                    "kordon serve: loading lists from {} failed: {e}",
                    data_dir.display()
                );
                if let Ok(mut s) = self.state.write() {
                    *s = LoadState::Failed(e);
                }
            }
        }
    }

    fn try_refresh(&self, data_dir: &Path) -> Result<(), String> {
        let store = Store::open(data_dir).map_err(|e| e.to_string())?;
        let versions = store.current_versions().map_err(|e| e.to_string())?;
        if versions.is_empty() {
            if let Ok(mut e) = self.engine.write() {
                *e = None;
            }
            if let Ok(mut s) = self.state.write() {
                *s = LoadState::NoLists(format!(
                    "no lists are imported in {}: run `kordon lists import PATH...` first (refusing to report \"no match\")",
                    data_dir.display()
                ));
            }
            return Ok(());
        }
        let ids: Vec<i64> = versions.iter().map(|v| v.version_id).collect();
        if self.current().is_some_and(|e| e.version_ids() == ids) {
            return Ok(());
        }
        let entities = store.current_entities().map_err(|e| e.to_string())?;
        let n = entities.len();
        let engine = Engine {
            screener: PartyScreener::build(entities),
            versions,
            loaded_at: now_unix(),
        };
        eprintln!(
            "kordon serve: loaded {n} entities from {}",
            engine.sources().collect::<Vec<_>>().join(", ")
        );
        if let Ok(mut e) = self.engine.write() {
            *e = Some(Arc::new(engine));
        }
        Ok(())
    }
}

pub fn age(now: i64, then: i64) -> Duration {
    Duration::from_secs(now.saturating_sub(then).max(0) as u64)
}
