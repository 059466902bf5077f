//! Exporting the audit log as CSV or JSON lines, for auditors and for loading
//! into other tools. Rows stream straight from the database to the writer.

use crate::{AuditError, AuditStore};
use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

impl std::str::FromStr for ExportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(ExportFormat::Csv),
            "jsonl" | "ndjson" => Ok(ExportFormat::Jsonl),
            _ => Err(format!("unknown format {s:?}: use csv or jsonl")),
        }
    }
}

/// Write every row with `at >= since` to `out`; returns the number of rows.
pub fn export(
    store: &mut dyn AuditStore,
    since: Option<&str>,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<u64, AuditError> {
    let mut n = 0u64;
    match format {
        ExportFormat::Jsonl => {
            store.scan(since, &mut |row| {
                serde_json::to_writer(&mut *out, &row)?;
                out.write_all(b"\n")?;
                n += 1;
                Ok(())
            })?;
        }
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            w.write_record([
                "seq",
                "request_id",
                "at",
                "api_key_id",
                "endpoint",
                "query",
                "lists",
                "results",
                "threshold",
                "status",
                "prev_hash",
                "hash",
            ])?;
            store.scan(since, &mut |row| {
                w.write_record([
                    row.seq.to_string(),
                    row.request_id,
                    row.at,
                    row.api_key_id.unwrap_or_default(),
                    row.endpoint,
                    row.query,
                    row.lists,
                    row.results,
                    row.threshold.map(|t| t.to_string()).unwrap_or_default(),
                    row.status.to_string(),
                    row.prev_hash,
                    row.hash,
                ])?;
                n += 1;
                Ok(())
            })?;
            w.flush()?;
        }
    }
    out.flush()?;
    Ok(n)
}
