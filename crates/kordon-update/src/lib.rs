//! Refreshing lists from their publishers, fail-safe.
//!
//! [`update_all`] fetches every configured source (see `data/sources.toml`)
//! and imports what changed. The order of events for one source:
//!
//! 1. Take the source's lock (`updates/<key>.lock`, released by the OS if the
//!    process dies) and clear any staging folder a killed run left behind.
//! 2. For each file: a conditional GET (ETag / Last-Modified saved in the store)
//!    when we keep a copy of the last imported body whose SHA-256 still
//!    matches; `304` links that copy into the staging folder, `200` streams the
//!    body to a temp file there, fsynced. HTML pages, empty bodies, cut
//!    connections and timeouts are errors.
//! 3. All files unchanged (304, or the same SHA-256): done, nothing parsed.
//! 4. Otherwise detect the format by content, check it is the configured one,
//!    and import through [`Store::import_guarded`]: the whole version is parsed
//!    and written in one transaction, refused when it loses more entities than
//!    `max_loss_share` allows (unless forced), and only then made current.
//! 5. On success, the staged files replace the kept copies and the validators
//!    are saved. On any failure the previous version stays current, the
//!    failure is recorded (`kordon lists` shows the source as STALE with the
//!    reason) and validators are left alone, so the next run fetches in full.
//!
//! A server calls [`update_all`] from a background task and, when any outcome
//! is [`UpdateStatus::Updated`], builds a new engine off to the side and swaps
//! it in.

pub mod config;
mod fetch;

pub use config::{FileSpec, Settings, SourceConfig, UpdateConfig};

use fetch::{Conditional, Fetched};
use kordon_sources::discover;
use kordon_store::{now_unix, HttpValidators, ImportGuard, Store, StoreError};
use serde::Serialize;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("{url}: {message}")]
    Http { url: String, message: String },
    #[error("{url}: {message}")]
    Invalid { url: String, message: String },
    #[error("the downloaded files are not the expected list: {0}")]
    Format(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("another update of {0} is running")]
    Busy(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, Default)]
pub struct UpdateOptions {
    /// Import even when the sanity guard would refuse the new version.
    pub force: bool,
    /// Only these source keys (enabled or not); `None`: every enabled source.
    pub only: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateStatus {
    /// Every file answered 304 or hashed the same as the kept copy.
    NotModified,
    /// Downloaded and parsed, but the content equals the current version.
    Unchanged,
    /// A new version is current.
    Updated,
    /// The new version was refused by the sanity guard.
    Refused,
    /// Download, validation or import failed.
    Failed,
}

/// What happened to one source.
#[derive(Debug, Clone, Serialize)]
pub struct UpdateOutcome {
    pub source: String,
    pub status: UpdateStatus,
    /// The version current before the update.
    pub old_version: Option<i64>,
    /// The version current after it (== old unless `Updated`).
    pub new_version: Option<i64>,
    pub entities: Option<u64>,
    pub requests: u32,
    pub not_modified: u32,
    pub downloaded_bytes: u64,
    pub seconds: f64,
    /// Why it failed or was refused.
    pub error: Option<String>,
}

impl UpdateOutcome {
    pub fn is_ok(&self) -> bool {
        !matches!(self.status, UpdateStatus::Failed | UpdateStatus::Refused)
    }
}

/// Refresh every selected source. Never stops at the first failure: each
/// source gets its outcome, and failures are recorded in the store.
pub fn update_all(
    store: &mut Store,
    data_dir: &Path,
    config: &UpdateConfig,
    opts: &UpdateOptions,
) -> Vec<UpdateOutcome> {
    let selected: Vec<&SourceConfig> = match &opts.only {
        Some(keys) => config
            .sources
            .iter()
            .filter(|s| keys.contains(&s.key))
            .collect(),
        None => config.sources.iter().filter(|s| s.enabled).collect(),
    };
    selected
        .into_iter()
        .map(|src| update_source(store, data_dir, &config.settings, src, opts.force))
        .collect()
}

/// Refresh one source; see the crate docs for the sequence.
pub fn update_source(
    store: &mut Store,
    data_dir: &Path,
    settings: &Settings,
    src: &SourceConfig,
    force: bool,
) -> UpdateOutcome {
    let started = Instant::now();
    let old_version = store
        .current_versions()
        .ok()
        .and_then(|vs| vs.into_iter().find(|v| v.source == src.key))
        .map(|v| (v.version_id, v.entities));
    let mut outcome = UpdateOutcome {
        source: src.key.clone(),
        status: UpdateStatus::Failed,
        old_version: old_version.map(|v| v.0),
        new_version: old_version.map(|v| v.0),
        entities: old_version.map(|v| v.1),
        requests: 0,
        not_modified: 0,
        downloaded_bytes: 0,
        seconds: 0.0,
        error: None,
    };
    let result = run_source(store, data_dir, settings, src, force, &mut outcome);
    if let Err(UpdateError::Busy(_)) = &result {
        // Not a failure of the list: the other run will report its own outcome.
        outcome.error = result.err().map(|e| e.to_string());
    } else if let Err(e) = result {
        outcome.status = match e {
            UpdateError::Store(StoreError::Refused(_)) => UpdateStatus::Refused,
            _ => UpdateStatus::Failed,
        };
        let reason = format!("update: {e}");
        if let Err(rec) = store.record_failure(&src.key, &reason) {
            outcome.error = Some(format!(
                "{reason} (and recording the failure failed: {rec})"
            ));
        } else {
            outcome.error = Some(reason);
        }
    }
    outcome.seconds = started.elapsed().as_secs_f64();
    outcome
}

fn run_source(
    store: &mut Store,
    data_dir: &Path,
    settings: &Settings,
    src: &SourceConfig,
    force: bool,
    outcome: &mut UpdateOutcome,
) -> Result<(), UpdateError> {
    let io = |p: &Path, e: std::io::Error| UpdateError::Io {
        path: p.to_path_buf(),
        source: e,
    };
    let root = data_dir.join("updates");
    let kept = root.join("files").join(&src.key);
    let staging = root.join("staging").join(&src.key);
    std::fs::create_dir_all(&kept).map_err(|e| io(&kept, e))?;
    let lock_path = root.join(format!("{}.lock", src.key));
    let lock = File::create(&lock_path).map_err(|e| io(&lock_path, e))?;
    if lock.try_lock().is_err() {
        return Err(UpdateError::Busy(src.key.clone()));
    }
    // Under the lock, anything in staging is a killed run's leftover.
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| io(&staging, e))?;
    }
    std::fs::create_dir_all(&staging).map_err(|e| io(&staging, e))?;
    let result = stage_and_import(store, settings, src, force, &kept, &staging, outcome);
    let _ = std::fs::remove_dir_all(&staging);
    drop(lock);
    result
}

