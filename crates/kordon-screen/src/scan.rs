//! Free-text screening: find mentions of listed parties, HS codes and vessel
//! IMO numbers in documents (letters of credit, bills of lading, SWIFT
//! free-text fields, news articles).
//!
//! Every name of every entity, in its own script and in its Latin forms, is
//! folded ([`fold`]) and loaded once into one Aho-Corasick automaton; person
//! names also in "given family" and "family given" order and without middle
//! names, organisation names also without their legal form ("JSC IEMZ KUPOL" →
//! "IEMZ KUPOL"). A document is folded the same way (case, diacritics, script,
//! punctuation and line breaks inside names no longer matter) and searched in
//! one pass; patterns are padded with spaces so only whole words match.
//!
//! A hit in the automaton is only a candidate. Name forms that are too short or
//! made only of common words (`data/scan-common-words.txt`, kordon-text's
//! stopwords and legal forms) are not indexed; weak aliases need two
//! distinctive words; one-word forms are kept only for organisations, must not
//! be a country name and must be capitalised in the text. Each candidate is
//! scored against its entity with [`PartyScreener::score_entity`] and only
//! those at or above the threshold are reported. Spans are byte and char
//! offsets into the original text.

pub mod bench;
pub(crate) mod fold;
pub use fold::FoldedText;

use crate::goods::{GoodsHit, GoodsScreener, HsCode};
use crate::party::{PartyQuery, PartyScreener, ScreenOptions};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use kordon_model::{Entity, IdentifierKind, NameKind, Schema};
use kordon_text::lexicon::{lexicon, Lexicon};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

const COMMON_WORDS: &str = include_str!("../data/scan-common-words.txt");
const AMOUNT_MARKERS: &str = include_str!("../data/scan-amount-markers.txt");

/// Knobs for candidate generation and verification.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanOptions {
    /// Minimum score from the party scorer for a mention to be reported.
    pub threshold: f64,
    /// A name form needs at least this many letters and digits to be indexed.
    pub min_letters: usize,
    /// A one-word name needs at least this many to be indexed.
    pub min_single_word_letters: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            threshold: ScreenOptions::default().threshold,
            min_letters: 4,
            min_single_word_letters: 5,
        }
    }
}

/// A stretch of the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub byte_start: usize,
    pub byte_end: usize,
    pub char_start: usize,
    pub char_end: usize,
}

/// A listed party named in the text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartyMention {
    pub span: Span,
    /// The text at the span, exactly as written.
    pub text: String,
    pub entity_id: String,
    pub caption: String,
    /// The list (dataset key) the entity comes from.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    pub programs: Vec<String>,
    pub schema: Schema,
    pub score: f64,
    /// The list's name the scorer matched best.
    pub matched_name: String,
    /// The folded name form the text matched in the index.
    pub indexed_form: String,
    pub explanation: Vec<String>,
}

/// An HS code named in the text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HsMention {
    pub span: Span,
    pub text: String,
    /// The keyword that introduced it ("HS code", "tariff"), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    pub goods: GoodsHit,
}

/// A vessel IMO number (check digit valid) named in the text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImoMention {
    pub span: Span,
    pub text: String,
    /// The seven digits.
    pub imo: String,
    /// Listed entities that carry this IMO number.
    pub entity_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScanReport {
    pub parties: Vec<PartyMention>,
    pub hs_codes: Vec<HsMention>,
    pub imo_numbers: Vec<ImoMention>,
}

impl ScanReport {
    pub fn is_empty(&self) -> bool {
        self.parties.is_empty() && self.hs_codes.is_empty() && self.imo_numbers.is_empty()
    }
}

/// Counts describing the built index.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IndexStats {
    pub entities: usize,
    pub names: usize,
    pub patterns: usize,
    /// Name forms left out as too short, common or weak.
    pub rejected_forms: usize,
    pub imo_numbers: usize,
}

struct PatternTargets {
    /// Entity indexes into the screener's entity slice.
    entities: Vec<u32>,
    single_word: bool,
}

/// Linguistic word sets: the scan's own data files plus kordon_text's lexicon
/// (legal forms, stopwords).
struct WordSets {
    common: HashSet<String>,
    amount_markers: HashSet<String>,
    lexicon: &'static Lexicon,
}

