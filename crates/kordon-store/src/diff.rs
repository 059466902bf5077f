//! What changed between two versions of a source: entities added, removed and
//! changed, and for a changed entity which of its fields changed and how.
//! Bodies are content-addressed, so unchanged entities are skipped by hash
//! without decoding them.

use crate::{Store, StoreError};
use kordon_model::Entity;
use rusqlite::params;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One field of a changed entity: the values only in the old version and the
/// values only in the new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub removed: Vec<String>,
    pub added: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntityChange {
    pub id: String,
    pub caption: String,
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntitySummary {
    pub id: String,
    pub caption: String,
    pub schema: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionDiff {
    pub source: String,
    pub old_version: i64,
    pub new_version: i64,
    pub added: Vec<EntitySummary>,
    pub removed: Vec<EntitySummary>,
    pub changed: Vec<EntityChange>,
    pub unchanged: u64,
}

impl VersionDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

impl Store {
    /// The (entity id → body hash) map of one version.
    fn version_hashes(&self, version_id: i64) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
        let mut stmt = self.db(self.conn.prepare_cached(
            "SELECT entity_id, hash FROM version_entities WHERE version_id = ?1",
        ))?;
        let rows = self.db(stmt.query_map(params![version_id], |r| Ok((r.get(0)?, r.get(1)?))))?;
        let mut out = BTreeMap::new();
        for r in rows {
            let (id, hash): (String, Vec<u8>) = self.db(r)?;
            out.insert(id, hash);
        }
        Ok(out)
    }

    fn body(&self, hash: &[u8], id: &str) -> Result<Entity, StoreError> {
        let body: Vec<u8> = self.db(self.conn.query_row(
            "SELECT body FROM entity_bodies WHERE hash = ?1",
            params![hash],
            |r| r.get(0),
        ))?;
        crate::decode(id, &body)
    }

    /// Diff two versions of the same source.
    pub fn diff(&self, old_version: i64, new_version: i64) -> Result<VersionDiff, StoreError> {
        let (old_v, new_v) = (
            self.version(old_version)?
                .ok_or_else(|| StoreError::Invalid(format!("no version {old_version}")))?,
            self.version(new_version)?
                .ok_or_else(|| StoreError::Invalid(format!("no version {new_version}")))?,
        );
        if old_v.source != new_v.source {
            return Err(StoreError::Invalid(format!(
                "versions {old_version} ({}) and {new_version} ({}) belong to different sources",
                old_v.source, new_v.source
            )));
        }
        let old = self.version_hashes(old_version)?;
        let new = self.version_hashes(new_version)?;
        let summary = |e: &Entity| EntitySummary {
            id: e.id.clone(),
            caption: e.caption().to_string(),
            schema: e.schema.as_str().to_string(),
        };
        let mut diff = VersionDiff {
            source: new_v.source.clone(),
            old_version,
            new_version,
            added: vec![],
            removed: vec![],
            changed: vec![],
            unchanged: 0,
        };
        for (id, hash) in &new {
            match old.get(id) {
                None => diff.added.push(summary(&self.body(hash, id)?)),
                Some(h) if h == hash => diff.unchanged += 1,
                Some(h) => {
                    let before = self.body(h, id)?;
                    let after = self.body(hash, id)?;
                    diff.changed.push(EntityChange {
                        id: id.clone(),
                        caption: after.caption().to_string(),
                        changes: entity_changes(&before, &after),
                    });
                }
            }
        }
        for (id, hash) in &old {
            if !new.contains_key(id) {
                diff.removed.push(summary(&self.body(hash, id)?));
            }
        }
        Ok(diff)
    }
}

/// Field-by-field comparison as sets of display strings, so reordering a
/// list's aliases is not reported as a change.
pub fn entity_changes(before: &Entity, after: &Entity) -> Vec<FieldChange> {
    type FieldStrings = fn(&Entity) -> Vec<String>;
    let fields: Vec<(&str, FieldStrings)> = vec![
        ("schema", |e| vec![e.schema.as_str().to_string()]),
        ("names", |e| {
            e.names
                .iter()
                .map(|n| format!("{:?}: {}", n.kind, n.full))
                .collect()
        }),
        ("dates", |e| {
            e.dates
                .iter()
                .map(|d| format!("{:?} {}", d.kind, d.date))
                .collect()
        }),
        ("countries", |e| {
            e.countries
                .iter()
                .map(|c| {
                    format!(
                        "{:?} {}",
                        c.role,
                        c.code.clone().unwrap_or_else(|| c.text.clone())
                    )
                })
                .collect()
        }),
        ("addresses", |e| {
            e.addresses
                .iter()
                .map(|a| serde_json::to_string(a).unwrap_or_default())
                .collect()
        }),
        ("identifiers", |e| {
            e.identifiers
                .iter()
                .map(|i| format!("{} {}", i.kind.as_str(), i.value))
                .collect()
        }),
        ("programs", |e| {
            e.programs.iter().map(|p| p.code.clone()).collect()
        }),
        ("links", |e| {
            e.links
                .iter()
                .map(|l| {
                    format!(
                        "{:?} {}",
                        l.kind,
                        l.target_id
                            .clone()
                            .or(l.target_name.clone())
                            .unwrap_or_default()
                    )
                })
                .collect()
        }),
        ("listed_on", |e| {
            e.listed_on.iter().map(|d| d.to_string()).collect()
        }),
        ("remarks", |e| e.remarks.clone()),
        ("other", |e| {
            let mut v = vec![];
            v.extend(e.places_of_birth.iter().map(|p| format!("born in {p}")));
            v.extend(e.positions.iter().map(|p| format!("position {p}")));
            v.extend(e.titles.iter().map(|p| format!("title {p}")));
            v.extend(e.topics.iter().map(|p| format!("topic {p}")));
            v.extend(e.gender.iter().map(|g| format!("gender {g}")));
            if !e.vessel.is_empty() {
                v.push(serde_json::to_string(&e.vessel).unwrap_or_default());
            }
            v
        }),
    ];
    let mut out = Vec::new();
    for (name, get) in fields {
        let a: BTreeSet<String> = get(before).into_iter().collect();
        let b: BTreeSet<String> = get(after).into_iter().collect();
        if a != b {
            out.push(FieldChange {
                field: name.to_string(),
                removed: a.difference(&b).cloned().collect(),
                added: b.difference(&a).cloned().collect(),
            });
        }
    }
    out
}