fn stage_and_import(
    store: &mut Store,
    settings: &Settings,
    src: &SourceConfig,
    force: bool,
    kept: &Path,
    staging: &Path,
    outcome: &mut UpdateOutcome,
) -> Result<(), UpdateError> {
    let io = |p: &Path, e: std::io::Error| UpdateError::Io {
        path: p.to_path_buf(),
        source: e,
    };
    let agent = fetch::agent(settings, !src.allow_http)?;
    let mut fresh: Vec<(usize, HttpValidators)> = Vec::new();
    let mut changed = false;
    for (i, spec) in src.files.iter().enumerate() {
        let kept_file = kept.join(&spec.name);
        let staged = staging.join(&spec.name);
        let known = store.http_validators(&spec.url)?;
        let conditional = known.as_ref().and_then(|v| {
            let intact = fetch::sha256_file(&kept_file).is_some_and(|h| h == v.sha256);
            (intact && (v.etag.is_some() || v.last_modified.is_some())).then(|| Conditional {
                etag: v.etag.clone(),
                last_modified: v.last_modified.clone(),
            })
        });
        outcome.requests += 1;
        match fetch::fetch(&agent, settings, spec, conditional.as_ref(), &staged)? {
            Fetched::NotModified => {
                outcome.not_modified += 1;
                link_or_copy(&kept_file, &staged)?;
            }
            Fetched::Downloaded {
                etag,
                last_modified,
                sha256,
                bytes,
            } => {
                outcome.downloaded_bytes += bytes;
                if known.as_ref().is_none_or(|v| v.sha256 != sha256)
                    || fetch::sha256_file(&kept_file).is_none_or(|h| h != sha256)
                {
                    changed = true;
                }
                fresh.push((
                    i,
                    HttpValidators {
                        url: spec.url.clone(),
                        source: src.key.clone(),
                        etag,
                        last_modified,
                        sha256,
                        bytes,
                        fetched_at: now_unix(),
                    },
                ));
            }
        }
    }
    if !changed && outcome.old_version.is_some() {
        // Same bytes as the imported version: save new validators (a server
        // that changed its ETag scheme) and note the check.
        for (_, v) in &fresh {
            store.save_http_validators(v)?;
        }
        store.record_check(&src.key)?;
        outcome.status = UpdateStatus::NotModified;
        return Ok(());
    }

    let mut inputs =
        discover(&[staging.to_path_buf()]).map_err(|e| UpdateError::Format(e.to_string()))?;
    let names = || {
        src.files
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if inputs.len() != 1 {
        return Err(UpdateError::Format(format!(
            "{} ({}) were detected as {} source(s){}",
            names(),
            src.key,
            inputs.len(),
            if inputs.is_empty() {
                String::new()
            } else {
                format!(
                    ": {}",
                    inputs
                        .iter()
                        .map(|i| i.format.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        )));
    }
    let mut input = inputs.remove(0);
    if let Some(expected) = src.format {
        if input.format != expected {
            return Err(UpdateError::Format(format!(
                "{} looks like {}, but {} is configured as {}",
                names(),
                input.format.as_str(),
                src.key,
                expected.as_str()
            )));
        }
    }
    if input.files.len() != src.files.len() {
        return Err(UpdateError::Format(format!(
            "only {} of the {} files of {} were recognised as parts of one list",
            input.files.len(),
            src.files.len(),
            src.key
        )));
    }
    input.source = src.key.clone();
    let guard = ImportGuard {
        max_loss_share: settings.max_loss_share,
        force,
    };
    let imported = store.import_guarded(&input, guard, &mut |_| {})?;

    // The version is committed; now the kept copies and validators may move
    // forward. A crash in between only costs a full download next time.
    for (i, v) in &fresh {
        let name = &src.files[*i].name;
        let from = staging.join(name);
        let to = kept.join(name);
        std::fs::rename(&from, &to).map_err(|e| io(&to, e))?;
        store.save_http_validators(v)?;
    }
    if let Ok(d) = File::open(kept) {
        let _ = d.sync_all();
    }
    store.record_check(&src.key)?;
    outcome.new_version = Some(imported.version.version_id);
    outcome.entities = Some(imported.version.entities);
    outcome.status = if imported.unchanged {
        UpdateStatus::Unchanged
    } else {
        UpdateStatus::Updated
    };
    Ok(())
}

fn link_or_copy(from: &Path, to: &Path) -> Result<(), UpdateError> {
    if std::fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| UpdateError::Io {
            path: to.to_path_buf(),
            source: e,
        })
}
