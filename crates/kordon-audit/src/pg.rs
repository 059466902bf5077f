//! PostgreSQL backend, for deployments that keep the audit trail in a managed
//! database. Same tables and chain as SQLite; appends lock the head row, so
//! several kordon instances can share one log without forking the chain.

use crate::chain::{seal, GENESIS_HASH};
use crate::{ApiKeyInfo, AuditError, AuditRecord, AuditStore, StoredRecord};
use postgres::{Client, NoTls};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit_log (
    seq BIGINT PRIMARY KEY,
    request_id TEXT NOT NULL,
    at TEXT NOT NULL,
    api_key_id TEXT,
    endpoint TEXT NOT NULL,
    query TEXT NOT NULL,
    lists TEXT NOT NULL,
    results TEXT NOT NULL,
    threshold DOUBLE PRECISION,
    status INTEGER NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at);
CREATE TABLE IF NOT EXISTS audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000')
    ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
";

pub struct PgAuditStore {
    client: Client,
}

impl PgAuditStore {
    /// Connect and create the tables. `schema`, if given, is created and used
    /// as the search path (tests isolate themselves this way).
    ///
    /// The `postgres` client runs its own small runtime: call this from a
    /// plain thread, not from inside an async task.
    pub fn connect(url: &str, schema: Option<&str>) -> Result<PgAuditStore, AuditError> {
        let mut client = Client::connect(url, NoTls)?;
        if let Some(s) = schema {
            if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || s.is_empty() {
                return Err(AuditError::Invalid(format!("invalid schema name {s:?}")));
            }
            client.batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {s}; SET search_path TO {s}"
            ))?;
        }
        // Two processes creating the tables at once would race on the catalog.
        client.batch_execute("SELECT pg_advisory_lock(74201)")?;
        let created = client.batch_execute(SCHEMA);
        client.batch_execute("SELECT pg_advisory_unlock(74201)")?;
        created?;
        Ok(PgAuditStore { client })
    }
}

fn row_to_record(r: &postgres::Row) -> Result<StoredRecord, AuditError> {
    let status: i32 = r.try_get(9)?;
    Ok(StoredRecord {
        seq: r.try_get(0)?,
        request_id: r.try_get(1)?,
        at: r.try_get(2)?,
        api_key_id: r.try_get(3)?,
        endpoint: r.try_get(4)?,
        query: r.try_get(5)?,
        lists: r.try_get(6)?,
        results: r.try_get(7)?,
        threshold: r.try_get(8)?,
        status: status.clamp(0, u16::MAX as i32) as u16,
        prev_hash: r.try_get(10)?,
        hash: r.try_get(11)?,
    })
}

impl AuditStore for PgAuditStore {
    fn append(&mut self, records: &[AuditRecord]) -> Result<Vec<i64>, AuditError> {
        let mut tx = self.client.transaction()?;
        let head = tx.query_one(
            "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
            &[],
        )?;
        let mut seq: i64 = head.try_get(0)?;
        let mut prev: String = head.try_get(1)?;
        if seq == 0 {
            prev = GENESIS_HASH.to_string();
        }
        let insert = tx.prepare(
            "INSERT INTO audit_log (seq, request_id, at, api_key_id, endpoint, query, lists, results,
             threshold, status, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )?;
        let mut seqs = Vec::with_capacity(records.len());
        for r in records {
            seq += 1;
            let row = seal(r, seq, &prev)?;
            tx.execute(
                &insert,
                &[
                    &row.seq,
                    &row.request_id,
                    &row.at,
                    &row.api_key_id,
                    &row.endpoint,
                    &row.query,
                    &row.lists,
                    &row.results,
                    &row.threshold,
                    &(row.status as i32),
                    &row.prev_hash,
                    &row.hash,
                ],
            )?;
            prev = row.hash;
            seqs.push(seq);
        }
        tx.execute(
            "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
            &[&seq, &prev],
        )?;
        tx.commit()?;
        Ok(seqs)
    }

    fn scan(
        &mut self,
        since: Option<&str>,
        f: &mut dyn FnMut(StoredRecord) -> Result<(), AuditError>,
    ) -> Result<(), AuditError> {
        let since = since.unwrap_or("");
        // A portal streams rows in pages, so a long log is never held whole.
        let mut tx = self.client.transaction()?;
        let stmt = tx.prepare(
            "SELECT seq, request_id, at, api_key_id, endpoint, query, lists, results, threshold, status,
             prev_hash, hash FROM audit_log WHERE at >= $1 ORDER BY seq",
        )?;
        let portal = tx.bind(&stmt, &[&since])?;
        loop {
            let rows = tx.query_portal(&portal, 1000)?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                f(row_to_record(r)?)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn head(&mut self) -> Result<Option<(i64, String)>, AuditError> {
        let row = self
            .client
            .query_opt("SELECT seq, hash FROM audit_head WHERE id = 1", &[])?;
        match row {
            Some(r) => {
                let seq: i64 = r.try_get(0)?;
                Ok((seq > 0)
                    .then(|| r.try_get(1))
                    .transpose()?
                    .map(|h| (seq, h)))
            }
            None => Ok(None),
        }
    }

    fn insert_key(&mut self, info: &ApiKeyInfo, key_hash: &str) -> Result<(), AuditError> {
        self.client.execute(
            "INSERT INTO api_keys (id, name, key_hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5)",
            &[&info.id, &info.name, &key_hash, &info.created_at, &info.revoked_at],
        )?;
        Ok(())
    }

    fn list_keys(&mut self) -> Result<Vec<ApiKeyInfo>, AuditError> {
        let rows = self.client.query(
            "SELECT id, name, created_at, revoked_at FROM api_keys ORDER BY created_at, id",
            &[],
        )?;
        rows.iter()
            .map(|r| {
                Ok(ApiKeyInfo {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    created_at: r.try_get(2)?,
                    revoked_at: r.try_get(3)?,
                })
            })
            .collect()
    }

    fn revoke_key(&mut self, id: &str, at: &str) -> Result<bool, AuditError> {
        let n = self.client.execute(
            "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            &[&id, &at],
        )?;
        Ok(n > 0)
    }

    fn active_key_hashes(&mut self) -> Result<Vec<(String, String)>, AuditError> {
        let rows = self.client.query(
            "SELECT key_hash, id FROM api_keys WHERE revoked_at IS NULL",
            &[],
        )?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }
}