fn data_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

impl WordSets {
    fn load() -> WordSets {
        let common = data_lines(COMMON_WORDS)
            .flat_map(str::split_whitespace)
            .map(str::to_lowercase)
            .collect();
        let amount_markers = data_lines(AMOUNT_MARKERS).map(str::to_lowercase).collect();
        WordSets {
            common,
            amount_markers,
            lexicon: lexicon(),
        }
    }

    fn is_legal_form(&self, words: &[&str]) -> bool {
        self.lexicon.legal_form(&words.concat()).is_some()
    }

    fn is_weak_word(&self, w: &str) -> bool {
        self.common.contains(w)
            || self.lexicon.stopwords.contains_key(w)
            || self.is_legal_form(&[w])
            || w.bytes().all(|b| b.is_ascii_digit())
    }

    /// Drop legal forms (also multi-word ones: "joint stock company") from both
    /// ends of a folded word list.
    fn strip_legal_forms<'w>(&self, mut words: &'w [&'w str]) -> &'w [&'w str] {
        let longest = self.lexicon.legal_form_max_tokens.max(1);
        loop {
            let before = words.len();
            if let Some(n) = (1..=longest.min(words.len().saturating_sub(1)))
                .rev()
                .find(|&n| self.is_legal_form(&words[..n]))
            {
                words = &words[n..];
            }
            if let Some(n) = (1..=longest.min(words.len().saturating_sub(1)))
                .rev()
                .find(|&n| self.is_legal_form(&words[words.len() - n..]))
            {
                words = &words[..words.len() - n];
            }
            if words.len() == before {
                return words;
            }
        }
    }
}

/// Finds listed parties, HS codes and IMO numbers in text. Build once, scan many.
pub struct Scanner<'s> {
    screener: &'s PartyScreener,
    options: ScanOptions,
    automaton: AhoCorasick,
    /// Folded pattern text (padded) per pattern id.
    forms: Vec<String>,
    targets: Vec<PatternTargets>,
    imo_index: HashMap<String, Vec<u32>>,
    goods: GoodsScreener,
    words: WordSets,
    stats: IndexStats,
    hs_keyword_re: Regex,
    hs_dotted_re: Regex,
    imo_re: Regex,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanBuildError {
    #[error("cannot build the name automaton: {0}")]
    Automaton(String),
}

impl<'s> Scanner<'s> {
    /// Index every name of every entity the screener holds.
    pub fn build(screener: &'s PartyScreener) -> Result<Scanner<'s>, ScanBuildError> {
        Scanner::build_with(screener, ScanOptions::default())
    }

    pub fn build_with(
        screener: &'s PartyScreener,
        options: ScanOptions,
    ) -> Result<Scanner<'s>, ScanBuildError> {
        let words = WordSets::load();
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut forms: Vec<String> = Vec::new();
        let mut targets: Vec<PatternTargets> = Vec::new();
        let mut imo_index: HashMap<String, Vec<u32>> = HashMap::new();
        let mut stats = IndexStats {
            entities: screener.entities().len(),
            ..IndexStats::default()
        };
        let mut entity_forms: Vec<(String, bool)> = Vec::new();
        for (ei, entity) in screener.entities().iter().enumerate() {
            let ei = ei as u32;
            entity_forms.clear();
            for name in &entity.names {
                stats.names += 1;
                for form in name_forms(entity, &name.full, &words) {
                    match accept_form(&form, name.kind, entity.schema, &words, &options) {
                        Some(single_word) => entity_forms.push((form, single_word)),
                        None => stats.rejected_forms += 1,
                    }
                }
            }
            entity_forms.sort();
            entity_forms.dedup();
            for (form, single_word) in &entity_forms {
                let pid = *ids.entry(form.clone()).or_insert_with(|| {
                    forms.push(form.clone());
                    targets.push(PatternTargets {
                        entities: Vec::new(),
                        single_word: *single_word,
                    });
                    (forms.len() - 1) as u32
                });
                let t = &mut targets[pid as usize];
                if t.entities.last() != Some(&ei) {
                    t.entities.push(ei);
                }
            }
            for id in entity
                .identifiers
                .iter()
                .filter(|i| i.kind == IdentifierKind::Imo)
            {
                let digits: String = id.value.chars().filter(char::is_ascii_digit).collect();
                if digits.len() == 7 {
                    let v = imo_index.entry(digits).or_default();
                    if v.last() != Some(&ei) {
                        v.push(ei);
                    }
                }
            }
        }
        stats.patterns = forms.len();
        stats.imo_numbers = imo_index.len();
        // A DFA over ~10^5 names would take gigabytes; the contiguous NFA is
        // compact, and dense transitions near the root (where every word of
        // the text starts) keep it fast.
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .dense_depth(3)
            .build(&forms)
            .map_err(|e| ScanBuildError::Automaton(e.to_string()))?;
        Ok(Scanner {
            screener,
            options,
            automaton,
            forms,
            targets,
            imo_index,
            goods: GoodsScreener::default(),
            words,
            stats,
            hs_keyword_re: Regex::new(
                r"(?i)\b(hs|hts|htsus|tariff|taric|cn|commodity|customs)(?:\s+(?:code|codes|no\.?|number|heading|subheading|item|line|classification))?\s*[:#]?\s*(\d{4}(?:[. ]?\d{2}){1,3})\b",
            )
            .expect("HS keyword pattern is valid"),
            hs_dotted_re: Regex::new(r"\b\d{4}\.\d{2}(?:\.\d{2}(?:\.?\d{2})?)?\b").expect("HS dotted pattern is valid"),
            imo_re: Regex::new(r"(?i)\bIMO\b(?:\s*(?:no\.?|nr\.?|number|#|:))*\s*(\d{7})\b").expect("IMO pattern is valid"),
        })
    }

