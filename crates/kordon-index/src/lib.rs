//! Candidate retrieval: an inverted index over the name variants of every
//! loaded party, so a query is scored in full only against a few dozen
//! plausible parties instead of every entity.
//!
//! Each party's names contribute terms of five kinds: whole tokens (`w:`),
//! Double Metaphone codes (`p:`), consonant skeletons (`s:`, for
//! transliterations), character trigrams (`g:`, for typos) and acronym
//! initials (`a:`). Terms are numbered in byte order and found by a 64-bit
//! hash of their text ([`TermIds`]); postings are sorted, deduplicated `u32`
//! party ids in one flat array. Each name's whole text (every token, legal
//! forms and stopwords too) is a term as well, kept by hash: a name made
//! only of common words ("BM Bank JSC", "DES International Co., Ltd.") is
//! still found when it is asked for as listed. A query accumulates
//! IDF-weighted hits per party and returns the top K; parties that tie (a
//! family of units named after their parent all share its words) are
//! ordered by how near one of their names comes to the query's length in
//! words, then by number.

use kordon_text::{AnalyzedName, NameVariant, TokenClass};
use smallvec::SmallVec;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// A term kind: its prefix in the term dictionary and its weight in the
/// retrieval score.
type TermKind = (&'static str, f32);

const WORD: TermKind = ("w:", 1.0);
const PHONETIC: TermKind = ("p:", 0.5);
const SKELETON: TermKind = ("s:", 0.5);
const TRIGRAM: TermKind = ("g:", 1.0);
const ACRONYM: TermKind = ("a:", 1.0);
/// A name's whole text outweighs any one word: asked for as listed, the
/// name's party comes first.
const WHOLE_NAME_WEIGHT: f32 = 2.0;

/// Trigram terms more common than this share of parties are skipped at query
/// time: they cost time and carry no signal.
const MAX_TRIGRAM_DF_SHARE: f64 = 0.05;

/// Builds a [`CandidateIndex`]; parties are numbered by the caller.
#[derive(Default)]
pub struct IndexBuilder {
    postings: HashMap<String, Vec<u32>>,
    /// (key of a whole name ([`whole_name_key`]), party): pairs, not a map
    /// of lists, since nearly every key has one party.
    whole_names: Vec<(u64, u32)>,
    /// (party, [`name_lengths`] of one of its names).
    lengths: Vec<(u32, u64)>,
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
        self.whole_names
            .extend(name.variants.iter().map(|v| (whole_name_key(v), doc)));
        self.lengths.push((doc, name_lengths(name)));
    }

    /// Merge another builder (built over a disjoint or overlapping set of parties).
    pub fn merge(&mut self, other: IndexBuilder) {
        self.docs = self.docs.max(other.docs);
        for (term, list) in other.postings {
            self.postings.entry(term).or_default().extend(list);
        }
        self.whole_names.extend(other.whole_names);
        self.lengths.extend(other.lengths);
    }

    pub fn build(self) -> CandidateIndex {
        let mut terms: Vec<(String, Vec<u32>)> = self.postings.into_iter().collect();
        terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let term_ids = TermIds::new(&terms);
        let mut offsets = Vec::with_capacity(terms.len() + 1);
        let mut postings = Vec::new();
        let mut word_df = WordFrequencies::default();
        for (term, mut list) in terms {
            list.sort_unstable();
            list.dedup();
            offsets.push(postings.len() as u32);
            postings.extend_from_slice(&list);
            if let Some(word) = term.strip_prefix(WORD.0) {
                word_df.insert(word.into(), list.len() as u32);
            }
        }
        // Whole names follow the dictionary's terms, by key.
        let mut names = self.whole_names;
        names.sort_unstable();
        names.dedup();
        let mut whole_names = Vec::new();
        for (key, doc) in names {
            if whole_names.last() != Some(&key) {
                offsets.push(postings.len() as u32);
                whole_names.push(key);
            }
            postings.push(doc);
        }
        offsets.push(postings.len() as u32);
        let mut lengths = vec![0u64; self.docs as usize];
        for (doc, mask) in self.lengths {
            lengths[doc as usize] |= mask;
        }
        CandidateIndex {
            terms: term_ids,
            whole_names,
            offsets,
            postings,
            lengths,
            docs: self.docs,
            word_df,
        }
    }
}

