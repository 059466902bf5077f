//! Scoring a screening query against a listed party, with an explanation.
//!
//! The score combines the best name comparison over every name of both sides
//! ([`names`]) with structured evidence: schema compatibility (a person never
//! matches a vessel), identifiers (an exact match is decisive), date of birth
//! or incorporation, and country. It is calibrated so that
//! [`DEFAULT_THRESHOLD`] separates matches from non-matches on the labelled
//! pair files under `shared/data/pairs` (see [`eval`]).
//!
//! Score rules, in order:
//! 1. Incompatible schemas: 0.
//! 2. Name score = best variant-pair score; a match found only through a weak
//!    alias is capped below the threshold unless a date, country or identifier
//!    agrees.
//! 3. Identifier equal (normalised, at least 4 characters): at least 0.95.
//! 4. Birth/incorporation date overlapping: +0.05; all given dates more than
//!    one year apart: −0.15. Country shared: +0.03; all countries differ: −0.05.
//!
//! Screening asks only for scores that reach a threshold
//! ([`score_entity_at_least`]): upper bounds of each name comparison (module
//! `bound`) let it skip parties and name variants that cannot reach it,
//! without changing any score it returns. [`warm_up`] fetches a set of
//! candidates' names from memory side by side before they are scored, and
//! [`score_entity_sharing`] compares a query once with names that several
//! candidates list alike, and bounds it once against each token that
//! several candidates list ([`number_tokens`]).

mod bound;
pub mod eval;
pub mod names;

pub use names::{
    best_variant_pair, compare_analyzed, explain_variant_pair, token_similarity, NameComparison,
    TokenPair, TokenTable, TokenWeights, UniformWeights,
};

use kordon_model::{normalize_identifier, Entity, NameKind, PartialDate, Schema};
use kordon_text::{analyze_name, AnalyzedName};
use serde::{Deserialize, Serialize};

/// Scores at or above this are matches. Chosen on the shared labelled pair
/// files as the single value that keeps recall high on every file (see the
/// accuracy test in `tests/accuracy.rs`).
pub const DEFAULT_THRESHOLD: f64 = 0.72;

/// One piece of evidence and what it did to the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureContribution {
    /// "name", "schema", "identifier", "birth_date", "country", "weak_alias".
    pub feature: String,
    /// Signed change to the score (for "name": the name score itself).
    pub delta: f64,
    pub detail: String,
}

/// Why a query scored what it did against one party.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchExplanation {
    pub score: f64,
    pub name_score: f64,
    /// The query name that matched best, as given.
    pub query_name: String,
    /// The party's name that matched best, as the list writes it.
    pub matched_name: String,
    pub matched_kind: Option<NameKind>,
    /// ISO 15924 script of the matched list name and of the query name.
    pub matched_script: String,
    pub query_script: String,
    pub name: NameComparison,
    pub features: Vec<FeatureContribution>,
}

impl MatchExplanation {
    /// Human-readable lines.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        let n = &self.name;
        let kind = self
            .matched_kind
            .map(|k| format!("{k:?}"))
            .unwrap_or_else(|| "name".into());
        let via = if n.candidate_transliterated || n.query_transliterated {
            format!(
                " (cross-script: query {} as \"{}\", list {} as \"{}\", scheme {})",
                self.query_script,
                n.query_variant,
                self.matched_script,
                n.candidate_variant,
                n.candidate_scheme
            )
        } else {
            String::new()
        };
        out.push(format!(
            "name {:.3}: query \"{}\" ~ {} \"{}\"{}",
            self.name_score, self.query_name, kind, self.matched_name, via
        ));
        if !n.pairs.is_empty() {
            let pairs: Vec<String> = n
                .pairs
                .iter()
                .map(|p| {
                    format!(
                        "{}={} ({} {:.2})",
                        p.query, p.candidate, p.how, p.similarity
                    )
                })
                .collect();
            out.push(format!("  tokens: {}", pairs.join(", ")));
        }
        if !n.unmatched_query.is_empty() || !n.unmatched_candidate.is_empty() {
            out.push(format!(
                "  unmatched: query [{}], list [{}]",
                n.unmatched_query.join(" "),
                n.unmatched_candidate.join(" ")
            ));
        }
        for f in &self.features {
            if f.feature != "name" {
                out.push(format!("{} {:+.3}: {}", f.feature, f.delta, f.detail));
            }
        }
        out.push(format!("score {:.3}", self.score));
        out
    }
}