    /// Use these goods lists to describe HS codes found (default: CHPL).
    pub fn with_goods(mut self, goods: GoodsScreener) -> Self {
        self.goods = goods;
        self
    }

    pub fn stats(&self) -> &IndexStats {
        &self.stats
    }

    /// Every mention in `text`.
    pub fn scan(&self, text: &str) -> ScanReport {
        let mut folded = FoldedText::default();
        self.scan_with(text, &mut folded)
    }

    /// As [`Scanner::scan`], reusing `buffer` between calls to avoid allocation.
    pub fn scan_with(&self, text: &str, buffer: &mut FoldedText) -> ScanReport {
        let mut report = ScanReport {
            parties: self.scan_parties(text, buffer),
            hs_codes: self.scan_hs_codes(text),
            imo_numbers: self.scan_imo_numbers(text),
        };
        fill_char_offsets(text, &mut report);
        report
    }

    fn scan_parties(&self, text: &str, buffer: &mut FoldedText) -> Vec<PartyMention> {
        buffer.fold_into(text);
        let folded = &buffer.folded;
        let origin = &buffer.origin;
        // (entity, byte start, byte end, pattern)
        let mut candidates: Vec<(u32, usize, usize, usize)> = Vec::new();
        for m in self.automaton.find_overlapping_iter(folded.as_str()) {
            let pid = m.pattern().as_usize();
            // The pattern is padded with one space on each side.
            let (s, e) = (m.start() + 1, m.end() - 1);
            if s >= e {
                continue;
            }
            let start = origin[s] as usize;
            let last = origin[e - 1] as usize;
            let end = last + text[last..].chars().next().map_or(0, char::len_utf8);
            let target = &self.targets[pid];
            if target.single_word
                && !text[start..end]
                    .chars()
                    .next()
                    .is_some_and(char::is_uppercase)
            {
                continue;
            }
            candidates.extend(target.entities.iter().map(|&ei| (ei, start, end, pid)));
        }
        // Longest spans first: words inside an accepted mention belong to that
        // name ("Kupol" inside "IEMZ Kupol", "Bank X" inside "Bank X Trading
        // LLC") and are not scored on their own. The same span may name
        // several entities (one party on several lists); each is scored.
        candidates.sort_by(|a, b| {
            (b.2 - b.1)
                .cmp(&(a.2 - a.1))
                .then(a.1.cmp(&b.1))
                .then(a.0.cmp(&b.0))
        });
        candidates.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1 && a.2 == b.2);
        let mut out: Vec<PartyMention> = Vec::new();
        let mut scored: HashMap<(u32, String), Option<usize>> = HashMap::new();
        for (ei, start, end, pid) in candidates {
            let inside_accepted = out.iter().any(|m| {
                let span = &m.span;
                span.byte_start <= start
                    && end <= span.byte_end
                    && (span.byte_start, span.byte_end) != (start, end)
            });
            if inside_accepted {
                continue;
            }
            let Some(entity) = self.screener.entities().get(ei as usize) else {
                continue;
            };
            let original = &text[start..end];
            let query_name = original.split_whitespace().collect::<Vec<_>>().join(" ");
            let form = self.forms[pid].trim();
            // The same words seen again for the same entity score the same.
            if let Some(prev) = scored.get(&(ei, query_name.clone())) {
                if let Some(i) = *prev {
                    let mut m = out[i].clone();
                    m.span = Span {
                        byte_start: start,
                        byte_end: end,
                        char_start: 0,
                        char_end: 0,
                    };
                    m.text = original.to_string();
                    out.push(m);
                }
                continue;
            }
            let mut best = self.screener.score_entity(
                &PartyQuery {
                    name: query_name.clone(),
                    ..PartyQuery::default()
                },
                entity,
            );
            if !query_name.is_ascii() {
                // The scorer may not read every script; the folded Latin form is the same name.
                let latin = self.screener.score_entity(
                    &PartyQuery {
                        name: form.to_string(),
                        ..PartyQuery::default()
                    },
                    entity,
                );
                if latin.score > best.score {
                    best = latin;
                }
            }
            if best.score < self.options.threshold {
                scored.insert((ei, query_name), None);
                continue;
            }
            scored.insert((ei, query_name), Some(out.len()));
            out.push(PartyMention {
                span: Span {
                    byte_start: start,
                    byte_end: end,
                    char_start: 0,
                    char_end: 0,
                },
                text: original.to_string(),
                entity_id: entity.id.clone(),
                caption: entity.caption().to_string(),
                source: entity.source.clone(),
                authority: entity.authority.clone(),
                programs: entity.programs.iter().map(|p| p.code.clone()).collect(),
                schema: entity.schema,
                score: best.score,
                matched_name: best.matched_name,
                indexed_form: form.to_string(),
                explanation: best.explanation,
            });
        }
        keep_best_per_entity(out)
    }

