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
//! still found when it is asked for as listed. A query word that no party
//! has also brings the words one edit from it, as a misspelling of them
//! (see [`misspelt`]). A query accumulates IDF-weighted hits per party,
//! rarest terms first, and returns the top K; the long lists of common terms
//! are searched only for parties that can still reach the top K (see
//! [`CandidateIndex::accumulate`]). Parties that tie (a family of units named
//! after their parent all share its words) are ordered by how near one of
//! their names comes to the query's length in words, then by number.

mod misspelt;

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
/// A query word that no party has, read as a misspelling of a party's word
/// (see [`misspelt`]), counts as half that word.
const MISSPELT_WORD_WEIGHT: f32 = 0.5;
/// At most this many words are taken for one misspelt query word: a short
/// one may be one edit from dozens of words, and each costs a posting list.
const MAX_MISSPELT_READINGS: usize = 16;
/// Query words shorter than this are not read as misspellings.
const MIN_MISSPELT_LETTERS: usize = 4;

/// A name's whole text outweighs any one word: asked for as listed, the
/// name's party comes first.
const WHOLE_NAME_WEIGHT: f32 = 2.0;

/// Trigram terms more common than this share of parties are skipped at query
/// time: they cost time and carry no signal.
const MAX_TRIGRAM_DF_SHARE: f64 = 0.05;

/// When retrieval stops reading posting lists in full (see
/// [`CandidateIndex::accumulate`]).
#[derive(Debug, Clone, Copy)]
struct Pruning {
    /// Postings left to read per party met for the lists left to be looked
    /// up for the parties that may still reach the top K rather than read.
    /// A lookup costs a search or a bit test per list, but most parties
    /// give up after a list or two, and at a million parties a posting read
    /// costs a cache miss.
    search_cost: usize,
    /// A list left is read through, testing one bit per posting, rather
    /// than searched for each party still in the running, when it holds at
    /// most this many postings per party: a search costs a dozen dependent
    /// reads or more, most of them cache misses at a million parties; a
    /// posting read in order, a read and a bit test.
    read_through: usize,
}

/// Measured at 45,000 and at a million parties (see BENCHMARKS.md).
const PRUNING: Pruning = Pruning {
    search_cost: 4,
    read_through: 32,
};

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
        let misspelt = misspelt::Deletions::new(
            (terms.iter().zip(0u32..))
                .filter_map(|((term, _), id)| Some((term.strip_prefix(WORD.0)?, id))),
        );
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
            misspelt,
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
    /// Every word filed by its spellings with a letter left out.
    misspelt: misspelt::Deletions,
}

thread_local! {
    /// Per-thread retrieval scratch (see [`CandidateIndex::accumulate`]).
    static ACCUMULATOR: std::cell::RefCell<Accumulator> = const { std::cell::RefCell::new(Accumulator::new()) };
}

/// Scratch space of one retrieval, kept per thread so that a query neither
/// allocates nor zeroes it.
struct Accumulator {
    /// Score per party, in fixed point; only touched slots are non-zero,
    /// and they are reset.
    scores: Vec<u32>,
    /// One bit per party, set for those still in the running while the
    /// lists left are searched; all zero between queries.
    marks: Vec<u64>,
    /// Parties touched, in the order first touched, then scratch.
    touched: Vec<u32>,
    /// Parties still in the running once the lists left are searched.
    running: Vec<u32>,
    /// The `k` best parties met so far, as keys of score and party, worst
    /// on top.
    leaders: BinaryHeap<Reverse<u64>>,
    /// Those `k` parties with their full scores, once they are known.
    completed: Vec<(u32, u32)>,
    /// The best parties so far, as keys of score, length and party, worst
    /// on top.
    ranked: BinaryHeap<Reverse<u128>>,
}