/// Term ids by a 64-bit hash of the term's text: one probe per query term,
/// where walking a finite-state dictionary cost over a thousand instructions
/// per term. Distinct terms of the index never share a hash: the seed is
/// changed until they do not (the odds of needing a second one are about
/// one in a billion for a million terms). A query term absent from the index
/// that shares a hash with an indexed term (odds of about one in 10^13 per
/// term) only brings that term's parties to the scorer, which scores them as
/// they are.
struct TermIds {
    seed: u64,
    ids: HashMap<u64, u32, foldhash::fast::FixedState>,
}

impl TermIds {
    /// Ids of `terms` (distinct) in their order.
    fn new<T>(terms: &[(String, T)]) -> TermIds {
        let mut seed = 0;
        loop {
            let mut ids = HashMap::with_capacity_and_hasher(terms.len(), Default::default());
            let distinct = terms
                .iter()
                .zip(0u32..)
                .all(|((term, _), id)| ids.insert(Self::hash(seed, term), id).is_none());
            if distinct {
                return TermIds { seed, ids };
            }
            seed += 1;
        }
    }

    fn hash(seed: u64, term: &str) -> u64 {
        use std::hash::BuildHasher;
        foldhash::fast::FixedState::with_seed(seed).hash_one(term.as_bytes())
    }

    fn get(&self, term: &str) -> Option<u32> {
        self.ids.get(&Self::hash(self.seed, term)).copied()
    }

    fn len(&self) -> usize {
        self.ids.len()
    }

    fn heap_bytes(&self) -> usize {
        // A slot holds a (u64, u32) pair, padded to 16 bytes, plus one
        // control byte.
        self.ids.capacity() * (std::mem::size_of::<(u64, u32)>() + 1)
    }
}

/// The built index.
pub struct CandidateIndex {
    terms: TermIds,
    /// Sorted keys of whole names; the name with key `whole_names[i]` has
    /// term id `terms.len() + i`.
    whole_names: Vec<u64>,
    offsets: Vec<u32>,
    postings: Vec<u32>,
    /// Per party, the lengths of its names ([`name_lengths`]): of parties
    /// that score alike, one with a name as long as the query's comes first.
    lengths: Vec<u64>,
    docs: u32,
    /// Document frequency of every whole word: the scorer asks for word
    /// weights many times per query, and a hash lookup of the bare word is far
    /// cheaper than building a prefixed key and looking it up.
    word_df: WordFrequencies,
}

thread_local! {
    /// Per-thread retrieval scratch (see [`CandidateIndex::accumulate`]).
    static ACCUMULATOR: std::cell::RefCell<Accumulator> = const { std::cell::RefCell::new(Accumulator::new()) };
}

/// Scratch space of one retrieval, kept per thread so that a query neither
/// allocates nor zeroes it.
struct Accumulator {
    /// Score per party; only touched slots are non-zero, and they are reset.
    scores: Vec<f32>,
    /// Parties touched, in the order first touched, then scratch.
    touched: Vec<u32>,
    /// The best parties so far, as keys of score, length and party, worst
    /// on top.
    ranked: BinaryHeap<Reverse<u128>>,
}

