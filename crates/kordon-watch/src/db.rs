//! `watch.db`: the counterparties under watch, what they hit, the alerts, and
//! which list version each source was last re-screened against. It lives next
//! to `kordon.db` in the data directory but is a separate SQLite file, so the
//! list store stays a pure record of published lists and the watch data (the
//! customer book, which has its own retention and access rules) can be backed
//! up, moved or wiped on its own. WAL + synchronous=FULL like the store.

use crate::{Counterparty, WatchError};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const MIGRATIONS: &[&str] = &[
    // 1: counterparties, hits, alerts, re-screening baseline.
    "CREATE TABLE counterparties (
        key         TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        schema      TEXT,
        countries   TEXT NOT NULL,
        birth_date  TEXT,
        identifiers TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        updated_at  INTEGER NOT NULL
     );
     CREATE TABLE screened_versions (
        source     TEXT PRIMARY KEY,
        version_id INTEGER NOT NULL
     );
     CREATE TABLE hits (
        counterparty TEXT NOT NULL,
        entity_id    TEXT NOT NULL,
        score        REAL NOT NULL,
        alert_id     INTEGER NOT NULL,
        PRIMARY KEY (counterparty, entity_id)
     ) WITHOUT ROWID;
     CREATE INDEX hits_by_entity ON hits (entity_id);
     CREATE TABLE alerts (
        alert_id          INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at        INTEGER NOT NULL,
        counterparty      TEXT NOT NULL,
        counterparty_name TEXT NOT NULL,
        entity_id         TEXT NOT NULL,
        entity_caption    TEXT NOT NULL,
        source            TEXT NOT NULL,
        score             REAL NOT NULL,
        previous_score    REAL,
        cause             TEXT NOT NULL,
        matched_name      TEXT NOT NULL,
        explanation       TEXT NOT NULL,
        list_change       TEXT,
        delivered_at      INTEGER,
        delivery_attempts INTEGER NOT NULL DEFAULT 0,
        delivery_error    TEXT
     );
     CREATE INDEX alerts_by_time ON alerts (created_at);",
];

/// Why an alert was raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertCause {
    /// A list version added or changed the entity.
    ListChange,
    /// The counterparty was imported for the first time.
    CounterpartyNew,
    /// The counterparty's stored data changed.
    CounterpartyChanged,
}

impl AlertCause {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AlertCause::ListChange => "list_change",
            AlertCause::CounterpartyNew => "counterparty_new",
            AlertCause::CounterpartyChanged => "counterparty_changed",
        }
    }

    pub(crate) fn parse(s: &str) -> AlertCause {
        match s {
            "counterparty_new" => AlertCause::CounterpartyNew,
            "counterparty_changed" => AlertCause::CounterpartyChanged,
            _ => AlertCause::ListChange,
        }
    }
}

/// The list change behind an alert: which versions, and what changed in the entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListChange {
    pub source: String,
    /// None when the source had not been screened before (a newly added list).
    pub old_version: Option<i64>,
    pub new_version: i64,
    /// "added" or "changed".
    pub change: String,
    #[serde(default)]
    pub field_changes: Vec<kordon_store::FieldChange>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Alert {
    pub alert_id: i64,
    pub created_at: i64,
    pub counterparty: String,
    pub counterparty_name: String,
    pub entity_id: String,
    pub entity_caption: String,
    pub source: String,
    pub score: f64,
    /// The score of the earlier alert for the same pair, when the score changed.
    pub previous_score: Option<f64>,
    pub cause: AlertCause,
    pub matched_name: String,
    pub explanation: Vec<String>,
    pub list_change: Option<ListChange>,
    pub delivered_at: Option<i64>,
    pub delivery_attempts: u32,
    pub delivery_error: Option<String>,
}

/// A new alert before it has an id.
#[derive(Debug, Clone)]
pub(crate) struct NewAlert {
    pub counterparty: String,
    pub counterparty_name: String,
    pub entity_id: String,
    pub entity_caption: String,
    pub source: String,
    pub score: f64,
    pub previous_score: Option<f64>,
    pub cause: AlertCause,
    pub matched_name: String,
    pub explanation: Vec<String>,
    pub list_change: Option<ListChange>,
}

