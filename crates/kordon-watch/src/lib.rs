//! Continuous re-screening of stored counterparties (customers, suppliers).
//!
//! Counterparties live in `watch.db` in the data directory (see [`db`]). When
//! they are imported, new and changed ones are screened against every current
//! entity. When a list changes (after `kordon update` or `kordon lists
//! import`), [`rescreen_after_lists_change`] diffs each source's current
//! version against the version the watch last screened against, builds a small
//! [`PartyScreener`] from only the added and changed entities, and screens
//! every counterparty against it: the cost grows with the size of the change,
//! not of the lists. Hits become alerts only when new, or when the score moved
//! (a hit already alerted with the same entity and score is not alerted
//! again); each alert carries its explanation and the list change that caused
//! it. Alerts and the baseline move are committed in one transaction, so a
//! crash neither loses nor duplicates an alert. An optional webhook receives
//! each new alert ([`webhook`]).
//!
//! The watch data lives in SQLite by default; a `postgres://` URL
//! ([`WatchOptions::database_url`], [`WatchDb::open_url`]) keeps it in
//! PostgreSQL instead ([`pg`]), with the same transactional guarantees.

pub mod bench;
pub mod counterparties;
pub mod db;
mod pg;
pub mod webhook;

pub use counterparties::{read_file, ColumnMap};
pub use db::{Alert, AlertCause, ListChange, WatchDb};
pub use webhook::{DeliveryReport, WebhookConfig};

use db::NewAlert;
use kordon_model::{Entity, PartialDate, Schema};
use kordon_screen::{PartyMatch, PartyQuery, PartyScreener, ScreenOptions};
use kordon_store::{Store, StoreError};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("database {path}: {source}")]
    Db {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("watch database (PostgreSQL): {0}")]
    Postgres(#[from] postgres::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(String),
}

impl WatchError {
    fn db(path: &Path, e: rusqlite::Error) -> WatchError {
        WatchError::Db {
            path: path.to_path_buf(),
            source: e,
        }
    }
}

/// A party under watch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counterparty {
    /// Stable key: the mapped key column, else `line:N`.
    pub key: String,
    pub name: String,
    pub schema: Option<Schema>,
    pub countries: Vec<String>,
    /// As the file wrote it (validated as a date).
    pub birth_date: Option<String>,
    pub identifiers: Vec<String>,
}

impl Counterparty {
    pub fn query(&self) -> PartyQuery {
        PartyQuery {
            name: self.name.clone(),
            schema: self.schema,
            countries: self.countries.clone(),
            birth_date: self
                .birth_date
                .as_deref()
                .and_then(|d| PartialDate::parse(d).ok()),
            identifiers: self.identifiers.clone(),
        }
    }

    /// What the counterparty says, hashed: a re-import with the same
    /// fingerprint is not re-screened.
    fn fingerprint(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(&json))
    }
}

#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub screen: ScreenOptions,
    /// Deliver new alerts here (after they are committed).
    pub webhook: Option<WebhookConfig>,
    /// Where the watch data lives: `None` for `watch.db` in the data
    /// directory, or a `postgres://` URL.
    pub database_url: Option<String>,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            screen: ScreenOptions {
                limit: 10,
                ..ScreenOptions::default()
            },
            webhook: None,
            database_url: None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub read: u64,
    pub new: u64,
    pub changed: u64,
    pub unchanged: u64,
    /// Counterparties screened (new + changed).
    pub screened: u64,
    pub alerts: Vec<i64>,
    pub delivery: Option<DeliveryReport>,
}