/// A listed party prepared for scoring: names analysed once.
#[derive(Debug, Clone)]
pub struct PreparedEntity {
    pub schema: Schema,
    pub names: Vec<(AnalyzedName, NameKind)>,
    pub countries: Vec<String>,
    pub dates: Vec<PartialDate>,
    /// Normalised identifier values of at least 4 characters.
    pub identifiers: Vec<String>,
    /// The distinct tokens of `names` and their weights.
    tokens: TokenTable,
    /// Ids of tokens inside a run of words spelling one concept (for bounds).
    concept_tokens: Box<[u32]>,
    /// Whether a name is in a script compared on consonant skeletons across
    /// scripts: unless the query is, the party's names are then all read
    /// strictly, and bounds need not ask name by name.
    vowelless_names: bool,
}

/// The names of a party analysed for indexing and scoring, empty ones dropped.
pub fn analyze_names(e: &Entity) -> Vec<(AnalyzedName, NameKind)> {
    e.names
        .iter()
        .map(|n| {
            let mut a = analyze_name(&n.full, e.schema);
            // Only the variants are compared; a million parties need not keep
            // a second copy of every normalised name.
            a.normalized = String::new();
            a.variants.shrink_to_fit();
            (a, n.kind)
        })
        .filter(|(a, _)| !a.is_empty())
        .collect()
}

impl PreparedEntity {
    /// A party prepared without corpus statistics: every word weighs the same.
    pub fn new(e: &Entity) -> PreparedEntity {
        PreparedEntity::with_names(e, analyze_names(e), &UniformWeights)
    }

    /// A party whose names are already analysed ([`analyze_names`]), with
    /// word weights from `w` (the candidate index's word frequencies).
    /// [`score_entity`] must then be called with the same `w`.
    pub fn with_names(
        e: &Entity,
        names: Vec<(AnalyzedName, NameKind)>,
        w: &dyn TokenWeights,
    ) -> PreparedEntity {
        let mut identifiers: Vec<String> = e
            .identifiers
            .iter()
            .map(|i| i.normalized_value())
            .chain(e.vessel.call_sign.iter().map(|c| normalize_identifier(c)))
            .filter(|v| v.len() >= 4)
            .collect();
        identifiers.sort();
        identifiers.dedup();
        PreparedEntity {
            countries: e.country_codes().into_iter().map(str::to_string).collect(),
            dates: e.birth_dates().cloned().collect(),
            identifiers,
            ..PreparedEntity::of_names(e.schema, names, w)
        }
    }

    /// A party of `schema` known by `names` alone, with word weights from `w`.
    fn of_names(
        schema: Schema,
        names: Vec<(AnalyzedName, NameKind)>,
        w: &dyn TokenWeights,
    ) -> PreparedEntity {
        let tokens = TokenTable::new(names.iter().map(|(n, _)| n), w);
        PreparedEntity {
            schema,
            concept_tokens: bound::party_concept_tokens(&names, &tokens),
            vowelless_names: names
                .iter()
                .any(|(n, _)| crate::names::skeletons_across(n.script)),
            tokens,
            names,
            countries: Vec::new(),
            dates: Vec::new(),
            identifiers: Vec::new(),
        }
    }
}

