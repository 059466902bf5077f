//! Durable storage of imported lists in SQLite.
//!
//! Every import of a source becomes a *version*. Entity bodies are stored once
//! per distinct content (keyed by SHA-256), so keeping every version stays
//! compact: a weekly OFAC update that changes forty entries adds forty bodies.
//! A source's `current` pointer moves to a new version only when that version's
//! whole file parsed and was written, inside one transaction: a truncated or
//! malformed download can never replace a good list, and a crash mid-import
//! leaves the previous version current. The database runs in WAL mode with
//! `synchronous=FULL`, so a committed import survives power loss.

pub mod diff;
pub mod http_state;
mod schema;

pub use diff::{EntityChange, EntitySummary, FieldChange, VersionDiff};
pub use http_state::HttpValidators;

use kordon_model::Entity;
use kordon_sources::{ParseReport, SourceError, SourceInput};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Db {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("stored entity {id} is corrupt: {message}")]
    Corrupt { id: String, message: String },
    #[error("{0}")]
    Invalid(String),
    /// The new version parsed but failed a sanity check ([`ImportGuard`]);
    /// nothing was written and the previous version stays current.
    #[error("refused: {0}")]
    Refused(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// One imported version of one source.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceVersion {
    pub version_id: i64,
    pub source: String,
    pub format: String,
    /// Publication date the file states, if any.
    pub published: Option<String>,
    /// When kordon imported it (Unix seconds, UTC).
    pub imported_at: i64,
    /// SHA-256 over the input files' hashes, in order: the version's identity.
    pub content_hash: String,
    pub entities: u64,
    pub names: u64,
    pub report: ParseReport,
    pub current: bool,
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportOutcome {
    pub version: SourceVersion,
    /// The same content was already the current version: nothing changed.
    pub unchanged: bool,
    /// Entity bodies that were new to the store.
    pub new_bodies: u64,
}

/// Sanity checks a new version must pass before it may become current.
#[derive(Debug, Clone, Copy)]
pub struct ImportGuard {
    /// Refuse a version with fewer entities than the current one by more than
    /// this share (0.05 = lose at most 5%). A list never shrinks by half in a
    /// week; a half-served or mis-sniffed file does.
    pub max_loss_share: f64,
    /// Import anyway (an operator has checked the shrink is real).
    pub force: bool,
}

impl Default for ImportGuard {
    fn default() -> Self {
        ImportGuard {
            max_loss_share: 0.05,
            force: false,
        }
    }
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Store {
    /// Open (or create) the store in `data_dir` (`kordon.db` inside it).
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::Io {
            path: data_dir.to_path_buf(),
            source: e,
        })?;
        let path = data_dir.join("kordon.db");
        let conn = Connection::open(&path).map_err(|e| StoreError::Db {
            path: path.clone(),
            source: e,
        })?;
        let store = Store { conn, path };
        store.db(schema::migrate(&store.conn))?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn db<T>(&self, r: rusqlite::Result<T>) -> Result<T, StoreError> {
        r.map_err(|e| StoreError::Db {
            path: self.path.clone(),
            source: e,
        })
    }

    /// Parse `input` and store it as a new version of its source, in one
    /// transaction. On any parse error nothing is written and the previous
    /// version stays current. `progress` is called with each entity count.
    pub fn import(
        &mut self,
        input: &SourceInput,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportOutcome, StoreError> {
        self.import_inner(input, None, progress)
    }

    /// Like [`Store::import`], but the new version is counted inside the
    /// import transaction and rolled back ([`StoreError::Refused`]) when it
    /// loses more entities than `guard` allows.
    pub fn import_guarded(
        &mut self,
        input: &SourceInput,
        guard: ImportGuard,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportOutcome, StoreError> {
        self.import_inner(input, Some(guard), progress)
    }

    fn import_inner(
        &mut self,
        input: &SourceInput,
        guard: Option<ImportGuard>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportOutcome, StoreError> {
        let path = self.path.clone();
        let dberr = |e: rusqlite::Error| StoreError::Db {
            path: path.clone(),
            source: e,
        };
        // A FollowTheMoney delta patches the current version rather than
        // replacing it: importing one delta file alone must not drop every
        // entity it does not mention.
        let delta = kordon_sources::ftm::is_delta(input)?;
        let deleted = if delta {
            kordon_sources::ftm::deleted_ids(input)?
        } else {
            Vec::new()
        };
        let tx = self.conn.transaction().map_err(&dberr)?;
        let base: Option<(i64, String)> = if delta {
            tx.query_row(
                "SELECT v.version_id, v.content_hash FROM current c JOIN source_versions v
                 ON v.version_id = c.version_id WHERE c.source = ?1",
                params![input.source],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(&dberr)?
        } else {
            None
        };
        let imported_at = now_unix();
        tx.execute(
            "INSERT INTO source_versions (source, format, imported_at, content_hash, entities, names, report)
             VALUES (?1, ?2, ?3, '', 0, 0, '{}')",
            params![input.source, input.format.as_str(), imported_at],
        )
        .map_err(&dberr)?;
        let version_id = tx.last_insert_rowid();
        if let Some((base_id, _)) = &base {
            tx.execute(
                "INSERT INTO version_entities (version_id, entity_id, schema, hash)
                 SELECT ?1, entity_id, schema, hash FROM version_entities WHERE version_id = ?2",
                params![version_id, base_id],
            )
            .map_err(&dberr)?;
        }
        let mut new_bodies = 0u64;
        let mut seen_ids = std::collections::HashSet::new();
        let mut count = 0u64;
        let report = {
            let mut put_body = tx
                .prepare_cached("INSERT OR IGNORE INTO entity_bodies (hash, body) VALUES (?1, ?2)")
                .map_err(&dberr)?;
            let mut put_member = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO version_entities (version_id, entity_id, schema, hash)
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(&dberr)?;
            let mut sink = |e: Entity| -> Result<(), SourceError> {
                let body = serde_json::to_vec(&e).map_err(|err| {
                    SourceError::new(
                        &input.files[0],
                        kordon_sources::Location::File,
                        err.to_string(),
                    )
                })?;
                let hash = Sha256::digest(&body);
                let to_src = |err: rusqlite::Error| {
                    SourceError::new(
                        &input.files[0],
                        kordon_sources::Location::File,
                        format!("storing entity {}: {err}", e.id),
                    )
                };
                new_bodies += put_body.execute(params![&hash[..], body]).map_err(to_src)? as u64;
                put_member
                    .execute(params![version_id, e.id, e.schema.as_str(), &hash[..]])
                    .map_err(to_src)?;
                seen_ids.insert(e.id.clone());
                count += 1;
                if count.is_multiple_of(512) {
                    progress(count);
                }
                Ok(())
            };
            kordon_sources::parse(input, &mut sink)?
        };
        progress(count);
        for id in &deleted {
            tx.execute(
                "DELETE FROM version_entities WHERE version_id = ?1 AND entity_id = ?2",
                params![version_id, id],
            )
            .map_err(&dberr)?;
        }
        let content_hash = match &base {
            // A patched version's identity includes the version it patched.
            Some((_, base_hash)) => {
                let mut h = Sha256::new();
                h.update(base_hash.as_bytes());
                h.update(content_hash(&report).as_bytes());
                hex::encode(h.finalize())
            }
            None => content_hash(&report),
        };
        let names = report.names;
        // A delta's membership is what the table holds after its upserts and
        // deletes (the parser may emit an entity a later file deletes).
        let entities = if delta {
            tx.query_row(
                "SELECT COUNT(*) FROM version_entities WHERE version_id = ?1",
                params![version_id],
                |r| r.get::<_, i64>(0),
            )
            .map_err(&dberr)? as u64
        } else {
            seen_ids.len() as u64
        };
        // A delta that leaves the membership exactly as it was (re-applying
        // the same delta files) is no new version.
        if let Some((base_id, _)) = &base {
            let differing: i64 = tx
                .query_row(
                    "SELECT (SELECT COUNT(*) FROM (
                       SELECT entity_id, hash FROM version_entities WHERE version_id = ?1
                       EXCEPT SELECT entity_id, hash FROM version_entities WHERE version_id = ?2))
                     + (SELECT COUNT(*) FROM (
                       SELECT entity_id, hash FROM version_entities WHERE version_id = ?2
                       EXCEPT SELECT entity_id, hash FROM version_entities WHERE version_id = ?1))",
                    params![version_id, base_id],
                    |r| r.get(0),
                )
                .map_err(&dberr)?;
            if differing == 0 {
                drop(tx);
                let version = self
                    .version(*base_id)?
                    .ok_or_else(|| StoreError::Invalid(format!("version {base_id} vanished")))?;
                return Ok(ImportOutcome {
                    version,
                    unchanged: true,
                    new_bodies: 0,
                });
            }
        }
        // Same content as the current version: keep the current version and
        // drop this one (the transaction is rolled back by not committing).
        let current: Option<(i64, String, i64)> = tx
            .query_row(
                "SELECT v.version_id, v.content_hash, v.entities FROM current c JOIN source_versions v
                 ON v.version_id = c.version_id WHERE c.source = ?1",
                params![input.source],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(&dberr)?;
        if let (Some(g), Some((cur_id, cur_hash, cur_entities))) = (guard, &current) {
            let floor = (*cur_entities as f64) * (1.0 - g.max_loss_share.clamp(0.0, 1.0));
            if !g.force && *cur_hash != content_hash && (entities as f64) < floor {
                // Dropping the transaction rolls the whole version back.
                drop(tx);
                return Err(StoreError::Refused(format!(
                    "{}: the new file has {entities} entities, the current version {cur_id} has {cur_entities}: \
                     a loss of {:.1}% exceeds the allowed {:.1}% (import with --force if the shrink is real)",
                    input.source,
                    100.0 * (1.0 - entities as f64 / (*cur_entities).max(1) as f64),
                    100.0 * g.max_loss_share
                )));
            }
        }
        if let Some((cur_id, cur_hash, _)) = current {
            if cur_hash == content_hash {
                drop(tx);
                let version = self
                    .version(cur_id)?
                    .ok_or_else(|| StoreError::Invalid(format!("version {cur_id} vanished")))?;
                return Ok(ImportOutcome {
                    version,
                    unchanged: true,
                    new_bodies: 0,
                });
            }
        }
        let report_json = serde_json::to_string(&report)
            .map_err(|e| StoreError::Invalid(format!("report: {e}")))?;
        tx.execute(
            "UPDATE source_versions SET content_hash = ?2, entities = ?3, names = ?4, report = ?5,
             published = ?6 WHERE version_id = ?1",
            params![
                version_id,
                content_hash,
                entities as i64,
                names as i64,
                report_json,
                report.published
            ],
        )
        .map_err(&dberr)?;
        tx.execute(
            "INSERT INTO current (source, version_id) VALUES (?1, ?2)
             ON CONFLICT(source) DO UPDATE SET version_id = excluded.version_id",
            params![input.source, version_id],
        )
        .map_err(&dberr)?;
        tx.commit().map_err(&dberr)?;
        let version = self
            .version(version_id)?
            .ok_or_else(|| StoreError::Invalid(format!("version {version_id} vanished")))?;
        Ok(ImportOutcome {
            version,
            unchanged: false,
            new_bodies,
        })
    }

    fn version(&self, version_id: i64) -> Result<Option<SourceVersion>, StoreError> {
        let mut stmt = self.db(self.conn.prepare_cached(VERSION_SELECT_BY_ID))?;
        let v = self.db(stmt
            .query_row(params![version_id], row_to_version)
            .optional())?;
        v.transpose()
    }

    /// The current version of every source, sorted by source key.
    pub fn current_versions(&self) -> Result<Vec<SourceVersion>, StoreError> {
        let mut stmt = self.db(self.conn.prepare_cached(
            "SELECT v.version_id, v.source, v.format, v.published, v.imported_at, v.content_hash,
                    v.entities, v.names, v.report, 1
             FROM current c JOIN source_versions v ON v.version_id = c.version_id
             ORDER BY v.source",
        ))?;
        let rows = self.db(stmt.query_map([], row_to_version))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(self.db(r)??);
        }
        Ok(out)
    }

    /// Every stored version of one source, newest first.
    pub fn history(&self, source: &str) -> Result<Vec<SourceVersion>, StoreError> {
        let mut stmt = self.db(self.conn.prepare_cached(
            "SELECT v.version_id, v.source, v.format, v.published, v.imported_at, v.content_hash,
                    v.entities, v.names, v.report,
                    EXISTS(SELECT 1 FROM current c WHERE c.version_id = v.version_id)
             FROM source_versions v WHERE v.source = ?1 AND v.content_hash != ''
             ORDER BY v.version_id DESC",
        ))?;
        let rows = self.db(stmt.query_map(params![source], row_to_version))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(self.db(r)??);
        }
        Ok(out)
    }

    /// One entity of a current version, by id (`us_ofac_sdn:46431`).
    pub fn entity(&self, id: &str) -> Result<Option<Entity>, StoreError> {
        let mut stmt = self.db(self.conn.prepare_cached(
            "SELECT b.body FROM current c
             JOIN version_entities ve ON ve.version_id = c.version_id
             JOIN entity_bodies b ON b.hash = ve.hash
             WHERE ve.entity_id = ?1",
        ))?;
        let body: Option<Vec<u8>> =
            self.db(stmt.query_row(params![id], |r| r.get(0)).optional())?;
        body.map(|b| decode(id, &b)).transpose()
    }

    /// Every entity of every current version, streamed to `f` (no need to hold
    /// the raw rows and the decoded entities at once).
    pub fn for_each_current_entity(&self, f: &mut dyn FnMut(Entity)) -> Result<u64, StoreError> {
        let mut stmt = self.db(self.conn.prepare_cached(
            "SELECT ve.entity_id, b.body FROM current c
             JOIN version_entities ve ON ve.version_id = c.version_id
             JOIN entity_bodies b ON b.hash = ve.hash
             ORDER BY c.source, ve.entity_id",
        ))?;
        let mut rows = self.db(stmt.query([]))?;
        let mut n = 0;
        while let Some(row) = self.db(rows.next())? {
            let id: String = self.db(row.get(0))?;
            let body: Vec<u8> = self.db(row.get_ref(1).and_then(|v| Ok(v.as_blob()?.to_vec())))?;
            f(decode(&id, &body)?);
            n += 1;
        }
        Ok(n)
    }

    /// Every entity of every current version.
    pub fn current_entities(&self) -> Result<Vec<Entity>, StoreError> {
        let mut out = Vec::new();
        self.for_each_current_entity(&mut |e| out.push(e))?;
        Ok(out)
    }

    /// Entities of one specific version (for diffs and history).
    pub fn version_entities(&self, version_id: i64) -> Result<Vec<Entity>, StoreError> {
        let mut stmt = self.db(self.conn.prepare_cached(
            "SELECT ve.entity_id, b.body FROM version_entities ve
             JOIN entity_bodies b ON b.hash = ve.hash WHERE ve.version_id = ?1
             ORDER BY ve.entity_id",
        ))?;
        let mut rows = self.db(stmt.query(params![version_id]))?;
        let mut out = Vec::new();
        while let Some(row) = self.db(rows.next())? {
            let id: String = self.db(row.get(0))?;
            let body: Vec<u8> = self.db(row.get(1))?;
            out.push(decode(&id, &body)?);
        }
        Ok(out)
    }

    /// Record that importing `source` failed; the previous version stays
    /// current and `last_failure` reports it until a later import succeeds.
    pub fn record_failure(&self, source: &str, error: &str) -> Result<(), StoreError> {
        let current = self
            .current_version_of(source)?
            .map(|(id, _)| id)
            .unwrap_or(-1);
        self.db(self.conn.execute(
            "INSERT INTO import_failures (source, failed_at, error, current_version) VALUES (?1, ?2, ?3, ?4)",
            params![source, now_unix(), error, current],
        ))?;
        Ok(())
    }

    /// (version id, imported_at) of the current version of `source`.
    fn current_version_of(&self, source: &str) -> Result<Option<(i64, i64)>, StoreError> {
        self.db(self
            .conn
            .query_row(
                "SELECT v.version_id, v.imported_at FROM current c JOIN source_versions v
                     ON v.version_id = c.version_id WHERE c.source = ?1",
                params![source],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional())
    }

    /// The newest failure for `source` that happened while its current version
    /// was current (an older failure was cured by a later success).
    pub fn last_failure(&self, source: &str) -> Result<Option<(i64, String)>, StoreError> {
        let current = self.current_version_of(source)?;
        self.db(self
            .conn
            .query_row(
                "SELECT failed_at, error FROM import_failures WHERE source = ?1
                     AND (current_version = ?2 OR (current_version IS NULL AND failed_at >= ?3))
                     ORDER BY failed_at DESC, rowid DESC LIMIT 1",
                params![
                    source,
                    current.map(|c| c.0).unwrap_or(-1),
                    current.map(|c| c.1).unwrap_or(i64::MIN)
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional())
    }

    /// Keep the newest `keep` versions of `source` (the current one always
    /// stays), delete older ones, then delete entity bodies no version uses.
    /// Returns (versions deleted, bodies deleted).
    pub fn prune(&mut self, source: &str, keep: usize) -> Result<(u64, u64), StoreError> {
        let path = self.path.clone();
        let dberr = |e: rusqlite::Error| StoreError::Db {
            path: path.clone(),
            source: e,
        };
        let tx = self.conn.transaction().map_err(&dberr)?;
        let versions = tx
            .execute(
                "DELETE FROM source_versions WHERE source = ?1
                 AND version_id NOT IN (SELECT version_id FROM current)
                 AND version_id NOT IN (SELECT version_id FROM source_versions WHERE source = ?1
                                        ORDER BY version_id DESC LIMIT ?2)",
                params![source, keep.max(1) as i64],
            )
            .map_err(&dberr)? as u64;
        let bodies = tx
            .execute(
                "DELETE FROM entity_bodies WHERE NOT EXISTS
                 (SELECT 1 FROM version_entities ve WHERE ve.hash = entity_bodies.hash)",
                [],
            )
            .map_err(&dberr)? as u64;
        tx.commit().map_err(&dberr)?;
        Ok((versions, bodies))
    }

    /// Run SQLite's own integrity check.
    pub fn check_integrity(&self) -> Result<(), StoreError> {
        let r: String = self.db(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0)))?;
        if r == "ok" {
            Ok(())
        } else {
            Err(StoreError::Invalid(format!("integrity check failed: {r}")))
        }
    }
}

const VERSION_SELECT_BY_ID: &str =
    "SELECT v.version_id, v.source, v.format, v.published, v.imported_at,
        v.content_hash, v.entities, v.names, v.report,
        EXISTS(SELECT 1 FROM current c WHERE c.version_id = v.version_id)
     FROM source_versions v WHERE v.version_id = ?1";

fn row_to_version(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<SourceVersion, StoreError>> {
    let report_json: String = r.get(8)?;
    let version_id: i64 = r.get(0)?;
    let report = match serde_json::from_str::<ParseReport>(&report_json) {
        Ok(rep) => rep,
        Err(e) => {
            return Ok(Err(StoreError::Corrupt {
                id: format!("version {version_id}"),
                message: e.to_string(),
            }))
        }
    };
    Ok(Ok(SourceVersion {
        version_id,
        source: r.get(1)?,
        format: r.get(2)?,
        published: r.get(3)?,
        imported_at: r.get(4)?,
        content_hash: r.get(5)?,
        entities: r.get::<_, i64>(6)? as u64,
        names: r.get::<_, i64>(7)? as u64,
        report,
        current: r.get::<_, i64>(9)? != 0,
    }))
}

fn decode(id: &str, body: &[u8]) -> Result<Entity, StoreError> {
    serde_json::from_slice(body).map_err(|e| StoreError::Corrupt {
        id: id.to_string(),
        message: e.to_string(),
    })
}

/// A version's identity: the hash of its input files' hashes, in order, plus
/// the source key and format (the same bytes imported under another key are a
/// different dataset).
fn content_hash(report: &ParseReport) -> String {
    let mut h = Sha256::new();
    h.update(report.source.as_bytes());
    h.update([0]);
    h.update(report.format.as_bytes());
    for f in &report.files {
        h.update([0]);
        h.update(f.sha256.as_bytes());
    }
    hex::encode(h.finalize())
}