    fn scan_hs_codes(&self, text: &str) -> Vec<HsMention> {
        let mut out: Vec<HsMention> = Vec::new();
        for caps in self.hs_keyword_re.captures_iter(text) {
            let (Some(all), Some(kw), Some(code)) = (caps.get(0), caps.get(1), caps.get(2)) else {
                continue;
            };
            if let Ok(c) = HsCode::parse(code.as_str()) {
                out.push(HsMention {
                    span: Span {
                        byte_start: all.start(),
                        byte_end: all.end(),
                        char_start: 0,
                        char_end: 0,
                    },
                    text: all.as_str().to_string(),
                    keyword: Some(kw.as_str().to_string()),
                    goods: self.goods.lookup_code(c),
                });
            }
        }
        for m in self.hs_dotted_re.find_iter(text) {
            if out
                .iter()
                .any(|h| h.span.byte_start <= m.start() && m.end() <= h.span.byte_end)
            {
                continue;
            }
            if self.looks_like_amount_or_date(text, m.start(), m.end()) {
                continue;
            }
            if let Ok(c) = HsCode::parse(m.as_str()) {
                out.push(HsMention {
                    span: Span {
                        byte_start: m.start(),
                        byte_end: m.end(),
                        char_start: 0,
                        char_end: 0,
                    },
                    text: m.as_str().to_string(),
                    keyword: None,
                    goods: self.goods.lookup_code(c),
                });
            }
        }
        out.sort_by_key(|h| h.span.byte_start);
        out
    }