impl Accumulator {
    const fn new() -> Accumulator {
        Accumulator {
            scores: Vec::new(),
            marks: Vec::new(),
            touched: Vec::new(),
            running: Vec::new(),
            leaders: BinaryHeap::new(),
            completed: Vec::new(),
            ranked: BinaryHeap::new(),
        }
    }
}

type WordFrequencies = HashMap<Box<str>, u32, foldhash::fast::FixedState>;

/// Posting lists, each with what it adds to a party's score in fixed point.
type WeightedLists<'i> = SmallVec<[(&'i [u32], u32); 32]>;

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
            + self.misspelt.heap_bytes()
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
        if self.docs == 0 || k == 0 {
            return Vec::new();
        }
        let terms = self.query_terms(queries);
        let max_trigram_df = ((self.docs as f64) * MAX_TRIGRAM_DF_SHARE).max(50.0) as usize;
        let length = queries.iter().fold(0, |m, q| m | name_lengths(q));
        ACCUMULATOR
            .with_borrow_mut(|acc| self.accumulate(&terms, max_trigram_df, length, acc, k, PRUNING))
    }

    /// The indexed terms of the query names, as (term id, weight, whether a
    /// trigram), each once at its best weight, by id.
    fn query_terms(&self, queries: &[AnalyzedName]) -> Vec<(u32, f32, bool)> {
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
                for t in v.core_tokens() {
                    self.misspelt_readings(t, &mut key, |id| {
                        terms.push((id, MISSPELT_WORD_WEIGHT, false))
                    });
                }
            }
        }
        // The same term from several variants counts once, at its best weight.
        terms.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        terms.dedup_by(|a, b| a.0 == b.0);
        terms
    }

    /// The term ids of the words that `token`, a word no party has, may be
    /// a misspelling of (one letter left out, added, changed, or two
    /// swapped; see [`misspelt`]), at most [`MAX_MISSPELT_READINGS`].
    fn misspelt_readings(
        &self,
        token: &kordon_text::Token,
        buf: &mut String,
        mut f: impl FnMut(u32),
    ) {
        let text = token.text.as_str();
        if token.class != TokenClass::Word
            || text.chars().nth(MIN_MISSPELT_LETTERS - 1).is_none()
            || self.word_df.contains_key(text)
        {
            return;
        }
        let mut found: SmallVec<[u32; MAX_MISSPELT_READINGS]> = SmallVec::new();
        let mut take = |id: u32| {
            if found.len() < MAX_MISSPELT_READINGS && !found.contains(&id) {
                found.push(id);
            }
        };
        // A letter left out.
        self.misspelt.words_lacking(text).for_each(&mut take);
        // A letter too many, or one changed or two swapped.
        if text.chars().nth(misspelt::MIN_FILED_LETTERS - 1).is_some() {
            let mut word = String::new();
            kordon_text::edits::each_deletion(text, &mut word, |shorter| {
                buf.clear();
                buf.push_str(WORD.0);
                buf.push_str(shorter);
                if let Some(id) = self.terms.get(buf) {
                    take(id);
                }
                self.misspelt.words_lacking(shorter).for_each(&mut take);
            });
        }
        found.into_iter().for_each(&mut f);
    }

    /// The order of parties in the top `k`: by score, then by how near a
    /// name of the party comes to the query's `length` in words, then by
    /// party number.
    fn rank_key(&self, length: u64, doc: u32, score: u32) -> u128 {
        let near = 63 - length_gap(length, self.lengths[doc as usize]);
        (u128::from(score) << 64) | (u128::from(near) << 32) | u128::from(!doc)
    }

    /// Each kept term's posting list and what it adds to a party's score:
    /// its weight times its IDF, in fixed point (see [`Self::accumulate`]),
    /// and the scale of that fixed point.
    fn weighted_lists<'i>(
        &'i self,
        terms: &[(u32, f32, bool)],
        max_trigram_df: usize,
    ) -> (WeightedLists<'i>, f64) {
        let n = self.docs as f32;
        let lists: SmallVec<[(&[u32], f32); 32]> = terms
            .iter()
            .filter_map(|&(term, weight, trigram)| {
                let list = self.postings(term);
                // Trigrams common to many parties are left out.
                let skip = list.is_empty() || (trigram && list.len() > max_trigram_df);
                let idf = (n / (list.len() as f32)).ln() + 1.0;
                (!skip).then_some((list, weight * idf))
            })
            .collect();
        // As fine as 2^-16 of a point, and coarser only where a query has so
        // many terms that every party's sum must still fit in 31 bits.
        let total: f64 = lists.iter().map(|&(_, add)| f64::from(add)).sum();
        let scale = (f64::from(u32::MAX >> 1) / total.max(1.0)).min(65536.0);
        let fixed = lists
            .into_iter()
            .map(|(list, add)| (list, ((f64::from(add) * scale).round() as u32).max(1)))
            .collect();
        (fixed, scale)
    }

    /// The top `k` parties by the sum of the weights of the terms they
    /// share with the query, leaving `acc` all zero again.
    ///
    /// Terms are added rarest first (MaxScore, term at a time). From time to
    /// time, the `k` parties that score best so far are completed: each is
    /// searched for in the lists left, and the least of their full scores
    /// is a floor that `k` parties reach. Once it is above all that the lists
    /// left could give a party, no party met only in those lists can enter
    /// the top `k`. The lists left, the long ones of common trigrams, are
    /// then only looked up for the parties met that may still reach the
    /// floor, which drop out as soon as what is left could no longer lift
    /// them to it. The result is that of adding every list in full: scores
    /// are sums in fixed point, so they do not depend on the order of
    /// additions, and a party is dropped only when it surely scores below
    /// `k` others.
    fn accumulate(
        &self,
        terms: &[(u32, f32, bool)],
        max_trigram_df: usize,
        length: u64,
        acc: &mut Accumulator,
        k: usize,
        pruning: Pruning,
    ) -> Vec<Candidate> {
        let n = self.docs as usize;
        // Dense accumulator: a few megabytes even for a million parties, far
        // cheaper per posting than hashing; only touched slots are reset.
        if acc.scores.len() < n {
            acc.scores.resize(n, 0);
        }
        if acc.marks.len() < n.div_ceil(64) {
            acc.marks.resize(n.div_ceil(64), 0);
        }
        let Accumulator {
            scores,
            marks,
            touched,
            running,
            leaders,
            completed,
            ranked,
        } = acc;
        let (mut lists, scale) = self.weighted_lists(terms, max_trigram_df);
        lists.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.len().cmp(&b.0.len())));
        // `rest[i]`: the most that lists `i..` can add to one party.
        let mut rest: SmallVec<[u32; 36]> = smallvec::smallvec![0; lists.len() + 1];
        for i in (0..lists.len()).rev() {
            rest[i] = rest[i + 1] + lists[i].1;
        }
        // Sized once, and both read through plain slices, whose bounds stay
        // in registers over the postings rather than being reloaded at each.
        let most = lists.iter().map(|(list, _)| list.len()).sum::<usize>();
        if touched.len() < most {
            touched.resize(most, 0);
        }
        let (slots, seen) = (&mut scores[..n], &mut touched[..most]);
        // Whether a party is touched for the first time is a coin toss per
        // posting: `seen` is written at every posting and its length
        // advanced only for new parties, which costs no mispredicted branch.
        let mut len = 0;
        // The best score so far, and a score that `k` parties surely reach.
        let (mut best, mut floor) = (0u32, 0u32);
        let mut next = 0;
        // Postings added since the leaders were last completed, and postings
        // not read yet.
        let (mut since, mut unread) = (usize::MAX, most);
        while next < lists.len() {
            // Completing the leaders costs a scan of the parties met and a
            // search per leader and list left: it waits until one party at
            // least scores more than the lists left can give, and until as
            // many postings have been added since the last try as there are
            // parties met; and it stops at the first leader whose full score
            // is too low. Once it succeeds, the lists left are looked up for
            // the parties met, which is worth it only if they are much longer.
            if len >= k
                && rest[next] < best
                && since >= len
                && unread >= len.saturating_mul(pruning.search_cost)
            {
                since = 0;
                leaders.clear();
                for &doc in &seen[..len] {
                    let key = Reverse(u64::from(slots[doc as usize]) << 32 | u64::from(doc));
                    if leaders.len() < k {
                        leaders.push(key);
                    } else if let Some(mut worst) = leaders.peek_mut() {
                        if key < *worst {
                            *worst = key;
                        }
                    }
                }
                // The weakest first: it is the likeliest to fall short.
                completed.clear();
                while let Some(Reverse(key)) = leaders.pop() {
                    let (doc, mut score) = (key as u32, (key >> 32) as u32);
                    for &(list, add) in &lists[next..] {
                        if list.binary_search(&doc).is_ok() {
                            score += add;
                        }
                    }
                    if score <= rest[next] {
                        break;
                    }
                    completed.push((doc, score));
                }
                if completed.len() == k {
                    break;
                }
            }
            let (list, add) = lists[next];
            for &doc in list {
                let slot = &mut slots[doc as usize];
                seen[len] = doc;
                // Sums of positive weights: zero means untouched.
                len += usize::from(*slot == 0);
                *slot += add;
                best = best.max(*slot);
            }
            since = since.saturating_add(list.len());
            unread -= list.len();
            next += 1;
        }
        // The best `k` by [`Self::rank_key`], in a min-heap whose worst
        // raises the floor once `k` are kept; most parties fail on the
        // score alone.
        ranked.clear();
        // Called only at or above the floor: below it is the common case.
        let mut offer = |doc: u32, score: u32, floor: &mut u32| {
            let kept = Reverse(self.rank_key(length, doc, score));
            if ranked.len() < k {
                ranked.push(kept);
            } else if let Some(mut worst) = ranked.peek_mut() {
                if kept < *worst {
                    *worst = kept;
                }
            }
            if ranked.len() == k {
                let worst = ranked.peek().map_or(0, |w| (w.0 >> 64) as u32);
                *floor = (*floor).max(worst);
            }
        };
        let left = &lists[next..];
        if left.is_empty() {
            for &doc in &seen[..len] {
                let score = std::mem::take(&mut slots[doc as usize]);
                if score >= floor {
                    offer(doc, score, &mut floor);
                }
            }
        } else {
            // The leaders are done. Their slots are cleared first: a cleared
            // slot cannot reach the floor they set, which is above all that
            // the lists left can give.
            for &(doc, score) in completed.iter() {
                slots[doc as usize] = 0;
                offer(doc, score, &mut floor);
            }
            // The others that may still reach the floor, marked one bit
            // each, take each list left in turn, which is read through when
            // it is short enough and otherwise searched for each of them. At
            // a million parties, thousands may be left: the marks stay in
            // cache where their scores do not, and a list read in order
            // costs far less per posting than a search from its start.
            let bit = |doc: u32| ((doc >> 6) as usize, 1u64 << (doc & 63));
            running.clear();
            for &doc in &seen[..len] {
                let slot = &mut slots[doc as usize];
                if *slot + rest[next] >= floor {
                    running.push(doc);
                    let (word, mask) = bit(doc);
                    marks[word] |= mask;
                } else {
                    *slot = 0;
                }
            }
            for (&(list, add), &most_left) in left.iter().zip(&rest[next + 1..]) {
                if running.is_empty() {
                    break;
                }
                if list.len() <= running.len().saturating_mul(pruning.read_through) {
                    for &doc in list {
                        let (word, mask) = bit(doc);
                        if marks[word] & mask != 0 {
                            slots[doc as usize] += add;
                        }
                    }
                } else {
                    for &doc in running.iter() {
                        if list.binary_search(&doc).is_ok() {
                            slots[doc as usize] += add;
                        }
                    }
                }
                running.retain(|&doc| {
                    let keep = slots[doc as usize] + most_left >= floor;
                    if !keep {
                        slots[doc as usize] = 0;
                        let (word, mask) = bit(doc);
                        marks[word] &= !mask;
                    }
                    keep
                });
            }
            for &doc in running.iter() {
                let (word, mask) = bit(doc);
                marks[word] &= !mask;
                let score = std::mem::take(&mut slots[doc as usize]);
                if score >= floor {
                    offer(doc, score, &mut floor);
                }
            }
        }
        let mut out: Vec<Reverse<u128>> = ranked.drain().collect();
        out.sort_unstable();
        out.into_iter()
            .map(|Reverse(key)| Candidate {
                doc: !(key as u32),
                score: ((key >> 64) as f64 / scale) as f32,
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
    fn a_word_no_party_has_is_read_as_a_misspelling() {
        let idx = index(&["Harrowgate Naftan Mill", "Harrowgate Nafta Trading"]);
        let naftan = idx.terms.get("w:naftan").unwrap();
        // The weight of the word "naftan" among the query's terms, if any.
        let weight = |q: &str| {
            let terms = idx.query_terms(&[analyze_name(q, Schema::Organization)]);
            terms.iter().find(|t| t.0 == naftan).map(|t| t.1)
        };
        // A letter left out, one too many, one changed, two swapped.
        for q in ["Nafan Mill", "Naftran Mill", "Naftin Mill", "Nafatn Mill"] {
            assert_eq!(weight(q), Some(MISSPELT_WORD_WEIGHT), "{q}");
        }
        assert_eq!(weight("Naftan Mill"), Some(WORD.1));
        // Two edits are not a misspelling, nor is a word some party has.
        assert_eq!(weight("Nftin Mill"), None);
        assert_eq!(weight("Nafta Mill"), None);
        // The party is found first.
        let top = idx.search(&analyze_name("Nafan Mill", Schema::Organization), 1);
        assert_eq!(top[0].doc, 0);
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

    /// Every list added in full: what the pruned accumulation must equal.
    fn exhaustive(
        idx: &CandidateIndex,
        terms: &[(u32, f32, bool)],
        max_trigram_df: usize,
        length: u64,
        k: usize,
    ) -> Vec<(u32, u32)> {
        let (lists, _) = idx.weighted_lists(terms, max_trigram_df);
        let mut sums: HashMap<u32, u32> = HashMap::new();
        for (list, add) in lists {
            for &doc in list {
                *sums.entry(doc).or_default() += add;
            }
        }
        let mut keys: Vec<u128> = sums
            .into_iter()
            .map(|(doc, score)| idx.rank_key(length, doc, score))
            .collect();
        keys.sort_unstable_by(|a, b| b.cmp(a));
        keys.iter()
            .take(k)
            .map(|&key| (!(key as u32), (key >> 64) as u32))
            .collect()
    }

    /// Looking the lists left up whenever the floor allows, by search or by
    /// reading them through; as in the index; and never.
    const PRUNINGS: [Pruning; 4] = [
        Pruning {
            search_cost: 0,
            read_through: 0,
        },
        Pruning {
            search_cost: 0,
            read_through: usize::MAX,
        },
        PRUNING,
        Pruning {
            search_cost: usize::MAX,
            read_through: 0,
        },
    ];

    /// The pruned top `k` as (party, score in fixed point).
    fn top_k(
        idx: &CandidateIndex,
        terms: &[(u32, f32, bool)],
        max_trigram_df: usize,
        length: u64,
        k: usize,
        pruning: Pruning,
    ) -> Vec<(u32, u32)> {
        let (_, scale) = idx.weighted_lists(terms, max_trigram_df);
        ACCUMULATOR
            .with_borrow_mut(|acc| idx.accumulate(terms, max_trigram_df, length, acc, k, pruning))
            .iter()
            .map(|c| (c.doc, (f64::from(c.score) * scale).round() as u32))
            .collect()
    }

    const WORDS: [&str; 14] = [
        "kupol", "kupola", "almaz", "antey", "izhevsk", "zavod", "plant", "trade", "trading",
        "rostec", "rosneft", "neft", "tehnika", "tekhnika",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// Pruning never changes the top `k`: parties, order and scores are
        /// those of adding every posting, over indexes whose parties share
        /// most of their words, and so tie and overlap a great deal.
        #[test]
        fn pruned_top_k_equals_every_list_added_in_full(
            names in proptest::collection::vec(proptest::collection::vec(0..WORDS.len(), 1..4), 1..120),
            query in proptest::collection::vec(0..WORDS.len(), 1..5),
            k in 1usize..40,
            max_trigram_df in 2usize..60,
        ) {
            let names: Vec<String> = names
                .iter()
                .map(|n| n.iter().map(|&w| WORDS[w]).collect::<Vec<_>>().join(" "))
                .collect();
            let idx = index(&names.iter().map(String::as_str).collect::<Vec<_>>());
            let q = analyze_name(
                &query.iter().map(|&w| WORDS[w]).collect::<Vec<_>>().join(" "),
                Schema::Unknown,
            );
            let terms = idx.query_terms(std::slice::from_ref(&q));
            let length = name_lengths(&q);
            let expected = exhaustive(&idx, &terms, max_trigram_df, length, k);
            for pruning in PRUNINGS {
                let got = top_k(&idx, &terms, max_trigram_df, length, k, pruning);
                proptest::prop_assert_eq!(&got, &expected, "{:?}", pruning);
                // The scratch space is left all zero for the next query.
                ACCUMULATOR.with_borrow(|acc| {
                    assert!(acc.scores.iter().all(|&s| s == 0));
                    assert!(acc.marks.iter().all(|&m| m == 0));
                });
            }
        }
    }

    /// An index of the given posting lists alone, with one party per name
    /// length in `lengths`, queried by term ids.
    fn raw_index(lists: &[Vec<u32>], lengths: &[u64]) -> CandidateIndex {
        let mut offsets = vec![0];
        let mut postings = Vec::new();
        for list in lists {
            let mut list = list.clone();
            list.sort_unstable();
            list.dedup();
            postings.extend(list);
            offsets.push(postings.len() as u32);
        }
        CandidateIndex {
            terms: TermIds::new::<()>(&[]),
            whole_names: Vec::new(),
            offsets,
            postings,
            lengths: lengths.to_vec(),
            docs: lengths.len() as u32,
            word_df: WordFrequencies::default(),
            misspelt: misspelt::Deletions::default(),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// The same over bare posting lists of a few sizes and weights, so
        /// that parties met only in the last lists often tie exactly with
        /// the `k`-th best, where only the length and the party number
        /// decide.
        #[test]
        fn pruned_top_k_equals_full_sums_where_scores_tie(
            lists in proptest::collection::vec(
                (proptest::collection::vec(0u32..10, 1..5), 0usize..3, proptest::bool::ANY),
                1..14,
            ),
            lengths in proptest::collection::vec(1u64..4, 40),
            query_length in 1u64..4,
            k in 1usize..12,
        ) {
            let postings: Vec<Vec<u32>> = lists.iter().map(|(l, _, _)| l.clone()).collect();
            let idx = raw_index(&postings, &lengths);
            let terms: Vec<(u32, f32, bool)> = lists
                .iter()
                .zip(0u32..)
                .map(|((_, w, trigram), id)| (id, [0.5, 1.0, 2.0][*w], *trigram))
                .collect();
            let expected = exhaustive(&idx, &terms, 6, query_length, k);
            for pruning in PRUNINGS {
                let got = top_k(&idx, &terms, 6, query_length, k, pruning);
                proptest::prop_assert_eq!(&got, &expected, "{:?}", pruning);
            }
        }
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