/// Store counterparties (upsert by key) and screen the new and changed ones
/// against every current entity. Lists already imported are first brought up
/// to date for the counterparties already stored.
pub fn import_counterparties(
    store: &Store,
    watch: &mut WatchDb,
    incoming: Vec<Counterparty>,
    opts: &WatchOptions,
) -> Result<ImportReport, WatchError> {
    let mut rescreen_first = opts.clone();
    rescreen_first.webhook = None;
    rescreen(store, watch, &rescreen_first)?;

    let mut report = ImportReport {
        read: incoming.len() as u64,
        ..ImportReport::default()
    };
    let existing: HashMap<String, String> = watch.fingerprints()?;
    // Later rows with the same key win, as an upsert would.
    let mut by_key: HashMap<String, Counterparty> = HashMap::new();
    let mut order = Vec::new();
    for cp in incoming {
        if by_key.insert(cp.key.clone(), cp.clone()).is_none() {
            order.push(cp.key);
        }
    }
    let mut to_screen: Vec<(Counterparty, AlertCause, String)> = Vec::new();
    for key in order {
        let cp = by_key.remove(&key).expect("key collected above");
        let fp = cp.fingerprint();
        match existing.get(&cp.key) {
            Some(old) if *old == fp => report.unchanged += 1,
            Some(_) => {
                report.changed += 1;
                to_screen.push((cp, AlertCause::CounterpartyChanged, fp));
            }
            None => {
                report.new += 1;
                to_screen.push((cp, AlertCause::CounterpartyNew, fp));
            }
        }
    }
    let entities = if to_screen.is_empty() {
        vec![]
    } else {
        store.current_entities()?
    };
    let screener = PartyScreener::build(entities);
    let hits: Vec<Vec<PartyMatch>> = to_screen
        .par_iter()
        .map(|(cp, _, _)| screener.screen(&cp.query(), &opts.screen))
        .collect();
    report.screened = to_screen.len() as u64;
    let mut candidates = Vec::new();
    let mut clear = Vec::new();
    for ((cp, cause, _), matches) in to_screen.iter().zip(hits) {
        if *cause == AlertCause::CounterpartyChanged {
            // The old hits described the old data; forget those no longer hit.
            for e in watch.hits_of(&cp.key)? {
                if !matches.iter().any(|m| m.entity_id == e) {
                    clear.push((cp.key.clone(), e));
                }
            }
        }
        for m in matches {
            candidates.push(new_alert(cp, m, *cause, None));
        }
    }
    let upserts = to_screen
        .iter()
        .map(|(cp, _, fp)| (cp, fp.as_str()))
        .collect();
    report.alerts = db::commit_alerts(
        watch,
        candidates,
        &clear,
        db::AlongWith::Counterparties(upserts),
    )?;
    report.delivery = deliver(watch, opts)?;
    Ok(report)
}

/// What one re-screening pass did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RescreenReport {
    /// (source, baseline version, current version) for each source that moved.
    pub sources: Vec<(String, Option<i64>, i64)>,
    /// Added + changed entities screened against.
    pub changed_entities: u64,
    pub removed_entities: u64,
    pub counterparties: u64,
    pub alerts: Vec<i64>,
    pub seconds: f64,
    pub delivery: Option<DeliveryReport>,
}

/// The hook to call after lists changed (a successful `lists import` or
/// `update`): a no-op when the data directory has no `watch.db` (and no
/// PostgreSQL database is configured in `opts`).
pub fn rescreen_after_lists_change(
    data_dir: &Path,
    opts: &WatchOptions,
) -> Result<Option<RescreenReport>, WatchError> {
    let url = opts.database_url.as_deref();
    if !WatchDb::exists_at(data_dir, url) {
        return Ok(None);
    }
    let store = Store::open(data_dir)?;
    let mut watch = WatchDb::open_url(data_dir, url)?;
    rescreen(&store, &mut watch, opts).map(Some)
}

