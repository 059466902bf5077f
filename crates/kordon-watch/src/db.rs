//! `watch.db`: the counterparties under watch, what they hit, the alerts, and
//! which list version each source was last re-screened against. It lives next
//! to `kordon.db` in the data directory but is a separate SQLite file, so the
//! list store stays a pure record of published lists and the watch data (the
//! customer book, which has its own retention and access rules) can be backed
//! up, moved or wiped on its own. WAL + synchronous=FULL like the store.

use crate::WatchError;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
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
    fn as_str(self) -> &'static str {
        match self {
            AlertCause::ListChange => "list_change",
            AlertCause::CounterpartyNew => "counterparty_new",
            AlertCause::CounterpartyChanged => "counterparty_changed",
        }
    }

    fn parse(s: &str) -> AlertCause {
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

pub struct WatchDb {
    pub(crate) conn: Connection,
    path: PathBuf,
}

impl WatchDb {
    /// Open (or create) `watch.db` in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<WatchDb, WatchError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| WatchError::Invalid(format!("{}: {e}", data_dir.display())))?;
        let path = data_dir.join("watch.db");
        let conn = Connection::open(&path).map_err(|e| WatchError::db(&path, e))?;
        let db = WatchDb { conn, path };
        db.migrate().map_err(|e| WatchError::db(&db.path, e))?;
        Ok(db)
    }

    /// Whether `data_dir` has a watch database at all (nothing to re-screen if not).
    pub fn exists(data_dir: &Path) -> bool {
        data_dir.join("watch.db").is_file()
    }

    fn migrate(&self) -> rusqlite::Result<()> {
        self.conn.pragma_update(None, "journal_mode", "WAL")?;
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.busy_timeout(std::time::Duration::from_secs(30))?;
        let version: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            self.conn
                .execute_batch(&format!("BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;", i + 1))?;
        }
        Ok(())
    }

    pub(crate) fn err(&self, e: rusqlite::Error) -> WatchError {
        WatchError::db(&self.path, e)
    }

    pub fn counterparty_count(&self) -> Result<u64, WatchError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM counterparties", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    /// Every stored counterparty, by key.
    pub fn counterparties(&self) -> Result<Vec<crate::Counterparty>, WatchError> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, name, schema, countries, birth_date, identifiers FROM counterparties ORDER BY key")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (key, name, schema, countries, birth_date, identifiers) = row.map_err(|e| self.err(e))?;
            let json = |s: &str| -> Result<Vec<String>, WatchError> {
                serde_json::from_str(s)
                    .map_err(|e| WatchError::Invalid(format!("counterparty {key}: stored list is corrupt: {e}")))
            };
            out.push(crate::Counterparty {
                schema: schema.as_deref().and_then(kordon_model::Schema::parse),
                countries: json(&countries)?,
                identifiers: json(&identifiers)?,
                key,
                name,
                birth_date,
            });
        }
        Ok(out)
    }

    /// Alerts created at or after `since` (Unix seconds), oldest first.
    pub fn alerts(&self, since: Option<i64>) -> Result<Vec<Alert>, WatchError> {
        self.alerts_where("created_at >= ?1", params![since.unwrap_or(i64::MIN)])
    }

    /// Alerts not yet delivered to the webhook.
    pub fn undelivered(&self) -> Result<Vec<Alert>, WatchError> {
        self.alerts_where("delivered_at IS NULL", [])
    }

    fn alerts_where(&self, cond: &str, p: impl rusqlite::Params) -> Result<Vec<Alert>, WatchError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT alert_id, created_at, counterparty, counterparty_name, entity_id, entity_caption,
                        source, score, previous_score, cause, matched_name, explanation, list_change,
                        delivered_at, delivery_attempts, delivery_error
                 FROM alerts WHERE {cond} ORDER BY alert_id"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(p, |r| {
                let explanation: String = r.get(11)?;
                let list_change: Option<String> = r.get(12)?;
                Ok((
                    Alert {
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
                        delivery_attempts: r.get::<_, i64>(14)? as u32,
                        delivery_error: r.get(15)?,
                    },
                    explanation,
                    list_change,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (mut a, explanation, list_change) = row.map_err(|e| self.err(e))?;
            a.explanation = serde_json::from_str(&explanation)
                .map_err(|e| WatchError::Invalid(format!("alert {}: corrupt explanation: {e}", a.alert_id)))?;
            a.list_change = list_change
                .map(|s| serde_json::from_str(&s))
                .transpose()
                .map_err(|e| WatchError::Invalid(format!("alert {}: corrupt list change: {e}", a.alert_id)))?;
            out.push(a);
        }
        Ok(out)
    }

    pub(crate) fn screened_version(&self, source: &str) -> Result<Option<i64>, WatchError> {
        self.conn
            .query_row("SELECT version_id FROM screened_versions WHERE source = ?1", params![source], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    pub(crate) fn record_delivery(&self, alert_id: i64, attempts: u32, error: Option<&str>) -> Result<(), WatchError> {
        let delivered = error.is_none().then(kordon_store::now_unix);
        self.conn
            .execute(
                "UPDATE alerts SET delivery_attempts = delivery_attempts + ?2, delivery_error = ?3,
                 delivered_at = COALESCE(?4, delivered_at) WHERE alert_id = ?1",
                params![alert_id, attempts, error, delivered],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}

/// Score moves smaller than this are the same hit (scores are stored as
/// floats computed by the same matcher; rounding noise is not news).
pub(crate) const SAME_SCORE: f64 = 0.0005;

/// Write alerts and the hit table in one transaction (with `extra` run in the
/// same transaction: the baseline move or the counterparty upserts), so a
/// crash never loses an alert nor alerts twice. Returns the new alerts.
pub(crate) fn commit_alerts(
    db: &mut WatchDb,
    candidates: Vec<NewAlert>,
    clear_hits: &[(String, String)],
    extra: &dyn Fn(&rusqlite::Transaction<'_>) -> rusqlite::Result<()>,
) -> Result<Vec<i64>, WatchError> {
    let path = db.path.clone();
    let err = |e| WatchError::db(&path, e);
    let tx = db.conn.transaction().map_err(err)?;
    let mut ids = Vec::new();
    {
        let mut del = tx.prepare_cached("DELETE FROM hits WHERE counterparty = ?1 AND entity_id = ?2").map_err(err)?;
        for (cp, ent) in clear_hits {
            del.execute(params![cp, ent]).map_err(err)?;
        }
        let mut prev = tx
            .prepare_cached("SELECT score FROM hits WHERE counterparty = ?1 AND entity_id = ?2")
            .map_err(err)?;
        let mut ins = tx
            .prepare_cached(
                "INSERT INTO alerts (created_at, counterparty, counterparty_name, entity_id, entity_caption,
                    source, score, previous_score, cause, matched_name, explanation, list_change)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .map_err(err)?;
        let mut hit = tx
            .prepare_cached(
                "INSERT INTO hits (counterparty, entity_id, score, alert_id) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(counterparty, entity_id) DO UPDATE SET score = excluded.score, alert_id = excluded.alert_id",
            )
            .map_err(err)?;
        let now = kordon_store::now_unix();
        for mut a in candidates {
            let previous: Option<f64> =
                prev.query_row(params![a.counterparty, a.entity_id], |r| r.get(0)).optional().map_err(err)?;
            if previous.is_some_and(|p| (p - a.score).abs() < SAME_SCORE) {
                continue;
            }
            a.previous_score = previous;
            let explanation = serde_json::to_string(&a.explanation).unwrap_or_else(|_| "[]".into());
            let list_change = a.list_change.as_ref().and_then(|c| serde_json::to_string(c).ok());
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
            ])
            .map_err(err)?;
            let id = tx.last_insert_rowid();
            hit.execute(params![a.counterparty, a.entity_id, a.score, id]).map_err(err)?;
            ids.push(id);
        }
    }
    extra(&tx).map_err(err)?;
    tx.commit().map_err(err)?;
    Ok(ids)
}
