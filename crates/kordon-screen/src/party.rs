//! Party screening: a query (name plus optional schema, countries, date of
//! birth, identifiers) against every loaded entity, ranked and explained.
//!
//! [`PartyScreener::build`] analyses every name of every entity once (in
//! parallel), builds the candidate index, numbers the distinct tokens of all
//! entities together (so that a query bounds each listed token once, and
//! their letters are counted once for all queries), and
//! groups entities that list the same names (one entity on several lists).
//! [`PartyScreener::screen`] retrieves the best candidates from the index
//! (plus any entity sharing an identifier with the query), scores each with
//! `kordon_score` (each group's names once), and returns those at or above
//! the threshold, best first, each with its explanation.
//!
//! The [`bench`] helpers measure latency and throughput for `kordon bench screen`.

use kordon_index::{CandidateIndex, IndexBuilder};
use kordon_model::{Entity, NameKind, PartialDate, Schema};
use kordon_score::{
    analyze_names, score_entity, score_entity_sharing, MatchExplanation, NumberedTokens,
    PreparedEntity, PreparedQuery, SharedNames, TokenWeights, DEFAULT_THRESHOLD,
};
use kordon_text::AnalyzedName;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Candidates retrieved per query before full scoring. Large enough that the
/// right party is essentially always among them (see the retrieval test).
const CANDIDATES: usize = 24;

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
        ScreenOptions {
            threshold: DEFAULT_THRESHOLD,
            limit: 10,
            sources: None,
        }
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
    /// The structured explanation behind `explanation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<MatchExplanation>,
}

pub struct PartyScreener {
    entities: Vec<Entity>,
    prepared: Vec<PreparedEntity>,
    index: CandidateIndex,
    /// The letters of every party token, counted once (see
    /// [`kordon_score::number_tokens`]).
    tokens: NumberedTokens,
    by_id: HashMap<String, u32>,
    by_identifier: HashMap<String, Vec<u32>>,
    /// Per party, the first party with the same schema and the same names
    /// in the same order: one entity on several lists (a consolidated list
    /// and its sources, a list and its snapshot) is compared once per query.
    name_group: Vec<u32>,
}

/// Word weights from the index: words most parties share count less.
struct IndexWeights<'a> {
    index: &'a CandidateIndex,
    /// IDF at which a word counts fully (a word in about ten parties).
    full_idf: f64,
}

/// Below this many parties, document frequencies say little; use uniform weights.
const MIN_DOCS_FOR_WEIGHTS: u32 = 500;

impl<'a> IndexWeights<'a> {
    fn new(index: &'a CandidateIndex) -> IndexWeights<'a> {
        IndexWeights {
            index,
            full_idf: ((index.docs().max(100) as f64) / 10.0).ln(),
        }
    }
}

impl TokenWeights for IndexWeights<'_> {
    fn word_weight(&self, token: &str) -> Option<f64> {
        if self.index.docs() < MIN_DOCS_FOR_WEIGHTS {
            return None;
        }
        // A word in 5% of parties (idf 3) weighs 0.6; one in ten parties or fewer, 1.15.
        let idf = self.index.word_idf(token);
        let x = ((idf - 3.0) / (self.full_idf - 3.0)).clamp(0.0, 1.0);
        Some(0.6 + 0.55 * x)
    }
}