/// What commits together with the alerts, in the same transaction.
pub(crate) enum AlongWith<'a> {
    /// Counterparty upserts after an import: (counterparty, fingerprint).
    Counterparties(Vec<(&'a Counterparty, &'a str)>),
    /// The re-screening baseline move: (source, version id).
    Baseline(Vec<(&'a str, i64)>),
}

enum Backend {
    Sqlite { conn: Connection, path: PathBuf },
    // The `postgres` client needs `&mut` for every query while the read
    // methods here take `&self`; a `WatchDb` is used from one thread (the
    // SQLite connection is not `Sync` either), so a `RefCell` is enough.
    Postgres(RefCell<postgres::Client>),
}

pub struct WatchDb {
    backend: Backend,
}

impl WatchDb {
    /// Open (or create) `watch.db` in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<WatchDb, WatchError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| WatchError::Invalid(format!("{}: {e}", data_dir.display())))?;
        let path = data_dir.join("watch.db");
        let conn = Connection::open(&path).map_err(|e| WatchError::db(&path, e))?;
        migrate(&conn).map_err(|e| WatchError::db(&path, e))?;
        Ok(WatchDb {
            backend: Backend::Sqlite { conn, path },
        })
    }

    /// `watch.db` in `data_dir` when `database_url` is `None`, else the
    /// PostgreSQL database it names (`postgres://` or `postgresql://`).
    pub fn open_url(data_dir: &Path, database_url: Option<&str>) -> Result<WatchDb, WatchError> {
        match database_url {
            None => WatchDb::open(data_dir),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                WatchDb::connect_postgres(url, None)
            }
            Some(other) => Err(WatchError::Invalid(format!(
                "unsupported database URL {:?}: use postgres://... or leave it unset for SQLite in the data directory",
                redact(other)
            ))),
        }
    }

    /// Connect to PostgreSQL and create the watch tables. `schema`, if given,
    /// is created and used as the search path (tests isolate themselves this
    /// way). Call from a plain thread: the client runs its own small runtime.
    pub fn connect_postgres(url: &str, schema: Option<&str>) -> Result<WatchDb, WatchError> {
        let client = crate::pg::connect(url, schema)?;
        Ok(WatchDb {
            backend: Backend::Postgres(RefCell::new(client)),
        })
    }

    /// Whether `data_dir` has a watch database at all (nothing to re-screen if not).
    pub fn exists(data_dir: &Path) -> bool {
        data_dir.join("watch.db").is_file()
    }

    /// Whether the watch exists where `database_url` points: a PostgreSQL
    /// database always answers for itself (its tables are created on connect).
    pub fn exists_at(data_dir: &Path, database_url: Option<&str>) -> bool {
        database_url.is_some() || WatchDb::exists(data_dir)
    }

    fn sqlite_err(path: &Path) -> impl Fn(rusqlite::Error) -> WatchError + '_ {
        move |e| WatchError::db(path, e)
    }

    pub fn counterparty_count(&self) -> Result<u64, WatchError> {
        match &self.backend {
            Backend::Sqlite { conn, path } => conn
                .query_row("SELECT COUNT(*) FROM counterparties", [], |r| {
                    r.get::<_, i64>(0)
                })
                .map(|n| n as u64)
                .map_err(Self::sqlite_err(path)),
            Backend::Postgres(c) => crate::pg::counterparty_count(&mut c.borrow_mut()),
        }
    }

    /// Every stored counterparty, by key.
    pub fn counterparties(&self) -> Result<Vec<Counterparty>, WatchError> {
        let rows = match &self.backend {
            Backend::Sqlite { conn, path } => {
                let err = Self::sqlite_err(path);
                let mut stmt = conn
                    .prepare("SELECT key, name, schema, countries, birth_date, identifiers FROM counterparties ORDER BY key")
                    .map_err(&err)?;
                let rows = stmt
                    .query_map([], |r| {
                        Ok(StoredCounterparty {
                            key: r.get(0)?,
                            name: r.get(1)?,
                            schema: r.get(2)?,
                            countries: r.get(3)?,
                            birth_date: r.get(4)?,
                            identifiers: r.get(5)?,
                        })
                    })
                    .map_err(&err)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(&err)?
            }
            Backend::Postgres(c) => crate::pg::counterparties(&mut c.borrow_mut())?,
        };
        rows.into_iter().map(StoredCounterparty::decode).collect()
    }

    /// Alerts created at or after `since` (Unix seconds), oldest first.
    pub fn alerts(&self, since: Option<i64>) -> Result<Vec<Alert>, WatchError> {
        let since = since.unwrap_or(i64::MIN);
        match &self.backend {
            Backend::Sqlite { .. } => self.sqlite_alerts_where("created_at >= ?1", params![since]),
            Backend::Postgres(c) => crate::pg::alerts_since(&mut c.borrow_mut(), since),
        }
    }

    /// Alerts not yet delivered to the webhook.
    pub fn undelivered(&self) -> Result<Vec<Alert>, WatchError> {
        match &self.backend {
            Backend::Sqlite { .. } => self.sqlite_alerts_where("delivered_at IS NULL", []),
            Backend::Postgres(c) => crate::pg::undelivered(&mut c.borrow_mut()),
        }
    }

    fn sqlite_alerts_where(
        &self,
        cond: &str,
        p: impl rusqlite::Params,
    ) -> Result<Vec<Alert>, WatchError> {
        let Backend::Sqlite { conn, path } = &self.backend else {
            return Err(WatchError::Invalid(
                "internal: SQLite query on a PostgreSQL watch".into(),
            ));
        };
        let err = Self::sqlite_err(path);
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {ALERT_COLUMNS} FROM alerts WHERE {cond} ORDER BY alert_id"
            ))
            .map_err(&err)?;
        let rows = stmt
            .query_map(p, |r| {
                Ok(StoredAlert {
                    alert: Alert {
                        alert_id: r.get(0)?,
                        created_at: r.get(1)?,
                        counterparty: r.get(2)?,
                        counterparty_name: r.get(3)?,
                        entity_id: r.get(4)?,
                        entity_caption: r.get(5)?,
                        source: r.get(6)?,
                        score: r.get(7)?,
                        previous_score: r.get(8)?,
                        cause: AlertCause::parse(&r.get::<_, String>(9)?),
                        matched_name: r.get(10)?,
                        explanation: vec![],
                        list_change: None,
                        delivered_at: r.get(13)?,
                        delivery_attempts: r.get::<_, i64>(14)?.clamp(0, u32::MAX as i64) as u32,
                        delivery_error: r.get(15)?,
                    },
                    explanation: r.get(11)?,
                    list_change: r.get(12)?,
                })
            })
            .map_err(&err)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row.map_err(&err)?.decode()?);
        }
        Ok(out)
    }

    pub(crate) fn screened_version(&self, source: &str) -> Result<Option<i64>, WatchError> {
        match &self.backend {
            Backend::Sqlite { conn, path } => conn
                .query_row(
                    "SELECT version_id FROM screened_versions WHERE source = ?1",
                    params![source],
                    |r| r.get(0),
                )
                .optional()
                .map_err(Self::sqlite_err(path)),
            Backend::Postgres(c) => crate::pg::screened_version(&mut c.borrow_mut(), source),
        }
    }

    pub(crate) fn record_delivery(
        &self,
        alert_id: i64,
        attempts: u32,
        error: Option<&str>,
    ) -> Result<(), WatchError> {
        let delivered = error.is_none().then(kordon_store::now_unix);
        match &self.backend {
            Backend::Sqlite { conn, path } => conn
                .execute(
                    "UPDATE alerts SET delivery_attempts = delivery_attempts + ?2, delivery_error = ?3,
                     delivered_at = COALESCE(?4, delivered_at) WHERE alert_id = ?1",
                    params![alert_id, attempts, error, delivered],
                )
                .map(|_| ())
                .map_err(Self::sqlite_err(path)),
            Backend::Postgres(c) => {
                crate::pg::record_delivery(&mut c.borrow_mut(), alert_id, attempts, error, delivered)
            }
        }
    }

    /// Stored fingerprint of every counterparty, by key.
    pub(crate) fn fingerprints(&self) -> Result<HashMap<String, String>, WatchError> {
        match &self.backend {
            Backend::Sqlite { conn, path } => {
                let err = Self::sqlite_err(path);
                let mut stmt = conn
                    .prepare("SELECT key, fingerprint FROM counterparties")
                    .map_err(&err)?;
                let rows = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(&err)?;
                rows.collect::<Result<_, _>>().map_err(&err)
            }
            Backend::Postgres(c) => crate::pg::fingerprints(&mut c.borrow_mut()),
        }
    }

    /// The entities a counterparty currently hits.
    pub(crate) fn hits_of(&self, counterparty: &str) -> Result<Vec<String>, WatchError> {
        match &self.backend {
            Backend::Sqlite { conn, path } => {
                let err = Self::sqlite_err(path);
                let mut stmt = conn
                    .prepare_cached("SELECT entity_id FROM hits WHERE counterparty = ?1")
                    .map_err(&err)?;
                let rows = stmt
                    .query_map(params![counterparty], |r| r.get(0))
                    .map_err(&err)?;
                rows.collect::<Result<_, _>>().map_err(&err)
            }
            Backend::Postgres(c) => crate::pg::hits_of(&mut c.borrow_mut(), counterparty),
        }
    }

    /// (counterparty, entity) for every stored hit on one of `ids`.
    pub(crate) fn hits_for_entities(
        &self,
        ids: &[String],
    ) -> Result<Vec<(String, String)>, WatchError> {
        match &self.backend {
            Backend::Sqlite { conn, path } => {
                let err = Self::sqlite_err(path);
                let mut out = Vec::new();
                let mut stmt = conn
                    .prepare_cached("SELECT counterparty FROM hits WHERE entity_id = ?1")
                    .map_err(&err)?;
                for id in ids {
                    let rows = stmt
                        .query_map(params![id], |r| r.get::<_, String>(0))
                        .map_err(&err)?;
                    for r in rows {
                        out.push((r.map_err(&err)?, id.clone()));
                    }
                }
                Ok(out)
            }
            Backend::Postgres(c) => crate::pg::hits_for_entities(&mut c.borrow_mut(), ids),
        }
    }
}

fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        conn.execute_batch(&format!(
            "BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;",
            i + 1
        ))?;
    }
    Ok(())
}

/// A URL without its password, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***{}", &url[..scheme], &url[at..])
        }
        _ => url.to_string(),
    }
}

/// The alert columns in the order both backends read them.
pub(crate) const ALERT_COLUMNS: &str =
    "alert_id, created_at, counterparty, counterparty_name, entity_id, entity_caption,
    source, score, previous_score, cause, matched_name, explanation, list_change,
    delivered_at, delivery_attempts, delivery_error";

/// An alert row before its JSON columns are decoded.
pub(crate) struct StoredAlert {
    pub alert: Alert,
    pub explanation: String,
    pub list_change: Option<String>,
}

impl StoredAlert {
    pub(crate) fn decode(self) -> Result<Alert, WatchError> {
        let mut a = self.alert;
        a.explanation = serde_json::from_str(&self.explanation).map_err(|e| {
            WatchError::Invalid(format!("alert {}: corrupt explanation: {e}", a.alert_id))
        })?;
        a.list_change = self
            .list_change
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| {
                WatchError::Invalid(format!("alert {}: corrupt list change: {e}", a.alert_id))
            })?;
        Ok(a)
    }
}

/// A counterparty row before its JSON columns are decoded.
pub(crate) struct StoredCounterparty {
    pub key: String,
    pub name: String,
    pub schema: Option<String>,
    pub countries: String,
    pub birth_date: Option<String>,
    pub identifiers: String,
}

