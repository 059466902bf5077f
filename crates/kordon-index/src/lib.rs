//! Candidate retrieval: an inverted index over the name variants of every
//! loaded party, so a query is scored in full only against a few dozen
//! plausible parties instead of every entity.
//!
//! Each party's names contribute terms of five kinds: whole tokens (`w:`),
//! Double Metaphone codes (`p:`), consonant skeletons (`s:`, for
//! transliterations), character trigrams (`g:`, for typos) and acronym
//! initials (`a:`). The term dictionary is an `fst::Map` from term to term id;
//! postings are sorted, deduplicated `u32` party ids in one flat array. A query
//! accumulates IDF-weighted hits per party and returns the top K.

use fst::{IntoStreamer, Map, MapBuilder, Streamer};
use kordon_text::{AnalyzedName, NameVariant, TokenClass};
use std::collections::HashMap;

/// Term kinds and their weight in the retrieval score.
const WORD: (&str, f32) = ("w:", 1.0);
const PHONETIC: (&str, f32) = ("p:", 0.5);
const SKELETON: (&str, f32) = ("s:", 0.5);
const TRIGRAM: (&str, f32) = ("g:", 1.0);
const ACRONYM: (&str, f32) = ("a:", 1.0);

/// Trigram terms more common than this share of parties are skipped at query
/// time: they cost time and carry no signal.
const MAX_TRIGRAM_DF_SHARE: f64 = 0.05;

/// Builds a [`CandidateIndex`]; parties are numbered by the caller.
#[derive(Default)]
pub struct IndexBuilder {
    postings: HashMap<String, Vec<u32>>,
    docs: u32,
}

impl IndexBuilder {
    pub fn new() -> IndexBuilder {
        IndexBuilder::default()
    }

    /// Add one name of party `doc`. Parties may be added in any order and a
    /// party may have any number of names.
    pub fn add(&mut self, doc: u32, name: &AnalyzedName) {
        self.docs = self.docs.max(doc + 1);
        for (term, _) in name_terms(name, true) {
            let list = self.postings.entry(term).or_default();
            if list.last() != Some(&doc) {
                list.push(doc);
            }
        }
    }

    /// Merge another builder (built over a disjoint or overlapping set of parties).
    pub fn merge(&mut self, other: IndexBuilder) {
        self.docs = self.docs.max(other.docs);
        for (term, list) in other.postings {
            self.postings.entry(term).or_default().extend(list);
        }
    }

    pub fn build(self) -> CandidateIndex {
        let mut terms: Vec<(String, Vec<u32>)> = self.postings.into_iter().collect();
        terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut offsets = Vec::with_capacity(terms.len() + 1);
        let mut postings = Vec::new();
        let mut builder = MapBuilder::memory();
        for (id, (term, mut list)) in terms.into_iter().enumerate() {
            list.sort_unstable();
            list.dedup();
            offsets.push(postings.len() as u32);
            postings.extend_from_slice(&list);
            // Terms are sorted and unique, so insertion cannot fail.
            let _ = builder.insert(term.as_bytes(), id as u64);
        }
        offsets.push(postings.len() as u32);
        let bytes = builder.into_inner().unwrap_or_default();
        let terms = Map::new(bytes).unwrap_or_default();
        let mut word_df = WordFrequencies::default();
        let mut stream = terms.range().ge(WORD.0).into_stream();
        while let Some((term, id)) = stream.next() {
            let Some(word) = term.strip_prefix(WORD.0.as_bytes()) else {
                break;
            };
            if let Ok(word) = std::str::from_utf8(word) {
                let id = id as usize;
                word_df.insert(word.into(), offsets[id + 1] - offsets[id]);
            }
        }
        CandidateIndex {
            terms,
            offsets,
            postings,
            docs: self.docs,
            word_df,
        }
    }
}