/// Re-screen every stored counterparty against what changed in the lists
/// since the last pass. Sources seen for the first time are screened whole.
pub fn rescreen(
    store: &Store,
    watch: &mut WatchDb,
    opts: &WatchOptions,
) -> Result<RescreenReport, WatchError> {
    let started = std::time::Instant::now();
    let mut report = RescreenReport::default();
    let mut changed: Vec<Entity> = Vec::new();
    // entity id -> what happened to it, for the alert.
    let mut causes: HashMap<String, ListChange> = HashMap::new();
    let mut removed: Vec<String> = Vec::new();
    // With nobody to screen, only the baseline moves.
    let nobody = watch.counterparty_count()? == 0;
    for v in store.current_versions()? {
        let base = watch.screened_version(&v.source)?;
        if base == Some(v.version_id) {
            continue;
        }
        report.sources.push((v.source.clone(), base, v.version_id));
        if nobody {
            continue;
        }
        let diff = match base {
            Some(b) => store.diff(b, v.version_id).ok(),
            None => None,
        };
        match diff {
            Some(d) => {
                for a in &d.added {
                    causes.insert(
                        a.id.clone(),
                        list_change(&v.source, base, v.version_id, "added", vec![]),
                    );
                }
                for c in d.changed {
                    causes.insert(
                        c.id.clone(),
                        list_change(&v.source, base, v.version_id, "changed", c.changes),
                    );
                }
                removed.extend(d.removed.into_iter().map(|r| r.id));
            }
            // A source never screened (or whose baseline was pruned): every
            // entity of the version is new to the watch.
            None => {
                for e in store.version_entities(v.version_id)? {
                    causes.insert(
                        e.id.clone(),
                        list_change(&v.source, base, v.version_id, "added", vec![]),
                    );
                }
            }
        }
    }
    if report.sources.is_empty() {
        report.seconds = started.elapsed().as_secs_f64();
        report.delivery = deliver(watch, opts)?;
        return Ok(report);
    }
    let counterparties = watch.counterparties()?;
    report.counterparties = counterparties.len() as u64;
    for id in causes.keys() {
        if let Some(e) = store.entity(id)? {
            changed.push(e);
        }
    }
    changed.sort_by(|a, b| a.id.cmp(&b.id));
    report.changed_entities = changed.len() as u64;
    report.removed_entities = removed.len() as u64;

    let mut candidates = Vec::new();
    let mut clear: Vec<(String, String)> = Vec::new();
    if !changed.is_empty() && !counterparties.is_empty() {
        let changed_ids: Vec<String> = changed.iter().map(|e| e.id.clone()).collect();
        let screener = PartyScreener::build(changed);
        let results: Vec<Vec<PartyMatch>> = counterparties
            .par_iter()
            .map(|cp| screener.screen(&cp.query(), &opts.screen))
            .collect();
        // A changed entity that no longer matches a counterparty it used to
        // match: forget the hit, so a later re-match alerts again.
        let old_hits = watch.hits_for_entities(&changed_ids)?;
        for (cp, matches) in counterparties.iter().zip(results) {
            for m in matches {
                let cause = causes.get(&m.entity_id).cloned();
                candidates.push(new_alert(cp, m, AlertCause::ListChange, cause));
            }
        }
        for (cp, ent) in old_hits {
            if !candidates
                .iter()
                .any(|a: &NewAlert| a.counterparty == cp && a.entity_id == ent)
            {
                clear.push((cp, ent));
            }
        }
    }
    // Delisted: forget the hit, so a re-listing alerts again.
    for (cp, ent) in watch.hits_for_entities(&removed)? {
        clear.push((cp, ent));
    }
    let moved = report
        .sources
        .iter()
        .map(|(source, _, v)| (source.as_str(), *v))
        .collect();
    report.alerts = db::commit_alerts(watch, candidates, &clear, db::AlongWith::Baseline(moved))?;
    report.seconds = started.elapsed().as_secs_f64();
    report.delivery = deliver(watch, opts)?;
    Ok(report)
}

fn list_change(
    source: &str,
    old: Option<i64>,
    new: i64,
    change: &str,
    fields: Vec<kordon_store::FieldChange>,
) -> ListChange {
    ListChange {
        source: source.to_string(),
        old_version: old,
        new_version: new,
        change: change.to_string(),
        field_changes: fields,
    }
}

fn new_alert(
    cp: &Counterparty,
    m: PartyMatch,
    cause: AlertCause,
    change: Option<ListChange>,
) -> NewAlert {
    NewAlert {
        counterparty: cp.key.clone(),
        counterparty_name: cp.name.clone(),
        entity_id: m.entity_id,
        entity_caption: m.caption,
        source: m.source,
        score: m.score,
        previous_score: None,
        cause,
        matched_name: m.matched_name,
        explanation: m.explanation,
        list_change: change,
    }
}

fn deliver(watch: &WatchDb, opts: &WatchOptions) -> Result<Option<DeliveryReport>, WatchError> {
    match &opts.webhook {
        Some(cfg) => webhook::deliver_pending(watch, cfg).map(Some),
        None => Ok(None),
    }
}
