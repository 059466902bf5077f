//! The watch tables in PostgreSQL, for deployments that keep their data in a
//! managed database rather than `watch.db`. Same columns and semantics as the
//! SQLite backend in [`crate::db`]; the tables carry a `watch_` prefix because
//! the database is usually shared with the audit trail and other services.
//! Alert commits take a transaction-scoped advisory lock, so two kordon
//! instances re-screening at once serialise like SQLite writers do and never
//! alert the same hit twice.

use crate::db::{
    alert_json, counterparty_json, AlertCause, AlongWith, NewAlert, StoredAlert,
    StoredCounterparty, ALERT_COLUMNS, SAME_SCORE,
};
use crate::{Alert, WatchError};
use postgres::{Client, NoTls};
use std::collections::HashMap;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS watch_counterparties (
    key         TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    schema      TEXT,
    countries   TEXT NOT NULL,
    birth_date  TEXT,
    identifiers TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS watch_screened_versions (
    source     TEXT PRIMARY KEY,
    version_id BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS watch_hits (
    counterparty TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    score        DOUBLE PRECISION NOT NULL,
    alert_id     BIGINT NOT NULL,
    PRIMARY KEY (counterparty, entity_id)
);
CREATE INDEX IF NOT EXISTS watch_hits_by_entity ON watch_hits (entity_id);
CREATE TABLE IF NOT EXISTS watch_alerts (
    alert_id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at        BIGINT NOT NULL,
    counterparty      TEXT NOT NULL,
    counterparty_name TEXT NOT NULL,
    entity_id         TEXT NOT NULL,
    entity_caption    TEXT NOT NULL,
    source            TEXT NOT NULL,
    score             DOUBLE PRECISION NOT NULL,
    previous_score    DOUBLE PRECISION,
    cause             TEXT NOT NULL,
    matched_name      TEXT NOT NULL,
    explanation       TEXT NOT NULL,
    list_change       TEXT,
    delivered_at      BIGINT,
    delivery_attempts BIGINT NOT NULL DEFAULT 0,
    delivery_error    TEXT
);
CREATE INDEX IF NOT EXISTS watch_alerts_by_time ON watch_alerts (created_at);
";

/// Advisory lock ids (the audit trail uses 74201).
const CREATE_LOCK: i64 = 74211;
const COMMIT_LOCK: i64 = 74212;

pub(crate) fn connect(url: &str, schema: Option<&str>) -> Result<Client, WatchError> {
    let mut client = Client::connect(url, NoTls)?;
    if let Some(s) = schema {
        if s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(WatchError::Invalid(format!("invalid schema name {s:?}")));
        }
        client.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {s}; SET search_path TO {s}"
        ))?;
    }
    // Two processes creating the tables at once would race on the catalog.
    client.execute("SELECT pg_advisory_lock($1)", &[&CREATE_LOCK])?;
    let created = client.batch_execute(SCHEMA);
    client.execute("SELECT pg_advisory_unlock($1)", &[&CREATE_LOCK])?;
    created?;
    Ok(client)
}

pub(crate) fn counterparty_count(c: &mut Client) -> Result<u64, WatchError> {
    let n: i64 = c
        .query_one("SELECT COUNT(*) FROM watch_counterparties", &[])?
        .try_get(0)?;
    Ok(n.max(0) as u64)
}

pub(crate) fn counterparties(c: &mut Client) -> Result<Vec<StoredCounterparty>, WatchError> {
    let rows = c.query(
        "SELECT key, name, schema, countries, birth_date, identifiers FROM watch_counterparties ORDER BY key",
        &[],
    )?;
    rows.iter()
        .map(|r| {
            Ok(StoredCounterparty {
                key: r.try_get(0)?,
                name: r.try_get(1)?,
                schema: r.try_get(2)?,
                countries: r.try_get(3)?,
                birth_date: r.try_get(4)?,
                identifiers: r.try_get(5)?,
            })
        })
        .collect()
}

pub(crate) fn alerts_since(c: &mut Client, since: i64) -> Result<Vec<Alert>, WatchError> {
    let rows = c.query(
        &format!(
            "SELECT {ALERT_COLUMNS} FROM watch_alerts WHERE created_at >= $1 ORDER BY alert_id"
        ),
        &[&since],
    )?;
    rows.iter().map(row_to_alert).collect()
}

pub(crate) fn undelivered(c: &mut Client) -> Result<Vec<Alert>, WatchError> {
    let rows = c.query(
        &format!(
            "SELECT {ALERT_COLUMNS} FROM watch_alerts WHERE delivered_at IS NULL ORDER BY alert_id"
        ),
        &[],
    )?;
    rows.iter().map(row_to_alert).collect()
}

fn row_to_alert(r: &postgres::Row) -> Result<Alert, WatchError> {
    let attempts: i64 = r.try_get(14)?;
    StoredAlert {
        alert: Alert {
            alert_id: r.try_get(0)?,
            created_at: r.try_get(1)?,
            counterparty: r.try_get(2)?,
            counterparty_name: r.try_get(3)?,
            entity_id: r.try_get(4)?,
            entity_caption: r.try_get(5)?,
            source: r.try_get(6)?,
            score: r.try_get(7)?,
            previous_score: r.try_get(8)?,
            cause: AlertCause::parse(r.try_get(9)?),
            matched_name: r.try_get(10)?,
            explanation: vec![],
            list_change: None,
            delivered_at: r.try_get(13)?,
            delivery_attempts: attempts.clamp(0, u32::MAX as i64) as u32,
            delivery_error: r.try_get(15)?,
        },
        explanation: r.try_get(11)?,
        list_change: r.try_get(12)?,
    }
    .decode()
}

