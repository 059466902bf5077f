//! Party screening: a query (name plus optional schema, countries, date of
//! birth, identifiers) against every loaded entity, ranked and explained.
//!
//! PLACEHOLDER CONTRACT: the types and method signatures below are the API the
//! rest of kordon codes against. The body is a naive exact-name comparison to
//! be replaced by the candidate index + scorer.

use kordon_model::{Entity, PartialDate, Schema};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PartyQuery {
    pub name: String,
    #[serde(default)]
    pub schema: Option<Schema>,
    /// ISO alpha-2 codes or country names.
    #[serde(default)]
    pub countries: Vec<String>,
    #[serde(default)]
    pub birth_date: Option<PartialDate>,
    /// Identifier values (passport, IMO, INN...), any format.
    #[serde(default)]
    pub identifiers: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScreenOptions {
    pub threshold: f64,
    pub limit: usize,
    /// Restrict to these source keys (None = all).
    pub sources: Option<Vec<String>>,
}

impl Default for ScreenOptions {
    fn default() -> Self {
        ScreenOptions { threshold: 0.7, limit: 10, sources: None }
    }
}

/// One ranked hit with its explanation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartyMatch {
    pub entity_id: String,
    pub caption: String,
    pub source: String,
    pub schema: Schema,
    /// Calibrated score in [0, 1].
    pub score: f64,
    /// Whether `score` is at or above the threshold used.
    pub is_match: bool,
    /// Human-readable lines: which query name matched which list name, features.
    pub explanation: Vec<String>,
    /// The list name (alias) that matched best, as the list writes it.
    pub matched_name: String,
}

pub struct PartyScreener {
    entities: Vec<Entity>,
}

impl PartyScreener {
    pub fn build(entities: Vec<Entity>) -> PartyScreener {
        PartyScreener { entities }
    }

    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    pub fn entity(&self, id: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.id == id)
    }

    /// Ranked matches at or above `opts.threshold`, at most `opts.limit`.
    pub fn screen(&self, query: &PartyQuery, opts: &ScreenOptions) -> Vec<PartyMatch> {
        let mut out: Vec<PartyMatch> = self
            .entities
            .iter()
            .filter(|e| opts.sources.as_ref().is_none_or(|s| s.contains(&e.source)))
            .map(|e| self.score_entity(query, e))
            .filter(|m| m.score >= opts.threshold)
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score));
        out.truncate(opts.limit);
        out
    }

    /// Score one query against one entity, whatever the score.
    pub fn score_entity(&self, query: &PartyQuery, entity: &Entity) -> PartyMatch {
        let q = query.name.to_lowercase();
        let best = entity.names.iter().find(|n| n.full.to_lowercase() == q);
        PartyMatch {
            entity_id: entity.id.clone(),
            caption: entity.caption().to_string(),
            source: entity.source.clone(),
            schema: entity.schema,
            score: if best.is_some() { 1.0 } else { 0.0 },
            is_match: best.is_some(),
            explanation: vec![],
            matched_name: best.map(|n| n.full.clone()).unwrap_or_default(),
        }
    }
}