impl Accumulator {
    const fn new() -> Accumulator {
        Accumulator {
            scores: Vec::new(),
            touched: Vec::new(),
            ranked: BinaryHeap::new(),
        }
    }
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
        self.terms.heap_bytes()
            + self.whole_names.len() * 8
            + self.offsets.len() * 4
            + self.postings.len() * 4
            + self.lengths.len() * 8
            + words
    }

    fn postings(&self, term: u32) -> &[u32] {
        let id = term as usize;
        &self.postings[self.offsets[id] as usize..self.offsets[id + 1] as usize]
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

    /// The top `k` parties for a query name, best first; of parties that
    /// score alike, those with a name nearest the query's length in words,
    /// then those numbered first.
    pub fn search(&self, query: &AnalyzedName, k: usize) -> Vec<Candidate> {
        self.search_many(std::slice::from_ref(query), k)
    }

    /// The top `k` parties for several names of one query (as [`Self::search`]).
    pub fn search_many(&self, queries: &[AnalyzedName], k: usize) -> Vec<Candidate> {
        let n = self.docs as usize;
        if n == 0 || k == 0 {
            return Vec::new();
        }
        // Terms are looked up as they are spelled out, in one reused buffer;
        // only those in the index are kept, by term id.
        let mut terms: Vec<(u32, f32, bool)> = Vec::new();
        let mut key = String::new();
        for q in queries {
            for v in &q.variants {
                variant_terms(v, false, &mut |kind: TermKind, text: &str, weight: f32| {
                    key.clear();
                    key.push_str(kind.0);
                    key.push_str(text);
                    if let Some(id) = self.terms.get(&key) {
                        terms.push((id, weight, kind.0 == TRIGRAM.0));
                    }
                });
                if let Ok(i) = self.whole_names.binary_search(&whole_name_key(v)) {
                    let id = self.terms.len() + i;
                    terms.push((id as u32, WHOLE_NAME_WEIGHT, false));
                }
            }
        }
        // The same term from several variants counts once, at its best weight.
        // Term ids follow the terms' byte order, so hits are added in the same
        // order as terms sorted by text.
        terms.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        terms.dedup_by(|a, b| a.0 == b.0);
        let max_trigram_df = ((n as f64) * MAX_TRIGRAM_DF_SHARE).max(50.0) as usize;
        let length = queries.iter().fold(0, |m, q| m | name_lengths(q));
        ACCUMULATOR.with_borrow_mut(|acc| self.accumulate(&terms, max_trigram_df, length, acc, k))
    }

    /// Add every term's IDF-weighted hits into `acc` (one slot per party),
    /// take the top `k`, and leave `acc` all zero again.
    fn accumulate(
        &self,
        terms: &[(u32, f32, bool)],
        max_trigram_df: usize,
        length: u64,
        acc: &mut Accumulator,
        k: usize,
    ) -> Vec<Candidate> {
        let n = self.docs as usize;
        // Dense accumulator: a few megabytes even for a million parties, far
        // cheaper per posting than hashing; only touched slots are reset.
        if acc.scores.len() < n {
            acc.scores.resize(n, 0.0);
        }
        let Accumulator {
            scores,
            touched,
            ranked,
        } = acc;
        // Whether a party is touched for the first time is a coin toss per
        // posting: `seen` is written at every posting and its length
        // advanced only for new parties, which costs no mispredicted branch.
        let lists = terms.iter().filter_map(|&(term, weight, trigram)| {
            let list = self.postings(term);
            // Trigrams common to many parties are left out.
            let skip = list.is_empty() || (trigram && list.len() > max_trigram_df);
            (!skip).then_some((list, weight))
        });
        // Sized once, and both read through plain slices, whose bounds stay
        // in registers over the postings rather than being reloaded at each.
        let most = lists.clone().map(|(list, _)| list.len()).sum::<usize>();
        if touched.len() < most {
            touched.resize(most, 0);
        }
        let (slots, seen) = (&mut scores[..n], &mut touched[..most]);
        let mut len = 0;
        for (list, weight) in lists {
            let idf = ((n as f32) / (list.len() as f32)).ln() + 1.0;
            let add = weight * idf;
            for &doc in list {
                let slot = &mut slots[doc as usize];
                seen[len] = doc;
                // Scores are sums of positive weights: zero bits mean untouched.
                len += usize::from(slot.to_bits() == 0);
                *slot += add;
            }
        }
        // The best `k` by score, then by how near a name of the party comes
        // to the query's length, then by party number: a min-heap of the
        // best so far, whose worst most parties fail to beat on the score
        // alone. Scores are positive, so their bits order as they do.
        let key = |doc: u32, score: f32| {
            let near = 63 - length_gap(length, self.lengths[doc as usize]);
            (u128::from(score.to_bits()) << 64) | (u128::from(near) << 32) | u128::from(!doc)
        };
        ranked.clear();
        // The score bits of the worst kept party, once `k` are kept.
        let worst_score = |ranked: &BinaryHeap<Reverse<u128>>| {
            ranked.peek().map_or(0, |worst| (worst.0 >> 64) as u32)
        };
        let mut floor = 0;
        for &doc in &seen[..len] {
            let score = std::mem::take(&mut slots[doc as usize]);
            if ranked.len() < k {
                ranked.push(Reverse(key(doc, score)));
                floor = worst_score(ranked);
            } else if score.to_bits() >= floor {
                let kept = Reverse(key(doc, score));
                if let Some(mut worst) = ranked.peek_mut() {
                    if kept < *worst {
                        *worst = kept;
                    }
                }
                floor = worst_score(ranked);
            }
        }
        let mut out: Vec<Reverse<u128>> = ranked.drain().collect();
        out.sort_unstable();
        out.into_iter()
            .map(|Reverse(key)| Candidate {
                doc: !(key as u32),
                score: f32::from_bits((key >> 64) as u32),
            })
            .collect()
    }
}

