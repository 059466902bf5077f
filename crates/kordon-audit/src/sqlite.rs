//! SQLite backend: `audit.db` in the data directory, WAL with
//! `synchronous=FULL` so an acknowledged (committed) row survives power loss.

use crate::chain::{seal, GENESIS_HASH};
use crate::{ApiKeyInfo, AuditError, AuditRecord, AuditStore, StoredRecord};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL,
    at TEXT NOT NULL,
    api_key_id TEXT,
    endpoint TEXT NOT NULL,
    query TEXT NOT NULL,
    lists TEXT NOT NULL,
    results TEXT NOT NULL,
    threshold REAL,
    status INTEGER NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at);
CREATE TABLE IF NOT EXISTS audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
";

pub struct SqliteAuditStore {
    conn: Connection,
    path: String,
}

impl SqliteAuditStore {
    pub fn open(path: &Path) -> Result<SqliteAuditStore, AuditError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let p = path.display().to_string();
        let err = |e| AuditError::Sqlite {
            path: p.clone(),
            source: e,
        };
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        Ok(SqliteAuditStore { conn, path: p })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> AuditError + '_ {
        |e| AuditError::Sqlite {
            path: self.path.clone(),
            source: e,
        }
    }
}

fn row_to_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRecord> {
    Ok(StoredRecord {
        seq: r.get(0)?,
        request_id: r.get(1)?,
        at: r.get(2)?,
        api_key_id: r.get(3)?,
        endpoint: r.get(4)?,
        query: r.get(5)?,
        lists: r.get(6)?,
        results: r.get(7)?,
        threshold: r.get(8)?,
        status: r.get::<_, i64>(9)?.clamp(0, u16::MAX as i64) as u16,
        prev_hash: r.get(10)?,
        hash: r.get(11)?,
    })
}

impl AuditStore for SqliteAuditStore {
    fn append(&mut self, records: &[AuditRecord]) -> Result<Vec<i64>, AuditError> {
        let path = self.path.clone();
        let err = |e| AuditError::Sqlite {
            path: path.clone(),
            source: e,
        };
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let head: Option<(i64, String)> = tx
            .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(err)?;
        let (mut seq, mut prev) = head.unwrap_or((0, GENESIS_HASH.to_string()));
        let mut seqs = Vec::with_capacity(records.len());
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO audit_log (seq, request_id, at, api_key_id, endpoint, query, lists, results,
                     threshold, status, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .map_err(err)?;
            for r in records {
                seq += 1;
                let row = seal(r, seq, &prev)?;
                insert
                    .execute(params![
                        row.seq,
                        row.request_id,
                        row.at,
                        row.api_key_id,
                        row.endpoint,
                        row.query,
                        row.lists,
                        row.results,
                        row.threshold,
                        row.status as i64,
                        row.prev_hash,
                        row.hash
                    ])
                    .map_err(err)?;
                prev = row.hash;
                seqs.push(seq);
            }
        }
        tx.execute(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            params![seq, prev],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(seqs)
    }

    fn scan(
        &mut self,
        since: Option<&str>,
        f: &mut dyn FnMut(StoredRecord) -> Result<(), AuditError>,
    ) -> Result<(), AuditError> {
        let err = self.err();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, request_id, at, api_key_id, endpoint, query, lists, results, threshold, status,
                 prev_hash, hash FROM audit_log WHERE at >= ?1 ORDER BY seq",
            )
            .map_err(&err)?;
        let mut rows = stmt.query(params![since.unwrap_or("")]).map_err(&err)?;
        while let Some(r) = rows.next().map_err(&err)? {
            f(row_to_record(r).map_err(&err)?)?;
        }
        Ok(())
    }

    fn head(&mut self) -> Result<Option<(i64, String)>, AuditError> {
        let err = self.err();
        self.conn
            .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(err)
    }

    fn insert_key(&mut self, info: &ApiKeyInfo, key_hash: &str) -> Result<(), AuditError> {
        let err = self.err();
        self.conn
            .execute(
                "INSERT INTO api_keys (id, name, key_hash, created_at, revoked_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![info.id, info.name, key_hash, info.created_at, info.revoked_at],
            )
            .map_err(err)?;
        Ok(())
    }

    fn list_keys(&mut self) -> Result<Vec<ApiKeyInfo>, AuditError> {
        let err = self.err();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, name, created_at, revoked_at FROM api_keys ORDER BY created_at, id",
            )
            .map_err(&err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ApiKeyInfo {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    created_at: r.get(2)?,
                    revoked_at: r.get(3)?,
                })
            })
            .map_err(&err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(&err)
    }

    fn revoke_key(&mut self, id: &str, at: &str) -> Result<bool, AuditError> {
        let err = self.err();
        let n = self
            .conn
            .execute(
                "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, at],
            )
            .map_err(err)?;
        Ok(n > 0)
    }

    fn active_key_hashes(&mut self) -> Result<Vec<(String, String)>, AuditError> {
        let err = self.err();
        let mut stmt = self
            .conn
            .prepare("SELECT key_hash, id FROM api_keys WHERE revoked_at IS NULL")
            .map_err(&err)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(&err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(&err)
    }
}