/// Number the distinct tokens of all `parties` together: a token listed by
/// many parties ("trading", "mohammad") gets one number, by which a query
/// works out its bounds against that token once however many of its
/// candidates list it ([`score_entity_sharing`]). Scores do not change.
/// Returns what the bounds read of each numbered token's letters, which
/// queries then share through [`SharedNames::new`].
pub fn number_tokens(parties: &mut [PreparedEntity]) -> NumberedTokens {
    let mut seen: std::collections::HashMap<&kordon_text::Token, u32, foldhash::fast::FixedState> =
        Default::default();
    let mut letters = Vec::new();
    let numbers: Vec<Box<[u32]>> = parties
        .iter()
        .map(|e| {
            e.tokens
                .tokens(|n| &e.names[n].0)
                .into_iter()
                .map(|t| {
                    let next = seen.len() as u32;
                    *seen.entry(t).or_insert_with(|| {
                        letters.push(bound::Spellings::of(t));
                        next
                    })
                })
                .collect()
        })
        .collect();
    drop(seen);
    for (e, numbers) in parties.iter_mut().zip(numbers) {
        e.tokens.set_numbers(numbers);
    }
    NumberedTokens {
        letters: letters.into_boxed_slice(),
    }
}

/// The letters of every token numbered by [`number_tokens`], by number:
/// counted once when the parties are prepared rather than by every query
/// that bounds a candidate listing the token.
#[derive(Debug, Default)]
pub struct NumberedTokens {
    letters: Box<[bound::Spellings]>,
}

/// Read what scoring reads of `parties` ahead of scoring them, in passes
/// over all of them: level by level, the reads of different parties do not
/// wait on each other, so their scattered allocations arrive together
/// instead of one after another as each party is scored.
pub fn warm_up(parties: &[&PreparedEntity]) {
    // What is read is folded into one value, so that no read is optimised away.
    let mut sum = 0usize;
    for e in parties {
        sum ^= e.names.len() ^ e.tokens.distinct();
    }
    for e in parties {
        sum ^= e.tokens.touch();
        for (name, _) in &e.names {
            sum ^= name.variants.len();
        }
    }
    for e in parties {
        for (name, _) in &e.names {
            for v in &name.variants {
                sum ^= v.tokens.len();
            }
        }
    }
    for e in parties {
        for (name, _) in &e.names {
            for v in &name.variants {
                for t in &v.tokens {
                    sum ^= t.text.len() ^ t.class as usize;
                }
            }
        }
    }
    std::hint::black_box(sum);
}

/// A query prepared for scoring.
#[derive(Debug, Clone)]
pub struct PreparedQuery {
    pub name: String,
    pub analyzed: AnalyzedName,
    pub schema: Option<Schema>,
    /// ISO alpha-2 codes.
    pub countries: Vec<String>,
    pub birth_date: Option<PartialDate>,
    pub identifiers: Vec<String>,
    /// The distinct tokens of the analysed name and their weights: uniform
    /// from [`Self::new`], corpus weights after [`Self::weigh`].
    tokens: TokenTable,
    /// What bounds need to know of the name, found once.
    outline: bound::QueryOutline,
    /// Per variant, its tokens' weights, from `tokens`.
    variant_weights: Vec<names::TokenNumbers>,
}

impl PreparedQuery {
    /// Look the query's token weights up in `w`; [`score_entity`] must then
    /// be called with the same `w`.
    pub fn weigh(&mut self, w: &dyn TokenWeights) {
        self.tokens.weigh(|_| &self.analyzed, w);
        self.variant_weights = self.tokens.variant_weights();
    }

    pub fn new(
        name: &str,
        schema: Option<Schema>,
        countries: &[String],
        birth_date: Option<PartialDate>,
        identifiers: &[String],
    ) -> PreparedQuery {
        let analyzed = analyze_name(name, schema.unwrap_or(Schema::Unknown));
        // Token ids do not depend on weights: `weigh` keeps the outline valid.
        let tokens = TokenTable::new(std::iter::once(&analyzed), &UniformWeights);
        PreparedQuery {
            name: name.to_string(),
            outline: bound::QueryOutline::new(&analyzed, &tokens),
            variant_weights: tokens.variant_weights(),
            tokens,
            analyzed,
            schema,
            countries: countries
                .iter()
                .filter_map(|c| kordon_model::country_code(c).map(str::to_string))
                .collect(),
            birth_date,
            identifiers: identifiers
                .iter()
                .map(|i| normalize_identifier(i))
                .filter(|v| v.len() >= 4)
                .collect(),
        }
    }
}

