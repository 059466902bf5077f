//! What the updater remembers about each downloaded URL and each source, so a
//! refresh of an unchanged list costs one conditional request: the server's
//! validators (ETag, Last-Modified) plus the SHA-256 and size of the copy we
//! kept, and when a source was last confirmed current upstream.
//!
//! Validators are saved only after the version they describe was imported (or
//! found identical): a download that failed or was refused must be fetched in
//! full next time, never answered with "304, you already have it".

use crate::{now_unix, Store, StoreError};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpValidators {
    pub url: String,
    pub source: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// SHA-256 (hex) of the body we kept for this URL.
    pub sha256: String,
    pub bytes: u64,
    pub fetched_at: i64,
}

impl Store {
    pub fn http_validators(&self, url: &str) -> Result<Option<HttpValidators>, StoreError> {
        self.db(self
            .conn
            .query_row(
                "SELECT url, source, etag, last_modified, sha256, bytes, fetched_at
                     FROM http_validators WHERE url = ?1",
                params![url],
                |r| {
                    Ok(HttpValidators {
                        url: r.get(0)?,
                        source: r.get(1)?,
                        etag: r.get(2)?,
                        last_modified: r.get(3)?,
                        sha256: r.get(4)?,
                        bytes: r.get::<_, i64>(5)? as u64,
                        fetched_at: r.get(6)?,
                    })
                },
            )
            .optional())
    }

    pub fn save_http_validators(&self, v: &HttpValidators) -> Result<(), StoreError> {
        self.db(self.conn.execute(
            "INSERT INTO http_validators (url, source, etag, last_modified, sha256, bytes, fetched_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(url) DO UPDATE SET source = excluded.source, etag = excluded.etag,
                last_modified = excluded.last_modified, sha256 = excluded.sha256,
                bytes = excluded.bytes, fetched_at = excluded.fetched_at",
            params![v.url, v.source, v.etag, v.last_modified, v.sha256, v.bytes as i64, v.fetched_at],
        ))?;
        Ok(())
    }

    /// Note that `source` was confirmed current upstream now (downloaded and
    /// imported, or answered "not modified").
    pub fn record_check(&self, source: &str) -> Result<(), StoreError> {
        self.db(self.conn.execute(
            "INSERT INTO source_checks (source, checked_at) VALUES (?1, ?2)
             ON CONFLICT(source) DO UPDATE SET checked_at = excluded.checked_at",
            params![source, now_unix()],
        ))?;
        Ok(())
    }

    /// When `source` was last confirmed current upstream (Unix seconds). A
    /// freshness check should use the later of this and the version's
    /// `imported_at`: a list that did not change for a month is not stale.
    pub fn last_checked(&self, source: &str) -> Result<Option<i64>, StoreError> {
        self.db(self
            .conn
            .query_row(
                "SELECT checked_at FROM source_checks WHERE source = ?1",
                params![source],
                |r| r.get(0),
            )
            .optional())
    }
}
