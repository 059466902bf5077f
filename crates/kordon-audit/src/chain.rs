//! The hash chain: how a row's hash is computed and how the whole log is
//! checked for edited or deleted rows.
//!
//! A row's hash is `sha256(prev_hash || canonical JSON)` in lower-case hex. The
//! canonical JSON is a fixed-order object of the row's stored fields (the
//! query, lists and results are kept as the exact JSON text that was hashed),
//! so recomputing it never depends on a JSON library's key ordering.

use crate::{AuditError, AuditRecord, AuditStore, StoredRecord};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Serialize)]
struct CanonicalRow<'a> {
    seq: i64,
    request_id: &'a str,
    at: &'a str,
    api_key_id: Option<&'a str>,
    endpoint: &'a str,
    query: &'a str,
    lists: &'a str,
    results: &'a str,
    threshold: Option<f64>,
    status: u16,
}

pub(crate) fn row_hash(prev_hash: &str, row: &StoredRecord) -> Result<String, AuditError> {
    let canonical = serde_json::to_vec(&CanonicalRow {
        seq: row.seq,
        request_id: &row.request_id,
        at: &row.at,
        api_key_id: row.api_key_id.as_deref(),
        endpoint: &row.endpoint,
        query: &row.query,
        lists: &row.lists,
        results: &row.results,
        threshold: row.threshold,
        status: row.status,
    })?;
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(&canonical);
    Ok(hex::encode(h.finalize()))
}

/// Build the stored form of `record` as row `seq` after `prev_hash`.
pub(crate) fn seal(
    record: &AuditRecord,
    seq: i64,
    prev_hash: &str,
) -> Result<StoredRecord, AuditError> {
    let mut row = StoredRecord {
        seq,
        request_id: record.request_id.clone(),
        at: record.at.clone(),
        api_key_id: record.api_key_id.clone(),
        endpoint: record.endpoint.clone(),
        query: serde_json::to_string(&record.query)?,
        lists: serde_json::to_string(&record.lists)?,
        results: serde_json::to_string(&record.results)?,
        threshold: record.threshold.filter(|t| t.is_finite()),
        status: record.status,
        prev_hash: prev_hash.to_string(),
        hash: String::new(),
    };
    row.hash = row_hash(prev_hash, &row)?;
    Ok(row)
}

/// One thing wrong with the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// The row's content no longer matches its hash.
    Edited { seq: i64 },
    /// The row's stored hash was rewritten: the next row no longer links to it.
    Relinked { seq: i64 },
    /// Rows `first..=last` are missing.
    Deleted { first: i64, last: i64 },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Edited { seq } => write!(
                f,
                "row {seq} was edited (its content does not match its hash)"
            ),
            Problem::Relinked { seq } => {
                write!(
                    f,
                    "row {seq} was edited (its hash was rewritten; row {} no longer links to it)",
                    seq + 1
                )
            }
            Problem::Deleted { first, last } if first == last => {
                write!(f, "row {first} was deleted")
            }
            Problem::Deleted { first, last } => write!(f, "rows {first} to {last} were deleted"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub rows: u64,
    pub last_seq: Option<i64>,
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Walk the whole chain and report every edited or deleted row.
pub fn verify(store: &mut dyn AuditStore) -> Result<VerifyReport, AuditError> {
    let mut problems = Vec::new();
    let mut rows = 0u64;
    let mut expected_seq = 1i64;
    let mut prev_hash = GENESIS_HASH.to_string();
    let mut last: Option<(i64, String)> = None;
    store.scan(None, &mut |row| {
        rows += 1;
        if row.seq > expected_seq {
            problems.push(Problem::Deleted {
                first: expected_seq,
                last: row.seq - 1,
            });
        } else if row.prev_hash != prev_hash {
            // The previous row's content still matched the hash it stores (or
            // it would be reported as edited), so that stored hash was rewritten.
            problems.push(Problem::Relinked { seq: row.seq - 1 });
        }
        if row_hash(&row.prev_hash, &row)? != row.hash {
            problems.push(Problem::Edited { seq: row.seq });
        }
        expected_seq = row.seq + 1;
        prev_hash = row.hash.clone();
        last = Some((row.seq, row.hash));
        Ok(())
    })?;
    // The head is written in the same transaction as the rows: newest rows
    // deleted afterwards leave it pointing past the end.
    if let Some((head_seq, head_hash)) = store.head()? {
        match &last {
            Some((seq, _)) if head_seq > *seq => problems.push(Problem::Deleted {
                first: seq + 1,
                last: head_seq,
            }),
            None if head_seq > 0 => problems.push(Problem::Deleted {
                first: 1,
                last: head_seq,
            }),
            Some((seq, hash)) if head_seq == *seq && *hash != head_hash => {
                problems.push(Problem::Relinked { seq: *seq })
            }
            _ => {}
        }
    }
    Ok(VerifyReport {
        rows,
        last_seq: last.map(|(s, _)| s),
        problems,
    })
}