impl PartyScreener {
    pub fn build(entities: Vec<Entity>) -> PartyScreener {
        let names: Vec<Vec<(AnalyzedName, NameKind)>> =
            entities.par_iter().map(analyze_names).collect();
        let index = names
            .par_iter()
            .enumerate()
            .fold(IndexBuilder::new, |mut b, (i, names)| {
                for (name, _) in names {
                    b.add(i as u32, name);
                }
                b
            })
            .reduce(IndexBuilder::new, |mut a, b| {
                a.merge(b);
                a
            })
            .build();
        // Word weights come from the index's frequencies: look each party's up once.
        let weights = IndexWeights::new(&index);
        let mut prepared: Vec<PreparedEntity> = entities
            .par_iter()
            .zip(names.into_par_iter())
            .map(|(e, names)| PreparedEntity::with_names(e, names, &weights))
            .collect();
        let tokens = kordon_score::number_tokens(&mut prepared);
        let mut by_id = HashMap::with_capacity(entities.len());
        let mut by_identifier: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, (e, p)) in entities.iter().zip(&prepared).enumerate() {
            by_id.entry(e.id.clone()).or_insert(i as u32);
            for id in &p.identifiers {
                by_identifier.entry(id.clone()).or_default().push(i as u32);
            }
        }
        let name_group = name_groups(&entities);
        PartyScreener {
            entities,
            prepared,
            index,
            tokens,
            by_id,
            by_identifier,
            name_group,
        }
    }

    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    pub fn entity(&self, id: &str) -> Option<&Entity> {
        self.by_id.get(id).map(|&i| &self.entities[i as usize])
    }

    /// How many different sets of names (with schema) the parties list:
    /// each is compared with a query at most once.
    pub fn distinct_name_sets(&self) -> usize {
        self.name_group
            .iter()
            .zip(0u32..)
            .filter(|&(&g, i)| g == i)
            .count()
    }

    /// The candidate index (for statistics and benchmarks).
    pub fn index(&self) -> &CandidateIndex {
        &self.index
    }

    fn weights(&self) -> IndexWeights<'_> {
        IndexWeights::new(&self.index)
    }

    fn prepare(&self, query: &PartyQuery) -> PreparedQuery {
        let mut q = PreparedQuery::new(
            &query.name,
            query.schema,
            &query.countries,
            query.birth_date.clone(),
            &query.identifiers,
        );
        q.weigh(&self.weights());
        q
    }

    /// Ranked matches at or above `opts.threshold`, at most `opts.limit`.
    pub fn screen(&self, query: &PartyQuery, opts: &ScreenOptions) -> Vec<PartyMatch> {
        // Explanations are text-heavy: they are built only for hits.
        let mut scored =
            self.score_candidates(query, opts.sources.as_deref(), CANDIDATES, opts.threshold);
        self.rank(&mut scored);
        scored.truncate(opts.limit);
        scored
            .into_iter()
            .map(|(d, ex)| {
                let mut m = to_match(&self.entities[d as usize], ex);
                m.is_match = true;
                m
            })
            .collect()
    }

    /// Every retrieved candidate scored, best first, whatever the score
    /// (`is_match` is relative to [`DEFAULT_THRESHOLD`]).
    pub fn screen_all(
        &self,
        query: &PartyQuery,
        sources: Option<&[String]>,
        candidates: usize,
    ) -> Vec<PartyMatch> {
        let mut scored = self.score_candidates(query, sources, candidates, f64::NEG_INFINITY);
        self.rank(&mut scored);
        scored
            .into_iter()
            .map(|(d, ex)| to_match(&self.entities[d as usize], ex))
            .collect()
    }

    /// Best score first; equal scores by entity id, so results are stable.
    fn rank(&self, scored: &mut [(u32, MatchExplanation)]) {
        scored.sort_by(|(da, a), (db, b)| {
            b.score.total_cmp(&a.score).then_with(|| {
                self.entities[*da as usize]
                    .id
                    .cmp(&self.entities[*db as usize].id)
            })
        });
    }

    /// The retrieved candidates (plus parties sharing an identifier with the
    /// query) from the wanted sources scoring at least `min`, each with its
    /// score explanation.
    fn score_candidates(
        &self,
        query: &PartyQuery,
        sources: Option<&[String]>,
        candidates: usize,
        min: f64,
    ) -> Vec<(u32, MatchExplanation)> {
        let q = self.prepare(query);
        let mut docs: Vec<u32> = self
            .index
            .search(&q.analyzed, candidates)
            .into_iter()
            .map(|c| c.doc)
            .collect();
        for id in &q.identifiers {
            if let Some(list) = self.by_identifier.get(id) {
                docs.extend(list);
            }
        }
        docs.sort_unstable();
        docs.dedup();
        docs.retain(|&d| sources.is_none_or(|s| s.contains(&self.entities[d as usize].source)));
        // Parties that share their names with an earlier candidate reuse its
        // comparison: a group's names are compared on its first candidate
        // (the group's first party may not be one), and again only for a
        // candidate asked for another floor. That first candidate is read
        // ahead.
        let groups: Vec<u32> = docs.iter().map(|&d| self.name_group[d as usize]).collect();
        let mut compared: Vec<(u32, u32)> =
            groups.iter().copied().zip(docs.iter().copied()).collect();
        compared.sort_unstable();
        compared.dedup_by_key(|&mut (group, _)| group);
        let parties: Vec<&PreparedEntity> = compared
            .iter()
            .map(|&(_, d)| &self.prepared[d as usize])
            .collect();
        kordon_score::warm_up(&parties);
        let weights = self.weights();
        let mut shared = SharedNames::new(&self.tokens);
        docs.iter()
            .zip(groups)
            .filter_map(|(&d, group)| {
                let e = &self.prepared[d as usize];
                score_entity_sharing(&q, e, &weights, min, Some((group, &mut shared)))
                    .map(|ex| (d, ex))
            })
            .collect()
    }

    /// Score one query against one entity, whatever the score.
    pub fn score_entity(&self, query: &PartyQuery, entity: &Entity) -> PartyMatch {
        let q = self.prepare(query);
        let weights = self.weights();
        let ex = match self.by_id.get(&entity.id) {
            Some(&i) if self.entities[i as usize] == *entity => {
                score_entity(&q, &self.prepared[i as usize], &weights)
            }
            _ => {
                let prepared = PreparedEntity::with_names(entity, analyze_names(entity), &weights);
                score_entity(&q, &prepared, &weights)
            }
        };
        to_match(entity, ex)
    }
}