/// The best name so far: its score, its index, and its winning (query,
/// candidate) variant pair.
type BestName = (f64, usize, Option<(usize, usize)>);

/// Score a prepared query against a prepared party, with the explanation.
/// `q` and `e` must have been weighed with `w` (see [`PreparedEntity::with_names`]).
pub fn score_entity(
    q: &PreparedQuery,
    e: &PreparedEntity,
    w: &dyn TokenWeights,
) -> MatchExplanation {
    score_entity_at_least(q, e, w, f64::NEG_INFINITY).expect("every score is at least -inf")
}

/// [`score_entity`], but `None` when the score is below `min`: the
/// explanation, the costly part for a party that does not match, is built
/// only for a score that reaches `min`.
pub fn score_entity_at_least(
    q: &PreparedQuery,
    e: &PreparedEntity,
    w: &dyn TokenWeights,
    min: f64,
) -> Option<MatchExplanation> {
    score_entity_sharing(q, e, w, min, None)
}

/// Name comparisons of one query, kept for parties that list the same names
/// (one entity on several lists, or a list and its snapshot): each such set
/// of names is compared with the query once.
#[derive(Debug, Default)]
pub struct SharedNames<'a> {
    /// The caller's key of a set of names, the least name score that was
    /// asked of it (bits), and what the comparison found.
    known: smallvec::SmallVec<[(u32, u64, NameOutcome); 8]>,
    /// Bounds of the query's tokens against numbered party tokens.
    pairs: bound::TokenPairBounds<'a>,
}