impl StoredCounterparty {
    fn decode(self) -> Result<Counterparty, WatchError> {
        let key = self.key;
        let json = |s: &str| -> Result<Vec<String>, WatchError> {
            serde_json::from_str(s).map_err(|e| {
                WatchError::Invalid(format!("counterparty {key}: stored list is corrupt: {e}"))
            })
        };
        Ok(Counterparty {
            schema: self.schema.as_deref().and_then(kordon_model::Schema::parse),
            countries: json(&self.countries)?,
            identifiers: json(&self.identifiers)?,
            key,
            name: self.name,
            birth_date: self.birth_date,
        })
    }
}

/// Score moves smaller than this are the same hit (scores are stored as
/// floats computed by the same matcher; rounding noise is not news).
pub(crate) const SAME_SCORE: f64 = 0.0005;

/// The JSON columns of a new alert.
pub(crate) fn alert_json(a: &NewAlert) -> (String, Option<String>) {
    let explanation = serde_json::to_string(&a.explanation).unwrap_or_else(|_| "[]".into());
    let list_change = a
        .list_change
        .as_ref()
        .and_then(|c| serde_json::to_string(c).ok());
    (explanation, list_change)
}

/// The JSON columns of a counterparty (countries, identifiers).
pub(crate) fn counterparty_json(cp: &Counterparty) -> (String, String) {
    (
        serde_json::to_string(&cp.countries).unwrap_or_else(|_| "[]".into()),
        serde_json::to_string(&cp.identifiers).unwrap_or_else(|_| "[]".into()),
    )
}