pub(crate) fn screened_version(c: &mut Client, source: &str) -> Result<Option<i64>, WatchError> {
    let row = c.query_opt(
        "SELECT version_id FROM watch_screened_versions WHERE source = $1",
        &[&source],
    )?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

pub(crate) fn record_delivery(
    c: &mut Client,
    alert_id: i64,
    attempts: u32,
    error: Option<&str>,
    delivered: Option<i64>,
) -> Result<(), WatchError> {
    c.execute(
        "UPDATE watch_alerts SET delivery_attempts = delivery_attempts + $2, delivery_error = $3,
         delivered_at = COALESCE($4, delivered_at) WHERE alert_id = $1",
        &[&alert_id, &(attempts as i64), &error, &delivered],
    )?;
    Ok(())
}

pub(crate) fn fingerprints(c: &mut Client) -> Result<HashMap<String, String>, WatchError> {
    let rows = c.query("SELECT key, fingerprint FROM watch_counterparties", &[])?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

pub(crate) fn hits_of(c: &mut Client, counterparty: &str) -> Result<Vec<String>, WatchError> {
    let rows = c.query(
        "SELECT entity_id FROM watch_hits WHERE counterparty = $1",
        &[&counterparty],
    )?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

pub(crate) fn hits_for_entities(
    c: &mut Client,
    ids: &[String],
) -> Result<Vec<(String, String)>, WatchError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    // One round trip for the whole change, not one per entity.
    let rows = c.query(
        "SELECT counterparty, entity_id FROM watch_hits WHERE entity_id = ANY($1) ORDER BY entity_id, counterparty",
        &[&ids],
    )?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

pub(crate) fn commit_alerts(
    c: &mut Client,
    candidates: Vec<NewAlert>,
    clear_hits: &[(String, String)],
    along: &AlongWith<'_>,
) -> Result<Vec<i64>, WatchError> {
    let mut tx = c.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&COMMIT_LOCK])?;
    let del = tx.prepare("DELETE FROM watch_hits WHERE counterparty = $1 AND entity_id = $2")?;
    for (cp, ent) in clear_hits {
        tx.execute(&del, &[cp, ent])?;
    }
    let prev =
        tx.prepare("SELECT score FROM watch_hits WHERE counterparty = $1 AND entity_id = $2")?;
    let ins = tx.prepare(
        "INSERT INTO watch_alerts (created_at, counterparty, counterparty_name, entity_id, entity_caption,
            source, score, previous_score, cause, matched_name, explanation, list_change)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING alert_id",
    )?;
    let hit = tx.prepare(
        "INSERT INTO watch_hits (counterparty, entity_id, score, alert_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (counterparty, entity_id) DO UPDATE SET score = excluded.score, alert_id = excluded.alert_id",
    )?;
    let now = kordon_store::now_unix();
    let mut ids = Vec::new();
    for mut a in candidates {
        let previous: Option<f64> = tx
            .query_opt(&prev, &[&a.counterparty, &a.entity_id])?
            .map(|r| r.try_get(0))
            .transpose()?;
        if previous.is_some_and(|p| (p - a.score).abs() < SAME_SCORE) {
            continue;
        }
        a.previous_score = previous;
        let (explanation, list_change) = alert_json(&a);
        let id: i64 = tx
            .query_one(
                &ins,
                &[
                    &now,
                    &a.counterparty,
                    &a.counterparty_name,
                    &a.entity_id,
                    &a.entity_caption,
                    &a.source,
                    &a.score,
                    &a.previous_score,
                    &a.cause.as_str(),
                    &a.matched_name,
                    &explanation,
                    &list_change,
                ],
            )?
            .try_get(0)?;
        tx.execute(&hit, &[&a.counterparty, &a.entity_id, &a.score, &id])?;
        ids.push(id);
    }
    match along {
        AlongWith::Counterparties(upserts) => {
            let up = tx.prepare(
                "INSERT INTO watch_counterparties
                    (key, name, schema, countries, birth_date, identifiers, fingerprint, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (key) DO UPDATE SET name = excluded.name, schema = excluded.schema,
                    countries = excluded.countries, birth_date = excluded.birth_date,
                    identifiers = excluded.identifiers, fingerprint = excluded.fingerprint,
                    updated_at = excluded.updated_at",
            )?;
            for (cp, fp) in upserts {
                let (countries, identifiers) = counterparty_json(cp);
                let schema = cp.schema.map(|s| s.as_str());
                tx.execute(
                    &up,
                    &[
                        &cp.key,
                        &cp.name,
                        &schema,
                        &countries,
                        &cp.birth_date,
                        &identifiers,
                        fp,
                        &now,
                    ],
                )?;
            }
        }
        AlongWith::Baseline(moved) => {
            let up = tx.prepare(
                "INSERT INTO watch_screened_versions (source, version_id) VALUES ($1, $2)
                 ON CONFLICT (source) DO UPDATE SET version_id = excluded.version_id",
            )?;
            for (source, v) in moved {
                tx.execute(&up, &[source, v])?;
            }
        }
    }
    tx.commit()?;
    Ok(ids)
}