/// The built index.
pub struct CandidateIndex {
    terms: Map<Vec<u8>>,
    offsets: Vec<u32>,
    postings: Vec<u32>,
    docs: u32,
    /// Document frequency of every whole word: the scorer asks for word
    /// weights many times per query, and a hash lookup of the bare word is far
    /// cheaper than building a prefixed key and walking the FST.
    word_df: WordFrequencies,
}

type WordFrequencies = HashMap<Box<str>, u32, foldhash::fast::FixedState>;

/// One retrieved party and its retrieval score (not a match score).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub doc: u32,
    pub score: f32,
}

impl CandidateIndex {
    pub fn docs(&self) -> u32 {
        self.docs
    }

    pub fn term_count(&self) -> usize {
        self.terms.len()
    }

    /// Approximate heap size in bytes.
    pub fn heap_bytes(&self) -> usize {
        let words: usize = self.word_df.keys().map(|w| w.len() + 24).sum();
        self.terms.as_fst().as_bytes().len()
            + self.offsets.len() * 4
            + self.postings.len() * 4
            + words
    }

    fn postings_of(&self, term: &str) -> &[u32] {
        match self.terms.get(term.as_bytes()) {
            Some(id) => {
                let id = id as usize;
                let (a, b) = (self.offsets[id] as usize, self.offsets[id + 1] as usize);
                &self.postings[a..b]
            }
            None => &[],
        }
    }

    /// Number of parties with a name containing this token.
    pub fn word_doc_freq(&self, token: &str) -> u32 {
        self.word_df.get(token).copied().unwrap_or(0)
    }

    /// Inverse document frequency of a whole token: ln(N / df), with unseen
    /// tokens treated as seen once.
    pub fn word_idf(&self, token: &str) -> f64 {
        let df = self.word_doc_freq(token).max(1) as f64;
        ((self.docs.max(1) as f64) / df).ln().max(0.0)
    }

    /// The top `k` parties for a query name, best first.
    pub fn search(&self, query: &AnalyzedName, k: usize) -> Vec<Candidate> {
        self.search_many(std::slice::from_ref(query), k)
    }