/// Write alerts and the hit table in one transaction (with `along`: the
/// baseline move or the counterparty upserts), so a crash never loses an
/// alert nor alerts twice. Returns the new alerts.
pub(crate) fn commit_alerts(
    db: &mut WatchDb,
    candidates: Vec<NewAlert>,
    clear_hits: &[(String, String)],
    along: AlongWith<'_>,
) -> Result<Vec<i64>, WatchError> {
    match &mut db.backend {
        Backend::Sqlite { conn, path } => {
            let err = |e| WatchError::db(path, e);
            sqlite_commit_alerts(conn, candidates, clear_hits, &along).map_err(err)
        }
        Backend::Postgres(c) => {
            crate::pg::commit_alerts(c.get_mut(), candidates, clear_hits, &along)
        }
    }
}

fn sqlite_commit_alerts(
    conn: &mut Connection,
    candidates: Vec<NewAlert>,
    clear_hits: &[(String, String)],
    along: &AlongWith<'_>,
) -> rusqlite::Result<Vec<i64>> {
    let tx = conn.transaction()?;
    let mut ids = Vec::new();
    {
        let mut del =
            tx.prepare_cached("DELETE FROM hits WHERE counterparty = ?1 AND entity_id = ?2")?;
        for (cp, ent) in clear_hits {
            del.execute(params![cp, ent])?;
        }
        let mut prev =
            tx.prepare_cached("SELECT score FROM hits WHERE counterparty = ?1 AND entity_id = ?2")?;
        let mut ins = tx.prepare_cached(
            "INSERT INTO alerts (created_at, counterparty, counterparty_name, entity_id, entity_caption,
                source, score, previous_score, cause, matched_name, explanation, list_change)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        let mut hit = tx.prepare_cached(
            "INSERT INTO hits (counterparty, entity_id, score, alert_id) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(counterparty, entity_id) DO UPDATE SET score = excluded.score, alert_id = excluded.alert_id",
        )?;
        let now = kordon_store::now_unix();
        for mut a in candidates {
            let previous: Option<f64> = prev
                .query_row(params![a.counterparty, a.entity_id], |r| r.get(0))
                .optional()?;
            if previous.is_some_and(|p| (p - a.score).abs() < SAME_SCORE) {
                continue;
            }
            a.previous_score = previous;
            let (explanation, list_change) = alert_json(&a);
            ins.execute(params![
                now,
                a.counterparty,
                a.counterparty_name,
                a.entity_id,
                a.entity_caption,
                a.source,
                a.score,
                a.previous_score,
                a.cause.as_str(),
                a.matched_name,
                explanation,
                list_change
            ])?;
            let id = tx.last_insert_rowid();
            hit.execute(params![a.counterparty, a.entity_id, a.score, id])?;
            ids.push(id);
        }
    }
    match along {
        AlongWith::Counterparties(upserts) => {
            let mut up = tx.prepare_cached(
                "INSERT INTO counterparties (key, name, schema, countries, birth_date, identifiers, fingerprint, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT(key) DO UPDATE SET name = excluded.name, schema = excluded.schema,
                    countries = excluded.countries, birth_date = excluded.birth_date,
                    identifiers = excluded.identifiers, fingerprint = excluded.fingerprint,
                    updated_at = excluded.updated_at",
            )?;
            let now = kordon_store::now_unix();
            for (cp, fp) in upserts {
                let (countries, identifiers) = counterparty_json(cp);
                up.execute(params![
                    cp.key,
                    cp.name,
                    cp.schema.map(|s| s.as_str()),
                    countries,
                    cp.birth_date,
                    identifiers,
                    fp,
                    now
                ])?;
            }
        }
        AlongWith::Baseline(moved) => {
            let mut up = tx.prepare_cached(
                "INSERT INTO screened_versions (source, version_id) VALUES (?1, ?2)
                 ON CONFLICT(source) DO UPDATE SET version_id = excluded.version_id",
            )?;
            for (source, v) in moved {
                up.execute(params![source, v])?;
            }
        }
    }
    tx.commit()?;
    Ok(ids)
}