/// Per entity, the index of the first entity with the same schema and the
/// same names (text and kind) in the same order; its own index if none
/// comes before it. Names are analysed from exactly these, so a group's
/// prepared names are identical.
fn name_groups(entities: &[Entity]) -> Vec<u32> {
    use std::hash::{BuildHasher, Hash, Hasher};
    let same = |a: &Entity, b: &Entity| {
        a.schema == b.schema
            && a.names.len() == b.names.len()
            && a.names
                .iter()
                .zip(&b.names)
                .all(|(x, y)| x.kind == y.kind && x.full == y.full)
    };
    let state = foldhash::fast::FixedState::default();
    // Entities in order of the hash of their names, then of index: each run
    // of equal hashes is split by comparing the names, every entity joining
    // the first earlier one it equals. Runs are short; a hash collision
    // costs one comparison.
    let mut order: Vec<(u64, u32)> = entities
        .par_iter()
        .enumerate()
        .map(|(i, e)| {
            let mut h = state.build_hasher();
            e.schema.hash(&mut h);
            for n in &e.names {
                n.full.hash(&mut h);
                n.kind.hash(&mut h);
            }
            (h.finish(), i as u32)
        })
        .collect();
    order.par_sort_unstable();
    let mut group: Vec<u32> = (0..entities.len() as u32).collect();
    for run in order
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
    {
        let mut firsts: Vec<u32> = Vec::new();
        for &(_, i) in run {
            let e = &entities[i as usize];
            match firsts.iter().find(|&&f| same(&entities[f as usize], e)) {
                Some(&f) => group[i as usize] = f,
                None => firsts.push(i),
            }
        }
    }
    group
}

fn to_match(e: &Entity, ex: MatchExplanation) -> PartyMatch {
    PartyMatch {
        entity_id: e.id.clone(),
        caption: e.caption().to_string(),
        source: e.source.clone(),
        schema: e.schema,
        score: ex.score,
        is_match: ex.score >= DEFAULT_THRESHOLD,
        explanation: ex.lines(),
        matched_name: ex.matched_name.clone(),
        details: Some(ex),
    }
}

/// Measurement helpers for `kordon bench screen` and the criterion bench.
pub mod bench {
    use super::*;
    use std::time::{Duration, Instant};

    /// A screener's build and the timing of its queries.
    #[derive(Debug, Clone, Serialize)]
    pub struct ScreenBench {
        pub entities: usize,
        /// Different sets of names among them (see
        /// [`PartyScreener::distinct_name_sets`]).
        pub name_sets: usize,
        pub build_seconds: f64,
        #[serde(flatten)]
        pub timing: QueryTiming,
        pub index_terms: usize,
        pub index_bytes: usize,
    }

