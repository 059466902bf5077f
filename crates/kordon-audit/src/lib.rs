//! The tamper-evident audit trail of screening requests, and the API keys that
//! authenticate callers.
//!
//! Every screening request the service answers becomes one [`AuditRecord`]:
//! who asked (API key id), when, which endpoint, the query, the list versions
//! screened against, the results returned (ids and scores), the threshold and
//! the request id. Rows are hash-chained: each stores
//! `sha256(prev_hash || canonical row JSON)`, so [`verify`] finds any row that
//! was edited or deleted afterwards and says which.
//!
//! Two backends share the [`AuditStore`] trait: SQLite in the data directory
//! (WAL, `synchronous=FULL`, the default) and PostgreSQL. [`AuditWriter`]
//! batches concurrent appends into one transaction (group commit) while each
//! caller still waits for its own row to be committed.

mod chain;
mod export;
mod keys;
mod pg;
mod sqlite;
mod writer;

pub use chain::{verify, Problem, VerifyReport, GENESIS_HASH};
pub use export::{export, ExportFormat};
pub use keys::{hash_key, ApiKeyInfo, NewApiKey};
pub use pg::PgAuditStore;
pub use sqlite::SqliteAuditStore;
pub use writer::AuditWriter;

use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit database {path}: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("audit database (PostgreSQL): {0}")]
    Postgres(#[from] postgres::Error),
    #[error("audit record: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Invalid(String),
    #[error("audit writer stopped: {0}")]
    WriterStopped(String),
    #[error("export: {0}")]
    Io(#[from] std::io::Error),
    #[error("export: {0}")]
    Csv(#[from] csv::Error),
}

/// One screening request, as the service answered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub request_id: String,
    /// RFC 3339 UTC with milliseconds (`2026-11-30T06:40:00.123Z`): sorts as text.
    pub at: String,
    /// The API key that made the request; `None` when the service runs with `--no-auth`.
    pub api_key_id: Option<String>,
    /// Route, e.g. `POST /v1/screen` or `POST /match/default`.
    pub endpoint: String,
    pub query: serde_json::Value,
    /// The list versions screened against (source, version id, content hash).
    pub lists: serde_json::Value,
    /// What was returned: ids and scores per query.
    pub results: serde_json::Value,
    pub threshold: Option<f64>,
    /// HTTP status of the response.
    pub status: u16,
}

/// A record as stored: its place in the chain and the hashes linking it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRecord {
    pub seq: i64,
    pub request_id: String,
    pub at: String,
    pub api_key_id: Option<String>,
    pub endpoint: String,
    /// The JSON texts exactly as hashed.
    pub query: String,
    pub lists: String,
    pub results: String,
    pub threshold: Option<f64>,
    pub status: u16,
    pub prev_hash: String,
    pub hash: String,
}

/// Storage for the audit chain and the API keys.
pub trait AuditStore: Send {
    /// Append `records` in order, in one transaction, chaining each to the
    /// previous row. Returns their sequence numbers. Nothing is appended on error.
    fn append(&mut self, records: &[AuditRecord]) -> Result<Vec<i64>, AuditError>;
    /// Every row in sequence order, from the first whose `at >= since`.
    fn scan(
        &mut self,
        since: Option<&str>,
        f: &mut dyn FnMut(StoredRecord) -> Result<(), AuditError>,
    ) -> Result<(), AuditError>;
    /// The last appended row's (seq, hash) as recorded by the append itself,
    /// kept apart from the rows so deleting the newest rows is detectable.
    fn head(&mut self) -> Result<Option<(i64, String)>, AuditError>;

    fn insert_key(&mut self, info: &ApiKeyInfo, key_hash: &str) -> Result<(), AuditError>;
    fn list_keys(&mut self) -> Result<Vec<ApiKeyInfo>, AuditError>;
    /// Mark a key revoked; false if no such key or already revoked.
    fn revoke_key(&mut self, id: &str, at: &str) -> Result<bool, AuditError>;
    /// (sha256 hex of key, key id) of every key that is not revoked.
    fn active_key_hashes(&mut self) -> Result<Vec<(String, String)>, AuditError>;
}

/// Open the audit store: PostgreSQL when `database_url` is a `postgres://` or
/// `postgresql://` URL, else `audit.db` (SQLite) inside `data_dir`.
pub fn open(
    data_dir: &Path,
    database_url: Option<&str>,
) -> Result<Box<dyn AuditStore>, AuditError> {
    match database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(Box::new(PgAuditStore::connect(url, None)?))
        }
        Some(other) => Err(AuditError::Invalid(format!(
            "unsupported database URL {other:?}: use postgres://... or leave it unset for SQLite in the data directory"
        ))),
        None => Ok(Box::new(SqliteAuditStore::open(&data_dir.join("audit.db"))?)),
    }
}

/// Now as RFC 3339 UTC with milliseconds, the format `AuditRecord::at` uses.
pub fn now_timestamp() -> String {
    format_timestamp(time::OffsetDateTime::now_utc())
}

pub fn format_timestamp(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Accept `2026-11-30`, or any RFC 3339 timestamp, and return the stored form
/// so `since` compares correctly as text.
pub fn parse_since(s: &str) -> Result<String, AuditError> {
    let s = s.trim();
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = time::Date::parse(s, &fmt) {
        return Ok(format_timestamp(d.midnight().assume_utc()));
    }
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(format_timestamp)
        .map_err(|e| {
            AuditError::Invalid(format!(
                "--since {s:?}: {e} (use 2026-11-30 or 2026-11-30T06:00:00Z)"
            ))
        })
}