impl<'a> SharedNames<'a> {
    /// Comparisons of one query with parties numbered together as `tokens`
    /// says ([`number_tokens`]).
    pub fn new(tokens: &'a NumberedTokens) -> SharedNames<'a> {
        SharedNames {
            known: Default::default(),
            pairs: bound::TokenPairBounds::new(&tokens.letters),
        }
    }
}

/// What comparing a query with a party's names found: nothing that can reach
/// the floor asked, or the best name.
#[derive(Debug, Clone, Copy)]
enum NameOutcome {
    Below,
    Best(Option<BestName>),
}

/// [`score_entity_at_least`], with `shared`: a key that the caller gives
/// every party with the same schema and the same names in the same order
/// (kinds included), and the comparisons of the current query so far. A
/// party whose names were compared before at the same floor reuses that
/// comparison; its own dates, countries and identifiers are still weighed.
/// The result equals [`score_entity_at_least`]'s.
pub fn score_entity_sharing(
    q: &PreparedQuery,
    e: &PreparedEntity,
    w: &dyn TokenWeights,
    min: f64,
    shared: Option<(u32, &mut SharedNames<'_>)>,
) -> Option<MatchExplanation> {
    let schema = q.schema.unwrap_or(Schema::Unknown);
    let effective = if schema == Schema::Unknown {
        e.schema
    } else {
        schema
    };
    // The least name score that can still give a score of `min`: the other
    // evidence adds at most this much, unless an identifier agrees.
    let name_floor = if q.identifiers.iter().any(|i| e.identifiers.contains(i)) {
        f64::NEG_INFINITY
    } else {
        let date = if q.birth_date.is_some() && !e.dates.is_empty() {
            0.05
        } else {
            0.0
        };
        let country = if !q.countries.is_empty() && !e.countries.is_empty() {
            0.03
        } else {
            0.0
        };
        min - date - country
    };
    let outcome = match shared {
        Some((key, memo)) => {
            let floor = name_floor.to_bits();
            match memo.known.iter().find(|k| k.0 == key && k.1 == floor) {
                Some(&(_, _, outcome)) => outcome,
                None => {
                    let outcome = best_name(q, e, w, effective, name_floor, Some(&mut memo.pairs));
                    memo.known.push((key, floor, outcome));
                    outcome
                }
            }
        }
        None => best_name(q, e, w, effective, name_floor, None),
    };
    let NameOutcome::Best(best) = outcome else {
        return None;
    };
    finish_score(q, e, w, schema, effective, best, min)
}

/// The best name of `e` for `q` (a strong name before a weak alias that
/// ties with it), or [`NameOutcome::Below`] when the bounds show that no
/// name reaches `name_floor`. Only scores are compared here; the
/// explanation is built for the winner alone.
fn best_name(
    q: &PreparedQuery,
    e: &PreparedEntity,
    w: &dyn TokenWeights,
    effective: Schema,
    name_floor: f64,
    pairs: Option<&mut bound::TokenPairBounds<'_>>,
) -> NameOutcome {
    let q_weights = &q.variant_weights;
    let bounds = bound::PartyBounds::new(q, q_weights, e, effective, pairs, name_floor);
    if bounds.best() < name_floor {
        return NameOutcome::Below;
    }
    let mut best: Option<BestName> = None;
    names::SimilarityCache::with(q.tokens.distinct(), e.tokens.distinct(), |cache| {
        // Names most likely to score high first, so that the best so far
        // rules out the rest without aligning them.
        let mut order: smallvec::SmallVec<[usize; 8]> = (0..e.names.len()).collect();
        order.sort_by(|&a, &b| bounds.name(b).total_cmp(&bounds.name(a)).then(a.cmp(&b)));
        for idx in order {
            let floor = best.map_or(name_floor, |(b, _, _)| b.max(name_floor));
            if bounds.name(idx) < floor {
                break;
            }
            let (an, kind) = &e.names[idx];
            let pair = names::best_variant_pair_cached(
                (&q.analyzed, q.tokens.name_ids(0)),
                q_weights,
                (an, e.tokens.name_ids(idx)),
                e.tokens.weights(),
                effective,
                w,
                cache,
                Some((bounds.pairs(idx), floor)),
            );
            let mut s = pair.map_or(0.0, |b| b.0);
            if kind.is_weak() {
                s *= 0.999;
            }
            // Ties go to the earlier name, whatever order names are tried in.
            if best.is_none_or(|(b, i, _)| s > b || (s == b && idx < i)) {
                best = Some((s, idx, pair.map(|(_, i, j)| (i, j))));
            }
        }
    });
    NameOutcome::Best(best)
}

/// The score of `e` from its best name and the other evidence, with its
/// explanation; `None` below `min`.
fn finish_score(
    q: &PreparedQuery,
    e: &PreparedEntity,
    w: &dyn TokenWeights,
    schema: Schema,
    effective: Schema,
    best: Option<BestName>,
    min: f64,
) -> Option<MatchExplanation> {
    let mut features = Vec::new();
    let idx = best.map_or(usize::MAX, |(_, idx, _)| idx);
    let name_score = best.map_or(0.0, |(s, _, _)| s);
    let matched_kind = e.names.get(idx).map(|(_, kind)| *kind);
    features.push(FeatureContribution {
        feature: "name".into(),
        delta: name_score,
        detail: format!("best of {} names", e.names.len()),
    });
    let mut score = name_score;
    let mut support = false;

    if !schema.compatible(e.schema) {
        features.push(FeatureContribution {
            feature: "schema".into(),
            delta: -score,
            detail: format!("query is {schema}, party is {}", e.schema),
        });
        score = 0.0;
    } else {
        if let Some(id) = q.identifiers.iter().find(|i| e.identifiers.contains(i)) {
            let before = score;
            score = score.max(0.95);
            support = true;
            features.push(FeatureContribution {
                feature: "identifier".into(),
                delta: score - before,
                detail: format!("identifier {id} equal"),
            });
        }
        if let Some(qd) = &q.birth_date {
            if !e.dates.is_empty() {
                if e.dates.iter().any(|d| d.overlaps(qd)) {
                    score += 0.05;
                    support = true;
                    features.push(FeatureContribution {
                        feature: "birth_date".into(),
                        delta: 0.05,
                        detail: format!("{qd:?} agrees"),
                    });
                } else if e.dates.iter().all(|d| d.year_distance(qd) > 1) {
                    score -= 0.15;
                    features.push(FeatureContribution {
                        feature: "birth_date".into(),
                        delta: -0.15,
                        detail: "all dates differ by more than a year".into(),
                    });
                }
            }
        }
        if !q.countries.is_empty() && !e.countries.is_empty() {
            if q.countries.iter().any(|c| e.countries.contains(c)) {
                score += 0.03;
                support = true;
                features.push(FeatureContribution {
                    feature: "country".into(),
                    delta: 0.03,
                    detail: "country shared".into(),
                });
            } else {
                score -= 0.05;
                features.push(FeatureContribution {
                    feature: "country".into(),
                    delta: -0.05,
                    detail: format!("query {:?}, party {:?}", q.countries, e.countries),
                });
            }
        }
        if matched_kind.is_some_and(|k| k.is_weak()) && !support && score >= DEFAULT_THRESHOLD {
            let capped = DEFAULT_THRESHOLD - 0.05;
            features.push(FeatureContribution {
                feature: "weak_alias".into(),
                delta: capped - score,
                detail: "matched only a weak alias, without supporting data".into(),
            });
            score = capped;
        }
    }
    let score = score.clamp(0.0, 1.0);
    if score < min {
        return None;
    }
    let name = match best {
        Some((s, idx, pair)) => {
            let mut cmp = explain_variant_pair(&q.analyzed, &e.names[idx].0, pair, effective, w);
            // The alignment shown scored more than the name was allowed:
            // say which name-level rule held it down.
            let weak = if e.names[idx].1.is_weak() { 0.999 } else { 1.0 };
            if cmp.score * weak > s + 1e-9 {
                let cut = |seg: kordon_text::SegmentKind| seg == kordon_text::SegmentKind::Short;
                let why = if cut(cmp.query_segment) || cut(cmp.candidate_segment) {
                    "both names carry qualifiers and this pair drops one"
                } else {
                    "the names differ in their own script's letters"
                };
                // The name's own line shows what the alignment gave; this one
                // what the rule took away, so the deltas still add up.
                features[0].delta = cmp.score * weak;
                features.insert(
                    1,
                    FeatureContribution {
                        feature: "name_rule".into(),
                        delta: s - cmp.score * weak,
                        detail: why.into(),
                    },
                );
            }
            cmp.score = s;
            cmp
        }
        None => compare_analyzed(&q.analyzed, &AnalyzedName::default_empty(), effective, w),
    };
    let (matched_name, matched_script) = match e.names.get(idx) {
        Some((an, _)) => (an.original.clone(), an.script.to_string()),
        None => (String::new(), String::new()),
    };
    Some(MatchExplanation {
        score,
        name_score,
        query_name: q.name.clone(),
        matched_name,
        matched_kind,
        matched_script,
        query_script: q.analyzed.script.to_string(),
        name,
        features,
    })
}

/// Compare two bare names under a schema: the API behind `kordon compare` and
/// the pair evaluation.
pub fn compare(a: &str, b: &str, schema: Schema) -> (f64, MatchExplanation) {
    let q = PreparedQuery::new(a, Some(schema), &[], None, &[]);
    // Both sides carry uniform weights.
    let name = analyze_name(b, schema);
    let e = PreparedEntity::of_names(schema, vec![(name, NameKind::Primary)], &UniformWeights);
    let ex = score_entity(&q, &e, &UniformWeights);
    (ex.score, ex)
}

trait EmptyName {
    fn default_empty() -> Self;
}

impl EmptyName for AnalyzedName {
    fn default_empty() -> Self {
        AnalyzedName {
            original: String::new(),
            normalized: String::new(),
            script: "Zyyy",
            variants: Vec::new(),
        }
    }
}