    /// Latency percentiles and throughput of screening some queries. With
    /// several rounds, each figure is the median of the rounds' figures, and
    /// `rounds` holds them all: on a shared machine a p99 moves from run to
    /// run, and one round alone cannot say by how much.
    #[derive(Debug, Clone, Serialize)]
    pub struct QueryTiming {
        pub queries: usize,
        pub p50_micros: f64,
        pub p99_micros: f64,
        /// Screens per second over the whole batch on all cores.
        pub parallel_screens_per_second: f64,
        pub threads: usize,
        /// Queries with at least one hit at the default threshold.
        pub with_hits: usize,
        pub rounds: Vec<RoundTiming>,
    }

    /// One round of [`time_queries`]: every query once on one thread, then
    /// all of them across all cores.
    #[derive(Debug, Clone, Copy, Serialize)]
    pub struct RoundTiming {
        pub p50_micros: f64,
        pub p99_micros: f64,
        pub parallel_screens_per_second: f64,
    }

    /// Time `queries` against `screener` in `rounds` rounds (at least one),
    /// each one by one on one thread (latency percentiles), then all at once
    /// across all cores (throughput).
    pub fn time_queries(
        screener: &PartyScreener,
        queries: &[PartyQuery],
        rounds: usize,
    ) -> QueryTiming {
        let opts = ScreenOptions::default();
        let mut with_hits = 0;
        let mut all = Vec::with_capacity(rounds.max(1));
        for _ in 0..rounds.max(1) {
            with_hits = 0;
            let mut lat: Vec<Duration> = queries
                .iter()
                .map(|q| {
                    let t = Instant::now();
                    let hits = std::hint::black_box(screener.screen(q, &opts));
                    let elapsed = t.elapsed();
                    with_hits += usize::from(!hits.is_empty());
                    elapsed
                })
                .collect();
            lat.sort();
            let pct = |p: f64| -> f64 {
                if lat.is_empty() {
                    return 0.0;
                }
                let i = ((lat.len() as f64 - 1.0) * p).round() as usize;
                lat[i].as_secs_f64() * 1e6
            };
            let t = Instant::now();
            queries.par_iter().for_each(|q| {
                std::hint::black_box(screener.screen(q, &opts));
            });
            let secs = t.elapsed().as_secs_f64().max(1e-9);
            all.push(RoundTiming {
                p50_micros: pct(0.5),
                p99_micros: pct(0.99),
                parallel_screens_per_second: queries.len() as f64 / secs,
            });
        }
        let median = |f: fn(&RoundTiming) -> f64| -> f64 {
            let mut v: Vec<f64> = all.iter().map(f).collect();
            v.sort_by(f64::total_cmp);
            let mid = v.len() / 2;
            if v.len() % 2 == 1 {
                v[mid]
            } else {
                (v[mid - 1] + v[mid]) / 2.0
            }
        };
        QueryTiming {
            queries: queries.len(),
            p50_micros: median(|r| r.p50_micros),
            p99_micros: median(|r| r.p99_micros),
            parallel_screens_per_second: median(|r| r.parallel_screens_per_second),
            threads: rayon::current_num_threads(),
            with_hits,
            rounds: all,
        }
    }

    /// Build a screener over `entities` and time `queries` in `rounds`
    /// rounds (see [`time_queries`]).
    pub fn run(
        entities: Vec<Entity>,
        queries: &[PartyQuery],
        rounds: usize,
    ) -> (PartyScreener, ScreenBench) {
        let n = entities.len();
        let t = Instant::now();
        let screener = PartyScreener::build(entities);
        let build_seconds = t.elapsed().as_secs_f64();
        let b = ScreenBench {
            entities: n,
            name_sets: screener.distinct_name_sets(),
            build_seconds,
            timing: time_queries(&screener, queries, rounds),
            index_terms: screener.index.term_count(),
            index_bytes: screener.index.heap_bytes(),
        };
        (screener, b)
    }