/// The index terms of a name with their retrieval weights. On the party side
/// (`indexing`) acronym prefixes are added so that a query acronym finds the
/// full name; on the query side a short token is also looked up as an acronym.
pub fn name_terms(name: &AnalyzedName, indexing: bool) -> Vec<(String, f32)> {
    let mut out = Vec::new();
    for v in &name.variants {
        variant_terms(
            v,
            indexing,
            &mut |kind: TermKind, text: &str, weight: f32| {
                out.push((format!("{}{text}", kind.0), weight));
            },
        );
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// Spell out the terms of one variant to `emit(kind, text, weight)`; the
/// term is the kind's prefix followed by the text.
fn variant_terms(v: &NameVariant, indexing: bool, emit: &mut impl FnMut(TermKind, &str, f32)) {
    let mut gram = String::new();
    for t in v.core_tokens() {
        emit(WORD, &t.text, WORD.1);
        if t.class == TokenClass::Number {
            continue;
        }
        if !t.phonetic.is_empty() {
            emit(PHONETIC, &t.phonetic, PHONETIC.1);
        }
        if v.transliterated && t.skeleton.len() >= 2 {
            emit(SKELETON, &t.skeleton, SKELETON.1);
        }
        let grams = trigrams(&t.text);
        let share = TRIGRAM.1 / grams.len().max(1) as f32;
        for g in grams {
            gram.clear();
            gram.extend(g);
            emit(TRIGRAM, &gram, share);
        }
        if !indexing && (2..=6).contains(&t.text.len()) && t.class == TokenClass::Word {
            emit(ACRONYM, &t.text, ACRONYM.1);
        }
    }
    // Skeletons of Latin names too, so a transliterated query meets them.
    if indexing && !v.transliterated {
        for t in v.core_tokens().filter(|t| t.skeleton.len() >= 2) {
            emit(SKELETON, &t.skeleton, SKELETON.1);
        }
    }
    if !indexing && v.transliterated {
        for t in v.core_tokens().filter(|t| t.skeleton.len() >= 2) {
            emit(SKELETON, &t.skeleton, SKELETON.1);
        }
    }
    if indexing {
        let initials = v.initials();
        if initials.len() >= 3 {
            for end in 3..=initials.len().min(8) {
                if initials.is_char_boundary(end) {
                    emit(ACRONYM, &initials[..end], ACRONYM.1);
                }
            }
        }
    }
}

/// The lengths in words (stopwords and legal forms aside, 63 at most) of a
/// name's variants, as a set of bits. A form cut short of its qualifiers
/// does not count: "Islamic Revolutionary Guard Corps (IRGC) Aerospace Force"
/// is a name of seven words, not of four.
fn name_lengths(name: &AnalyzedName) -> u64 {
    name.variants
        .iter()
        .filter(|v| v.segment != kordon_text::SegmentKind::Short)
        .fold(0, |m, v| m | 1 << v.core_tokens().count().min(63))
}

/// How far apart the nearest two lengths of two sets of [`name_lengths`]
/// are (63 when either is empty).
fn length_gap(a: u64, b: u64) -> u32 {
    (0..63)
        .find(|&d| b & (a << d) != 0 || a & (b << d) != 0)
        .unwrap_or(63)
}

/// The key of a variant's whole text: every token, in order. A hash, since
/// whole names are nearly all distinct and a dictionary of them would cost
/// far more than eight bytes each; two names sharing a key only bring a
/// wrong party to the scorer, which scores it as it is.
fn whole_name_key(v: &NameVariant) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = foldhash::fast::FixedState::default().build_hasher();
    for t in &v.tokens {
        h.write(t.text.as_bytes());
        h.write_u8(0xff);
    }
    h.finish()
}

/// Distinct character trigrams of a token padded with boundary marks, in
/// sorted order.
fn trigrams(token: &str) -> SmallVec<[[char; 3]; 16]> {
    let chars: SmallVec<[char; 32]> = std::iter::once('^')
        .chain(token.chars())
        .chain(std::iter::once('$'))
        .collect();
    let mut g: SmallVec<[[char; 3]; 16]> = chars.windows(3).map(|w| [w[0], w[1], w[2]]).collect();
    g.sort_unstable();
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
    fn term_ids_number_the_terms_in_order_and_miss_absent_ones() {
        let idx = index(&["Kupol Izhevsk", "Almaz Antey"]);
        let mut terms: Vec<(String, f32)> = ["Kupol Izhevsk", "Almaz Antey"]
            .iter()
            .flat_map(|n| name_terms(&analyze_name(n, Schema::Unknown), true))
            .collect();
        terms.sort_by(|a, b| a.0.cmp(&b.0));
        terms.dedup_by(|a, b| a.0 == b.0);
        assert_eq!(idx.term_count(), terms.len());
        for (id, (term, _)) in terms.iter().enumerate() {
            assert_eq!(idx.terms.get(term), Some(id as u32), "{term}");
        }
        assert_eq!(idx.word_doc_freq("kupol"), 1);
        for absent in ["w:almas", "w:", "g:^zq", "p:KPL0"] {
            assert_eq!(idx.terms.get(absent), None, "{absent}");
        }
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

    #[test]
    fn the_top_k_are_the_best_by_score_then_by_length_then_by_party() {
        // Parties 2 to 32 tie on every term of the query; the thirty of three
        // words, as long as the query, come before the one of two.
        let mut names = vec!["Harrow Tools", "Harrow", "Harrow Tooling"];
        names.extend(std::iter::repeat_n("Harrow Tooling Kent", 30));
        names.extend([
            "Harrow Tooling Works",
            "Tooling Harrowgate",
            "Harrow Tooling Works",
        ]);
        let idx = index(&names);
        let q = analyze_name("Harrow Tooling Works", Schema::Unknown);
        let all = idx.search(&q, names.len());
        let docs = |c: &[Candidate]| c.iter().map(|c| c.doc).collect::<Vec<_>>();
        for k in 1..names.len() {
            assert_eq!(docs(&idx.search(&q, k)), docs(&all[..k]), "k = {k}");
        }
        // Asked as listed, both parties of that name come first.
        assert_eq!(docs(&all[..2]), [33, 35]);
        let tied: Vec<u32> = all
            .iter()
            .filter(|c| c.score == all[2].score)
            .map(|c| c.doc)
            .collect();
        let mut expected: Vec<u32> = (3..33).collect();
        expected.push(2);
        assert_eq!(tied, expected);
        assert!(all[2..].windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn name_lengths_meet_at_their_nearest() {
        let lengths = |n: &str| name_lengths(&analyze_name(n, Schema::Organization));
        let irgc = lengths("Islamic Revolutionary Guard Corps (IRGC) Aerospace Force");
        assert_eq!(irgc.count_ones(), 1, "{irgc:b}");
        assert_eq!(length_gap(lengths("Guard Corps"), irgc), 5);
        assert_eq!(length_gap(irgc | lengths("IRGC"), lengths("Corps")), 0);
        assert_eq!(length_gap(0, irgc), 63);
    }
}