    /// The top `k` parties for several names of one query.
    pub fn search_many(&self, queries: &[AnalyzedName], k: usize) -> Vec<Candidate> {
        let n = self.docs as usize;
        if n == 0 || k == 0 {
            return Vec::new();
        }
        let mut terms: Vec<(String, f32)> =
            queries.iter().flat_map(|q| name_terms(q, false)).collect();
        // The same term from several variants counts once, at its best weight.
        terms.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        terms.dedup_by(|a, b| a.0 == b.0);
        let max_trigram_df = ((n as f64) * MAX_TRIGRAM_DF_SHARE).max(50.0) as usize;
        // Dense accumulator: a few hundred kilobytes even for a million parties,
        // and far cheaper per posting than hashing.
        let mut acc: Vec<f32> = vec![0.0; n];
        let mut touched: Vec<u32> = Vec::new();
        for (term, weight) in &terms {
            let list = self.postings_of(term);
            if list.is_empty() {
                continue;
            }
            if term.starts_with(TRIGRAM.0) && list.len() > max_trigram_df {
                continue;
            }
            let idf = ((n as f32) / (list.len() as f32)).ln() + 1.0;
            let add = weight * idf;
            for &doc in list {
                let slot = &mut acc[doc as usize];
                if *slot == 0.0 {
                    touched.push(doc);
                }
                *slot += add;
            }
        }
        let mut out: Vec<Candidate> = touched
            .into_iter()
            .map(|doc| Candidate {
                doc,
                score: acc[doc as usize],
            })
            .collect();
        if out.len() > k {
            out.select_nth_unstable_by(k - 1, |a, b| b.score.total_cmp(&a.score));
            out.truncate(k);
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
        out
    }
}

/// The index terms of a name with their retrieval weights. On the party side
/// (`indexing`) acronym prefixes are added so that a query acronym finds the
/// full name; on the query side a short token is also looked up as an acronym.
pub fn name_terms(name: &AnalyzedName, indexing: bool) -> Vec<(String, f32)> {
    let mut out = Vec::new();
    for v in &name.variants {
        variant_terms(v, indexing, &mut out);
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

fn variant_terms(v: &NameVariant, indexing: bool, out: &mut Vec<(String, f32)>) {
    for t in v.core_tokens() {
        out.push((format!("{}{}", WORD.0, t.text), WORD.1));
        if t.class == TokenClass::Number {
            continue;
        }
        if !t.phonetic.is_empty() {
            out.push((format!("{}{}", PHONETIC.0, t.phonetic), PHONETIC.1));
        }
        if v.transliterated && t.skeleton.len() >= 2 {
            out.push((format!("{}{}", SKELETON.0, t.skeleton), SKELETON.1));
        }
        let grams = trigrams(&t.text);
        let share = TRIGRAM.1 / grams.len().max(1) as f32;
        for g in grams {
            out.push((format!("{}{}", TRIGRAM.0, g), share));
        }
        if !indexing && (2..=6).contains(&t.text.len()) && t.class == TokenClass::Word {
            out.push((format!("{}{}", ACRONYM.0, t.text), ACRONYM.1));
        }
    }
    // Skeletons of Latin names too, so a transliterated query meets them.
    if indexing && !v.transliterated {
        for t in v.core_tokens().filter(|t| t.skeleton.len() >= 2) {
            out.push((format!("{}{}", SKELETON.0, t.skeleton), SKELETON.1));
        }
    }
    if !indexing && v.transliterated {
        for t in v.core_tokens().filter(|t| t.skeleton.len() >= 2) {
            out.push((format!("{}{}", SKELETON.0, t.skeleton), SKELETON.1));
        }
    }
    if indexing {
        let initials = v.initials();
        if initials.len() >= 3 {
            for end in 3..=initials.len().min(8) {
                if initials.is_char_boundary(end) {
                    out.push((format!("{}{}", ACRONYM.0, &initials[..end]), ACRONYM.1));
                }
            }
        }
    }
}

/// Character trigrams of a token padded with boundary marks.
fn trigrams(token: &str) -> Vec<String> {
    let chars: Vec<char> = std::iter::once('^')
        .chain(token.chars())
        .chain(std::iter::once('$'))
        .collect();
    if chars.len() < 3 {
        return Vec::new();
    }
    let mut g: Vec<String> = chars.windows(3).map(|w| w.iter().collect()).collect();
    g.sort();
    g.dedup();
    g
}

#[cfg(test)]
mod tests {
    use super::*;
    use kordon_model::Schema;
    use kordon_text::analyze_name;

    fn index(names: &[&str]) -> CandidateIndex {
        let mut b = IndexBuilder::new();
        for (i, n) in names.iter().enumerate() {
            b.add(i as u32, &analyze_name(n, Schema::Unknown));
        }
        b.build()
    }

    #[test]
    fn finds_typos_reorderings_and_acronyms() {
        let idx = index(&[
            "JOINT STOCK COMPANY IZHEVSK ELECTROMECHANICAL PLANT KUPOL",
            "PUTIN, Vladimir Vladimirovich",
            "ROSNEFT OIL COMPANY",
            "Vladimir Ivanov",
        ]);
        let top = |q: &str| idx.search(&analyze_name(q, Schema::Unknown), 2)[0].doc;
        assert_eq!(top("Vladimir Puttin"), 1);
        assert_eq!(top("Putin Vladimir"), 1);
        assert_eq!(top("IEMP Kupol"), 0);
        assert_eq!(top("Rossneft"), 2);
        assert_eq!(idx.word_doc_freq("vladimir"), 2);
        assert!(idx.word_idf("kupol") > idx.word_idf("vladimir"));
    }
}