    /// Name-pair `compare()` calls per second over `pairs`, single-threaded
    /// and on all cores: (single, parallel).
    pub fn compare_throughput(pairs: &[(String, String, Schema)]) -> (f64, f64) {
        if pairs.is_empty() {
            return (0.0, 0.0);
        }
        let t = Instant::now();
        for (a, b, s) in pairs {
            std::hint::black_box(kordon_score::compare(a, b, *s));
        }
        let single = pairs.len() as f64 / t.elapsed().as_secs_f64().max(1e-9);
        let t = Instant::now();
        pairs.par_iter().for_each(|(a, b, s)| {
            std::hint::black_box(kordon_score::compare(a, b, *s));
        });
        let parallel = pairs.len() as f64 / t.elapsed().as_secs_f64().max(1e-9);
        (single, parallel)
    }

    /// `n` synthetic entities whose names recombine the words of `seed` names
    /// (so the vocabulary and name lengths are realistic), for scale runs.
    pub fn synthetic_entities(seed: &[Entity], n: usize) -> Vec<Entity> {
        let words: Vec<&str> = seed
            .iter()
            .flat_map(|e| e.names.iter())
            .flat_map(|nm| nm.full.split_whitespace())
            .collect();
        if words.is_empty() {
            return Vec::new();
        }
        // A fixed linear congruential sequence: reproducible without a rand dependency.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        (0..n)
            .map(|i| {
                let schema = if i % 3 == 0 {
                    Schema::Person
                } else {
                    Schema::Organization
                };
                let mut e = Entity::new("synthetic", &i.to_string(), schema);
                let len = 2 + next() % 3;
                let name: Vec<&str> = (0..len).map(|_| words[next() % words.len()]).collect();
                e.push_name(kordon_model::Name::new(
                    name.join(" "),
                    kordon_model::NameKind::Primary,
                ));
                e
            })
            .collect()
    }

    /// Queries for a bench: each entity's primary name with one letter dropped
    /// from its longest word, every `step`-th entity.
    pub fn typo_queries(entities: &[Entity], count: usize) -> Vec<PartyQuery> {
        typo_sources(entities.len(), count)
            .map(|i| typo_query(&entities[i]))
            .collect()
    }

    /// Which entities [`typo_queries`] draws its queries from, in order.
    pub fn typo_sources(entities: usize, count: usize) -> impl Iterator<Item = usize> {
        let step = (entities / count.max(1)).max(1);
        (0..entities).step_by(step).take(count)
    }

    fn typo_query(e: &Entity) -> PartyQuery {
        let name = e.caption();
        let mut words: Vec<String> = name.split_whitespace().map(str::to_string).collect();
        if let Some(w) = words.iter_mut().max_by_key(|w| w.chars().count()) {
            let chars: Vec<char> = w.chars().collect();
            if chars.len() > 4 {
                let mid = chars.len() / 2;
                *w = chars[..mid].iter().chain(&chars[mid + 1..]).collect();
            }
        }
        PartyQuery {
            name: words.join(" "),
            ..PartyQuery::default()
        }
    }

    /// How many typo'd queries find the party they were made from.
    #[derive(Debug, Clone, Copy, Default, Serialize)]
    pub struct SourceRecall {
        pub queries: usize,
        /// The source party is among the hits (default threshold and limit).
        pub found: usize,
        /// It is the first hit, or scores as high as the first: a party
        /// listed by several lists under the same names ties with itself.
        pub first: usize,
    }

    /// Screen `queries`, query `i` made from the screener's entity
    /// `sources[i]` (see [`typo_sources`]), and count how many find it.
    pub fn source_recall(
        screener: &PartyScreener,
        queries: &[PartyQuery],
        sources: &[usize],
    ) -> SourceRecall {
        let opts = ScreenOptions::default();
        let found: Vec<(bool, bool)> = queries
            .par_iter()
            .zip(sources)
            .map(|(q, &i)| {
                let e = &screener.entities[i];
                let hits = screener.screen(q, &opts);
                let at = hits
                    .iter()
                    .position(|m| m.entity_id == e.id && m.source == e.source);
                let first = at.is_some_and(|k| hits[k].score >= hits[0].score);
                (at.is_some(), first)
            })
            .collect();
        SourceRecall {
            queries: queries.len(),
            found: found.iter().filter(|f| f.0).count(),
            first: found.iter().filter(|f| f.1).count(),
        }
    }
}