    /// A dotted number with no HS keyword is read as a code only when nothing
    /// around it says it is money, a longer number or a date.
    fn looks_like_amount_or_date(&self, text: &str, start: usize, end: usize) -> bool {
        let before = &text[..start];
        let after = &text[end..];
        if before.ends_with(|c: char| c.is_ascii_digit() || c == ',' || c == '.' || c == '-')
            || after.starts_with(|c: char| c.is_ascii_digit())
            || (after.starts_with(['.', ','])
                && after[1..].starts_with(|c: char| c.is_ascii_digit()))
        {
            return true;
        }
        let prev_word = before
            .trim_end()
            .rsplit(|c: char| c.is_whitespace())
            .next()
            .unwrap_or("");
        let prev_word = prev_word.to_lowercase();
        let prev_symbol = prev_word
            .chars()
            .last()
            .map(|c| c.to_string())
            .unwrap_or_default();
        let next_word = after
            .trim_start()
            .split(|c: char| c.is_whitespace() || c == '.' || c == ',')
            .next()
            .unwrap_or("")
            .to_lowercase();
        if self
            .words
            .amount_markers
            .contains(prev_word.trim_matches(|c: char| c.is_ascii_punctuation()))
            || self.words.amount_markers.contains(&prev_symbol)
            || self.words.amount_markers.contains(&next_word)
        {
            return true;
        }
        // yyyy.mm.dd
        let digits: Vec<&str> = text[start..end].split('.').collect();
        if let [y, m, d] = digits.as_slice() {
            let (y, m, d) = (
                y.parse::<u32>().unwrap_or(0),
                m.parse::<u32>().unwrap_or(0),
                d.parse::<u32>().unwrap_or(0),
            );
            if (1900..=2099).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d) {
                return true;
            }
        }
        false
    }

    fn scan_imo_numbers(&self, text: &str) -> Vec<ImoMention> {
        let entities = self.screener.entities();
        self.imo_re
            .captures_iter(text)
            .filter_map(|caps| {
                let all = caps.get(0)?;
                let digits = caps.get(1)?.as_str();
                if !imo_check_digit_valid(digits) {
                    return None;
                }
                let entity_ids = self
                    .imo_index
                    .get(digits)
                    .map(|v| {
                        v.iter()
                            .filter_map(|&i| entities.get(i as usize))
                            .map(|e| e.id.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                Some(ImoMention {
                    span: Span {
                        byte_start: all.start(),
                        byte_end: all.end(),
                        char_start: 0,
                        char_end: 0,
                    },
                    text: all.as_str().to_string(),
                    imo: digits.to_string(),
                    entity_ids,
                })
            })
            .collect()
    }
}

/// Whether a seven-digit IMO ship number has a valid check digit: the digits
/// weighted 7, 6, 5, 4, 3, 2 sum to a number whose last digit is the seventh.
pub fn imo_check_digit_valid(digits: &str) -> bool {
    let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 7 || digits.len() != 7 {
        return false;
    }
    let sum: u32 = d[..6]
        .iter()
        .zip([7, 6, 5, 4, 3, 2])
        .map(|(x, w)| x * w)
        .sum();
    sum % 10 == d[6]
}

/// The folded search forms of one listed name, before filtering.
fn name_forms(entity: &Entity, full: &str, words: &WordSets) -> Vec<String> {
    let mut bases = vec![full.to_string()];
    if !full.is_ascii() {
        bases.extend(kordon_text::translit::latin_variants(full));
    }
    let mut out = Vec::new();
    for base in &bases {
        let folded = fold::fold(base);
        let toks: Vec<&str> = folded.split_whitespace().collect();
        if toks.is_empty() {
            continue;
        }
        out.push(pad(&toks));
        match entity.schema {
            Schema::Person => {
                // "FAMILY, Given Middle" is how OFAC and others write people;
                // text writes "Given Family" or "Given Middle Family".
                let (family, given): (Vec<&str>, Vec<&str>) = match base.split_once(',') {
                    Some((f, g)) => (
                        fold::fold(f)
                            .split_whitespace()
                            .map(|s| same_word(&toks, s))
                            .collect(),
                        fold::fold(g)
                            .split_whitespace()
                            .map(|s| same_word(&toks, s))
                            .collect(),
                    ),
                    None if toks.len() >= 3 => {
                        (vec![toks[toks.len() - 1]], toks[..toks.len() - 1].to_vec())
                    }
                    None => (Vec::new(), Vec::new()),
                };
                if !family.is_empty() && !given.is_empty() {
                    out.push(pad(&[given.as_slice(), family.as_slice()].concat()));
                    out.push(pad(&[&given[..1], family.as_slice()].concat()));
                    out.push(pad(&[family.as_slice(), &given[..1]].concat()));
                } else if base.split_once(',').is_none() && toks.len() == 2 {
                    out.push(pad(&[toks[1], toks[0]]));
                }
            }
            Schema::Organization | Schema::Unknown => {
                let stripped = words.strip_legal_forms(&toks);
                if stripped.len() < toks.len() && !stripped.is_empty() {
                    out.push(pad(stripped));
                }
            }
            Schema::Vessel | Schema::Aircraft => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `s` is a word of `toks` (both come from folding the same name); return the
/// borrowed word so the forms can be built without owning copies.
fn same_word<'t>(toks: &[&'t str], s: &str) -> &'t str {
    toks.iter().copied().find(|t| *t == s).unwrap_or("")
}

fn pad(words: &[&str]) -> String {
    let words: Vec<&str> = words.iter().copied().filter(|w| !w.is_empty()).collect();
    format!(" {} ", words.join(" "))
}

/// Whether a folded form may be indexed; `Some(single_word)` if so.
fn accept_form(
    form: &str,
    kind: NameKind,
    schema: Schema,
    words: &WordSets,
    opts: &ScanOptions,
) -> Option<bool> {
    let toks: Vec<&str> = form.split_whitespace().collect();
    let letters: usize = toks.iter().map(|t| t.len()).sum();
    if toks.is_empty() || letters < opts.min_letters {
        return None;
    }
    if toks.iter().all(|t| words.is_weak_word(t)) {
        return None;
    }
    if toks.len() == 1 {
        let t = toks[0];
        let is_place = kordon_model::country_code(t).is_some();
        // One word never identifies a person, and ships share names (the IMO
        // number identifies a vessel), so those need more than one word.
        let shared_name = matches!(schema, Schema::Person | Schema::Vessel | Schema::Aircraft);
        if shared_name || kind.is_weak() || t.len() < opts.min_single_word_letters || is_place {
            return None;
        }
        return Some(true);
    }
    if kind.is_weak() && toks.iter().filter(|t| !words.is_weak_word(t)).count() < 2 {
        return None;
    }
    Some(false)
}

/// One mention per entity per stretch of text: of overlapping candidates for
/// the same entity keep the longest, then the best scored.
fn keep_best_per_entity(mut v: Vec<PartyMention>) -> Vec<PartyMention> {
    v.sort_by(|a, b| {
        a.entity_id
            .cmp(&b.entity_id)
            .then((b.span.byte_end - b.span.byte_start).cmp(&(a.span.byte_end - a.span.byte_start)))
            .then(b.score.total_cmp(&a.score))
    });
    let mut kept: Vec<PartyMention> = Vec::new();
    for m in v {
        let overlaps = kept.iter().any(|k| {
            k.entity_id == m.entity_id
                && k.span.byte_start < m.span.byte_end
                && m.span.byte_start < k.span.byte_end
        });
        if !overlaps {
            kept.push(m);
        }
    }
    kept.sort_by(|a, b| {
        a.span
            .byte_start
            .cmp(&b.span.byte_start)
            .then(a.entity_id.cmp(&b.entity_id))
    });
    kept
}

/// Turn byte offsets into char offsets for every span, in one pass over the text.
fn fill_char_offsets(text: &str, report: &mut ScanReport) {
    let mut spans: Vec<&mut Span> = report
        .parties
        .iter_mut()
        .map(|m| &mut m.span)
        .chain(report.hs_codes.iter_mut().map(|m| &mut m.span))
        .chain(report.imo_numbers.iter_mut().map(|m| &mut m.span))
        .collect();
    let mut offsets: Vec<usize> = spans
        .iter()
        .flat_map(|s| [s.byte_start, s.byte_end])
        .collect();
    offsets.sort_unstable();
    offsets.dedup();
    let mut to_char: HashMap<usize, usize> = HashMap::with_capacity(offsets.len());
    let (mut byte, mut chars) = (0usize, 0usize);
    for &o in &offsets {
        chars += text.get(byte..o).map_or(0, |s| s.chars().count());
        byte = o;
        to_char.insert(o, chars);
    }
    for s in spans.iter_mut() {
        s.char_start = to_char.get(&s.byte_start).copied().unwrap_or(0);
        s.char_end = to_char.get(&s.byte_end).copied().unwrap_or(0);
    }
}
